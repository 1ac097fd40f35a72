"""The API's resources. Each list is the rows of the alliances the caller may read
(``alianzas.access.visible_alliances``), filtered, in a stable order (by id) and paginated;
one row outside them answers 404, as the pages do. The two writes go through the same
services as the pages' forms (``seguimiento.services``)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Exists, OuterRef, Prefetch, Subquery
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from alianzas import access
from alianzas.models import (
    Actor,
    Alliance,
    Indicator,
    Membership,
    Objective,
    PhaseChange,
)
from alianzas.refusals import NotPermitted, Refused
from fases.api import serializers as api
from fases.models import ActionPoint, Agreement, AgreementVersion, Evaluation
from seguimiento.models import Commitment, CommitmentUpdate, Measurement
from seguimiento.services import log_progress, report_measurement


def through_service(service, **arguments):
    """``service(**arguments)``, its refusals answered as the pages answer them: a validation
    error on its fields (400), a refusal on the request as a whole (400), a refusal for lack of
    permission 403; every message in the caller's language."""
    try:
        return service(**arguments)
    except DjangoValidationError as error:
        if hasattr(error, "error_dict"):
            detail = {
                ("non_field_errors" if field == "__all__" else field): messages
                for field, messages in error.message_dict.items()
            }
        else:
            detail = {"non_field_errors": error.messages}
        raise serializers.ValidationError(detail) from error
    except NotPermitted as refusal:
        raise exceptions.PermissionDenied(refusal.message) from refusal
    except Refused as refusal:
        raise serializers.ValidationError({"non_field_errors": [refusal.message]}) from refusal


def readable(user, rows, alliance_path: str):
    """``rows`` of the alliances ``user`` may read, each reaching its alliance by
    ``alliance_path`` ("" for alliances themselves)."""
    if access.is_administrator(user):
        return rows
    lookup = f"{alliance_path}__pk__in" if alliance_path else "pk__in"
    return rows.filter(**{lookup: access.visible_alliances(user).values("pk")})


def documented(viewset):
    """The list's filters in the schema, read from the viewset's own ``filters_class``."""
    return extend_schema_view(list=extend_schema(parameters=[viewset.filters_class]))(viewset)


class ApiViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = "[0-9]+"
    filters_class = api.UpdatedSince
    # The column ``updated_since`` compares with, if the resource has one.
    updated_field: str | None = "updated_at"
    # Query parameters that select rows by one column: {parameter: lookup}.
    equal_filters: dict[str, str] = {}

    def check_permissions(self, request):
        # Throttle before the permission check, so that anonymous calls (refused with 401)
        # count against the anonymous rate too; DRF's own order throttles after it.
        super().check_throttles(request)
        super().check_permissions(request)

    def check_throttles(self, request):
        """Already done by ``check_permissions``, which DRF calls first."""

    def rows(self):
        raise NotImplementedError

    def visible(self, rows):
        return rows

    def get_queryset(self):
        rows = self.visible(self.rows())
        if self.action == "list":
            # A plain dict: as a QueryDict, an empty value would be skipped as if absent,
            # where the schema says it is invalid (``?phase=`` is refused, not ignored).
            given = dict(self.request.query_params.items())
            # No filter asked for (most calls): nothing to check, and building the filters'
            # serializer (a deep copy of its fields) would cost more than the rest of the
            # query's making. None of them has a default, so nothing is chosen.
            if given.keys() & self.filters_class._declared_fields.keys():
                filters = self.filters_class(data=given)
                filters.is_valid(raise_exception=True)
                rows = self.filtered(rows, filters.validated_data)
        return rows.order_by("pk")

    def filtered(self, rows, chosen: dict):
        if self.updated_field and chosen.get("updated_since"):
            rows = rows.filter(**{f"{self.updated_field}__gte": chosen["updated_since"]})
        for parameter, lookup in self.equal_filters.items():
            if parameter in chosen:
                rows = rows.filter(**{lookup: chosen[parameter]})
        return rows


class AllianceScopedViewSet(ApiViewSet):
    """A resource that belongs to an alliance, reached from a row by ``alliance_path``
    ("" for the alliance itself). Subclass it for a new resource (risks, meetings…):
    ``rows()``, ``alliance_path``, ``serializer_class``, ``filters_class``, and register it
    in ``fases/api/urls.py``; the permission matrix then asks for its rows."""

    alliance_path = "alliance"
    filters_class = api.ScopedListFilters

    def at(self, lookup: str) -> str:
        return f"{self.alliance_path}__{lookup}" if self.alliance_path else lookup

    def visible(self, rows):
        return readable(self.request.user, rows, self.alliance_path)

    def filtered(self, rows, chosen: dict):
        rows = super().filtered(rows, chosen)
        if "alliance" in chosen:
            rows = rows.filter(**{self.at("pk"): chosen["alliance"]})
        alliances = Alliance.objects.order_by()
        narrowed = False
        if "phase" in chosen:
            alliances, narrowed = alliances.filter(phase=chosen["phase"]), True
        if "region" in chosen:
            alliances, narrowed = alliances.filter(regions=chosen["region"]), True
        if "sdg" in chosen:
            alliances, narrowed = alliances.filter(goals=chosen["sdg"]), True
        if "sector" in chosen:
            current_member = Membership.objects.filter(
                alliance_id=OuterRef("pk"), left_on__isnull=True, actor__sector=chosen["sector"]
            )
            alliances, narrowed = alliances.filter(Exists(current_member)), True
        if narrowed:
            rows = rows.filter(**{self.at("pk__in"): alliances.values("pk")})
        return rows


@documented
class ActorViewSet(ApiViewSet):
    """The registry of organisations, which every signed-in person reads (as the page of
    actors); their people are not shown."""

    serializer_class = api.ActorSerializer
    filters_class = api.ActorFilters
    equal_filters = {"sector": "sector", "region": "region"}

    def rows(self):
        return Actor.objects.select_related("region")


@documented
class AllianceViewSet(AllianceScopedViewSet):
    serializer_class = api.AllianceSerializer
    filters_class = api.AllianceListFilters
    alliance_path = ""

    def rows(self):
        return Alliance.objects.all()

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        # The page's territories, SDGs and members as plain values: three queries, and no
        # model instance made for each row of them (``AllianceSerializer`` reads them).
        api.attach_related(page)
        return page


@documented
class ObjectiveViewSet(AllianceScopedViewSet):
    serializer_class = api.ObjectiveSerializer
    filters_class = api.ObjectiveFilters
    updated_field = None

    def rows(self):
        return Objective.objects.prefetch_related(
            Prefetch("indicators", queryset=Indicator.objects.only("pk", "objective_id"))
        )


@documented
class IndicatorViewSet(AllianceScopedViewSet):
    serializer_class = api.IndicatorSerializer
    filters_class = api.IndicatorFilters
    alliance_path = "objective__alliance"
    updated_field = None
    equal_filters = {"objective": "objective_id"}

    def rows(self):
        return Indicator.objects.select_related("objective")


@documented
class MeasurementViewSet(mixins.CreateModelMixin, AllianceScopedViewSet):
    """Indicator values; POST reports one (or corrects the period's value, keeping the
    earlier one), as the page does."""

    serializer_class = api.MeasurementSerializer
    filters_class = api.MeasurementFilters
    alliance_path = "indicator__objective__alliance"
    equal_filters = {"indicator": "indicator_id"}

    def rows(self):
        # The alliance's id read in the same query, not the indicator and objective rows
        # loaded for it (``MeasurementSerializer`` reads ``alliance_pk``); a subquery, not a
        # join, so that the paginator's count reads the measurements alone.
        alliance = Indicator.objects.filter(pk=OuterRef("indicator_id")).values(
            "objective__alliance_id"
        )
        return Measurement.objects.annotate(alliance_pk=Subquery(alliance))

    @extend_schema(request=api.MeasurementInput, responses={201: api.MeasurementSerializer})
    def create(self, request, *args, **kwargs):
        indicators = readable(request.user, Indicator.objects.all(), "objective__alliance")
        given = api.MeasurementInput(data=request.data, indicators=indicators)
        given.is_valid(raise_exception=True)
        measurement = through_service(
            report_measurement,
            indicator=given.validated_data["indicator"],
            user=request.user,
            period_start=given.validated_data["period_start"],
            value=given.validated_data["value"],
            note=given.validated_data["note"],
        )
        return Response(api.MeasurementSerializer(measurement).data, status=status.HTTP_201_CREATED)


@documented
class CommitmentViewSet(AllianceScopedViewSet):
    serializer_class = api.CommitmentSerializer
    filters_class = api.CommitmentFilters
    equal_filters = {"actor": "actor_id", "status": "status"}

    def rows(self):
        return Commitment.objects.all()


@documented
class CommitmentUpdateViewSet(mixins.CreateModelMixin, AllianceScopedViewSet):
    """Progress updates of commitments; POST logs one, and the commitment's progress and
    status follow from it, as on the page."""

    serializer_class = api.CommitmentUpdateSerializer
    filters_class = api.CommitmentUpdateFilters
    alliance_path = "commitment__alliance"
    updated_field = "created_at"
    equal_filters = {"commitment": "commitment_id"}

    def rows(self):
        return CommitmentUpdate.objects.select_related("commitment")

    @extend_schema(request=api.ProgressInput, responses={201: api.CommitmentUpdateSerializer})
    def create(self, request, *args, **kwargs):
        commitments = readable(request.user, Commitment.objects.all(), "alliance")
        given = api.ProgressInput(data=request.data, commitments=commitments)
        given.is_valid(raise_exception=True)
        update = through_service(
            log_progress,
            commitment=given.validated_data["commitment"],
            user=request.user,
            progress=given.validated_data["progress"],
            note=given.validated_data["note"],
            fulfilled=given.validated_data["fulfilled"],
        )
        return Response(api.CommitmentUpdateSerializer(update).data, status=status.HTTP_201_CREATED)


@documented
class PhaseChangeViewSet(AllianceScopedViewSet):
    """The phase history: one row per change of phase."""

    serializer_class = api.PhaseChangeSerializer
    updated_field = "created_at"

    def rows(self):
        return PhaseChange.objects.all()


@documented
class EvaluationViewSet(AllianceScopedViewSet):
    serializer_class = api.EvaluationSerializer

    def rows(self):
        return Evaluation.objects.prefetch_related("ratings")


class NotFound(APIView):
    """Any other address under /api/v1/ (an id that is not a number, a misspelt resource):
    a JSON 404 like the resources' own, never the site's HTML page."""

    authentication_classes = []
    permission_classes = [AllowAny]
    schema = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise exceptions.NotFound


@documented
class AgreementViewSet(AllianceScopedViewSet):
    serializer_class = api.AgreementSerializer
    filters_class = api.ScopedFilters
    updated_field = None

    def rows(self):
        return Agreement.objects.prefetch_related(
            Prefetch("versions", queryset=AgreementVersion.objects.order_by("-number"))
        )


@documented
class ActionPointViewSet(AllianceScopedViewSet):
    serializer_class = api.ActionPointSerializer
    filters_class = api.ActionPointFilters
    updated_field = None
    equal_filters = {"status": "status", "owner_actor": "owner_actor_id"}

    def rows(self):
        return ActionPoint.objects.all()
