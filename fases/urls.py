from django.urls import path

from fases import views

app_name = "fases"

urlpatterns = [
    path("alianzas/<int:pk>/fase/<slug:transition>/", views.change_phase, name="change_phase"),
    path("alianzas/<int:pk>/evaluacion/", views.record_evaluation, name="record_evaluation"),
    path(
        "alianzas/<int:pk>/evaluaciones/<int:cycle>/",
        views.evaluation_detail,
        name="evaluation_detail",
    ),
    path("alianzas/<int:pk>/salud/", views.health_check, name="health_check"),
]
