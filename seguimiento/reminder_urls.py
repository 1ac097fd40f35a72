"""URLs of the reminders' pages, appended to ``seguimiento.urls`` (namespace "seguimiento")."""

from django.urls import path

from seguimiento import reminder_views as views

urlpatterns = [
    path("avisos/", views.notifications, name="notifications"),
    path("avisos/<int:reminder_pk>/leido/", views.mark_read, name="reminder_read"),
    path("avisos/leidos/", views.mark_all_read, name="reminders_read_all"),
    path("avisos/preferencias/", views.preferences, name="reminder_preferences"),
    path("avisos/baja/<str:optout_token>/", views.unsubscribe, name="reminder_unsubscribe"),
]
