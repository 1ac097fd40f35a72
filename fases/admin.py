"""The admin for changes of phase, the phase history (read-only) and the evaluations.

The alliance's admin (``alianzas.admin.AllianceAdmin``) is registered again here with the
buttons that change its phase, through ``fases.services.change_phase`` like every page.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from alianzas import access
from alianzas import admin as alliance_admin
from alianzas.admin import CycleFilter, ModelValidationForm, ReadOnlyAdminMixin, transition_label
from alianzas.lifecycle import TRANSITION_NAMES, Phase
from alianzas.models import Adjustment, Alliance, PhaseChange
from fases.models import Evaluation, EvaluationRating, NetworkFigures
from fases.services import PhaseChangeError, change_phase, transition_options


class AllianceAdmin(alliance_admin.AllianceAdmin):
    """The alliance's admin with its changes of phase."""

    phase_change_template = "admin/alianzas/alliance/phase_change.html"

    # --- Changes of phase -----------------------------------------------------

    def get_urls(self):
        opts = self.opts
        return [
            path(
                "<path:object_id>/phase/<str:transition>/",
                self.admin_site.admin_view(self.phase_change_view),
                name=f"{opts.app_label}_{opts.model_name}_phase_change",
            ),
            *super().get_urls(),
        ]

    def _phase_change_url(self, alliance, transition: str) -> str:
        opts = self.opts
        return reverse(
            f"admin:{opts.app_label}_{opts.model_name}_phase_change",
            args=[alliance.pk, transition],
            current_app=self.admin_site.name,
        )

    def _change_url(self, alliance) -> str:
        opts = self.opts
        return reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change",
            args=[alliance.pk],
            current_app=self.admin_site.name,
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None and access.can_change_phase(request.user, obj):
            context["phase_panel"] = {
                "closed": obj.is_closed,
                "options": [
                    {"option": option, "url": self._phase_change_url(obj, option.name)}
                    for option in transition_options(obj, request.user)
                ],
            }
        return super().render_change_form(request, context, add, change, form_url, obj)

    def phase_change_view(self, request, object_id, transition):
        """Confirm one change of phase and make it through ``fases.services.change_phase``."""
        if transition not in TRANSITION_NAMES:
            raise Http404(gettext("There is no such change of phase."))
        alliance = self.get_object(request, unquote(object_id))
        if alliance is None or not access.can_view_alliance(request.user, alliance):
            raise Http404(gettext("There is no such alliance."))
        if not self.has_view_or_change_permission(request, alliance):
            raise PermissionDenied
        if not access.can_change_phase(request.user, alliance):
            raise PermissionDenied
        change_url = self._change_url(alliance)

        meta = alliance.phase_transition(transition)
        reason_required = bool(meta and meta.custom.get("reason_required"))
        form = PhaseChangeForm(
            request.POST if request.method == "POST" else None, reason_required=reason_required
        )
        if request.method == "POST" and form.is_valid():
            try:
                phase_change = change_phase(
                    alliance=alliance,
                    transition=transition,
                    user=request.user,
                    comment=form.cleaned_data["comment"],
                )
            except PhaseChangeError as refusal:
                for message in refusal.messages:
                    messages.error(request, message)
            else:
                messages.success(
                    request,
                    gettext(
                        "“%(transition)s” done: the alliance is now in “%(phase)s” "
                        "(cycle %(cycle)s)."
                    )
                    % {
                        "transition": transition_label(transition),
                        "phase": phase_change.get_target_phase_display(),
                        "cycle": phase_change.cycle,
                    },
                )
            return redirect(change_url)

        option = next(
            (o for o in transition_options(alliance, request.user) if o.name == transition), None
        )
        if option is None:
            messages.error(
                request,
                gettext("“%(transition)s” is not possible while the alliance is in “%(phase)s”.")
                % {
                    "transition": transition_label(transition),
                    "phase": alliance.get_phase_display(),
                },
            )
            return redirect(change_url)

        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "title": option.label,
            "subtitle": str(alliance),
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "alliance": alliance,
            "original": alliance,
            "option": option,
            "target_label": Phase(option.target).label,
            "next_cycle": alliance.cycle + 1 if option.new_cycle else None,
            "form": form,
            "change_url": change_url,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, self.phase_change_template, context)


class PhaseChangeForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=_("Kept in the alliance's history with the change."),
    )

    def __init__(self, *args, reason_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if reason_required:
            field = self.fields["comment"]
            field.required = True
            field.label = _("Reason")
            field.help_text = _("Required for this change; kept in the alliance's history.")
            field.error_messages["required"] = _("Give the reason for this change.")


admin.site.unregister(Alliance)
admin.site.register(Alliance, AllianceAdmin)


class TransitionFilter(admin.SimpleListFilter):
    title = _("transition")
    parameter_name = "transition"

    def lookups(self, request, model_admin):
        field = Alliance._meta.get_field("phase")
        names = dict.fromkeys(meta.name for meta in field.get_all_transitions(Alliance))
        return [(name, transition_label(name)) for name in names]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(transition=self.value())
        return queryset


@admin.register(NetworkFigures)
class NetworkFiguresAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The actor network's kept figures: written only by the worker (``fases.network``)."""

    list_display = ("scope", "computed_at", "fingerprint")
    exclude = ("data",)  # thousands of actors: the network page shows them


@admin.register(PhaseChange)
class PhaseChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit record of every change of phase: written only by ``change_phase``."""

    list_display = (
        "created_at",
        "alliance",
        "transition_name",
        "source_phase",
        "target_phase",
        "cycle",
        "user",
    )
    list_filter = (TransitionFilter, "source_phase", "target_phase", CycleFilter)
    list_select_related = ("alliance", "user")
    search_fields = ("alliance__name",)
    date_hierarchy = "created_at"
    fields = (
        "alliance",
        "transition_name",
        "source_phase",
        "target_phase",
        "cycle",
        "user",
        "comment",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description=_("transition"), ordering="transition")
    def transition_name(self, change):
        return transition_label(change.transition)


class EvaluationRatingInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = EvaluationRating
    form = ModelValidationForm
    fields = ("criterion", "score", "note")
    extra = 0


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Evaluations are recorded on the alliance's evaluation page (administrators may too),
    through ``fases.services.record_evaluation``: only in Evaluación, with every criterion
    rated. Here they are read."""

    inlines = [EvaluationRatingInline]
    form = ModelValidationForm
    list_display = ("alliance", "cycle", "decision", "author", "created_at")
    list_filter = ("decision", "alliance__phase")
    list_select_related = ("alliance", "author")
    search_fields = ("alliance__name", "findings")
    date_hierarchy = "created_at"
    autocomplete_fields = ("alliance",)
    fields = (
        "alliance",
        "cycle",
        "decision",
        "findings",
        "lessons_learned",
        "author",
        "created_at",
        "updated_at",
    )
    readonly_fields = ("author", "created_at", "updated_at")


@admin.register(Adjustment)
class AdjustmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Adjustments are written by the services that change a design after Identificación."""

    list_display = ("created_at", "alliance", "cycle", "subject", "object_label", "reason", "user")
    list_filter = ("subject", "reason", "phase")
    list_select_related = ("alliance", "user")
    search_fields = ("alliance__name", "object_label", "explanation")
    date_hierarchy = "created_at"
    fields = (
        "alliance",
        "cycle",
        "phase",
        "subject",
        "object_label",
        "reason",
        "reason_other",
        "explanation",
        "changes",
        "user",
        "created_at",
    )
    readonly_fields = fields


# The partnering agreement (fases/agreement_admin.py).
import fases.agreement_admin  # noqa: E402, F401

# The committee, meetings, action points, risks and calendar feeds.
from fases import governance_admin  # noqa: E402, F401
