"""The panels this floor adds to the pages of the floor below (``seguimiento.panels``):
a person's action points in *Mis compromisos*, the open risks and conflicts in the
monitoring view."""

from django.template.loader import render_to_string

from fases import governance, risks


def my_action_points(request) -> str:
    """The open action points the person owes, in every alliance: one query."""
    points = governance.action_points_owned_by(request.user)
    if not points:
        return ""
    return render_to_string(
        "fases/governance/my_action_points.html", {"points": points}, request=request
    )


def monitoring_risks(request, *, alliance, cycle) -> str:
    """The alliance's open risks and conflicts: one query (two with their actors)."""
    items = risks.open_items(alliance)
    return render_to_string(
        "fases/governance/risks_panel.html",
        {"alliance": alliance, "items": items, "heading_id": "monitoring-risks"},
        request=request,
    )
