"""The evaluation and partnership health panels of the alliance page, drawn on the server.

Both charts are plain SVG computed here (positions in whole pixels, so no
localisation can break them) with a ``<title>`` and a table beside them for
screen readers and for anyone who prefers numbers.
"""

from django import template

from alianzas import access
from fases.criteria import CONDITIONS_FOR_SUCCESS
from fases.forms import EvaluationForm
from fases.lifecycle import Phase
from fases.services import evaluation_of
from seguimiento import health

register = template.Library()

CHART_WIDTH = 480
BAR_MAX = 400  # the width of a score of 5
MAX_SCORE = 5
HEALTH_CYCLES_SHOWN = 3
# Oldest to newest cycle shown; the newest is the darkest.
SERIES_COLORS = ["#9db4c0", "#4f86a0", "#073f4f"]


def score_color(score) -> str:
    if score is None:
        return "#d5dbe3"
    if score < 2.5:
        return "#a11d24"
    if score < 3.5:
        return "#8a5300"
    return "#1d6b36"


def bar_width(score) -> int:
    return round(BAR_MAX * (score or 0) / MAX_SCORE)


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
    current = evaluation_of(alliance, alliance.cycle) if in_evaluation else None
    others = []
    if alliance.cycle > 1 or alliance.phase == Phase.CLOSED:
        others = list(
            alliance.evaluations.filter(
                cycle__lt=alliance.cycle if in_evaluation else alliance.cycle + 1
            ).order_by("-cycle")
        )
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


def health_chart(cycles) -> dict:
    """The geometry of the health chart: per condition, one bar for each cycle shown."""
    series = [
        {
            "cycle": cycle.cycle,
            "color": color,
            "legend_x": index * 110,
        }
        for index, (cycle, color) in enumerate(
            zip(cycles, SERIES_COLORS[-len(cycles) :], strict=True)
        )
    ]
    rows, y = [], 30
    for position, condition in enumerate(CONDITIONS_FOR_SUCCESS):
        bars = []
        for index, (cycle, serie) in enumerate(zip(cycles, series, strict=True)):
            average = cycle.conditions[position].average
            width = bar_width(average)
            bars.append(
                {
                    "y": y + 20 + index * 14,
                    "text_y": y + 30 + index * 14,
                    "width": width,
                    "value_x": width + 6,
                    "average": average,
                    "color": serie["color"],
                    "cycle": cycle.cycle,
                }
            )
        rows.append({"label": condition.label, "label_y": y + 13, "bars": bars})
        y += 24 + 14 * len(cycles)
    return {"series": series, "rows": rows, "width": CHART_WIDTH, "height": y}


@register.inclusion_tag("fases/health_check_panel.html", takes_context=True)
def health_check_panel(context, alliance, user):
    """The partnership health: the average answers of the latest cycles as a chart and a
    table with the change since the previous cycle, the current cycle's response rate,
    and, while in Monitoreo, the call to answer for representatives whose actor has not.

    A fixed number of queries (``health_summary``'s and one for the call to answer),
    whatever the number of actors; the page's ``represented_actor_ids``, when it has
    them, spare that last one for people who represent no actor.
    """
    in_monitoring = alliance.phase == Phase.MONITORING
    summary = health.health_summary(alliance)
    answered_cycles = [cycle for cycle in summary if cycle.answered]
    shown = answered_cycles[-HEALTH_CYCLES_SHOWN:]
    current = summary[-1] if summary and summary[-1].cycle == alliance.cycle else None
    latest = shown[-1] if shown else None
    table = [
        {
            "label": condition.label,
            "averages": [cycle.conditions[position].average for cycle in shown],
            "latest": latest.conditions[position],
        }
        for position, condition in enumerate(CONDITIONS_FOR_SUCCESS)
        if latest is not None
    ]
    represents_someone = bool(context.get("represented_actor_ids", True))
    actors = health.actors_to_answer(user, alliance) if in_monitoring and represents_someone else []
    return {
        "alliance": alliance,
        "in_monitoring": in_monitoring,
        "current": current if in_monitoring else None,
        "shown": shown,
        "latest": latest,
        "compared": latest is not None and len(answered_cycles) > 1,
        "falling": latest.falling if latest else [],
        "chart": health_chart(shown) if shown else None,
        "table": table,
        "pending_actors": [actor for actor in actors if not actor.answered],
        "answered_actors": [actor for actor in actors if actor.answered],
    }
