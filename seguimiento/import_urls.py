"""URLs of the spreadsheet imports, appended to ``seguimiento.urls`` (namespace "seguimiento")."""

from django.urls import path

from seguimiento import import_views as views

urlpatterns = [
    path("alianzas/<int:pk>/importar/", views.alliance_import, name="alliance_import"),
    path("importar/", views.registry_import, name="registry_import"),
    path(
        "importar/plantillas/<slug:import_kind>.xlsx", views.import_template, name="import_template"
    ),
    path("importaciones/<int:import_pk>/", views.import_detail, name="import_detail"),
    path(
        "importaciones/<int:import_pk>/confirmar/",
        views.import_confirm,
        name="import_confirm",
    ),
]
