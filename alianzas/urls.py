from django.urls import path

from alianzas import views

app_name = "alianzas"

urlpatterns = [
    path("alianzas/nueva/", views.alliance_create, name="alliance_create"),
    path("alianzas/<int:pk>/editar/", views.alliance_edit, name="alliance_edit"),
    path("alianzas/<int:pk>/miembros/nuevo/", views.member_add, name="member_add"),
    path(
        "alianzas/<int:pk>/miembros/<int:membership_pk>/salida/",
        views.member_end,
        name="member_end",
    ),
    path("alianzas/<int:pk>/objetivos/nuevo/", views.objective_create, name="objective_create"),
    path(
        "alianzas/<int:pk>/objetivos/<int:objective_pk>/editar/",
        views.objective_edit,
        name="objective_edit",
    ),
    path(
        "alianzas/<int:pk>/objetivos/<int:objective_pk>/indicadores/nuevo/",
        views.indicator_create,
        name="indicator_create",
    ),
    path(
        "alianzas/<int:pk>/indicadores/<int:indicator_pk>/editar/",
        views.indicator_edit,
        name="indicator_edit",
    ),
    path("actores/", views.actor_list, name="actor_list"),
    path("actores/nuevo/", views.actor_create, name="actor_create"),
    path("actores/<int:pk>/editar/", views.actor_edit, name="actor_edit"),
]
