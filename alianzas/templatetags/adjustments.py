from django import template

from alianzas.adjustments import field_label

register = template.Library()

SHOWN = 10


@register.inclusion_tag("fases/adjustments_panel.html")
def adjustments_panel(alliance):
    """The alliance's latest adjustments, each with what changed from what to what."""
    adjustments = list(alliance.adjustments.select_related("user")[: SHOWN + 1])
    rows = [
        (
            adjustment,
            [
                (field_label(adjustment, name), before, after)
                for name, (before, after) in adjustment.changes.items()
            ],
        )
        for adjustment in adjustments[:SHOWN]
    ]
    return {"alliance": alliance, "rows": rows, "more": len(adjustments) > SHOWN}
