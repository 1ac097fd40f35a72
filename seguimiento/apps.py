from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SeguimientoConfig(AppConfig):
    name = "seguimiento"
    verbose_name = _("Commitments and monitoring")

    def ready(self):
        # The floor below learns of this one only here (docs/architecture.md).
        from alianzas import adjustments, generations
        from seguimiento import models

        for model, path in (
            (models.Commitment, "alliance_id"),
            (models.CommitmentUpdate, "commitment.alliance_id"),
            (models.Measurement, "indicator.objective.alliance_id"),
            (models.MeasurementCorrection, "measurement.indicator.objective.alliance_id"),
            (models.HealthCheck, "alliance_id"),
            (models.HealthCheckAnswer, "health_check.alliance_id"),
            (models.Export, "alliance_id"),
            (models.ReminderPolicy, "alliance_id"),
        ):
            generations.follow(model, path)
        generations.follow_person(models.Reminder, "recipient_id")
        # Invitations (alianzas.invitations) are e-mailed through this floor's outbox.
        from alianzas import invitations
        from seguimiento.reminders import invitation_mail

        invitations.register_mailer(invitation_mail.store_invitation)
        adjustments.track(
            models.Commitment,
            adjustments.Subject.COMMITMENT,
            ["actor", "description", "kind", "value_pen", "due_date"],
            new_rows_are_adjustments=False,
        )
