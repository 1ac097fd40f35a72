"""The admin of the committee, meetings, decisions, action points, risks and calendar
feeds: read, and correct what was mistyped. Rows are created on the alliance's pages,
through the services (``fases.governance``, ``fases.risks``); what the services decide
(an action point's closing, a risk's review date and cycle, the alliance a row belongs to)
is shown, not edited, and every correction is validated by the model as the services do.
Nothing is deleted here: history keeps every version."""

from django.contrib import admin

from alianzas.admin import HistoryAdmin, ModelValidationForm
from fases import governance
from fases.models import ActionPoint, CalendarFeed, CommitteeMember, Decision, Meeting, Risk


class CorrectOnlyAdmin(HistoryAdmin):
    form = ModelValidationForm

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CommitteeMember)
class CommitteeMemberAdmin(CorrectOnlyAdmin):
    list_display = ("person", "actor", "role", "alliance", "joined_on", "left_on")
    list_filter = ("role",)
    list_select_related = ("person", "actor", "alliance")
    search_fields = ("alliance__name", "person__username", "actor__name")
    fields = ("alliance", "person", "actor", "role", "joined_on", "left_on")
    readonly_fields = ("alliance", "person", "actor")


@admin.register(Meeting)
class MeetingAdmin(CorrectOnlyAdmin):
    list_display = ("title", "alliance", "cycle", "starts_at")
    list_select_related = ("alliance",)
    search_fields = ("title", "alliance__name")
    date_hierarchy = "starts_at"
    fields = ("alliance", "cycle", "title", "starts_at", "place", "link", "agenda", "minutes")
    readonly_fields = ("alliance", "cycle")


@admin.register(Decision)
class DecisionAdmin(CorrectOnlyAdmin):
    list_display = ("__str__", "meeting")
    list_select_related = ("meeting",)
    search_fields = ("text", "meeting__title")
    fields = ("meeting", "text")
    readonly_fields = ("meeting",)


class ActionPointAdminForm(ModelValidationForm):
    """The owner must still represent the owner actor or sit on the committee for it,
    as ``governance.add_action_point`` requires."""

    def clean(self):
        cleaned = super().clean()
        point = self.instance
        owner = cleaned.get("owner", point.owner if point.owner_id else None)
        if "owner" in cleaned or "owner_actor" in cleaned:
            actor = cleaned.get("owner_actor", point.owner_actor)
            for field, message in governance._check_owner(point.alliance, actor, owner).items():
                self.add_error(field if field in self.fields else None, message)
        return cleaned


@admin.register(ActionPoint)
class ActionPointAdmin(CorrectOnlyAdmin):
    form = ActionPointAdminForm
    list_display = ("__str__", "alliance", "owner", "owner_actor", "due_date", "status")
    list_filter = ("status",)
    list_select_related = ("alliance", "owner", "owner_actor")
    search_fields = ("description", "alliance__name", "owner__username")
    date_hierarchy = "due_date"
    fields = (
        "alliance",
        "decision",
        "description",
        "owner_actor",
        "owner",
        "due_date",
        "status",
        "closing_note",
        "closed_at",
        "closed_by",
    )
    readonly_fields = ("alliance", "decision", "status", "closed_at", "closed_by")


@admin.register(Risk)
class RiskAdmin(CorrectOnlyAdmin):
    list_display = ("title", "kind", "alliance", "likelihood", "impact", "status", "reviewed_on")
    list_filter = ("kind", "status")
    list_select_related = ("alliance",)
    search_fields = ("title", "alliance__name")
    fields = (
        "alliance",
        "kind",
        "title",
        "description",
        "response",
        "status",
        "likelihood",
        "impact",
        "reviewed_on",
        "reviewed_in_cycle",
    )
    # A new rating is a review: done on the register's page, which dates it.
    readonly_fields = ("alliance", "likelihood", "impact", "reviewed_on", "reviewed_in_cycle")


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    """Whose calendar address exists and when it was renewed; the secret is never shown.
    Deleting a feed ends its address (the person gets a new one on their next visit)."""

    list_display = ("person", "renewed_at")
    search_fields = ("person__username",)
    fields = ("person", "renewed_at")
    readonly_fields = ("person", "renewed_at")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
