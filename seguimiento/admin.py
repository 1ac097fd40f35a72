"""The admin for commitments, their progress reports (read-only) and the measurements.

A commitment's status and progress follow from its progress reports
(``seguimiento.services.log_progress``), so here they are only shown.
"""

import datetime

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alianzas.admin import (
    ActorAdmin,
    AllianceAdmin,
    CycleFilter,
    HistoryAdmin,
    ModelValidationForm,
    PhaseChangeInline,
    ReadOnlyAdminMixin,
    ReadOnlyInline,
    ValidatedTabularInline,
    add_inline,
)
from seguimiento.models import (
    OPEN_STATUSES,
    Commitment,
    CommitmentUpdate,
    Export,
    HealthCheck,
    HealthCheckAnswer,
    Measurement,
    MeasurementCorrection,
)
from seguimiento.services import record_correction


class AllianceCommitmentInline(ValidatedTabularInline):
    model = Commitment
    fields = (
        "actor",
        "cycle",
        "description",
        "kind",
        "value_pen",
        "due_date",
        "status",
        "progress",
    )
    readonly_fields = ("status", "progress")
    autocomplete_fields = ("actor",)
    show_change_link = True
    # A commitment with progress updates is cancelled through its status, not deleted.
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor", "alliance")


class ActorCommitmentInline(AllianceCommitmentInline):
    fields = (
        "alliance",
        "cycle",
        "description",
        "kind",
        "value_pen",
        "due_date",
        "status",
        "progress",
    )
    autocomplete_fields = ("alliance",)


# Commitments are made by member actors: the alliance and the actor first, then theirs.
add_inline(AllianceAdmin, AllianceCommitmentInline, change_only=True, before=PhaseChangeInline)
add_inline(ActorAdmin, ActorCommitmentInline, change_only=True)


class CommitmentUpdateInline(ReadOnlyInline):
    model = CommitmentUpdate
    fields = ("created_at", "author", "progress", "status", "note", "evidence")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


class DueDateFilter(admin.SimpleListFilter):
    """When a commitment falls due, from today: what an administrator looks for in a list
    that grows with the country. (A date hierarchy would read the years of every row,
    with a ``DISTINCT`` over the whole table, on every visit.)"""

    title = _("due date")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [
            ("overdue", _("Overdue")),
            ("30", _("Due in the next 30 days")),
            ("later", _("Due later")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        soon = today + datetime.timedelta(days=30)
        match self.value():
            case "overdue":
                return queryset.filter(status__in=OPEN_STATUSES, due_date__lt=today)
            case "30":
                return queryset.filter(due_date__gte=today, due_date__lt=soon)
            case "later":
                return queryset.filter(due_date__gte=soon)
        return queryset


@admin.register(Commitment)
class CommitmentAdmin(HistoryAdmin):
    form = ModelValidationForm
    list_display = (
        "short_description",
        "actor",
        "alliance",
        "cycle",
        "kind",
        "value_pen",
        "due_date",
        "status",
        "progress",
        "overdue",
    )
    # The tables that grow with the country (commitments, their progress, measurements)
    # keep their lists to a page's rows: filters that read no column of every row, a
    # default order an index serves, and one count (not a second for "show all").
    list_filter = (DueDateFilter, "status", "kind", CycleFilter, "alliance__phase")
    list_select_related = ("actor", "alliance")
    search_fields = ("description", "actor__name", "actor__acronym", "alliance__name")
    show_full_result_count = False
    autocomplete_fields = ("alliance", "actor")
    fieldsets = (
        (
            None,
            {"fields": ("alliance", "actor", "cycle", "description", "kind", "value_pen")},
        ),
        (_("Progress"), {"fields": ("due_date", "status", "progress")}),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )
    readonly_fields = ("status", "progress", "created_at", "updated_at")
    inlines = [CommitmentUpdateInline]

    @admin.display(description=_("commitment"), ordering="description")
    def short_description(self, commitment):
        text = commitment.description
        return text if len(text) <= 80 else f"{text[:79]}…"

    @admin.display(description=_("overdue"), boolean=True)
    def overdue(self, commitment):
        return commitment.is_overdue


@admin.register(CommitmentUpdate)
class CommitmentUpdateAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit record of a commitment's progress: written only by ``log_progress``."""

    list_display = ("created_at", "commitment", "alliance", "author", "progress", "status")
    list_filter = (("created_at", admin.DateFieldListFilter), "status")
    list_select_related = ("commitment__actor", "commitment__alliance", "author")
    search_fields = (
        "commitment__description",
        "commitment__actor__name",
        "commitment__alliance__name",
        "note",
    )
    show_full_result_count = False
    fields = ("commitment", "author", "progress", "status", "note", "evidence", "created_at")
    readonly_fields = fields

    @admin.display(description=_("alliance"), ordering="commitment__alliance__name")
    def alliance(self, update):
        return update.commitment.alliance


class MeasurementCorrectionInline(ReadOnlyInline):
    model = MeasurementCorrection
    fields = ("corrected_at", "corrected_by", "previous_value", "previous_note")
    verbose_name_plural = _("earlier values")


@admin.register(Measurement)
class MeasurementAdmin(HistoryAdmin):
    form = ModelValidationForm
    inlines = [MeasurementCorrectionInline]
    list_display = (
        "indicator",
        "alliance",
        "cycle",
        "period_start",
        "period_end",
        "value",
        "unit",
        "reported_by",
    )
    list_filter = (
        ("period_start", admin.DateFieldListFilter),
        CycleFilter,
        "indicator__frequency",
        "indicator__objective__alliance__phase",
    )
    list_select_related = ("indicator__objective__alliance", "reported_by")
    search_fields = ("indicator__name", "indicator__objective__alliance__name", "note")
    show_full_result_count = False
    autocomplete_fields = ("indicator", "reported_by")
    fields = (
        "indicator",
        "cycle",
        "period_start",
        "period_end",
        "value",
        "note",
        "evidence",
        "reported_by",
        "created_at",
        "updated_at",
    )
    readonly_fields = ("created_at", "updated_at")

    @admin.display(description=_("alliance"), ordering="indicator__objective__alliance__name")
    def alliance(self, measurement):
        return measurement.indicator.objective.alliance

    @admin.display(description=_("unit"))
    def unit(self, measurement):
        return measurement.indicator.unit

    def save_model(self, request, obj, form, change):
        if not change and obj.reported_by_id is None:
            obj.reported_by = request.user
        if change and {"value", "note"} & set(form.changed_data):
            # A correction keeps the earlier value, here as on the pages.
            record_correction(
                measurement=obj,
                previous=Measurement.objects.get(pk=obj.pk),
                user=request.user,
            )
        super().save_model(request, obj, form, change)


class HealthCheckAnswerInline(admin.TabularInline):
    model = HealthCheckAnswer
    form = ModelValidationForm
    fields = ("condition", "score")
    extra = 0


@admin.register(HealthCheck)
class HealthCheckAdmin(admin.ModelAdmin):
    form = ModelValidationForm
    inlines = [HealthCheckAnswerInline]
    list_display = ("alliance", "cycle", "actor", "respondent", "updated_at")
    list_filter = (CycleFilter,)
    list_select_related = ("alliance", "actor", "respondent")
    search_fields = ("alliance__name", "actor__name")
    autocomplete_fields = ("alliance", "actor", "respondent")


@admin.register(Export)
class ExportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "alliance", "kind", "status", "progress", "requested_by")
    list_filter = ("kind", "status")
    list_select_related = ("alliance", "requested_by")
    search_fields = ("alliance__name", "requested_by__username")
    fields = (
        "alliance",
        "kind",
        "requested_by",
        "status",
        "progress",
        "file",
        "error",
        "created_at",
        "finished_at",
    )
    readonly_fields = fields


# --- Reminders ------------------------------------------------------------------

from django.utils.translation import ngettext  # noqa: E402

from seguimiento import reminders  # noqa: E402
from seguimiento.models import (  # noqa: E402
    EmailOptOut,
    OutgoingMessage,
    Reminder,
    ReminderClaim,
    ReminderPolicy,
)


@admin.register(ReminderClaim)
class ReminderClaimAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Where each sweep's claim started and ended: written only by the sweep, and the
    next claim starts after the newest (``seguimiento.reminders.outbox``)."""

    list_display = ("run", "after", "upto", "created_at")
    search_fields = ("run",)


@admin.register(ReminderPolicy)
class ReminderPolicyAdmin(admin.ModelAdmin):
    """The global policy (no alliance) and the alliances' own; an empty value inherits."""

    form = ModelValidationForm
    list_display = (
        "__str__",
        "first_notice_days",
        "last_notice_days",
        "grace_days",
        "lookback_days",
        "digest_weekday",
        "updated_at",
    )
    list_select_related = ("alliance",)
    search_fields = ("alliance__name",)
    autocomplete_fields = ("alliance",)
    readonly_fields = ("updated_at",)

    def has_delete_permission(self, request, obj=None):
        # The global policy is edited, never removed.
        if obj is not None and obj.alliance_id is None:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What the sweep recorded: each reminder once per recipient, object and period."""

    list_display = (
        "created_at",
        "recipient",
        "rule",
        "alliance",
        "object_id",
        "period",
        "email_status",
        "read_at",
    )
    list_filter = ("rule", "email_status", ("read_at", admin.EmptyFieldListFilter))
    list_select_related = ("recipient", "alliance")
    search_fields = ("recipient__username", "recipient__email", "alliance__name")
    # Millions of rows: no COUNT(*) of the whole table on each page.
    show_full_result_count = False
    fields = (
        "recipient",
        "rule",
        "alliance",
        "object_id",
        "period",
        "created_at",
        "read_at",
        "email_status",
        "message",
    )
    readonly_fields = fields


@admin.register(OutgoingMessage)
class OutgoingMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Each reminder e-mail as it was stored before sending, and what became of it."""

    list_display = (
        "created_at",
        "address",
        "subject",
        "language",
        "status",
        "attempts",
        "sent_at",
    )
    list_filter = ("status", "language")
    search_fields = ("address", "subject", "recipient__username")
    show_full_result_count = False
    actions = ["queue_again"]
    fields = (
        "recipient",
        "address",
        "language",
        "subject",
        "status",
        "attempts",
        "error",
        "created_at",
        "next_attempt_at",
        "sent_at",
        "unsubscribe_url",
        "text",
    )
    readonly_fields = fields

    def has_queue_again_permission(self, request) -> bool:
        return request.user.has_perm("seguimiento.change_outgoingmessage")

    @admin.action(description=_("Queue the failed e-mails again"), permissions=["queue_again"])
    def queue_again(self, request, queryset):
        count = reminders.requeue_failed(queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext("%(count)s e-mail queued again.", "%(count)s e-mails queued again.", count)
            % {"count": count},
        )


@admin.register(EmailOptOut)
class EmailOptOutAdmin(admin.ModelAdmin):
    list_display = ("user", "rule", "created_at")
    list_filter = ("rule",)
    list_select_related = ("user",)
    search_fields = ("user__username", "user__email")
    autocomplete_fields = ("user",)


# --- Spreadsheet imports (seguimiento.imports): the record of each one, read only ----------

from seguimiento.models import Import  # noqa: E402


@admin.register(Import)
class ImportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "file_name",
        "alliance",
        "kind",
        "status",
        "total_rows",
        "new_rows",
        "requested_by",
    )
    list_filter = ("kind", "status")
    list_select_related = ("alliance", "requested_by")
    search_fields = ("file_name", "alliance__name", "requested_by__username")
    fields = (
        "alliance",
        "kind",
        "requested_by",
        "file_name",
        "file",
        "status",
        "progress",
        "total_rows",
        "new_rows",
        "unchanged_rows",
        "problems",
        "error",
        "created_at",
        "finished_at",
    )
    readonly_fields = fields


# --- The portfolio's kept figures (seguimiento.national_figures) ----------------------

from seguimiento.models import AllianceFigures, NationalFigures  # noqa: E402


@admin.register(AllianceFigures)
class AllianceFiguresAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Each alliance's kept portfolio figures: written only by the worker."""

    list_display = ("alliance", "due", "fulfilled", "overdue", "late_indicators")
    list_select_related = ("alliance",)
    search_fields = ("alliance__name",)
    # Thousands of alliances: a text box instead of a select of every one.
    raw_id_fields = ("alliance",)


@admin.register(NationalFigures)
class NationalFiguresAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The kept national totals and the maps' counts: written only by the workers."""

    list_display = ("scope", "computed_at")
