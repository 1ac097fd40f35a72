from django.urls import path

from seguimiento import health_check_views, pages, views

app_name = "seguimiento"

urlpatterns = [
    path("alianzas/", pages.alliance_list, name="alliance_list"),
    path("actores/<int:pk>/", pages.actor_detail, name="actor_detail"),
    path("alianzas/<int:pk>/compromisos/nuevo/", views.commitment_create, name="commitment_create"),
    path(
        "alianzas/<int:pk>/compromisos/<int:commitment_pk>/editar/",
        views.commitment_edit,
        name="commitment_edit",
    ),
    path("mis-compromisos/", views.my_commitments, name="my_commitments"),
    path(
        "alianzas/<int:pk>/compromisos/<int:commitment_pk>/",
        views.commitment_detail,
        name="commitment_detail",
    ),
    path(
        "alianzas/<int:pk>/compromisos/<int:commitment_pk>/avance/",
        views.log_progress,
        name="log_progress",
    ),
    path(
        "alianzas/<int:pk>/compromisos/<int:commitment_pk>/anular/",
        views.cancel_commitment,
        name="cancel_commitment",
    ),
    path(
        "alianzas/<int:pk>/indicadores/<int:indicator_pk>/",
        views.indicator_history,
        name="indicator_history",
    ),
    path(
        "alianzas/<int:pk>/indicadores/<int:indicator_pk>/valores/nuevo/",
        views.report_measurement,
        name="report_measurement",
    ),
    path("evidencias/avance/<int:update_pk>/", views.update_evidence, name="update_evidence"),
    path(
        "evidencias/medicion/<int:measurement_pk>/",
        views.measurement_evidence,
        name="measurement_evidence",
    ),
    path("alianzas/<int:pk>/salud/", health_check_views.health_check, name="health_check"),
]

from seguimiento import carry_over_views  # noqa: E402

urlpatterns += [
    path(
        "alianzas/<int:pk>/compromisos/traspasar/",
        carry_over_views.carry_over,
        name="carry_over_commitments",
    ),
]

from seguimiento.monitoring_urls import monitoring_urlpatterns  # noqa: E402

urlpatterns += monitoring_urlpatterns

from seguimiento.reminder_urls import urlpatterns as reminder_urlpatterns  # noqa: E402

urlpatterns += reminder_urlpatterns

from seguimiento.import_urls import urlpatterns as import_urlpatterns  # noqa: E402

urlpatterns += import_urlpatterns

from seguimiento.search_views import search  # noqa: E402

urlpatterns += [path("buscar/", search, name="search")]
