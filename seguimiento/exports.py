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
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from alianzas.access import visible_alliances
from alianzas.models import Alliance
from seguimiento import report_pdf
from seguimiento.models import Export, Measurement

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


BUILDERS: dict[str, Callable[[Alliance, Progress], bytes]] = {
    Export.Kind.REPORT_PDF: report_pdf.report_pdf,
    Export.Kind.COMMITMENTS_CSV: commitments_csv,
    Export.Kind.COMMITMENTS_XLSX: commitments_xlsx,
    Export.Kind.MEASUREMENTS_CSV: measurements_csv,
    Export.Kind.MEASUREMENTS_XLSX: measurements_xlsx,
}


def visible_exports(user) -> QuerySet:
    """Files are asked for by whoever may read the alliance, and only the person who asked
    may see or download one, and only while they may still read that alliance."""
    if not (user.is_authenticated and user.is_active):
        return Export.objects.none()
    return Export.objects.filter(
        requested_by=user, alliance__in=visible_alliances(user).values("pk")
    )
