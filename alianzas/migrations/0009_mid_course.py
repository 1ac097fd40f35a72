from django.db import migrations, models


class Migration(migrations.Migration):
    # An alliance already under way is brought in at Implementación or Monitoreo: each phase
    # it passes is one PhaseChange row that says so (fases.mid_course).
    dependencies = [
        ("alianzas", "0008_publication"),
    ]

    operations = [
        migrations.AddField(
            model_name="phasechange",
            name="mid_course",
            field=models.BooleanField(
                default=False,
                help_text="The alliance was already under way and was brought in at this phase.",
                verbose_name="entered mid-course",
            ),
        ),
    ]
