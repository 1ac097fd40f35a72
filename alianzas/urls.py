from django.urls import path

from alianzas import people_views, views

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
    path("lugares/buscar/", views.place_search, name="place_search"),
    path("actores/", views.actor_list, name="actor_list"),
    path("actores/nuevo/", views.actor_create, name="actor_create"),
    path("actores/<int:pk>/editar/", views.actor_edit, name="actor_edit"),
    # --- People: invitations, coordinators, representatives, members' roles ---
    path("alianzas/<int:pk>/invitar/", people_views.invite, name="invite"),
    path(
        "alianzas/<int:pk>/invitaciones/<int:invitation_pk>/reenviar/",
        people_views.invitation_send_again,
        name="invitation_send_again",
    ),
    path(
        "alianzas/<int:pk>/invitaciones/<int:invitation_pk>/retirar/",
        people_views.invitation_withdraw,
        name="invitation_withdraw",
    ),
    path(
        "invitacion/<str:invitation_token>/",
        people_views.invitation_accept,
        name="invitation_accept",
    ),
    path(
        "alianzas/<int:pk>/coordinadores/<int:person_pk>/quitar/",
        people_views.coordinator_remove,
        name="coordinator_remove",
    ),
    path(
        "alianzas/<int:pk>/actores/<int:member_actor_pk>/representantes/<int:person_pk>/quitar/",
        people_views.representative_remove,
        name="representative_remove",
    ),
    path(
        "alianzas/<int:pk>/miembros/<int:membership_pk>/rol/",
        people_views.member_role,
        name="member_role",
    ),
    path(
        "alianzas/<int:pk>/miembros/<int:membership_pk>/intereses/",
        people_views.member_interests,
        name="member_interests",
    ),
    path(
        "alianzas/<int:pk>/miembros/nuevo-actor/",
        people_views.member_new_actor,
        name="member_new_actor",
    ),
]
