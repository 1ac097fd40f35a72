"""The addresses of the governance pages, risks and calendars (added to ``fases.urls``)."""

from django.urls import path

from fases import governance_views as views

A = "alianzas/<int:pk>/"

urlpatterns = [
    path(A + "gobernanza/", views.governance_page, name="governance"),
    path(A + "gobernanza/comite/nuevo/", views.committee_member_add, name="committee_member_add"),
    path(
        A + "gobernanza/comite/<int:member_pk>/salida/",
        views.committee_member_end,
        name="committee_member_end",
    ),
    path(A + "reuniones/nueva/", views.meeting_create, name="meeting_create"),
    path(A + "reuniones/<int:meeting_pk>/", views.meeting_detail, name="meeting_detail"),
    path(A + "reuniones/<int:meeting_pk>/editar/", views.meeting_edit, name="meeting_edit"),
    path(A + "reuniones/<int:meeting_pk>/acta.pdf", views.minutes_download, name="minutes_pdf"),
    path(
        A + "reuniones/<int:meeting_pk>/decisiones/nueva/",
        views.decision_create,
        name="decision_create",
    ),
    path(
        A + "reuniones/<int:meeting_pk>/decisiones/<int:decision_pk>/acuerdos/nuevo/",
        views.action_point_create,
        name="action_point_create",
    ),
    path(
        A + "acuerdos-de-seguimiento/<int:action_point_pk>/cerrar/",
        views.action_point_close,
        name="action_point_close",
    ),
    path(A + "riesgos/", views.risk_register, name="risk_register"),
    path(A + "riesgos/nuevo/", views.risk_create, name="risk_create"),
    path(A + "riesgos/<int:risk_pk>/", views.risk_edit, name="risk_edit"),
    path("calendario/", views.calendar_settings, name="calendar_settings"),
    path("calendario/<str:feed_token>.ics", views.person_calendar, name="person_calendar"),
    path(
        "calendario/<str:feed_token>/alianzas/<int:pk>.ics",
        views.alliance_calendar,
        name="alliance_calendar",
    ),
]
