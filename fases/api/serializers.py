"""What each resource reads as, and the shape of the two writes. Persons are never shown
(no names, no e-mails): the API speaks of organisations, alliances and their records."""

import datetime
import functools
from collections import defaultdict

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from alianzas.lifecycle import Phase
from alianzas.models import (
    Actor,
    Alliance,
    Indicator,
    Membership,
    Objective,
    PhaseChange,
    Region,
    Sector,
    SustainableDevelopmentGoal,
)
from fases.models import ActionPoint, Agreement, AgreementVersion, Evaluation, EvaluationRating
from seguimiento.models import Commitment, CommitmentStatus, CommitmentUpdate, Measurement

# Dates the period arithmetic can work with; anything else is a typing mistake.
EARLIEST_PERIOD = datetime.date(2000, 1, 1)
LATEST_PERIOD = datetime.date(2100, 12, 31)
# Ids are bigint: a larger number in a filter is refused as input, not sent to the database.
MAX_ID = 2**63 - 1


def iso_date(day: datetime.date | None) -> str | None:
    """A date as DRF's ``DateField`` writes it."""
    return day.isoformat() if day else None


@functools.lru_cache(maxsize=16)
def phase_labels(language: str | None) -> dict[str, str]:
    """Each phase's label in ``language`` (the active one: ``get_phase_display``'s)."""
    return {phase: str(label) for phase, label in Phase.choices}


def attach_related(alliances: list[Alliance]) -> None:
    """Give each alliance of a list's page its territory, SDGs and members as the API writes
    them (``written_related``): three queries of plain values for the page, in the order the
    relations' own (prefetched) querysets give, instead of hundreds of model instances."""
    ids = [alliance.pk for alliance in alliances]
    territory, sdgs, members = defaultdict(list), defaultdict(list), defaultdict(list)
    regions = Region.objects.filter(alliances__in=ids).values_list("alliances", "code", "name")
    for alliance, code, name in regions:
        territory[alliance].append({"code": code, "name": name})
    goals = SustainableDevelopmentGoal.objects.filter(alliances__in=ids)
    for alliance, goal in goals.values_list("alliances", "pk"):
        sdgs[alliance].append(goal)
    # Each alliance's members in ``Membership``'s own order (its alliance, then joined_on,
    # pk): grouped by alliance here, so the alliance's ordering (its name, a join and a sort
    # of the alliances) is not asked of the database.
    rows = (
        Membership.objects.filter(alliance__in=ids)
        .order_by("joined_on", "pk")
        .values_list(
            "alliance_id",
            "actor_id",
            "actor__name",
            "actor__sector",
            "role",
            "joined_on",
            "left_on",
        )
    )
    for alliance, actor, actor_name, sector, role, joined_on, left_on in rows:
        members[alliance].append(
            {
                "actor": actor,
                "actor_name": actor_name,
                "sector": sector,
                "role": role,
                "joined_on": iso_date(joined_on),
                "left_on": iso_date(left_on),
            }
        )
    for alliance in alliances:
        alliance.written_related = (
            territory[alliance.pk],
            sdgs[alliance.pk],
            members[alliance.pk],
        )


# How DRF writes the serializer's ``created_at`` and ``updated_at`` (a ``DateTimeField`` has
# no state of its own: the format and the time zone are read on each call). One for the
# module, so that writing a row does not build the serializer's every field first.
DATETIME_FIELD = serializers.DateTimeField(read_only=True)


def written_related(alliance: Alliance) -> tuple[list, list, list]:
    """The alliance's territory, SDGs and members as the API writes them: attached to a
    list's page by ``attach_related``, or else read from the database (one alliance)."""
    attached = getattr(alliance, "written_related", None)
    if attached is not None:
        return attached
    attach_related([alliance])
    return alliance.written_related


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name"]


class ActorSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Actor
        fields = [
            "id",
            "name",
            "acronym",
            "sector",
            "ruc",
            "region",
            "website",
            "description",
            "created_at",
            "updated_at",
        ]


class MemberSerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(source="actor.name", read_only=True)
    sector = serializers.ChoiceField(source="actor.sector", choices=Sector.choices, read_only=True)

    class Meta:
        model = Membership
        fields = ["actor", "actor_name", "sector", "role", "joined_on", "left_on"]


class AllianceSerializer(serializers.ModelSerializer):
    phase = serializers.ChoiceField(choices=Phase.choices, read_only=True)
    phase_label = serializers.CharField(source="get_phase_display", read_only=True)
    territory = RegionSerializer(source="regions", many=True, read_only=True)
    sdgs = serializers.PrimaryKeyRelatedField(source="goals", many=True, read_only=True)
    members = MemberSerializer(source="memberships", many=True, read_only=True)

    class Meta:
        model = Alliance
        fields = [
            "id",
            "name",
            "problem",
            "origin",
            "phase",
            "phase_label",
            "cycle",
            "territory",
            "sdgs",
            "start_date",
            "end_date",
            "members",
            "created_at",
            "updated_at",
        ]

    def to_representation(self, alliance):
        # Written out instead of DRF's field-by-field walk (a getter and a conversion per
        # field, a nested serializer per member: most of the list's time); the fields above
        # still describe the schema, and tests/test_others_speed.py checks that both
        # write the same.
        datetime_field = DATETIME_FIELD
        territory, sdgs, members = written_related(alliance)
        return {
            "id": alliance.pk,
            "name": alliance.name,
            "problem": alliance.problem,
            "origin": alliance.origin,
            "phase": alliance.phase,
            "phase_label": phase_labels(get_language()).get(alliance.phase, alliance.phase),
            "cycle": alliance.cycle,
            "territory": territory,
            "sdgs": sdgs,
            "start_date": iso_date(alliance.start_date),
            "end_date": iso_date(alliance.end_date),
            "members": members,
            "created_at": datetime_field.to_representation(alliance.created_at),
            "updated_at": datetime_field.to_representation(alliance.updated_at),
        }


class ObjectiveSerializer(serializers.ModelSerializer):
    indicators = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Objective
        fields = ["id", "alliance", "position", "title", "description", "indicators"]


class IndicatorSerializer(serializers.ModelSerializer):
    alliance = serializers.IntegerField(source="objective.alliance_id", read_only=True)

    class Meta:
        model = Indicator
        fields = [
            "id",
            "alliance",
            "objective",
            "name",
            "unit",
            "baseline_value",
            "baseline_date",
            "target_value",
            "target_date",
            "direction",
            "frequency",
            "responsible_actor",
        ]


class MeasurementSerializer(serializers.ModelSerializer):
    alliance = serializers.IntegerField(source="indicator.objective.alliance_id", read_only=True)

    class Meta:
        model = Measurement
        fields = [
            "id",
            "alliance",
            "indicator",
            "cycle",
            "period_start",
            "period_end",
            "value",
            "note",
            "created_at",
            "updated_at",
        ]

    def to_representation(self, measurement):
        # Written out, as the alliance's (same output as DRF's walk, tested). The list
        # annotates the alliance's id (``alliance_pk``) instead of loading the indicator and
        # its objective for it.
        alliance = getattr(measurement, "alliance_pk", None)
        if alliance is None:
            alliance = measurement.indicator.objective.alliance_id
        fields = self.fields
        datetime_field = fields["created_at"]
        return {
            "id": measurement.pk,
            "alliance": alliance,
            "indicator": measurement.indicator_id,
            "cycle": measurement.cycle,
            "period_start": iso_date(measurement.period_start),
            "period_end": iso_date(measurement.period_end),
            "value": fields["value"].to_representation(measurement.value),
            "note": measurement.note,
            "created_at": datetime_field.to_representation(measurement.created_at),
            "updated_at": datetime_field.to_representation(measurement.updated_at),
        }


class CommitmentSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=CommitmentStatus.choices, read_only=True)

    class Meta:
        model = Commitment
        fields = [
            "id",
            "alliance",
            "actor",
            "cycle",
            "description",
            "kind",
            "value_pen",
            "due_date",
            "status",
            "progress",
            "created_at",
            "updated_at",
        ]


class CommitmentUpdateSerializer(serializers.ModelSerializer):
    alliance = serializers.IntegerField(source="commitment.alliance_id", read_only=True)

    class Meta:
        model = CommitmentUpdate
        fields = ["id", "alliance", "commitment", "progress", "note", "status", "created_at"]


class PhaseChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = PhaseChange
        fields = [
            "id",
            "alliance",
            "transition",
            "source_phase",
            "target_phase",
            "cycle",
            "comment",
            "created_at",
        ]


class RatingSerializer(serializers.ModelSerializer):
    class Meta:
        model = EvaluationRating
        fields = ["criterion", "score", "note"]


class EvaluationSerializer(serializers.ModelSerializer):
    ratings = RatingSerializer(many=True, read_only=True)

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "alliance",
            "cycle",
            "decision",
            "findings",
            "lessons_learned",
            "ratings",
            "created_at",
            "updated_at",
        ]


class AgreementVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgreementVersion
        fields = [
            "number",
            "objective",
            "decision_making",
            "committee_frequency",
            "conflict_resolution",
            "returns_sharing",
            "starts_on",
            "ends_on",
            "amendment_reason",
            "created_at",
        ]


class AgreementSerializer(serializers.ModelSerializer):
    """The partnering agreement of one cycle with its versions, latest first (the first one
    in force); the signed document is downloaded from the alliance's page."""

    versions = AgreementVersionSerializer(many=True, read_only=True)

    class Meta:
        model = Agreement
        fields = ["id", "alliance", "cycle", "renewed_from", "versions", "created_at"]


class ActionPointSerializer(serializers.ModelSerializer):
    """What a committee's decision asks a member actor to do (the actor, not the person)."""

    class Meta:
        model = ActionPoint
        fields = [
            "id",
            "alliance",
            "decision",
            "description",
            "owner_actor",
            "due_date",
            "status",
            "closing_note",
            "closed_at",
            "created_at",
        ]


# --- Writes: the request's shape only; the services decide the rest ---------------------


class ProgressInput(serializers.Serializer):
    """A progress update on a commitment (``seguimiento.services.log_progress``)."""

    commitment = serializers.PrimaryKeyRelatedField(queryset=Commitment.objects.none())
    progress = serializers.IntegerField(min_value=0, max_value=100)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    fulfilled = serializers.BooleanField(required=False, default=False)

    def __init__(self, *args, commitments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if commitments is not None:
            # Only commitments the caller may read: another alliance's id reads as unknown.
            self.fields["commitment"].queryset = commitments


class MeasurementInput(serializers.Serializer):
    """An indicator's value for the period containing ``period_start``
    (``seguimiento.services.report_measurement``)."""

    indicator = serializers.PrimaryKeyRelatedField(queryset=Indicator.objects.none())
    period_start = serializers.DateField(
        help_text=_("Any day of the period; the value is recorded for the whole period.")
    )
    value = serializers.DecimalField(max_digits=16, decimal_places=4)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)

    def __init__(self, *args, indicators=None, **kwargs):
        super().__init__(*args, **kwargs)
        if indicators is not None:
            self.fields["indicator"].queryset = indicators

    def validate_period_start(self, value):
        if not EARLIEST_PERIOD <= value <= LATEST_PERIOD:
            raise serializers.ValidationError(
                _("Give a date between %(first)s and %(last)s.")
                % {"first": EARLIEST_PERIOD.isoformat(), "last": LATEST_PERIOD.isoformat()}
            )
        return value


# --- Query filters ----------------------------------------------------------------------


class AllianceFilters(serializers.Serializer):
    """The filters every alliance-scoped list takes, checked like any other input (400 with
    the field's error in the caller's language)."""

    phase = serializers.ChoiceField(choices=Phase.choices, required=False)
    region = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Region.objects.all(),
        required=False,
        help_text=_("A region's ubigeo code, e.g. 08 for Cusco."),
    )
    sdg = serializers.IntegerField(
        min_value=1, max_value=17, required=False, help_text=_("An SDG number, 1 to 17.")
    )
    sector = serializers.ChoiceField(
        choices=Sector.choices,
        required=False,
        help_text=_("Alliances with a current member of this sector."),
    )


class ScopedFilters(AllianceFilters):
    alliance = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)


class UpdatedSince(serializers.Serializer):
    updated_since = serializers.DateTimeField(
        required=False, help_text=_("Only what changed at or after this moment (ISO 8601).")
    )


class AllianceListFilters(AllianceFilters, UpdatedSince):
    pass


class ScopedListFilters(ScopedFilters, UpdatedSince):
    pass


class ActorFilters(UpdatedSince):
    sector = serializers.ChoiceField(choices=Sector.choices, required=False)
    region = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.all(), required=False
    )


class MeasurementFilters(ScopedListFilters):
    indicator = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)


class CommitmentFilters(ScopedListFilters):
    actor = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    status = serializers.ChoiceField(choices=CommitmentStatus.choices, required=False)


class CommitmentUpdateFilters(ScopedListFilters):
    commitment = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)


class ObjectiveFilters(ScopedFilters):
    pass


class IndicatorFilters(ScopedFilters):
    objective = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)


class ActionPointFilters(ScopedFilters):
    status = serializers.ChoiceField(choices=ActionPoint.Status.choices, required=False)
    owner_actor = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
