from django.urls import path

from fases.api import token_views

app_name = "api_tokens"

urlpatterns = [
    path("", token_views.token_list, name="list"),
    path("<int:token_pk>/revocar/", token_views.token_revoke, name="revoke"),
]
