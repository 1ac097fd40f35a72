"""The partnership health panel of the alliance page, drawn on the server."""

from django import template

from alianzas.charts import CHART_WIDTH, HEALTH_CYCLES_SHOWN, SERIES_COLORS, bar_width
from alianzas.criteria import CONDITIONS_FOR_SUCCESS
from alianzas.lifecycle import Phase
from seguimiento import partnership_health as health

register = template.Library()


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


@register.inclusion_tag("seguimiento/health_check_panel.html", takes_context=True)
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
