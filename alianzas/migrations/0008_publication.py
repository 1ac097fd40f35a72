"""Publishing an alliance: the flag the public pages read, and the record of each decision."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("alianzas", "0007_places"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="alliance",
            name="published",
            field=models.BooleanField(default=False, editable=False, verbose_name="published"),
        ),
        migrations.AddField(
            model_name="historicalalliance",
            name="published",
            field=models.BooleanField(default=False, editable=False, verbose_name="published"),
        ),
        migrations.CreateModel(
            name="Publication",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("published", models.BooleanField(verbose_name="published")),
                ("comment", models.TextField(blank=True, verbose_name="comment")),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="date"),
                ),
                (
                    "alliance",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="publications",
                        to="alianzas.alliance",
                        verbose_name="alliance",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="publications",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
            options={
                "verbose_name": "publication",
                "verbose_name_plural": "publications",
                "ordering": ["-created_at", "-pk"],
                "indexes": [
                    models.Index(
                        fields=["alliance", "-created_at"], name="alianzas_pu_allianc_9d5a71_idx"
                    )
                ],
            },
        ),
    ]
