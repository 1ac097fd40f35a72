"""The pages that bring every floor together: the dashboard and the alliance page.

They live on the top floor because they show what each floor below holds (members and
objectives, commitments and measurements, the next step and the evaluation). Views resolve
the object and the person's access, and hand the template lazy reads (``later``): what the
page cache already holds is never computed.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.template.defaultfilters import floatformat
from django.utils import dateformat, timezone
from django.utils.formats import get_format

from alianzas import access, generations
from alianzas import selectors as alliance_selectors
from alianzas.cycles import (
    CYCLE_START_CHANGES,
    NEW_CYCLE_CHANGES,
    started_a_cycle,
    started_the_cycle,
)
from alianzas.forms import AllianceFilterForm
from alianzas.models import Frequency, Role
from alianzas.reversing import PageUrls
from alianzas.templatetags.money import soles
from alianzas.views import filtered, filters_key, later
from fases import governance, selectors
from fases.requirements import page_reads
from fases.services import next_step, transition_options
from seguimiento import selectors as monitoring_selectors
from seguimiento.models import CommitmentKind, CommitmentStatus
from seguimiento.nav import person_facts
from seguimiento.services import open_for_reports


@login_required
def dashboard(request):
    form, filters = filtered(request, AllianceFilterForm)
    visible = access.visible_alliances(request.user)
    alliances = alliance_selectors.filter_alliances(visible, filters)
    # Built on every visit: built, it meets the goal the page cache was for
    # (docs/performance.md, "Where the page cache stays"). A portfolio's figures are
    # counted at most once a minute (selectors.dashboard). Which alliances the person
    # sees is kept until their roles or their actors' memberships change.
    ids = generations.person_value(
        request.user, "dashboard-scope", lambda: alliance_selectors.small_scope_ids(visible)
    )
    scope_key = f"{access.visibility_key(request.user)}:{filters_key(filters)}"
    context = {
        "nav": "dashboard",
        "filter_form": form,
        # Unfiltered, the figures are of the scope whose ids are known already.
        "figures": later(
            monitoring_selectors.dashboard,
            alliances,
            scope_key=scope_key,
            ids=None if filters else ids,
        ),
        "blocked": later(selectors.blocked_alliances, request.user),
        "can_create": access.can_create_alliance(request.user),
    }
    return render(request, "fases/dashboard.html", context)


def _alliance_pages(request, pk, tab: str):
    """The alliance ``pk`` if the person may see it (404 otherwise), and what every one of
    its pages shows above its part: the title, the links to edit and import, the tabs."""
    # The coordinators answer the access check, whether the person manages the alliance
    # and the summary's list of coordinators.
    alliance = access.get_alliance_or_404(request.user, pk, prefetch=("coordinators",))
    context = {
        "nav": "alliances",
        "tab": tab,
        "alliance": alliance,
        "can_manage": later(access.can_manage_alliance, request.user, alliance),
        # Everything below the title is cached for this person until the alliance changes
        # (alianzas.generations); what it needs is read only when it is rendered.
        "content_cache": generations.content_cache(f"alliance-{tab}", request, [alliance.pk]),
    }
    return alliance, context


@login_required
def alliance_detail(request, pk):
    """The summary: what the alliance is, its next step and who is in it, with the panels
    of the phase it is in. Its objectives, commitments and history have pages of their own
    (the tabs): on one page they made it the slowest the application built
    (docs/performance.md)."""
    alliance, context = _alliance_pages(request, pk, "summary")
    user = request.user
    # The checklist and the buttons share the next step's requirements: checked once.
    step = later(next_step, alliance)
    # With whether each indicator has a value this cycle: the checklist reads these rows.
    objectives = later(monitoring_selectors.objectives_with_indicators, alliance, measured=True)
    memberships = later(
        lambda: alliance_selectors.memberships_of(alliance.pk, known={"alliance": alliance})
    )
    commitments = later(monitoring_selectors.commitments_by_actor, alliance, alliance.cycle)
    history = later(lambda: selectors.phase_changes_of(alliance.pk, known={"alliance": alliance}))
    context |= {
        "places": later(alliance_selectors.places_of, alliance.pk),
        "goals": later(alliance_selectors.goals_of, alliance.pk),
        "publications": later(alliance_selectors.latest_publications_of, alliance.pk),
        # Every membership, current ones last: the members' table, the agreement panel,
        # the lead actor and the checklist's current members all read this one list.
        "memberships": memberships,
        "lead_actor": later(lambda: _lead_actor(memberships)),
        "next_step": step,
        "options": later(lambda: transition_options(alliance, user, step=step)),
        # The committee's open action points and the counts of meetings and risks: two queries.
        "governance": later(governance.alliance_summary, alliance),
        # A start date still to come holds every reporting period back: the page says so.
        "starts_later": bool(alliance.start_date and alliance.start_date > timezone.localdate()),
    }
    # The checklist, the transitions and the panels share reads; the current members are
    # the page's list's (the same order as the checklist's own query: joined_on, pk).
    # The history's rows tell when the cycle began (the reporting periods) and when each
    # cycle did (the health check's members by cycle); the cycle's commitments, who has
    # committed; this cycle's and the next's agreements are one read.
    current = {
        **page_reads(
            alliance,
            active_memberships=lambda: [m for m in memberships if m.is_active],
            cycle_commitments=lambda: [c for _actor, rows in commitments for c in rows],
            objectives=lambda: [objective for objective, _rows in objectives],
            indicators=lambda: [row.indicator for _objective, rows in objectives for row in rows],
        ),
        CYCLE_START_CHANGES: lambda: started_the_cycle(alliance, history),
        NEW_CYCLE_CHANGES: lambda: started_a_cycle(history),
    }
    with alliance.reading(**current):
        return render(request, "fases/alliance_detail.html", context)


@login_required
def alliance_objectives(request, pk):
    """The alliance's objectives and their indicators, with their latest values and the
    links to report one where the person may."""
    alliance, context = _alliance_pages(request, pk, "objectives")
    user = request.user
    objectives = later(monitoring_selectors.objectives_with_indicators, alliance)
    # Read with the navigation's facts (one query for both, cached with them): the page
    # only offers links with them; each form checks the person's actors itself.
    represented = later(lambda: set(person_facts(request)["represented_actor_ids"]))
    can_manage = context["can_manage"]
    reportable = later(lambda: _reportable(user, alliance, objectives, represented))
    context["objectives"] = later(
        lambda: _with_indicator_facts(alliance, objectives, can_manage, reportable)
    )
    return render(request, "fases/alliance_objectives.html", context)


@login_required
def alliance_commitments(request, pk):
    """What each member committed in the current cycle, and its progress."""
    alliance, context = _alliance_pages(request, pk, "commitments")
    user = request.user
    represented = later(lambda: set(person_facts(request)["represented_actor_ids"]))
    context |= {
        "represented_actor_ids": represented,
        "commitments": later(
            lambda: _with_commitment_facts(
                alliance,
                monitoring_selectors.commitments_by_actor(alliance, alliance.cycle),
                may_act=lambda actor_id: access.may_update_among(
                    user, alliance, actor_id, represented
                ),
            )
        ),
    }
    return render(request, "fases/alliance_commitments.html", context)


@login_required
def alliance_history(request, pk):
    """The changes of phase, of people and of the design, latest first."""
    alliance, context = _alliance_pages(request, pk, "history")
    context["history"] = later(
        lambda: selectors.phase_changes_of(alliance.pk, known={"alliance": alliance})
    )
    return render(request, "fases/alliance_history.html", context)


def _with_commitment_facts(alliance, groups, *, may_act):
    """Set on each commitment of ``groups`` (``commitments_by_actor``) what its row shows,
    worked out once for the page: its links (``edit_url`` and ``log_url`` only for those who
    may act on it while it is open; no progress once the alliance is closed), its labels and
    whether it is overdue. The template only writes them."""
    today = timezone.localdate()
    date_format = get_format("SHORT_DATE_FORMAT")
    kinds = {value: str(label) for value, label in CommitmentKind.choices}
    statuses = {value: str(label) for value, label in CommitmentStatus.choices}
    urls = PageUrls()
    for actor, rows in groups:
        acts = may_act(actor.pk)
        for commitment in rows:
            pk, is_open = commitment.pk, commitment.is_open
            commitment.detail_url = urls("seguimiento:commitment_detail", alliance.pk, pk)
            editable = acts and is_open
            commitment.edit_url = (
                urls("seguimiento:commitment_edit", alliance.pk, pk) if editable else ""
            )
            commitment.log_url = (
                urls("seguimiento:log_progress", alliance.pk, pk)
                if editable and not alliance.is_closed
                else ""
            )
            commitment.overdue = is_open and commitment.due_date < today
            commitment.due_label = dateformat.format(commitment.due_date, date_format)
            commitment.kind_label = kinds.get(commitment.kind, commitment.kind)
            commitment.status_label = statuses.get(commitment.status, commitment.status)
            commitment.value_label = soles(commitment.value_pen)
    return groups


def _with_indicator_facts(alliance, objectives, can_manage, reportable):
    """Set on each indicator row of ``objectives`` (``objectives_with_indicators``) what it
    shows, worked out once for the page: its links (``edit_url`` for those who manage the
    alliance, ``report_url`` where the person may report a value now), its figures and
    dates as the page writes them."""
    date_format = get_format("SHORT_DATE_FORMAT")
    frequencies = {value: str(label) for value, label in Frequency.choices}

    def figure(value) -> str:
        return floatformat(value, "-2") or "—"

    urls = PageUrls()
    for _objective, rows in objectives:
        for row in rows:
            indicator, pk = row.indicator, row.indicator.pk
            row.history_url = urls("seguimiento:indicator_history", alliance.pk, pk)
            row.edit_url = urls("alianzas:indicator_edit", alliance.pk, pk) if can_manage else ""
            row.report_url = (
                urls("seguimiento:report_measurement", alliance.pk, pk)
                if pk in reportable and indicator.frequency
                else ""
            )
            row.baseline_label = figure(indicator.baseline_value)
            row.target_label = figure(indicator.target_value)
            row.target_date_label = (
                dateformat.format(indicator.target_date, date_format)
                if indicator.target_date
                else ""
            )
            if row.latest is not None:
                row.latest_label = figure(row.latest.value)
                row.latest_end_label = dateformat.format(row.latest.period_end, date_format)
            row.frequency_label = frequencies.get(indicator.frequency, indicator.frequency) or "—"
            row.responsible_label = str(indicator.responsible_actor or "—")
            row.progress_now = row.progress
    return objectives


def _lead_actor(memberships):
    """The current member with the role of leader (``Alliance.lead_actor``, from the list)."""
    leaders = (m.actor for m in memberships if m.is_active and m.role == Role.LEADER)
    return next(leaders, None)


def _reportable(user, alliance, objectives, represented) -> set[int]:
    """The indicators whose value ``user`` may report now: of the page's own indicator rows,
    those the person may report (from the actors the page knows they represent) with a
    period open."""
    if not alliance.accepts_reports:
        return set()
    indicators = [row.indicator for _objective, rows in objectives for row in rows]
    may_report = access.reportable_among(user, alliance, indicators, represented)
    return open_for_reports([i for i in indicators if i.pk in may_report], alliance)
