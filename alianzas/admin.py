"""The admin for actors, alliances and their people, objectives and indicators.

The admin edits data but never changes an alliance's phase by itself: the
phase and the cycle are read-only here. ``fases.admin`` registers the alliance's
admin again with the buttons that change the phase through
``fases.services.change_phase``, and ``seguimiento.admin`` adds the commitments'
inlines (``add_inline``): the floors above extend this one, never the reverse.

The shared pieces used by ``fases.admin`` and ``seguimiento.admin`` live here
(they import this module; this module imports neither of them).
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models
from django.db.models import Max, OuterRef, Subquery
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from alianzas import admin_language
from alianzas.admin_language import TranslatedPermissionsMixin
from alianzas.models import (
    Actor,
    Alliance,
    ApiToken,
    Indicator,
    Membership,
    Objective,
    PhaseChange,
    Place,
    Publication,
    Region,
    Role,
    SustainableDevelopmentGoal,
    User,
)
from alianzas.selectors import count_of
from alianzas.validators import is_digits

# --- Shared pieces ------------------------------------------------------------


class ModelValidationForm(forms.ModelForm):
    """A model form on which every message of the model's validation is shown.

    ``Model.clean()`` may name a field the form does not show: an inline's
    hidden foreign key (a commitment's actor on the actor's page) or a field
    left out of the form. Django would attach the message to an invisible field
    or fail with ``ValueError`` (a server error); here such messages become
    errors of the whole form, shown above it.
    """

    def add_error(self, field, error):
        if field is None:
            error = self._shown_on_this_form(error)
        super().add_error(field, error)

    def _shown_on_this_form(self, error):
        if not isinstance(error, ValidationError):
            error = ValidationError(error)
        if not hasattr(error, "error_dict"):
            return error
        shown = {name for name, field in self.fields.items() if not field.widget.is_hidden}
        errors: dict[str, list] = {}
        for name, messages_ in error.error_dict.items():
            key = name if name in shown else NON_FIELD_ERRORS
            errors.setdefault(key, []).extend(messages_)
        return ValidationError(errors)


class HistoryAdmin(SimpleHistoryAdmin):
    """An admin with the "History" page of django-simple-history, read-only.

    ``SIMPLE_HISTORY_REVERT_DISABLED`` only hides the "Revert" button: the page of an old
    version would still save it when posted to, restoring a phase or a status without the
    services' rules. Here an old version is only ever shown.

    A web address typed without its scheme is taken as https: Django 6's default, asked for
    now (Django 5.2 still assumes http, and warns).
    """

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReadOnlyAdminMixin:
    """For audit records and reference data: shown, never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ChangeOnlyInlinesMixin:
    """Leaves the inlines listed in ``change_only_inlines`` off the add page."""

    change_only_inlines: list = []

    def get_inlines(self, request, obj):
        inlines = super().get_inlines(request, obj)
        if obj is None:
            return [inline for inline in inlines if inline not in self.change_only_inlines]
        return inlines


def add_inline(admin_class, inline, *, change_only: bool = False, before=None) -> None:
    """Show ``inline`` on ``admin_class``'s pages (before the inline ``before``, else last):
    how a higher floor adds its rows to this floor's admin pages without this module
    naming it."""
    inlines = [existing for existing in admin_class.inlines if existing is not inline]
    position = inlines.index(before) if before in inlines else len(inlines)
    inlines.insert(position, inline)
    admin_class.inlines = inlines
    if change_only and inline not in admin_class.change_only_inlines:
        admin_class.change_only_inlines = [*admin_class.change_only_inlines, inline]


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    max_num = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields


class ValidatedTabularInline(admin.TabularInline):
    form = ModelValidationForm
    extra = 0
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})},
    }


def linked_list(objects, viewname: str, empty: str = "-"):
    """Links to the admin pages of ``objects``, one a line."""
    links = format_html_join(
        mark_safe("<br>"),  # nosec B308 B703 - a constant tag, no data in it
        '<a href="{}">{}</a>',
        ((reverse(viewname, args=[obj.pk]), str(obj)) for obj in objects),
    )
    return links or empty


def transition_label(name: str) -> str:
    """The label of the transition called ``name``, or the name itself if it is unknown."""
    field = Alliance._meta.get_field("phase")
    for meta in field.get_all_transitions(Alliance):
        if meta.name == name:
            return str(meta.custom["label"])
    return name


# --- Users and reference data -------------------------------------------------


@admin.register(User)
class UserAdmin(TranslatedPermissionsMixin, DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Preferences"), {"fields": ("language",)}),
        (_("Roles"), {"fields": ("represented_actor_links", "coordinated_alliance_links")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (
            _("Personal info"),
            {"classes": ("wide",), "fields": ("first_name", "last_name", "email", "language")},
        ),
    )
    readonly_fields = ("represented_actor_links", "coordinated_alliance_links")
    list_display = (
        "username",
        "email",
        "first_name",
        "last_name",
        "language",
        "is_staff",
        "is_active",
    )
    list_filter = ("is_staff", "is_superuser", "is_active", "language", "groups")

    @admin.display(description=_("represented actors"))
    def represented_actor_links(self, user):
        if user.pk is None:
            return self.get_empty_value_display()
        return linked_list(
            user.actors.all(), "admin:alianzas_actor_change", self.get_empty_value_display()
        )

    @admin.display(description=_("coordinated alliances"))
    def coordinated_alliance_links(self, user):
        if user.pk is None:
            return self.get_empty_value_display()
        return linked_list(
            user.coordinated_alliances.all(),
            "admin:alianzas_alliance_change",
            self.get_empty_value_display(),
        )


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    """UBIGEO places: loaded from the 2016 GeoJSON, extended here (newer districts)."""

    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    autocomplete_fields = ("parent",)

    def save_model(self, request, obj, form, change):
        obj.full_clean()
        super().save_model(request, obj, form, change)


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who published or withdrew each alliance, and why (``alianzas.publishing``)."""

    list_display = ("alliance", "published", "user", "created_at")
    list_filter = ("published",)
    search_fields = ("alliance__name",)
    list_select_related = ("alliance", "user")


@admin.register(Region)
class RegionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "code", "actor_count")
    search_fields = ("name", "code")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_actor_count=count_of(Actor.objects.all(), "region"))
        )

    @admin.display(description=_("actors"), ordering="_actor_count")
    def actor_count(self, region):
        return region._actor_count


@admin.register(SustainableDevelopmentGoal)
class SustainableDevelopmentGoalAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("number", "name", "name_en")
    list_display_links = ("number", "name")
    search_fields = ("name", "name_en")


# --- Inlines ------------------------------------------------------------------


class MembershipInlineFormSet(forms.BaseInlineFormSet):
    """Refuses, before saving, two current memberships of the same actor in the same alliance,
    or two current leaders, entered in one go (each row alone passes the database check)."""

    def clean(self):
        super().clean()
        actors, leaders = set(), set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or form.errors or data.get("DELETE") or data.get("left_on"):
                continue
            alliance, actor = data.get("alliance"), data.get("actor")
            if alliance is None or actor is None:
                continue
            alliance_key = alliance.pk if alliance.pk is not None else id(alliance)
            actor_key = actor.pk if actor.pk is not None else id(actor)
            if (alliance_key, actor_key) in actors:
                raise ValidationError(
                    gettext("%(actor)s appears twice as a current member of %(alliance)s.")
                    % {"actor": actor, "alliance": alliance}
                )
            actors.add((alliance_key, actor_key))
            if data.get("role") == Role.LEADER:
                if alliance_key in leaders:
                    raise ValidationError(
                        gettext("%(alliance)s can have only one current lead actor.")
                        % {"alliance": alliance}
                    )
                leaders.add(alliance_key)


class AllianceMembershipInline(ValidatedTabularInline):
    model = Membership
    formset = MembershipInlineFormSet
    fields = ("actor", "role", "joined_on", "left_on")
    autocomplete_fields = ("actor",)
    # Leaving is recorded with "left on"; the row stays so past cycles remain readable.
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class ActorMembershipInline(ValidatedTabularInline):
    model = Membership
    formset = MembershipInlineFormSet
    fields = ("alliance", "role", "joined_on", "left_on")
    autocomplete_fields = ("alliance",)
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("alliance")


class ObjectiveInline(ValidatedTabularInline):
    model = Objective
    fields = ("position", "title", "indicator_list")
    readonly_fields = ("indicator_list",)
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("indicators")

    @admin.display(description=_("indicators"))
    def indicator_list(self, objective):
        if objective.pk is None:
            return "-"
        return linked_list(objective.indicators.all(), "admin:alianzas_indicator_change")


class IndicatorInline(ValidatedTabularInline):
    model = Indicator
    fields = (
        "name",
        "unit",
        "baseline_value",
        "baseline_date",
        "target_value",
        "target_date",
        "direction",
        "frequency",
        "responsible_actor",
    )
    autocomplete_fields = ("responsible_actor",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("responsible_actor")


class PhaseChangeInline(ReadOnlyInline):
    model = PhaseChange
    fields = (
        "created_at",
        "transition_name",
        "source_phase",
        "target_phase",
        "cycle",
        "user",
        "comment",
    )
    verbose_name_plural = _("history of phase changes")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")

    @admin.display(description=_("transition"))
    def transition_name(self, change):
        return transition_label(change.transition)


# --- Actors and alliances -----------------------------------------------------


@admin.register(Actor)
class ActorAdmin(ChangeOnlyInlinesMixin, HistoryAdmin):
    form = ModelValidationForm
    list_display = ("name", "acronym", "sector", "region", "ruc", "alliance_count")
    list_filter = ("sector", "region")
    list_select_related = ("region",)
    search_fields = ("name", "acronym", "ruc", "email")
    autocomplete_fields = ("representatives",)
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "acronym", "sector", "ruc", "region", "description")}),
        (_("Contact"), {"fields": ("website", "email", "phone", "address")}),
        (None, {"fields": ("representatives",)}),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )

    # The floors above add theirs (``add_inline``): seguimiento its commitments.
    inlines = [ActorMembershipInline]
    change_only_inlines = []

    def get_queryset(self, request):
        current = Membership.objects.filter(left_on__isnull=True)
        return super().get_queryset(request).annotate(_alliance_count=count_of(current, "actor"))

    @admin.display(description=_("current alliances"), ordering="_alliance_count")
    def alliance_count(self, actor):
        return actor._alliance_count


@admin.register(Alliance)
class AllianceAdmin(ChangeOnlyInlinesMixin, HistoryAdmin):
    form = ModelValidationForm
    change_form_template = "admin/alianzas/alliance/change_form.html"
    list_display = (
        "name",
        "phase",
        "cycle",
        "lead_actor_name",
        "member_count",
        "origin",
        "start_date",
        "end_date",
    )
    list_filter = ("phase", "origin", "regions", "goals")
    search_fields = ("name", "memberships__actor__name", "memberships__actor__acronym")
    date_hierarchy = "start_date"
    autocomplete_fields = ("coordinators", "places")
    filter_horizontal = ("regions", "goals")
    readonly_fields = ("phase", "cycle", "lead_actor", "published", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "problem", "origin")}),
        (_("Territory and SDGs"), {"fields": ("regions", "places", "goals")}),
        (None, {"fields": ("start_date", "end_date", "coordinators")}),
        (_("Lifecycle"), {"fields": ("phase", "cycle", "lead_actor")}),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )

    # The floors above add theirs (``add_inline``): seguimiento its commitments.
    inlines = [AllianceMembershipInline, ObjectiveInline, PhaseChangeInline]
    # A new alliance has no history.
    change_only_inlines = [PhaseChangeInline]

    def get_queryset(self, request):
        current = Membership.objects.filter(left_on__isnull=True)
        lead = current.filter(alliance=OuterRef("pk"), role=Role.LEADER).values("actor__name")
        return (
            super()
            .get_queryset(request)
            .annotate(
                _member_count=count_of(current, "alliance"),
                _lead_actor_name=Subquery(lead[:1]),
            )
        )

    @admin.display(description=_("lead actor"), ordering="_lead_actor_name")
    def lead_actor_name(self, alliance):
        return alliance._lead_actor_name

    @admin.display(description=_("current members"), ordering="_member_count")
    def member_count(self, alliance):
        return alliance._member_count

    @admin.display(description=_("lead actor"))
    def lead_actor(self, alliance):
        if alliance.pk is None:
            return self.get_empty_value_display()
        return alliance.lead_actor or self.get_empty_value_display()


# --- Members, objectives and indicators ---------------------------------------


class CycleFilter(admin.SimpleListFilter):
    """The cycle, offered from 1 to the furthest cycle any alliance has reached: one read
    of the alliances. Django's filter for a plain field lists the values the table holds,
    with a ``DISTINCT`` over all its rows; on commitments and measurements that read grows
    with the country, on every visit of the list."""

    title = _("cycle")
    parameter_name = "cycle"

    def lookups(self, request, model_admin):
        furthest = Alliance.objects.aggregate(furthest=Max("cycle"))["furthest"] or 1
        return [(str(cycle), str(cycle)) for cycle in range(1, furthest + 1)]

    def queryset(self, request, queryset):
        value = self.value()
        # Anything but a whole number (a hand-edited address) filters nothing.
        if value and is_digits(value):
            return queryset.filter(cycle=int(value))
        return queryset


class ActiveMembershipFilter(admin.SimpleListFilter):
    title = _("current")
    parameter_name = "current"

    def lookups(self, request, model_admin):
        return [("yes", _("Current members")), ("no", _("Former members"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(left_on__isnull=True)
        if self.value() == "no":
            return queryset.filter(left_on__isnull=False)
        return queryset


@admin.register(Membership)
class MembershipAdmin(HistoryAdmin):
    form = ModelValidationForm
    list_display = ("actor", "alliance", "role", "joined_on", "left_on", "is_current")
    list_filter = (ActiveMembershipFilter, "role", "alliance__phase", "actor__sector")
    list_select_related = ("actor", "alliance")
    search_fields = ("actor__name", "actor__acronym", "alliance__name")
    date_hierarchy = "joined_on"
    autocomplete_fields = ("alliance", "actor")
    fields = ("alliance", "actor", "role", "joined_on", "left_on")

    @admin.display(description=_("current"), boolean=True, ordering="left_on")
    def is_current(self, membership):
        return membership.is_active


@admin.register(Objective)
class ObjectiveAdmin(ChangeOnlyInlinesMixin, HistoryAdmin):
    form = ModelValidationForm
    list_display = ("__str__", "alliance", "indicator_count")
    list_filter = ("alliance__phase",)
    list_select_related = ("alliance",)
    search_fields = ("title", "alliance__name")
    autocomplete_fields = ("alliance",)
    fields = ("alliance", "position", "title", "description")

    inlines = [IndicatorInline]
    # An indicator's responsible actor is checked against the objective's alliance, and a
    # new objective's indicators would skip that check: they are added once it is saved.
    change_only_inlines = [IndicatorInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_indicator_count=count_of(Indicator.objects.all(), "objective"))
        )

    @admin.display(description=_("indicators"), ordering="_indicator_count")
    def indicator_count(self, objective):
        return objective._indicator_count


@admin.register(Indicator)
class IndicatorAdmin(HistoryAdmin):
    form = ModelValidationForm
    list_display = (
        "name",
        "objective",
        "alliance",
        "unit",
        "baseline_value",
        "target_value",
        "target_date",
        "frequency",
        "responsible_actor",
    )
    list_filter = ("direction", "frequency", "objective__alliance__phase")
    list_select_related = ("objective__alliance", "responsible_actor")
    search_fields = ("name", "objective__title", "objective__alliance__name")
    autocomplete_fields = ("objective", "responsible_actor")
    fieldsets = (
        (None, {"fields": ("objective", "name", "unit", "direction", "frequency")}),
        (
            _("Baseline and target"),
            {"fields": ("baseline_value", "baseline_date", "target_value", "target_date")},
        ),
        (None, {"fields": ("responsible_actor",)}),
    )

    @admin.display(description=_("alliance"), ordering="objective__alliance__name")
    def alliance(self, indicator):
        return indicator.objective.alliance


# The groups' page with permissions in the reader's language; axes' application named.
admin_language.install()


# Invitations and the team's history (read only).
from alianzas import people_admin  # noqa: E402, F401


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Personal API tokens, read-only: each person creates and revokes their own on their
    tokens page (``alianzas.tokens``); the secret is never stored, only its hash."""

    list_display = ("name", "user", "scope", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("scope",)
    list_select_related = ("user",)
    search_fields = ("name", "prefix", "user__username")
    fields = ("user", "name", "scope", "prefix", "created_at", "last_used_at", "revoked_at")
