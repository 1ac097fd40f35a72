"""Panels that a floor above adds to this floor's pages.

*Mis compromisos* lists what a person owes; the committee's action points (``fases``) are
owed too, and the monitoring view lists the open risks and conflicts (``fases``) beside
the figures. This floor cannot name those models, so each page offers a hook: the floor
above registers, in its ``AppConfig.ready()``, a function that renders its panel (HTML, or
``""`` for none), and the page shows what the registered functions return.
"""

from collections.abc import Callable

MY_COMMITMENTS = "my_commitments"
MONITORING = "monitoring"

_panels: dict[str, list[Callable]] = {MY_COMMITMENTS: [], MONITORING: []}


def register_panel(page: str, function: Callable) -> None:
    """``function(request, **context)`` renders a panel of ``page`` (``MY_COMMITMENTS``:
    no context; ``MONITORING``: ``alliance`` and ``cycle``)."""
    if page not in _panels:
        raise ValueError(page)
    if function not in _panels[page]:
        _panels[page].append(function)


def render_panels(page: str, request, **context) -> list[str]:
    """The panels of ``page``, rendered, leaving out the empty ones."""
    return [html for function in _panels[page] if (html := function(request, **context))]
