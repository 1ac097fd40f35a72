"""The evaluation panel of the alliance page, drawn on the server.

Its chart is plain SVG computed here (positions in whole pixels, so no
localisation can break them) with a ``<title>`` and a table beside them for
screen readers and for anyone who prefers numbers.
"""

from django import template

from alianzas import access
from alianzas.charts import BAR_MAX, CHART_WIDTH, bar_width, score_color
from alianzas.lifecycle import Phase
from fases.forms import EvaluationForm
from fases.models import current_evaluation, evaluations_so_far
from fases.services import evaluation_of

register = template.Library()


def rating_chart(ratings) -> dict:
    """The geometry of an evaluation's bar chart: a heading row for each group of
    criteria, then a labelled bar per rating (``ratings`` in the criteria's order)."""
    by_criterion = {rating.criterion: rating for rating in ratings}
    rows, table, y = [], [], 0
    for legend, criteria in EvaluationForm.GROUPS:
        rated = [by_criterion[c.value] for c in criteria if c.value in by_criterion]
        if not rated:
            continue
        rows.append({"kind": "group", "label": legend, "y": y + 16})
        table.append((legend, rated))
        y += 26
        for rating in rated:
            width = bar_width(rating.score)
            rows.append(
                {
                    "kind": "bar",
                    "label": rating.get_criterion_display(),
                    "score": rating.score,
                    "label_y": y + 13,
                    "bar_y": y + 18,
                    "width": width,
                    "value_x": width + 6,
                    "value_y": y + 30,
                    "color": score_color(rating.score),
                }
            )
            y += 38
    return {
        "rows": rows,
        "groups": table,
        "width": CHART_WIDTH,
        "height": max(y, 1),
        "track": BAR_MAX,
    }


@register.inclusion_tag("fases/evaluation_panel.html", takes_context=True)
def evaluation_panel(context, alliance, user):
    """During Evaluación, the current cycle's evaluation in full with the link to record
    it for those who manage the alliance; in any phase, the evaluations of the other
    cycles, each a link to its page.

    Reuses the page's ``can_manage`` when it has one; asks nothing of the database before
    the alliance's first evaluation can exist.
    """
    in_evaluation = alliance.phase == Phase.EVALUATION
    # The next step has asked already whether the cycle's evaluation exists (remembered on
    # the alliance): read in full, with its ratings, only if it does.
    current = (
        evaluation_of(alliance, alliance.cycle)
        if in_evaluation and current_evaluation(alliance) is not None
        else None
    )
    others = []
    if alliance.cycle > 1 or alliance.phase == Phase.CLOSED:
        # Read with the current one (the next step asked for it already).
        before = alliance.cycle if in_evaluation else alliance.cycle + 1
        others = [e for e in evaluations_so_far(alliance) if e.cycle < before]
    can_record = False
    if in_evaluation:
        can_record = context.get("can_manage")
        if can_record is None:
            can_record = access.can_record_evaluation(user, alliance)
    return {
        "alliance": alliance,
        "in_evaluation": in_evaluation,
        "evaluation": current,
        "chart": rating_chart(current.ordered_ratings) if current else None,
        "others": others,
        "can_record": can_record,
    }
