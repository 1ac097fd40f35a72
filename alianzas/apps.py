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
        # Accent- and case-blind search and sorting on SQLite too (alianzas.search_key).
        from alianzas import search_key

        search_key.register_sqlite()
        # People: invitations and the team's history are shown on the alliance page.
        from alianzas import people_signals
        from alianzas.models import Invitation, PeopleEvent

        generations.follow(Invitation, "alliance_id")
        generations.follow(PeopleEvent, "alliance_id")
        people_signals.connect()
        # The filters' kept options of reference rows are forgotten by a migration.
        from django.db.models.signals import post_migrate

        from alianzas.form_fields import forget_reference_choices

        post_migrate.connect(forget_reference_choices, dispatch_uid="forget_reference_choices")
