"""The admin for the phase history (read-only) and the evaluations of each cycle."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from alianzas.admin import ModelValidationForm, ReadOnlyAdminMixin, transition_label
from alianzas.models import Alliance
from fases.models import Adjustment, Evaluation, EvaluationRating, PhaseChange


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
    list_filter = (TransitionFilter, "source_phase", "target_phase", "cycle")
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
