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

        # Governance (committee, meetings, action points, risks): the alliance's pages show
        # them, the reminders remind of the action points, Mis compromisos and the
        # monitoring view show them through the hooks of the floor below.
        from fases import governance_panels, governance_reminders
        from seguimiento import panels

        for model, path in (
            (models.CommitteeMember, "alliance_id"),
            (models.Meeting, "alliance_id"),
            (models.Decision, "meeting.alliance_id"),
            (models.ActionPoint, "alliance_id"),
            (models.Risk, "alliance_id"),
        ):
            generations.follow(model, path)
        for rule in governance_reminders.RULES:
            reminders.register_rule(rule)
        reminders.register_kind(
            governance_reminders.ACTION_POINT_RULES,
            load=governance_reminders.load,
            describe=governance_reminders.describe,
        )
        panels.register_panel(panels.MY_COMMITMENTS, governance_panels.my_action_points)
        panels.register_panel(panels.MONITORING, governance_panels.monitoring_risks)

        # The partnering agreement (fases.agreements): the alliance's page shows it and
        # the next step checks it.
        for model, path in (
            (models.Agreement, "alliance_id"),
            (models.AgreementVersion, "agreement.alliance_id"),
            (models.AgreementContribution, "version.agreement.alliance_id"),
            (models.AgreementSignature, "version.agreement.alliance_id"),
        ):
            generations.follow(model, path)
