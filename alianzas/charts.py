"""What the server-drawn SVG score charts share: sizes and the colour of a score.

Positions are whole pixels computed here, so no localisation can break them; every
chart has a ``<title>`` and a table beside it for screen readers.
"""

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
