from django.urls import path

from fases import pages, views

app_name = "fases"

urlpatterns = [
    path("", pages.dashboard, name="dashboard"),
    path("alianzas/<int:pk>/", pages.alliance_detail, name="alliance_detail"),
    path("alianzas/<int:pk>/fase/<slug:transition>/", views.change_phase, name="change_phase"),
    path("alianzas/<int:pk>/evaluacion/", views.record_evaluation, name="record_evaluation"),
    path(
        "alianzas/<int:pk>/evaluaciones/<int:cycle>/",
        views.evaluation_detail,
        name="evaluation_detail",
    ),
]
