from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

admin.site.site_header = _("Alianzas Multiactor")
admin.site.site_title = _("Alianzas")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # Until the coordinators' pages exist, the admin is where the work is done.
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False), name="home"),
]
