"""Spreadsheet imports: upload, the check's outcome row by row, confirm, and the templates.

The rules are in ``seguimiento.imports``; these views resolve the alliance and the person's
access, call it and answer."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from alianzas import access
from alianzas.forms import AdjustmentForm
from alianzas.lifecycle import Phase
from alianzas.views import submit
from seguimiento.exports import CONTENT_TYPES
from seguimiento.imports import reading, running
from seguimiento.imports.kinds import KINDS
from seguimiento.imports.templates import template_xlsx
from seguimiento.models import Import

TEMPLATES = "seguimiento/imports/"
# New rows of these kinds change the design: after Identificación they need a reason.
DESIGN_KINDS = {Import.Kind.MEMBERS, Import.Kind.INDICATORS}
RECENT = 10


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"))
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "An Excel workbook (.xlsx) or a CSV file, at most 10 MB, with the template's "
            "columns. Nothing is saved until you confirm."
        ),
        validators=[reading.validate_upload],
    )

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, Import.Kind(k).label) for k in kinds]
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.csv,text/csv"


def upload_page(request, *, alliance, kinds, action, back):
    reason_form = None
    if alliance is not None and alliance.phase != Phase.IDENTIFICATION:
        reason_form = AdjustmentForm(request.POST or None)
        reason_form.fields["reason"].required = False
        reason_form.description = _(
            "The alliance has left Identification: new members, objectives and indicators "
            "are adjustments to its design, recorded with this reason."
        )
    form = ImportForm(request.POST or None, request.FILES or None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        reason = None
        if reason_form is not None and form.cleaned_data["kind"] in DESIGN_KINDS:
            if reason_form.is_valid() and not reason_form.cleaned_data.get("reason"):
                reason_form.add_error("reason", _("Choose the reason for these changes."))
            if reason_form.is_valid():
                reason = reason_form.reason_given()
        valid_reason = reason_form is None or not reason_form.errors
        if valid_reason:
            imported = submit(
                form,
                running.start_import,
                user=request.user,
                alliance=alliance,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                reason=reason,
            )
            if imported is not None:
                return redirect("seguimiento:import_detail", import_pk=imported.pk)
    recent = running.visible_imports(request.user).filter(alliance=alliance)[:RECENT]
    context = {
        "nav": "alliances" if alliance else "actors",
        "alliance": alliance,
        "form": form,
        "reason_form": reason_form,
        "kinds": [(k, Import.Kind(k).label) for k in kinds],
        "action": action,
        "back": back,
        "recent": recent,
    }
    return render(request, TEMPLATES + "upload.html", context)


@login_required
def alliance_import(request, pk):
    alliance = access.get_alliance_or_404(request.user, pk, manage=True)
    return upload_page(
        request,
        alliance=alliance,
        kinds=list(KINDS),
        action=reverse("seguimiento:alliance_import", args=[alliance.pk]),
        back=reverse("fases:alliance_detail", args=[alliance.pk]),
    )


@login_required
def registry_import(request):
    """Administrators import actors into the registry; no alliance to hide, so 403."""
    if not access.is_administrator(request.user):
        raise PermissionDenied
    return upload_page(
        request,
        alliance=None,
        kinds=[k for k, kind in KINDS.items() if not kind.needs_alliance],
        action=reverse("seguimiento:registry_import"),
        back=reverse("alianzas:actor_list"),
    )


def import_or_404(user, import_pk) -> Import:
    return get_object_or_404(running.visible_imports(user).select_related("alliance"), pk=import_pk)


@login_required
@require_GET
def import_detail(request, import_pk):
    """The check's outcome (every problem by row and column) or the import's; htmx asks
    for the fragment again every second while a worker is at it."""
    imported = import_or_404(request.user, import_pk)
    context = {
        "nav": "alliances" if imported.alliance_id else "actors",
        "imported": imported,
        "alliance": imported.alliance,
        "columns": KINDS[imported.kind].columns,
    }
    template = "progress.html" if request.htmx else "detail.html"
    return render(request, TEMPLATES + template, context)


@login_required
@require_POST
def import_confirm(request, import_pk):
    imported = import_or_404(request.user, import_pk)
    try:
        running.confirm_import(user=request.user, imported=imported)
    except running.ImportRefused as refusal:
        messages.error(request, refusal.message)
    return redirect("seguimiento:import_detail", import_pk=imported.pk)


@login_required
@require_GET
def import_template(request, import_kind):
    kind = import_kind
    if kind not in KINDS:
        raise Http404
    response = HttpResponse(template_xlsx(KINDS[kind]), content_type=CONTENT_TYPES["xlsx"])
    name = slugify(f"plantilla {Import.Kind(kind).label}")
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response
