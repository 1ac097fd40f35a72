"""The pages of the alliance's governance (committee, meetings, decisions, action points),
its register of risks and conflicts, the minutes as PDF and the calendar feeds. Thin:
each resolves the alliance and the person's access, calls a service, and answers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from alianzas import access
from alianzas.views import done, form_page, submit
from fases import calendar_feeds, governance, minutes_pdf, risks
from fases.governance_forms import (
    ActionPointForm,
    CloseActionPointForm,
    CommitteeMemberForm,
    DecisionForm,
    MeetingForm,
    RiskForm,
)
from fases.models import ActionPoint, CommitteeMember, Meeting, Risk


def governance_url(alliance, anchor: str = "") -> str:
    url = reverse("fases:governance", args=[alliance.pk])
    return f"{url}#{anchor}" if anchor else url


@login_required
@require_GET
def governance_page(request, pk):
    alliance = access.get_alliance_or_404(request.user, pk, prefetch=("coordinators",))
    context = {
        "nav": "alliances",
        "alliance": alliance,
        "can_manage": access.can_manage_alliance(request.user, alliance) and not alliance.is_closed,
        "committee": governance.committee(alliance),
        "meetings": governance.meetings(alliance),
        "action_points": ActionPoint.objects.filter(alliance=alliance)
        .select_related("owner", "owner_actor", "decision__meeting")
        .order_by("status", "due_date", "pk"),
    }
    return render(request, "fases/governance/governance.html", context)


@login_required
def committee_member_add(request, pk):
    alliance = access.get_alliance_or_404(request.user, pk, manage=True)
    form = CommitteeMemberForm(request.POST or None, alliance=alliance)
    if request.method == "POST" and form.is_valid():
        submit(
            form,
            governance.add_committee_member,
            alliance=alliance,
            user=request.user,
            **form.cleaned_data,
        )
        if not form.errors:
            return done(
                request, governance_url(alliance, "committee"), _("The committee was updated.")
            )
    return form_page(
        request,
        form,
        title=_("Add someone to the committee"),
        action=request.path,
        cancel=governance_url(alliance, "committee"),
        alliance=alliance,
    )


@login_required
@require_POST
def committee_member_end(request, pk, member_pk):
    alliance = access.get_alliance_or_404(request.user, pk, manage=True)
    member = get_object_or_404(CommitteeMember, pk=member_pk, alliance=alliance)
    member.alliance = alliance
    try:
        governance.end_committee_membership(member=member, user=request.user)
    except governance.GovernanceNotPermitted:
        raise
    except governance.GovernanceError as refusal:
        messages.error(request, refusal.message)
        return redirect(governance_url(alliance, "committee"))
    return done(
        request,
        governance_url(alliance, "committee"),
        _("%(person)s left the committee.") % {"person": member.person},
    )


def _meeting_of(request, pk, meeting_pk, *, manage=False):
    # The coordinators read once: the access checks of the view, of its page and of the
    # service it calls all ask whether the person is one (``access.is_coordinator``).
    alliance = access.get_alliance_or_404(
        request.user, pk, manage=manage, prefetch=("coordinators",)
    )
    meeting = get_object_or_404(Meeting, pk=meeting_pk, alliance=alliance)
    meeting.alliance = alliance
    return alliance, meeting


@login_required
def meeting_create(request, pk):
    alliance = access.get_alliance_or_404(request.user, pk, manage=True)
    return _meeting_form(request, alliance, None)


@login_required
def meeting_edit(request, pk, meeting_pk):
    alliance, meeting = _meeting_of(request, pk, meeting_pk, manage=True)
    return _meeting_form(request, alliance, meeting)


def _meeting_form(request, alliance, meeting):
    initial = None
    if meeting is not None:
        initial = {
            "title": meeting.title,
            "starts_at": meeting.starts_at,
            "place": meeting.place,
            "link": meeting.link,
            "agenda": meeting.agenda,
            "minutes": meeting.minutes,
            "attendees": list(meeting.attendees.all()),
        }
    form = MeetingForm(request.POST or None, initial=initial, alliance=alliance)
    if request.method == "POST" and form.is_valid():
        saved = submit(
            form,
            governance.save_meeting,
            alliance=alliance,
            user=request.user,
            meeting=meeting,
            **form.cleaned_data,
        )
        if not form.errors:
            return done(
                request,
                reverse("fases:meeting_detail", args=[alliance.pk, saved.pk]),
                _("The meeting was saved."),
            )
    return form_page(
        request,
        form,
        title=_("Record the meeting") if meeting else _("Schedule a meeting"),
        action=request.path,
        cancel=governance_url(alliance, "meetings"),
        alliance=alliance,
    )


@login_required
@require_GET
def meeting_detail(request, pk, meeting_pk):
    alliance, meeting = _meeting_of(request, pk, meeting_pk)
    # Each action point with its owner and owner actor in the one query of the points
    # (two prefetches fewer than following each relation on its own).
    points = ActionPoint.objects.select_related("owner", "owner_actor")
    decisions = meeting.decisions.prefetch_related(
        Prefetch("action_points", queryset=points), "settled_conflicts"
    )
    context = {
        "nav": "alliances",
        "alliance": alliance,
        "meeting": meeting,
        "attendees": list(meeting.attendees.order_by("name")),
        "decisions": decisions,
        "can_manage": access.can_manage_alliance(request.user, alliance) and not alliance.is_closed,
    }
    return render(request, "fases/governance/meeting.html", context)


@login_required
def decision_create(request, pk, meeting_pk):
    alliance, meeting = _meeting_of(request, pk, meeting_pk, manage=True)
    form = DecisionForm(request.POST or None, alliance=alliance)
    if request.method == "POST" and form.is_valid():
        submit(
            form,
            governance.record_decision,
            meeting=meeting,
            user=request.user,
            text=form.cleaned_data["text"],
            action=form.action(),
        )
        if not form.errors:
            return done(
                request,
                reverse("fases:meeting_detail", args=[alliance.pk, meeting.pk]) + "#decisions",
                _("The decision was recorded."),
            )
    return form_page(
        request,
        form,
        title=_("Record a decision"),
        action=request.path,
        cancel=reverse("fases:meeting_detail", args=[alliance.pk, meeting.pk]),
        alliance=alliance,
    )


@login_required
def action_point_create(request, pk, meeting_pk, decision_pk):
    alliance, meeting = _meeting_of(request, pk, meeting_pk, manage=True)
    decision = get_object_or_404(meeting.decisions, pk=decision_pk)
    decision.meeting = meeting
    form = ActionPointForm(request.POST or None, alliance=alliance)
    if request.method == "POST" and form.is_valid():
        submit(
            form, governance.add_action_point, decision=decision, user=request.user, **form.action()
        )
        if not form.errors:
            return done(
                request,
                reverse("fases:meeting_detail", args=[alliance.pk, meeting.pk]) + "#decisions",
                _("The action point was added."),
            )
    return form_page(
        request,
        form,
        title=_("Add an action point"),
        action=request.path,
        cancel=reverse("fases:meeting_detail", args=[alliance.pk, meeting.pk]),
        alliance=alliance,
    )


@login_required
def action_point_close(request, pk, action_point_pk):
    alliance = access.get_alliance_or_404(request.user, pk)
    point = get_object_or_404(ActionPoint, pk=action_point_pk, alliance=alliance)
    point.alliance = alliance
    if not governance.can_close_action_point(request.user, point):
        raise governance.GovernanceNotPermitted(
            _("Only the owner, their actor's representatives and the coordinators may do this.")
        )
    form = CloseActionPointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        submit(
            form,
            governance.close_action_point,
            action_point=point,
            user=request.user,
            **form.cleaned_data,
        )
        if not form.errors:
            return done(
                request,
                governance_url(alliance, f"action-point-{point.pk}"),
                _("The action point was closed."),
            )
    return form_page(
        request,
        form,
        title=_("Close the action point"),
        action=request.path,
        cancel=governance_url(alliance, f"action-point-{point.pk}"),
        alliance=alliance,
    )


@login_required
@require_GET
def minutes_download(request, pk, meeting_pk):
    alliance, meeting = _meeting_of(request, pk, meeting_pk)
    content = minutes_pdf.render(meeting)
    response = HttpResponse(content, content_type="application/pdf")
    name = slugify(f"acta-{alliance.name}-{meeting.starts_at:%Y-%m-%d}")[:80] or "acta"
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response


# --- Risks and conflicts ---------------------------------------------------------------


@login_required
@require_GET
def risk_register(request, pk):
    alliance = access.get_alliance_or_404(request.user, pk, prefetch=("coordinators",))
    items = list(risks.register(alliance))
    context = {
        "nav": "alliances",
        "alliance": alliance,
        "items": items,
        "matrix": risks.matrix(items),
        "unreviewed": risks.unreviewed_high_risks(alliance),
        "can_manage": access.can_manage_alliance(request.user, alliance) and not alliance.is_closed,
    }
    return render(request, "fases/governance/risks.html", context)


@login_required
def risk_create(request, pk):
    alliance = access.get_alliance_or_404(request.user, pk, manage=True)
    return _risk_form(request, alliance, None)


@login_required
def risk_edit(request, pk, risk_pk):
    alliance = access.get_alliance_or_404(request.user, pk, manage=True)
    risk = get_object_or_404(Risk, pk=risk_pk, alliance=alliance)
    return _risk_form(request, alliance, risk)


def _risk_form(request, alliance, risk):
    initial = None
    if risk is not None:
        initial = {
            "kind": risk.kind,
            "title": risk.title,
            "description": risk.description,
            "actors": list(risk.actors.all()),
            "likelihood": risk.likelihood,
            "impact": risk.impact,
            "response": risk.response,
            "owner_actor": risk.owner_actor,
            "status": risk.status,
            "settled_by": risk.settled_by,
        }
    form = RiskForm(request.POST or None, initial=initial, alliance=alliance)
    if request.method == "POST" and form.is_valid():
        submit(
            form,
            risks.save_risk,
            alliance=alliance,
            user=request.user,
            risk=risk,
            **form.cleaned_data,
        )
        if not form.errors:
            return done(
                request,
                reverse("fases:risk_register", args=[alliance.pk]),
                _("The register was updated; the item counts as reviewed today."),
            )
    return form_page(
        request,
        form,
        title=_("Review the item") if risk else _("Add a risk or a conflict"),
        action=request.path,
        cancel=reverse("fases:risk_register", args=[alliance.pk]),
        alliance=alliance,
    )


# --- Calendars ----------------------------------------------------------------------------


@login_required
def calendar_settings(request):
    """The person's calendar addresses, and the button that renews their secret."""
    if request.method == "POST":
        calendar_feeds.renew_feed(request.user)
        return done(
            request,
            reverse("fases:calendar_settings"),
            _("Your calendar address was renewed: the old one no longer works."),
        )
    feed = calendar_feeds.feed_of(request.user)
    alliances = access.visible_alliances(request.user).exclude(phase="closed").order_by("name")
    if access.is_administrator(request.user):
        alliances = alliances.filter(coordinators=request.user)
    context = {
        "nav": "calendar",
        "feed_url": request.build_absolute_uri(reverse("fases:person_calendar", args=[feed.token])),
        "alliances": [
            (
                alliance,
                request.build_absolute_uri(
                    reverse("fases:alliance_calendar", args=[feed.token, alliance.pk])
                ),
            )
            for alliance in alliances[:100]
        ],
    }
    return render(request, "fases/governance/calendar.html", context)


def _ics(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{name}.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def person_calendar(request, feed_token):
    """The secret in the address is the credential (calendar applications cannot sign in)."""
    person = calendar_feeds.person_for_token(feed_token)
    if person is None:
        raise Http404
    return _ics(calendar_feeds.person_calendar(person), "alianzas")


@require_GET
def alliance_calendar(request, feed_token, pk):
    person = calendar_feeds.person_for_token(feed_token)
    alliance = calendar_feeds.readable_alliance(person, pk) if person else None
    if alliance is None:
        raise Http404
    return _ics(calendar_feeds.alliance_calendar(alliance), f"alianza-{alliance.pk}")
