from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlianzasConfig(AppConfig):
    name = "alianzas"
    verbose_name = _("Alliances and actors")

    def ready(self):
        from alianzas import access, checks, generations, lifecycle

        lifecycle.register_permission(access.can_change_phase)
        generations.connect()
        checks.register()
