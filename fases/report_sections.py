"""The evaluations' section of the alliance's PDF report (``seguimiento.report_pdf``)."""

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from reportlab.platypus import Paragraph

from alianzas.models import Alliance
from fases.models import EvaluationRating
from seguimiento.report_pdf import Styles, table, text


def evaluations_section(alliance: Alliance, styles: Styles) -> list:
    story = [Paragraph(text(_("Evaluations")), styles.h2)]
    evaluations = alliance.evaluations.select_related("author").prefetch_related(
        Prefetch("ratings", queryset=EvaluationRating.objects.order_by("pk"))
    )
    for evaluation in evaluations.order_by("-cycle"):
        story.append(
            Paragraph(
                text(
                    _("Cycle %(cycle)s: %(decision)s")
                    % {"cycle": evaluation.cycle, "decision": evaluation.get_decision_display()}
                ),
                styles.h3,
            )
        )
        story.append(Paragraph(text(evaluation.findings), styles.body))
        if evaluation.lessons_learned:
            story.append(
                Paragraph(
                    text(
                        _("Lessons learned: %(lessons)s") % {"lessons": evaluation.lessons_learned}
                    ),
                    styles.body,
                )
            )
        ratings = list(evaluation.ratings.all())
        if ratings:
            story.append(
                table(
                    styles,
                    [_("Criterion"), _("Score"), _("Note")],
                    [[r.get_criterion_display(), r.get_score_display(), r.note] for r in ratings],
                    [5, 3, 9],
                )
            )
    if len(story) == 1:
        story.append(Paragraph(text(_("No evaluation recorded yet.")), styles.muted))
    return story
