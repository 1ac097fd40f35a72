"""Files built for download: the alliance's report (PDF) and its commitments and
measurements (CSV or Excel).

``build`` is called by the task ``seguimiento.tasks.build_export`` in the language of the
person who asked. It records its progress on the ``Export`` row as it goes, so the
export's page can show it, and ends with the status done (the file saved through the
default storage) or failed (with the error, for the administrators).
"""

import csv
import datetime
import io
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal
from xml.sax.saxutils import escape

from django.core.files.base import ContentFile
from django.db.models import Count, Prefetch
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
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
from alianzas.selectors import objectives_with_indicators
from fases.models import EvaluationRating
from seguimiento.models import Export, Measurement
from seguimiento.monitoring import format_date, format_value

logger = logging.getLogger(__name__)

Progress = Callable[[int], None]

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# A spreadsheet would run a cell that starts like a formula; such text is written as text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def extension(kind: str) -> str:
    return kind.rsplit("_", 1)[-1]


def download_name(export: Export) -> str:
    """What the downloaded file is called: the alliance, what it holds and the day."""
    subjects = {
        Export.Kind.REPORT_PDF: _("report"),
        Export.Kind.COMMITMENTS_CSV: _("commitments"),
        Export.Kind.COMMITMENTS_XLSX: _("commitments"),
        Export.Kind.MEASUREMENTS_CSV: _("measurements"),
        Export.Kind.MEASUREMENTS_XLSX: _("measurements"),
    }
    alliance = slugify(export.alliance.name)[:60] or slugify(_("alliance"))
    subject = slugify(subjects.get(export.kind, export.kind))
    day = timezone.localdate(export.created_at).isoformat()
    return f"{alliance}-{subject}-{day}.{extension(export.kind)}"


def build(export: Export) -> Export:
    """Build ``export``'s file and record the outcome on the row; never raises, so a
    failure is shown on the export's page instead of lost in a worker's log."""
    _progress(export, 0, status=Export.Status.RUNNING, error="")
    try:
        content = BUILDERS[export.kind](export.alliance, lambda value: _progress(export, value))
        name = f"{uuid.uuid4().hex}.{extension(export.kind)}"
        export.file.save(name, ContentFile(content), save=False)
    except Exception as error:
        logger.exception("Export %s (%s) failed", export.pk, export.kind)
        export.status = Export.Status.FAILED
        export.error = f"{type(error).__name__}: {error}"[:2000]
        export.finished_at = timezone.now()
        export.save(update_fields=["status", "error", "finished_at"])
        return export
    export.status = Export.Status.DONE
    export.progress = 100
    export.finished_at = timezone.now()
    export.save(update_fields=["file", "status", "progress", "finished_at"])
    return export


def _progress(export: Export, value: int, **changes) -> None:
    """Record progress at once (no transaction holds it back), for the polling page."""
    export.progress = value
    for name, change in changes.items():
        setattr(export, name, change)
    Export.objects.filter(pk=export.pk).update(progress=value, **changes)


# --- Rows of the data downloads -------------------------------------------------------


def commitment_rows(alliance: Alliance) -> tuple[list[str], list[list]]:
    header = [
        _("ID"),
        _("Cycle"),
        _("Actor"),
        _("Kind"),
        _("Description"),
        _("Value (S/)"),
        _("Due date"),
        _("Status"),
        _("Progress (%)"),
        _("Overdue"),
        _("Last updated"),
    ]
    commitments = alliance.commitments.select_related("actor").order_by(
        "cycle", "actor__name", "due_date", "pk"
    )
    rows = [
        [
            c.pk,
            c.cycle,
            str(c.actor),
            c.get_kind_display(),
            c.description,
            c.value_pen,
            c.due_date,
            c.get_status_display(),
            c.progress,
            _("Yes") if c.is_overdue else _("No"),
            timezone.localdate(c.updated_at),
        ]
        for c in commitments
    ]
    return header, rows


def measurement_rows(alliance: Alliance) -> tuple[list[str], list[list]]:
    header = [
        _("ID"),
        _("Cycle"),
        _("Objective"),
        _("Indicator"),
        _("Unit"),
        _("Period start"),
        _("Period end"),
        _("Value"),
        _("Baseline"),
        _("Target"),
        _("Reported by"),
        _("Note"),
        _("Corrections"),
    ]
    measurements = (
        Measurement.objects.filter(indicator__objective__alliance=alliance)
        .select_related("indicator__objective", "reported_by")
        .annotate(correction_count=Count("corrections"))
        .order_by("indicator__objective__position", "indicator_id", "period_start", "pk")
    )
    rows = [
        [
            m.pk,
            m.cycle,
            str(m.indicator.objective),
            m.indicator.name,
            m.indicator.unit,
            m.period_start,
            m.period_end,
            m.value,
            m.indicator.baseline_value,
            m.indicator.target_value,
            str(m.reported_by) if m.reported_by else "",
            m.note,
            m.correction_count,
        ]
        for m in measurements
    ]
    return header, rows


def _safe_text(value: str) -> str:
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return f"'{value}" if value.startswith(FORMULA_PREFIXES) else value


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        return _safe_text(value)
    return str(value)


def _csv(header: list[str], rows: Iterable[list], progress: Progress) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_safe_text(str(title)) for title in header])
    progress(50)
    writer.writerows([_csv_cell(value) for value in row] for row in rows)
    progress(90)
    # With the byte-order mark Excel reads the file as UTF-8 (accents stay right).
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx(title: str, header: list[str], rows: list[list], progress: Progress) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _safe_sheet_title(title)
    sheet.append([str(name) for name in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    progress(50)
    for row in rows:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if cell.data_type == "f":  # text that looks like a formula stays text
                cell.data_type = "s"
            elif isinstance(cell.value, datetime.date):
                cell.number_format = "yyyy-mm-dd"
    for index, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(name) + 4))
    progress(90)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _safe_sheet_title(title: str) -> str:
    return "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "Data"


def commitments_csv(alliance: Alliance, progress: Progress) -> bytes:
    header, rows = commitment_rows(alliance)
    progress(30)
    return _csv(header, rows, progress)


def commitments_xlsx(alliance: Alliance, progress: Progress) -> bytes:
    header, rows = commitment_rows(alliance)
    progress(30)
    return _xlsx(_("Commitments"), header, rows, progress)


def measurements_csv(alliance: Alliance, progress: Progress) -> bytes:
    header, rows = measurement_rows(alliance)
    progress(30)
    return _csv(header, rows, progress)


def measurements_xlsx(alliance: Alliance, progress: Progress) -> bytes:
    header, rows = measurement_rows(alliance)
    progress(30)
    return _xlsx(_("Measurements"), header, rows, progress)


# --- The report -----------------------------------------------------------------------

# The PDF's standard fonts cover Latin-1 (Spanish included); no arrows or symbols beyond it.
BRAND = colors.HexColor("#0b5c73")
LINE = colors.HexColor("#d5dbe3")
WASH = colors.HexColor("#f3f5f8")


class _Styles:
    def __init__(self):
        sheet = getSampleStyleSheet()
        self.title = ParagraphStyle("title", parent=sheet["Title"], textColor=BRAND)
        self.h2 = ParagraphStyle("h2", parent=sheet["Heading2"], textColor=BRAND, spaceBefore=12)
        self.h3 = ParagraphStyle("h3", parent=sheet["Heading3"], spaceBefore=8)
        self.body = ParagraphStyle("body", parent=sheet["BodyText"], fontSize=9.5, leading=12)
        self.muted = ParagraphStyle("muted", parent=self.body, textColor=colors.HexColor("#4f5b6b"))
        self.cell = ParagraphStyle("cell", parent=sheet["BodyText"], fontSize=8, leading=10)
        self.head = ParagraphStyle("head", parent=self.cell, fontName="Helvetica-Bold")


def _text(value) -> str:
    """User text made safe for reportlab's paragraph markup, line breaks kept."""
    return escape(str(value if value not in (None, "") else "—")).replace("\n", "<br/>")


def _table(styles: _Styles, header: list[str], rows: list[list], widths: list[float]):
    data = [[Paragraph(_text(title), styles.head) for title in header]]
    data += [[Paragraph(_text(value), styles.cell) for value in row] for row in rows]
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
    styles = _Styles()
    story = [
        Paragraph(_text(alliance.name), styles.title),
        Paragraph(
            _text(
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
    story += _summary(alliance, styles)
    progress(15)
    story += _objectives(alliance, styles)
    progress(40)
    story += _commitments(alliance, styles)
    progress(60)
    story += _evaluations(alliance, styles)
    progress(75)
    story += _history(alliance, styles)
    progress(85)

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


def _summary(alliance: Alliance, styles: _Styles) -> list:
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
            [Paragraph(_text(label), styles.head), Paragraph(_text(value), styles.cell)]
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


def _objectives(alliance: Alliance, styles: _Styles) -> list:
    story = [Paragraph(_text(_("Objectives and indicators")), styles.h2)]
    objectives = objectives_with_indicators(alliance)
    values = defaultdict(list)
    for m in Measurement.objects.filter(indicator__objective__alliance=alliance).order_by(
        "period_start", "pk"
    ):
        values[m.indicator_id].append(m)
    if not objectives:
        story.append(Paragraph(_text(_("No objectives yet.")), styles.muted))
    for objective, rows in objectives:
        story.append(Paragraph(_text(f"{objective.position}. {objective.title}"), styles.h3))
        if objective.description:
            story.append(Paragraph(_text(objective.description), styles.body))
        if not rows:
            story.append(Paragraph(_text(_("No indicators yet.")), styles.muted))
            continue
        story.append(
            _table(
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
                            _text(
                                _("Values of “%(indicator)s”") % {"indicator": row.indicator.name}
                            ),
                            styles.body,
                        ),
                        _table(
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


def _commitments(alliance: Alliance, styles: _Styles) -> list:
    story = [Paragraph(_text(_("Commitments")), styles.h2)]
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
        story.append(Paragraph(_text(_("No commitments yet.")), styles.muted))
        return story
    story.append(
        _table(
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


def _evaluations(alliance: Alliance, styles: _Styles) -> list:
    story = [Paragraph(_text(_("Evaluations")), styles.h2)]
    evaluations = alliance.evaluations.select_related("author").prefetch_related(
        Prefetch("ratings", queryset=EvaluationRating.objects.order_by("pk"))
    )
    for evaluation in evaluations.order_by("-cycle"):
        story.append(
            Paragraph(
                _text(
                    _("Cycle %(cycle)s: %(decision)s")
                    % {"cycle": evaluation.cycle, "decision": evaluation.get_decision_display()}
                ),
                styles.h3,
            )
        )
        story.append(Paragraph(_text(evaluation.findings), styles.body))
        if evaluation.lessons_learned:
            story.append(
                Paragraph(
                    _text(
                        _("Lessons learned: %(lessons)s") % {"lessons": evaluation.lessons_learned}
                    ),
                    styles.body,
                )
            )
        ratings = list(evaluation.ratings.all())
        if ratings:
            story.append(
                _table(
                    styles,
                    [_("Criterion"), _("Score"), _("Note")],
                    [[r.get_criterion_display(), r.get_score_display(), r.note] for r in ratings],
                    [5, 3, 9],
                )
            )
    if len(story) == 1:
        story.append(Paragraph(_text(_("No evaluation recorded yet.")), styles.muted))
    return story


def _history(alliance: Alliance, styles: _Styles) -> list:
    story = [Paragraph(_text(_("Phase history")), styles.h2)]
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
                _text(
                    _("Created on %(date)s; no change of phase yet.")
                    % {"date": format_date(timezone.localdate(alliance.created_at))}
                ),
                styles.muted,
            )
        )
        return story
    story.append(
        _table(
            styles,
            [_("Date"), _("From"), _("To"), _("Cycle"), _("By"), _("Comment")],
            rows,
            [2.8, 3, 3, 1.2, 2.8, 4.2],
        )
    )
    return story


BUILDERS: dict[str, Callable[[Alliance, Progress], bytes]] = {
    Export.Kind.REPORT_PDF: report_pdf,
    Export.Kind.COMMITMENTS_CSV: commitments_csv,
    Export.Kind.COMMITMENTS_XLSX: commitments_xlsx,
    Export.Kind.MEASUREMENTS_CSV: measurements_csv,
    Export.Kind.MEASUREMENTS_XLSX: measurements_xlsx,
}
