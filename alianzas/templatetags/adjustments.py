from django import template

from alianzas.adjustments import field_label
from alianzas.compiled import compiled
from alianzas.record_models import Adjustment

register = template.Library()

SHOWN = 10


@compiled
def _latest_adjustments(alliance_id: int):
    return Adjustment.objects.filter(alliance_id=alliance_id).select_related("user")[: SHOWN + 1]


@register.inclusion_tag("fases/adjustments_panel.html")
def adjustments_panel(alliance):
    """The alliance's latest adjustments, each with what changed from what to what."""
    adjustments = _latest_adjustments(alliance.pk, known={"alliance": alliance})
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
