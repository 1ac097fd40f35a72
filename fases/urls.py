from django.urls import path

from fases import agreement_urls, governance_urls, national_urls, pages, views

app_name = "fases"

urlpatterns = [
    path("", pages.dashboard, name="dashboard"),
    path("alianzas/<int:pk>/", pages.alliance_detail, name="alliance_detail"),
    # The alliance's other tabs (templates/fases/includes/alliance_head.html).
    path("alianzas/<int:pk>/objetivos/", pages.alliance_objectives, name="alliance_objectives"),
    path("alianzas/<int:pk>/compromisos/", pages.alliance_commitments, name="alliance_commitments"),
    path("alianzas/<int:pk>/historial/", pages.alliance_history, name="alliance_history"),
    path("alianzas/<int:pk>/fase/<slug:transition>/", views.change_phase, name="change_phase"),
    path("alianzas/<int:pk>/evaluacion/", views.record_evaluation, name="record_evaluation"),
    path(
        "alianzas/<int:pk>/evaluaciones/<int:cycle>/",
        views.evaluation_detail,
        name="evaluation_detail",
    ),
]

# Governance, risks and calendars (fases/governance_urls.py).
urlpatterns += governance_urls.urlpatterns

# The partnering agreement and alliances already under way (fases/agreement_urls.py).
urlpatterns += agreement_urls.urlpatterns

# The national view: the map, the actor network and publishing (fases/national_urls.py).
urlpatterns += national_urls.urlpatterns
