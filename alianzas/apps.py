from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlianzasConfig(AppConfig):
    name = "alianzas"
    verbose_name = _("Alliances and actors")

    def ready(self):
        from alianzas import generations

        generations.connect()
