from django.urls import path

from fases import views

app_name = "fases"

urlpatterns = [
    path("alianzas/<int:pk>/fase/<slug:transition>/", views.change_phase, name="change_phase"),
    path("alianzas/<int:pk>/evaluacion/", views.record_evaluation, name="record_evaluation"),
]
