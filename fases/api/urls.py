"""``/api/v1/``: the resources, the OpenAPI schema and its two readers (Swagger UI and Redoc,
served from the sidecar's static files with the page scripts as files, as the CSP asks)."""

from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import SimpleRouter

from fases.api import views

app_name = "api"

# Swagger UI and Redoc are third-party bundles that style their widgets from script (React
# style props, styled-components) and Redoc searches in a blob: worker. Only these two
# pages, which show no data of any alliance, allow that; scripts stay this site's own files.
third_party_ui = csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["'self'", "blob:"]})

router = SimpleRouter()
router.register("actors", views.ActorViewSet, basename="actor")
router.register("alliances", views.AllianceViewSet, basename="alliance")
router.register("objectives", views.ObjectiveViewSet, basename="objective")
router.register("indicators", views.IndicatorViewSet, basename="indicator")
router.register("measurements", views.MeasurementViewSet, basename="measurement")
router.register("commitments", views.CommitmentViewSet, basename="commitment")
router.register("commitment-updates", views.CommitmentUpdateViewSet, basename="commitment-update")
router.register("phase-changes", views.PhaseChangeViewSet, basename="phase-change")
router.register("evaluations", views.EvaluationViewSet, basename="evaluation")
router.register("agreements", views.AgreementViewSet, basename="agreement")
router.register("action-points", views.ActionPointViewSet, basename="action-point")
# --- hook: more resources of an alliance (subclass views.AllianceScopedViewSet) ---

urlpatterns = [
    path("", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        third_party_ui(
            SpectacularSwaggerSplitView.as_view(
                url_name="api:schema", template_name="api/swagger_ui.html"
            )
        ),
        name="docs",
    ),
    path(
        "redoc/",
        third_party_ui(
            SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html")
        ),
        name="redoc",
    ),
    # Last: any other address here answers the API's JSON 404.
    re_path(r"", views.NotFound.as_view()),
]
