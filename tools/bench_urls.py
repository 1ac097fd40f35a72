"""The project's URLs plus ``/bench-peer/``: the alliance and measurement lists as a plain
DRF ``ModelViewSet`` would serve them (a ``ModelSerializer`` of every field, ``.all()`` in
primary-key order, the same pagination class and page size as ``/api/v1/``, session
authentication, signed-in people only). ``make bench`` measures both in the same run: what
our API's access checks, filters and chosen fields cost beside the textbook version."""

from django.urls import include, path
from rest_framework import permissions, serializers, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.routers import SimpleRouter

from alianzas.models import Alliance
from config.urls import urlpatterns as project_urlpatterns
from fases.api.pagination import Pagination
from seguimiento.models import Measurement


class PeerAllianceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Alliance
        # Every field a person entered: the problem's search key is the database's copy of
        # the problem (docs/performance.md), not part of what is compared.
        exclude = ["problem_key"]


class PeerMeasurementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Measurement
        fields = "__all__"


class PeerViewSet(viewsets.ModelViewSet):
    authentication_classes = [SessionAuthentication]
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = Pagination


class PeerAllianceViewSet(PeerViewSet):
    queryset = Alliance.objects.all().order_by("pk")
    serializer_class = PeerAllianceSerializer


class PeerMeasurementViewSet(PeerViewSet):
    queryset = Measurement.objects.all().order_by("pk")
    serializer_class = PeerMeasurementSerializer


router = SimpleRouter()
router.register("alliances", PeerAllianceViewSet, basename="peer-alliance")
router.register("measurements", PeerMeasurementViewSet, basename="peer-measurement")

urlpatterns = [
    path("bench-peer/", include((router.urls, "bench_peer"))),
    *project_urlpatterns,
]
