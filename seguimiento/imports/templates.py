"""The template of each kind: a workbook with the Spanish headers and an example row on
its first sheet, and on a second sheet what each column takes and its accepted values."""

import io

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from seguimiento.imports.kinds import Kind


def template_xlsx(kind: Kind) -> bytes:
    workbook = Workbook()
    data = workbook.active
    data.title = "Datos"
    data.append([column.header for column in kind.columns])
    data.append([kind.example.get(column.key, "") for column in kind.columns])
    for cell in data[1]:
        cell.font = Font(bold=True)
    for cell in data[2]:
        cell.data_type = "s"  # the example stays text, as it would be typed
    data.freeze_panes = "A2"
    for index, column in enumerate(kind.columns, start=1):
        data.column_dimensions[get_column_letter(index)].width = max(14, len(column.header) + 4)

    # The template speaks Spanish, whatever the language of the page it came from.
    with translation.override("es"):
        guide = workbook.create_sheet("Valores aceptados")
        guide.append([_("Column"), _("Required"), _("What it takes"), _("Accepted values")])
        for cell in guide[1]:
            cell.font = Font(bold=True)
        for column in kind.columns:
            guide.append(
                [
                    column.header,
                    _("Yes") if column.required else _("No"),
                    str(column.help),
                    "; ".join(column.accepted()) if column.accepted else "",
                ]
            )
        guide.append([])
        guide.append(
            [
                _(
                    "Dates as 2026-03-31 or 31/03/2026; numbers with a decimal point or comma. "
                    "Delete the example row before importing. The first row (the column names) "
                    "must stay."
                )
            ]
        )
        for letter, width in zip("ABCD", (24, 10, 60, 60), strict=True):
            guide.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
