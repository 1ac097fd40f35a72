import mimetypes
import os
from urllib.parse import urlsplit

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from alianzas import access
from alianzas.models import Indicator
from alianzas.reversing import PageUrls
from alianzas.views import (
    adjustment_form_for,
    alliance_url,
    done,
    form_page,
    later,
    paginate,
    submit,
)
from seguimiento import panels, selectors, services
from seguimiento.forms import (
    CancelCommitmentForm,
    CommitmentForm,
    MeasurementForm,
    MyCommitmentsFilterForm,
    ProgressForm,
)
from seguimiento.models import (
    Commitment,
    CommitmentStatus,
    CommitmentUpdate,
    Measurement,
    MeasurementCorrection,
)


def commitment_page(request, alliance, form, *, title, action):
    reason_form = adjustment_form_for(request, alliance, form.instance)
    reason_valid = reason_form is None or reason_form.is_valid()
    if request.method == "POST" and form.is_valid() and reason_valid:
        commitment = submit(
            form,
            services.save_commitment,
            user=request.user,
            commitment=form.save(commit=False),
            adjustment=reason_form.reason_given() if reason_form else None,
        )
        if not form.errors:
            return done(
                request,
                alliance_url(alliance, f"commitments-actor-{commitment.actor_id}"),
                _("The commitment was saved."),
            )
    return form_page(
        request,
        form,
        title=title,
        action=action,
        cancel=alliance_url(alliance, "commitments"),
        alliance=alliance,
        extra_forms=[reason_form],
    )


def actors_for(user, alliance):
    """Coordinators record for any member; a representative only for their own actors."""
    if access.can_manage_alliance(user, alliance):
        return None
    return list(user.actors.values_list("pk", flat=True))


@login_required
def commitment_create(request, pk):
    alliance = access.get_alliance_or_404(request.user, pk)
    actors = actors_for(request.user, alliance)
    if actors is not None and not alliance.active_memberships().filter(actor__in=actors).exists():
        raise PermissionDenied
    form = CommitmentForm(request.POST or None, alliance=alliance, actors=actors)
    return commitment_page(
        request,
        alliance,
        form,
        title=_("New commitment"),
        action=reverse("seguimiento:commitment_create", args=[alliance.pk]),
    )


@login_required
def commitment_edit(request, pk, commitment_pk):
    alliance = access.get_alliance_or_404(request.user, pk)
    commitment = get_object_or_404(Commitment, pk=commitment_pk, alliance=alliance)
    if not access.can_update_commitment(request.user, commitment):
        raise PermissionDenied
    form = CommitmentForm(
        request.POST or None,
        instance=commitment,
        alliance=alliance,
        actors=actors_for(request.user, alliance),
    )
    return commitment_page(
        request,
        alliance,
        form,
        title=_("Edit the commitment"),
        action=reverse("seguimiento:commitment_edit", args=[alliance.pk, commitment.pk]),
    )


# --- Representatives: my commitments, progress, values and their evidence ---------


def back_to(request, default: str) -> str:
    """After a change made in a form that htmx opened inside a page: that page (reloaded,
    with its filters); otherwise ``default``."""
    if request.htmx and request.htmx.current_url:
        current = urlsplit(request.htmx.current_url)
        if current.path and url_has_allowed_host_and_scheme(
            request.htmx.current_url, allowed_hosts={request.get_host()}
        ):
            return f"{current.path}?{current.query}" if current.query else current.path
    return default


def refusal_page(request, *, title: str, message: str, back: str, alliance=None):
    """Why an action is not possible now, as a page or as the fragment htmx asked for."""
    template = "seguimiento/refusal_fragment.html" if request.htmx else "seguimiento/refusal.html"
    context = {"title": title, "message": message, "back": back, "alliance": alliance}
    return render(request, template, context)


@login_required
def my_commitments(request):
    form = MyCommitmentsFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    context = {
        "nav": "my_commitments",
        "filter_form": form,
        # Built on every visit: built, it meets the goal the page cache was for
        # (docs/performance.md, "Where the page cache stays").
        "page": later(my_commitments_page, request, filters),
        # What floors above add (the committee's action points).
        "panels": later(panels.render_panels, panels.MY_COMMITMENTS, request),
        # is_representative: from the navigation's facts (seguimiento.nav).
    }
    return render(request, "seguimiento/my_commitments.html", context)


def my_commitments_page(request, filters: dict):
    """A page of the person's commitments (``filters``: the form's alliance and status),
    the open ones first, the most urgent at the top, with what each row shows worked out
    once for the page (the day, the labels, each URL pattern): the template only writes it.
    Paginated on their ids, then the page's rows read by id (``seguimiento.selectors``)."""
    ids = selectors.my_commitment_ids(
        request.user.pk, alliance=filters.get("alliance"), status=filters.get("status")
    )
    page = paginate(request, ids)
    page.object_list = rows = selectors.my_commitment_rows(list(page.object_list))
    with_row_facts(rows)
    return page


def with_row_facts(commitments) -> None:
    """Set on each commitment what a row of Mis compromisos shows: ``overdue``, its links
    (``log_url`` only while progress may be logged) and its labels."""
    today = timezone.localdate()
    cycle_label = _("cycle %(cycle)s")
    status_labels = {value: str(label) for value, label in CommitmentStatus.choices}
    date_format = get_format("SHORT_DATE_FORMAT")
    urls = PageUrls()
    for commitment in commitments:
        alliance_id, pk = commitment.alliance_id, commitment.pk
        commitment.overdue = commitment.is_open and commitment.due_date < today
        commitment.due_label = dateformat.format(commitment.due_date, date_format)
        commitment.summary = Truncator(commitment.description).chars(120)
        commitment.alliance_url = urls("fases:alliance_commitments", alliance_id)
        commitment.detail_url = urls("seguimiento:commitment_detail", alliance_id, pk)
        commitment.log_url = (
            urls("seguimiento:log_progress", alliance_id, pk)
            if commitment.is_open and not commitment.alliance.is_closed
            else ""
        )
        commitment.cycle_label = cycle_label % {"cycle": commitment.cycle}
        commitment.status_label = status_labels.get(commitment.status, commitment.status)
        commitment.progress_label = str(commitment.progress)


def commitment_of(user, pk, commitment_pk):
    # The coordinators read once: the page's and the services' checks (may see, may log
    # progress, may cancel) each ask whether the person is one (``access.is_coordinator``).
    alliance = access.get_alliance_or_404(user, pk, prefetch=("coordinators",))
    commitment = get_object_or_404(
        Commitment.objects.select_related("actor"), pk=commitment_pk, alliance=alliance
    )
    commitment.alliance = alliance
    return alliance, commitment


# What the commitment page shows of each progress update and of its author (``str(user)``).
COMMITMENT_UPDATE_COLUMNS = (
    "commitment_id",
    "author_id",
    "progress",
    "note",
    "evidence",
    "evidence_name",
    "status",
    "created_at",
    "author__username",
    "author__first_name",
    "author__last_name",
)


@login_required
def commitment_detail(request, pk, commitment_pk):
    alliance, commitment = commitment_of(request.user, pk, commitment_pk)
    updates = (
        commitment.updates.select_related("author")
        .only(*COMMITMENT_UPDATE_COLUMNS)
        .order_by("-created_at", "-pk")
    )
    # Both buttons need the commitment to take updates. Who manages the alliance may do both
    # (the coordinators were read with it: no query); otherwise the commitment's actor's
    # representatives may log progress (``access.represents``: a query, asked only then).
    # Together, the rule of ``access.can_update_commitment``.
    takes_updates = services.progress_refusal(commitment, alliance) is None
    manages = takes_updates and access.can_manage_alliance(request.user, alliance)
    context = {
        "nav": "alliances",
        "alliance": alliance,
        "commitment": commitment,
        "page": paginate(request, updates),
        "can_log": takes_updates
        and (manages or access.represents(request.user, commitment.actor_id)),
        "can_cancel": manages,
    }
    template = (
        "seguimiento/commitment_updates.html" if request.htmx else "seguimiento/commitment.html"
    )
    return render(request, template, context)


@login_required
def log_progress(request, pk, commitment_pk):
    alliance, commitment = commitment_of(request.user, pk, commitment_pk)
    if not access.can_update_commitment(request.user, commitment):
        raise PermissionDenied
    detail = reverse("seguimiento:commitment_detail", args=[alliance.pk, commitment.pk])
    title = _("Progress of “%(commitment)s”") % {
        "commitment": Truncator(commitment.description).chars(60)
    }
    refusal = services.progress_refusal(commitment, alliance)
    if refusal:
        return refusal_page(request, title=title, message=refusal, back=detail, alliance=alliance)
    form = ProgressForm(
        request.POST or None, request.FILES or None, initial={"progress": commitment.progress}
    )
    if request.method == "POST" and form.is_valid():
        submit(
            form,
            services.log_progress,
            commitment=commitment,
            user=request.user,
            progress=form.cleaned_data["progress"],
            note=form.cleaned_data["note"],
            evidence=form.cleaned_data["evidence"],
            fulfilled=form.cleaned_data["fulfilled"],
        )
        if not form.errors:
            return done(
                request,
                back_to(request, detail),
                _("The progress update was recorded: the commitment is now “%(status)s”.")
                % {"status": commitment.get_status_display()},
            )
    return form_page(
        request,
        form,
        title=title,
        action=reverse("seguimiento:log_progress", args=[alliance.pk, commitment.pk]),
        cancel=detail,
        alliance=alliance,
    )


@login_required
def cancel_commitment(request, pk, commitment_pk):
    alliance, commitment = commitment_of(request.user, pk, commitment_pk)
    if not access.can_manage_alliance(request.user, alliance):
        raise PermissionDenied
    detail = reverse("seguimiento:commitment_detail", args=[alliance.pk, commitment.pk])
    title = _("Cancel “%(commitment)s”") % {
        "commitment": Truncator(commitment.description).chars(60)
    }
    refusal = services.progress_refusal(commitment, alliance)
    if refusal:
        return refusal_page(request, title=title, message=refusal, back=detail, alliance=alliance)
    form = CancelCommitmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        submit(
            form,
            services.cancel_commitment,
            commitment=commitment,
            user=request.user,
            reason=form.cleaned_data["reason"],
        )
        if not form.errors:
            return done(request, detail, _("The commitment was cancelled."))
    return form_page(
        request,
        form,
        title=title,
        action=reverse("seguimiento:cancel_commitment", args=[alliance.pk, commitment.pk]),
        cancel=detail,
        alliance=alliance,
    )


def indicator_of(user, pk, indicator_pk):
    alliance = access.get_alliance_or_404(user, pk, prefetch=("coordinators",))
    indicator = get_object_or_404(
        Indicator.objects.select_related("objective", "responsible_actor"),
        pk=indicator_pk,
        objective__alliance=alliance,
    )
    indicator.objective.alliance = alliance
    return alliance, indicator


@login_required
def indicator_history(request, pk, indicator_pk):
    alliance, indicator = indicator_of(request.user, pk, indicator_pk)
    corrections = MeasurementCorrection.objects.select_related(
        "previously_reported_by", "corrected_by"
    ).order_by("-corrected_at", "-pk")
    measurements = (
        indicator.measurements.select_related("reported_by")
        .prefetch_related(Prefetch("corrections", queryset=corrections))
        .order_by("-period_start", "-pk")
    )
    context = {
        "nav": "alliances",
        "alliance": alliance,
        "indicator": indicator,
        "page": paginate(request, measurements),
        "can_report": (
            services.measurement_refusal(indicator, alliance) is None
            and access.can_report_measurement(request.user, indicator)
            and services.first_period_opening(indicator, alliance) is None
        ),
        "opens": services.first_period_opening(indicator, alliance),
    }
    template = (
        "seguimiento/indicator_measurements.html"
        if request.htmx
        else "seguimiento/indicator_history.html"
    )
    return render(request, template, context)


@login_required
def report_measurement(request, pk, indicator_pk):
    alliance, indicator = indicator_of(request.user, pk, indicator_pk)
    if not access.can_report_measurement(request.user, indicator):
        raise PermissionDenied
    history = reverse("seguimiento:indicator_history", args=[alliance.pk, indicator.pk])
    title = _("Report a value of “%(indicator)s”") % {"indicator": indicator.name}
    periods = services.reportable_periods(indicator, alliance)
    refusal = services.measurement_refusal(indicator, alliance)
    if refusal is None and not periods:
        refusal = services.no_period_refusal(indicator, alliance)
    if refusal:
        return refusal_page(request, title=title, message=refusal, back=history, alliance=alliance)
    reported = dict(
        indicator.measurements.filter(
            period_start__in=[period.start for period in periods]
        ).values_list("period_start", "value")
    )
    form = MeasurementForm(
        request.POST or None,
        request.FILES or None,
        indicator=indicator,
        periods=periods,
        reported=reported,
    )
    if request.method == "POST" and form.is_valid():
        measurement = submit(
            form,
            services.report_measurement,
            indicator=indicator,
            user=request.user,
            period_start=form.cleaned_data["period_start"],
            value=form.cleaned_data["value"],
            note=form.cleaned_data["note"],
            evidence=form.cleaned_data["evidence"],
        )
        if not form.errors:
            corrected = measurement.period_start in reported
            return done(
                request,
                back_to(request, history),
                _("The value was corrected; the earlier one is kept in the history.")
                if corrected
                else _("The value was recorded."),
            )
    return form_page(
        request,
        form,
        title=title,
        action=reverse("seguimiento:report_measurement", args=[alliance.pk, indicator.pk]),
        cancel=history,
        alliance=alliance,
    )


def evidence_response(record):
    """The record's evidence file as a download under its uploaded name (404 without one)."""
    if not record.evidence:
        raise Http404
    try:
        file = record.evidence.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    # The type follows the stored file, named after its checked content, not the upload's
    # name; the browser is told to save it, never to display it.
    content_type, _encoding = mimetypes.guess_type(record.evidence.name)
    return FileResponse(
        file,
        as_attachment=True,
        filename=record.evidence_name or os.path.basename(record.evidence.name),
        content_type=content_type or "application/octet-stream",
    )


@login_required
def update_evidence(request, update_pk):
    visible = access.visible_alliances(request.user).values("pk")
    update = get_object_or_404(
        CommitmentUpdate.objects.filter(commitment__alliance__in=visible), pk=update_pk
    )
    return evidence_response(update)


@login_required
def measurement_evidence(request, measurement_pk):
    visible = access.visible_alliances(request.user).values("pk")
    measurement = get_object_or_404(
        Measurement.objects.filter(indicator__objective__alliance__in=visible), pk=measurement_pk
    )
    return evidence_response(measurement)
