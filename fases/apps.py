from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FasesConfig(AppConfig):
    name = "fases"
    verbose_name = _("Phases")

    def ready(self):
        # The floors below learn of this one only here (docs/architecture.md): the
        # lifecycle's conditions ask fases.requirements what is still missing.
        from alianzas import generations, lifecycle
        from fases import models, report_sections, requirements, services
        from seguimiento import reminders, report_pdf

        lifecycle.register_requirements(requirements.unmet_requirements)
        generations.follow(models.Evaluation, "alliance_id")
        generations.follow(models.EvaluationRating, "evaluation.alliance_id")
        report_pdf.add_section(report_sections.evaluations_section)
        reminders.register_summary_notes(services.next_step_notes)
