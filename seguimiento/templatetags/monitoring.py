"""Drawing of the monitoring pages: charts as SVG from coordinates computed in
``seguimiento.monitoring``, and the monitoring panel of the alliance page."""

from django import template

from seguimiento.models import Export

register = template.Library()


@register.inclusion_tag("seguimiento/monitoring/panel.html")
def monitoring_panel(alliance):
    """The alliance page's links to its monitoring page and its exports; no query."""
    return {"alliance": alliance, "kinds": Export.Kind.choices}


@register.inclusion_tag("seguimiento/monitoring/export_buttons.html")
def export_buttons(alliance):
    """One POST form per kind of file (inclusion tags pass the CSRF token along)."""
    return {"alliance": alliance, "kinds": Export.Kind.choices}


@register.inclusion_tag("seguimiento/monitoring/indicator_chart.html")
def indicator_chart(chart):
    return {"chart": chart, "indicator": chart.indicator}
