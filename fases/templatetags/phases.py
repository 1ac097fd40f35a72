from django import template
from django.utils.translation import pgettext_lazy

from alianzas.lifecycle import Phase

register = template.Library()

# Where each phase sits on the cycle, clockwise from the top, and its colour.
_NODES = [
    (Phase.IDENTIFICATION, pgettext_lazy("short phase name", "Identification"), 100, 6, "#5b3fa0"),
    (
        Phase.IMPLEMENTATION,
        pgettext_lazy("short phase name", "Implementation"),
        194,
        110,
        "#0b5c73",
    ),
    (Phase.MONITORING, pgettext_lazy("short phase name", "Monitoring"), 100, 214, "#1d6b36"),
    (Phase.EVALUATION, pgettext_lazy("short phase name", "Evaluation"), 6, 110, "#8a5300"),
]


@register.inclusion_tag("fases/cycle_diagram.html")
def cycle_diagram(alliance):
    nodes = [
        {"label": label, "x": x, "y": y, "color": color, "current": alliance.phase == phase}
        for phase, label, x, y, color in _NODES
    ]
    return {"alliance": alliance, "diagram_nodes": nodes}
