"""The national view: map, actor network, publishing (fases/national_views.py)."""

from django.urls import path

from fases import national_views

urlpatterns = [
    path("mapa/", national_views.territory, name="territory_map"),
    path("red/", national_views.actor_network, name="actor_network"),
    path("red/actores/<int:pk>/", national_views.actor_network_detail, name="actor_network_detail"),
    path(
        "alianzas/<int:pk>/publicar/",
        national_views.set_publication,
        {"published": True},
        name="publish_alliance",
    ),
    path(
        "alianzas/<int:pk>/retirar-publicacion/",
        national_views.set_publication,
        {"published": False},
        name="withdraw_alliance",
    ),
]
