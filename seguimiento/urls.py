from django.urls import path

from seguimiento import views

app_name = "seguimiento"

urlpatterns = [
    path("alianzas/<int:pk>/compromisos/nuevo/", views.commitment_create, name="commitment_create"),
    path(
        "alianzas/<int:pk>/compromisos/<int:commitment_pk>/editar/",
        views.commitment_edit,
        name="commitment_edit",
    ),
]
