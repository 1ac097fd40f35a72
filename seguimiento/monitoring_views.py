"""Monitoring pages: one alliance's charts and figures, the coordinators' portfolio, and the
files (report, data downloads) built in the background for whoever asked for them."""

from functools import partial

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from alianzas import access, selectors
from alianzas.forms import AllianceFilterForm
from alianzas.paging import count_up_to, page_of
from alianzas.views import PAGE_SIZE, filtered, later
from alianzas.widgets import QuickSelect
from seguimiento import exports, monitoring, national_figures, panels, tasks
from seguimiento.models import Export

TEMPLATES = "seguimiento/monitoring/"


class CycleForm(forms.Form):
    """Which cycle's values and commitments stand out; the current one unless chosen."""

    cycle = forms.TypedChoiceField(label=_("Cycle"), coerce=int, required=False, widget=QuickSelect)

    def __init__(self, *args, alliance, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cycle"].choices = [
            (number, _("Cycle %(number)s") % {"number": number})
            for number in range(alliance.cycle, 0, -1)
        ]
        self.fields["cycle"].initial = alliance.cycle

    def chosen(self, default: int) -> int:
        return (self.cleaned_data.get("cycle") if self.is_valid() else None) or default


@login_required
@require_GET
def alliance_monitoring(request, pk):
    alliance = access.get_alliance_or_404(request.user, pk)
    form = CycleForm(request.GET or None, alliance=alliance)
    cycle = form.chosen(alliance.cycle)
    context = {
        "nav": "alliances",
        "alliance": alliance,
        "cycle_form": form,
        # Built on every visit: built, it meets the goal the page cache was for
        # (docs/performance.md, "Where the page cache stays").
        "data": later(monitoring.alliance_monitoring, alliance, cycle),
        "exports": later(monitoring.recent_exports, alliance, request.user),
        # What floors above add (the open risks and conflicts).
        "panels": later(
            panels.render_panels, panels.MONITORING, request, alliance=alliance, cycle=cycle
        ),
    }
    return render(request, TEMPLATES + "alliance.html", context)


@login_required
@require_GET
def portfolio(request):
    if not access.can_see_portfolio(request.user):
        raise PermissionDenied
    form, filters = filtered(request, AllianceFilterForm)
    alliances = selectors.filter_alliances(access.managed_alliances(request.user), filters)
    if access.is_administrator(request.user):
        # The country's alliances: counting from the rows would grow with the country, so
        # the figures a worker kept are read (and summed over the filtered alliances).
        national = not any(filters.values())
        summary = national_figures.portfolio_summary(alliances, national=national)
        rows = national_figures.portfolio_rows(alliances)
    else:
        # A coordinator's own alliances: few, counted from the rows, up to the minute.
        summary = monitoring.portfolio_summary(alliances)
        rows = monitoring.portfolio_rows(alliances)
    # Counted on the alliances alone, without the figures joined to the rows (Django keeps
    # a join in a count).
    page = page_of(
        rows.order_by("name", "pk"),
        request.GET.get("page"),
        per_page=PAGE_SIZE,
        counter=lambda most: count_up_to(alliances, most),
    )
    context = {
        "nav": "portfolio",
        # Known already: the navigation need not ask again.
        "can_see_portfolio": True,
        "filter_form": form,
        "summary": summary,
        "page": page,
    }
    return render(request, TEMPLATES + "portfolio.html", context)


# --- Exports --------------------------------------------------------------------------


@login_required
@require_POST
def export_create(request, pk, kind):
    if kind not in Export.Kind.values:
        raise Http404
    alliance = access.get_alliance_or_404(request.user, pk)
    with transaction.atomic():
        export = Export.objects.create(
            alliance=alliance,
            kind=kind,
            requested_by=request.user,
            language=translation.get_language() or Export._meta.get_field("language").default,
        )
        # Queued once the row is committed, or a worker might look for it before it exists.
        transaction.on_commit(partial(tasks.queue_export, export.pk))
    return redirect("seguimiento:export_detail", export_pk=export.pk)


def export_or_404(user, export_pk) -> Export:
    return get_object_or_404(exports.visible_exports(user).select_related("alliance"), pk=export_pk)


@login_required
@require_GET
def export_detail(request, export_pk):
    """The export's progress; htmx asks for the fragment again every second until it ends."""
    export = export_or_404(request.user, export_pk)
    context = {
        "nav": "alliances",
        "export": export,
        "alliance": export.alliance,
        "pending": export.status in (Export.Status.QUEUED, Export.Status.RUNNING),
        "filename": exports.download_name(export),
    }
    template = "export_progress.html" if request.htmx else "export_detail.html"
    return render(request, TEMPLATES + template, context)


@login_required
@require_GET
def export_download(request, export_pk):
    export = export_or_404(request.user, export_pk)
    if export.status != Export.Status.DONE or not export.file:
        raise Http404
    try:
        handle = export.file.open("rb")
    except OSError as missing:
        raise Http404 from missing
    return FileResponse(
        handle,
        as_attachment=True,
        filename=exports.download_name(export),
        content_type=exports.CONTENT_TYPES[exports.extension(export.kind)],
    )
