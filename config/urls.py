from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from config.probes import healthz, livez

admin.site.site_header = _("Alianzas Multiactor")
admin.site.site_title = _("Alianzas")
admin.site.index_title = _("Administration")


urlpatterns = [
    # Liveness: the process answers (no database, no session).
    path("livez", livez, name="livez"),
    # Answered by config.probes.HealthCheckMiddleware before routing; named here for reverse().
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # The REST API (fases/api/) and the page of one's own API tokens.
    path("api/v1/", include("fases.api.urls")),
    path("cuenta/tokens/", include("fases.api.token_urls")),
    path("cuenta/", include("django.contrib.auth.urls")),
    # The public site and the open data (no sign-in): published alliances only.
    path("publico/", include("fases.public.urls")),
    path("", include("fases.urls")),
    path("", include("seguimiento.urls")),
    path("", include("alianzas.urls")),
]
