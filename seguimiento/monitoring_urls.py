"""URLs of the monitoring pages, appended to ``seguimiento.urls`` (namespace "seguimiento")."""

from django.urls import path

from seguimiento import monitoring_views as views

monitoring_urlpatterns = [
    path("alianzas/<int:pk>/monitoreo/", views.alliance_monitoring, name="monitoring"),
    path("cartera/", views.portfolio, name="portfolio"),
    path("alianzas/<int:pk>/exportar/<slug:kind>/", views.export_create, name="export_create"),
    path("exportaciones/<int:export_pk>/", views.export_detail, name="export_detail"),
    path(
        "exportaciones/<int:export_pk>/descargar/",
        views.export_download,
        name="export_download",
    ),
]
