"""The uploaded file: checked by content and size, read into rows of text by column name."""

import csv
import datetime
import io
import zipfile

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alianzas.search_key import search_key

MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
ACCEPTED_DESCRIPTION = gettext_lazy("an Excel workbook (.xlsx) or a CSV file")
ZIP_MAGIC = b"PK\x03\x04"


class FileRefused(Exception):
    """The file as a whole cannot be read; the message says why, in the user's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def validate_upload(file) -> None:
    """The form's check: at most 10 MB, and an XLSX workbook or a text (CSV) file by its
    content, whatever its name says."""
    if file.size > MAX_IMPORT_BYTES:
        raise ValidationError(
            _("The file is %(size)s; imported files can be at most %(limit)s.")
            % {"size": filesizeformat(file.size), "limit": filesizeformat(MAX_IMPORT_BYTES)},
            code="import_too_large",
        )
    file.seek(0)
    head = file.read(4096)
    file.seek(0)
    if not head:
        raise ValidationError(_("The file is empty."), code="import_empty")
    if head.startswith(ZIP_MAGIC):
        return
    if b"\x00" in head or _decode(head, partial=True) is None:
        raise ValidationError(
            _("This file is not %(accepted)s.") % {"accepted": ACCEPTED_DESCRIPTION},
            code="import_type",
        )


def _decode(data: bytes, *, partial: bool = False) -> str | None:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as error:
            # A multi-byte character cut at the end of the first bytes is still UTF-8.
            if partial and encoding == "utf-8-sig" and error.start >= len(data) - 3:
                return data[: error.start].decode(encoding)
    return None


def read_rows(
    data: bytes, columns: dict[str, str]
) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    """The rows, as (row number as the spreadsheet shows it, {column key: text}) for every
    non-empty row under the header, and the headers of the columns the file lacks.
    ``columns`` maps each column key to its header; headers are
    matched without case or accents. Raises ``FileRefused`` when the file cannot be read or
    lacks a required column."""
    table = _xlsx_table(data) if data.startswith(ZIP_MAGIC) else _csv_table(data)
    header_row = next(((n, row) for n, row in table if any(cell for cell in row)), None)
    if header_row is None:
        raise FileRefused(_("The file has no rows: it needs the header row of the template."))
    header_number, header = header_row
    by_key = {search_key(title): key for key, title in columns.items()}
    positions = {}
    for index, title in enumerate(header):
        key = by_key.get(search_key(title.strip().rstrip("*").strip()))
        if key is not None and key not in positions:
            positions[key] = index
    missing = [title for key, title in columns.items() if key not in positions]
    if len(missing) == len(columns):
        raise FileRefused(
            _(
                "The first row does not have the template's column names. Download the "
                "template and copy your data under its header."
            )
        )
    rows = []
    for number, row in table:
        if number <= header_number or not any(cell.strip() for cell in row):
            continue
        values = {
            key: (row[index] if index < len(row) else "").strip()
            for key, index in positions.items()
        }
        rows.append((number, values))
        if len(rows) > MAX_ROWS:
            raise FileRefused(
                _("The file has more than %(limit)s rows; split it into smaller files.")
                % {"limit": f"{MAX_ROWS:,}".replace(",", " ")}
            )
    return rows, missing


def _csv_table(data: bytes):
    text = _decode(data)
    if text is None or "\x00" in text:
        raise FileRefused(_("This file is not %(accepted)s.") % {"accepted": ACCEPTED_DESCRIPTION})
    sample = text[:4096]
    # Spreadsheets in Spanish save CSV with semicolons (the comma is the decimal mark).
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    try:
        return [
            (n, row)
            for n, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1)
        ]
    except csv.Error as error:
        raise FileRefused(
            _("The CSV file could not be read: %(error)s") % {"error": error}
        ) from error


def _xlsx_table(data: bytes):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as error:
        raise FileRefused(
            _("This file is not %(accepted)s.") % {"accepted": ACCEPTED_DESCRIPTION}
        ) from error
    try:
        sheet = workbook.worksheets[0]
        return [
            (n, [_cell_text(cell) for cell in row])
            for n, row in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
    except Exception as error:  # openpyxl raises many kinds on a damaged workbook
        raise FileRefused(
            _("The workbook could not be read; save it again as .xlsx and retry.")
        ) from error
    finally:
        workbook.close()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
