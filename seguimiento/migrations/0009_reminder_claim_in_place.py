"""The reminder sweep's claim updates the new reminders in place (PostgreSQL HOT updates).

Neither ``email_status`` nor ``message`` is in any index any more (the partial index of the
reminders still to e-mail and the message's index go; the claim finds those reminders past
its mark, ``ReminderClaim``), the recipient's index, redundant, becomes (recipient, id),
and the table's pages are filled only to ``REMINDER_FILLFACTOR`` per cent, so that the
claim's new version of each row fits in the row's own page.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

# Percent of each page the inserts fill: the rest is for the claim's new version of the
# same rows (a row updated in place must fit in its page, and the claim's version is 8 bytes
# longer: the message's id). Measured at 100,025 commitments (27,627 reminders), the claim
# took 3-4 s at 100, 1.3-2.3 s at 70, 0.6-1.0 s at 50 and 0.35-0.7 s at 40, the floor the
# same; 45 leaves room for the new version of every row of a page, in a table a ninth
# smaller than at 40.
REMINDER_FILLFACTOR = 45


def set_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"ALTER TABLE seguimiento_reminder SET (fillfactor = {REMINDER_FILLFACTOR})"
        )


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE seguimiento_reminder RESET (fillfactor)")


def first_mark(apps, schema_editor):
    """Every reminder before the first one still to e-mail has been claimed."""
    Reminder = apps.get_model("seguimiento", "Reminder")
    ReminderClaim = apps.get_model("seguimiento", "ReminderClaim")
    db = schema_editor.connection.alias
    rows = Reminder.objects.using(db)
    pending = rows.filter(email_status="pending").order_by("pk").values_list("pk", flat=True)
    first_pending = pending.first()
    if first_pending is not None:
        upto = first_pending - 1
    else:
        upto = rows.order_by("-pk").values_list("pk", flat=True).first() or 0
    ReminderClaim.objects.using(db).create(run="migration-0008", after=0, upto=upto)


class Migration(migrations.Migration):
    dependencies = [
        ("alianzas", "0010_people"),
        ("seguimiento", "0008_national_figures"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ReminderClaim",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("run", models.CharField(max_length=32, unique=True, verbose_name="sweep")),
                ("after", models.BigIntegerField(verbose_name="after reminder")),
                ("upto", models.BigIntegerField(verbose_name="up to reminder")),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="created at"
                    ),
                ),
            ],
            options={
                "verbose_name": "reminder claim",
                "verbose_name_plural": "reminder claims",
                "ordering": ["-upto"],
                "indexes": [models.Index(fields=["upto"], name="reminder_claim_upto")],
            },
        ),
        migrations.RunPython(first_mark, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="reminder", name="reminder_email_pending"),
        migrations.AlterField(
            model_name="reminder",
            name="message",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="reminders",
                to="seguimiento.outgoingmessage",
                verbose_name="e-mail",
            ),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="recipient",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="reminders",
                to=settings.AUTH_USER_MODEL,
                verbose_name="recipient",
            ),
        ),
        migrations.AddIndex(
            model_name="reminder",
            index=models.Index(fields=["recipient", "id"], name="reminder_recipient_id"),
        ),
        migrations.RunPython(set_fillfactor, reset_fillfactor),
    ]
