"""The manuscript tables as one Excel workbook (openpyxl): a sheet a table, named after it
("Table 1"), with the title in the first row, the header below it, the body, and the footnotes
after a blank row.

Every cell is text, and stays text: a value that starts with ``=``, ``+``, ``-`` or ``@`` (a
patient-entered ``=2+5``, a negative difference) is stored as a string, never as a formula
(openpyxl would store a string starting with ``=`` as one), and marked with Excel's quote prefix
so that editing the cell keeps it text. Footnote marks are superscript rich text. The workbook's
created and modified dates are fixed and the archive's entries dated ``archive.FIXED_TIME``, so
that the same tables give the same bytes (openpyxl's ``Workbook.save`` would stamp the time of
saving: the writer is called directly).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from myoild.manuscript.archive import FIXED_TIME, fixed_zip
from myoild.manuscript.layout import Cell, ManuscriptTable

#: First characters that make a spreadsheet read a typed value as a formula.
FORMULA_STARTS = ("=", "+", "-", "@")
MAX_COLUMN_WIDTH = 48
HEADER_ROW = 3


def set_text(cell, content: Cell, bold: bool = False) -> None:
    """Write ``content`` into a worksheet cell as text (never a formula), its mark as superscript."""
    if content.mark:
        cell.value = CellRichText([content.text, TextBlock(InlineFont(vertAlign="superscript"), content.mark)])
    else:
        cell.value = content.text
        cell.data_type = "s"
    if content.text.startswith(FORMULA_STARTS):
        cell.quotePrefix = True
    if bold:
        cell.font = Font(bold=True)


def _add_sheet(workbook: Workbook, table: ManuscriptTable) -> None:
    sheet = workbook.create_sheet(table.name)
    set_text(sheet.cell(1, 1), Cell(f"{table.name}. {table.title}"), bold=True)
    for column, text in enumerate(table.header, start=1):
        set_text(sheet.cell(HEADER_ROW, column), Cell(text), bold=True)
        sheet.cell(HEADER_ROW, column).alignment = Alignment(wrap_text=True, vertical="top")
    widths = [len(text) for text in table.header]
    for number, line in enumerate(table.rows, start=HEADER_ROW + 1):
        if line.heading:
            set_text(sheet.cell(number, 1), line.cells[0], bold=True)
            continue
        for column, content in enumerate(line.cells, start=1):
            set_text(sheet.cell(number, column), content)
            widths[column - 1] = max(widths[column - 1], len(content.text) + len(content.mark))
        if line.indent:
            sheet.cell(number, 1).alignment = Alignment(indent=1)
    first_note = HEADER_ROW + len(table.rows) + 2
    for number, footnote in enumerate(table.footnotes, start=first_note):
        text = f"{footnote.mark} {footnote.text}" if footnote.mark else footnote.text
        set_text(sheet.cell(number, 1), Cell(text))
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(width + 2, MAX_COLUMN_WIDTH)
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 1)


def xlsx_bytes(tables: list[ManuscriptTable]) -> bytes:
    """The workbook of ``tables`` (a sheet each), as bytes."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in tables:
        _add_sheet(workbook, table)
    workbook.properties.creator = workbook.properties.lastModifiedBy = "myoild"
    workbook.properties.title = "Manuscript tables"
    workbook.properties.created = workbook.properties.modified = FIXED_TIME.replace(tzinfo=None)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    return fixed_zip(buffer.getvalue())


def write_xlsx(tables: list[ManuscriptTable], path: str | Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(xlsx_bytes(tables))
