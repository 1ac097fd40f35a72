"""The alliance's report as PDF: its summary, objectives with their indicators,
commitments and phase history, and the sections the floors above add (``add_section``:
``fases`` adds the evaluations)."""

import io
from collections import defaultdict
from collections.abc import Callable
from xml.sax.saxutils import escape

from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from alianzas.models import Alliance
from seguimiento.models import Measurement
from seguimiento.monitoring import format_date, format_value
from seguimiento.selectors import objectives_with_indicators

Progress = Callable[[int], None]


# --- The report -----------------------------------------------------------------------

# The PDF's standard fonts cover Latin-1 (Spanish included); no arrows or symbols beyond it.
BRAND = colors.HexColor("#0b5c73")
LINE = colors.HexColor("#d5dbe3")
WASH = colors.HexColor("#f3f5f8")


class Styles:
    def __init__(self):
        sheet = getSampleStyleSheet()
        self.title = ParagraphStyle("title", parent=sheet["Title"], textColor=BRAND)
        self.h2 = ParagraphStyle("h2", parent=sheet["Heading2"], textColor=BRAND, spaceBefore=12)
        self.h3 = ParagraphStyle("h3", parent=sheet["Heading3"], spaceBefore=8)
        self.body = ParagraphStyle("body", parent=sheet["BodyText"], fontSize=9.5, leading=12)
        self.muted = ParagraphStyle("muted", parent=self.body, textColor=colors.HexColor("#4f5b6b"))
        self.cell = ParagraphStyle("cell", parent=sheet["BodyText"], fontSize=8, leading=10)
        self.head = ParagraphStyle("head", parent=self.cell, fontName="Helvetica-Bold")


def text(value) -> str:
    """User text made safe for reportlab's paragraph markup, line breaks kept."""
    return escape(str(value if value not in (None, "") else "—")).replace("\n", "<br/>")


def table(styles: Styles, header: list[str], rows: list[list], widths: list[float]):
    data = [[Paragraph(text(title), styles.head) for title in header]]
    data += [[Paragraph(text(value), styles.cell) for value in row] for row in rows]
    table = Table(data, colWidths=[w * cm for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), WASH),
                ("LINEBELOW", (0, 0), (-1, -1), 0.5, LINE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _dated(value, day) -> str:
    if value is None:
        return "—"
    return f"{format_value(value)} ({format_date(day)})" if day else format_value(value)


def _datetime(value) -> str:
    return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


def report_pdf(alliance: Alliance, progress: Progress) -> bytes:
    alliance = Alliance.objects.prefetch_related("regions", "goals", "coordinators").get(
        pk=alliance.pk
    )
    styles = Styles()
    story = [
        Paragraph(text(alliance.name), styles.title),
        Paragraph(
            text(
                _("Report of %(date)s. Phase: %(phase)s; cycle %(cycle)s.")
                % {
                    "date": format_date(timezone.localdate()),
                    "phase": alliance.get_phase_display(),
                    "cycle": alliance.cycle,
                }
            ),
            styles.muted,
        ),
        Spacer(1, 0.3 * cm),
    ]
    for done, section in enumerate(SECTIONS, start=1):
        story += section(alliance, styles)
        progress(10 + 75 * done // len(SECTIONS))

    buffer = io.BytesIO()
    footer = _("%(alliance)s, page %(page)s")

    def on_page(canvas, document):
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.setFillColor(colors.HexColor("#4f5b6b"))
        canvas.drawString(
            2 * cm, 1.2 * cm, footer % {"alliance": alliance.name[:80], "page": document.page}
        )
        canvas.restoreState()

    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=2 * cm,
        bottomMargin=2 * cm,
        title=alliance.name,
        author=_("Alianzas Multiactor"),
    )
    document.build(story, onFirstPage=on_page, onLaterPages=on_page)
    progress(95)
    return buffer.getvalue()


def _summary(alliance: Alliance, styles: Styles) -> list:
    members = alliance.memberships.filter(left_on__isnull=True).select_related("actor")
    facts = [
        (_("Problem or opportunity"), alliance.problem),
        (_("Origin"), alliance.get_origin_display()),
        (_("Territory"), ", ".join(r.name for r in alliance.regions.all()) or "—"),
        (_("SDGs"), "; ".join(str(g) for g in alliance.goals.all()) or "—"),
        (
            _("Dates"),
            f"{format_date(alliance.start_date)} – {format_date(alliance.end_date)}",
        ),
        (_("Coordinators"), ", ".join(str(u) for u in alliance.coordinators.all()) or "—"),
        (
            _("Members"),
            "\n".join(f"{m.actor} ({m.get_role_display()})" for m in members) or "—",
        ),
    ]
    table = Table(
        [
            [Paragraph(text(label), styles.head), Paragraph(text(value), styles.cell)]
            for label, value in facts
        ],
        colWidths=[4 * cm, 13 * cm],
    )
    table.setStyle(
        TableStyle(
            [("LINEBELOW", (0, 0), (-1, -1), 0.5, LINE), ("VALIGN", (0, 0), (-1, -1), "TOP")]
        )
    )
    return [table]


def _objectives(alliance: Alliance, styles: Styles) -> list:
    story = [Paragraph(text(_("Objectives and indicators")), styles.h2)]
    objectives = objectives_with_indicators(alliance)
    values = defaultdict(list)
    for m in Measurement.objects.filter(indicator__objective__alliance=alliance).order_by(
        "period_start", "pk"
    ):
        values[m.indicator_id].append(m)
    if not objectives:
        story.append(Paragraph(text(_("No objectives yet.")), styles.muted))
    for objective, rows in objectives:
        story.append(Paragraph(text(f"{objective.position}. {objective.title}"), styles.h3))
        if objective.description:
            story.append(Paragraph(text(objective.description), styles.body))
        if not rows:
            story.append(Paragraph(text(_("No indicators yet.")), styles.muted))
            continue
        story.append(
            table(
                styles,
                [
                    _("Indicator"),
                    _("Unit"),
                    _("Baseline"),
                    _("Target"),
                    _("Latest value"),
                    _("Progress"),
                ],
                [
                    [
                        row.indicator.name,
                        row.indicator.unit,
                        _dated(row.indicator.baseline_value, row.indicator.baseline_date),
                        _dated(row.indicator.target_value, row.indicator.target_date),
                        format_value(row.latest.value if row.latest else None),
                        "—" if row.progress is None else f"{row.progress}%",
                    ]
                    for row in rows
                ],
                [5, 2, 2.6, 2.6, 2.4, 2.4],
            )
        )
        for row in rows:
            measured = values.get(row.indicator.pk)
            if not measured:
                continue
            story.append(
                KeepTogether(
                    [
                        Paragraph(
                            text(
                                _("Values of “%(indicator)s”") % {"indicator": row.indicator.name}
                            ),
                            styles.body,
                        ),
                        table(
                            styles,
                            [_("Period"), _("Cycle"), _("Value"), _("Note")],
                            [
                                [
                                    f"{format_date(m.period_start)} – {format_date(m.period_end)}",
                                    m.cycle,
                                    format_value(m.value),
                                    m.note,
                                ]
                                for m in measured
                            ],
                            [4.5, 1.5, 3, 8],
                        ),
                    ]
                )
            )
    return story


def _commitments(alliance: Alliance, styles: Styles) -> list:
    story = [Paragraph(text(_("Commitments")), styles.h2)]
    commitments = alliance.commitments.select_related("actor").order_by(
        "-cycle", "actor__name", "due_date", "pk"
    )
    rows = [
        [
            c.cycle,
            str(c.actor),
            c.description,
            c.get_kind_display(),
            "—" if c.value_pen is None else floatformat(c.value_pen, "2g"),
            format_date(c.due_date) + (f" ({_('overdue')})" if c.is_overdue else ""),
            c.get_status_display(),
            f"{c.progress}%",
        ]
        for c in commitments
    ]
    if not rows:
        story.append(Paragraph(text(_("No commitments yet.")), styles.muted))
        return story
    story.append(
        table(
            styles,
            [
                _("Cycle"),
                _("Actor"),
                _("Commitment"),
                _("Kind"),
                _("Value (S/)"),
                _("Due"),
                _("Status"),
                _("Progress"),
            ],
            rows,
            [1.1, 2.9, 3.9, 1.8, 2, 2, 1.6, 1.7],
        )
    )
    return story


def _history(alliance: Alliance, styles: Styles) -> list:
    story = [Paragraph(text(_("Phase history")), styles.h2)]
    changes = alliance.phase_changes.select_related("user").order_by("created_at", "pk")
    rows = [
        [
            _datetime(change.created_at),
            change.get_source_phase_display(),
            change.get_target_phase_display(),
            change.cycle,
            str(change.user) if change.user else _("someone no longer registered"),
            change.comment,
        ]
        for change in changes
    ]
    if not rows:
        story.append(
            Paragraph(
                text(
                    _("Created on %(date)s; no change of phase yet.")
                    % {"date": format_date(timezone.localdate(alliance.created_at))}
                ),
                styles.muted,
            )
        )
        return story
    story.append(
        table(
            styles,
            [_("Date"), _("From"), _("To"), _("Cycle"), _("By"), _("Comment")],
            rows,
            [2.8, 3, 3, 1.2, 2.8, 4.2],
        )
    )
    return story


SECTIONS: list[Callable[[Alliance, Styles], list]] = [_summary, _objectives, _commitments, _history]
"""The report's sections in order; the floors above add theirs with ``add_section``."""


def add_section(section: Callable[[Alliance, Styles], list], *, before=_history) -> None:
    """Add ``section`` to the report (called from an ``AppConfig.ready()``)."""
    if section not in SECTIONS:
        SECTIONS.insert(SECTIONS.index(before), section)
