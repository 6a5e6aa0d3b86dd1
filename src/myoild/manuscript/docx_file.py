"""The manuscript tables as one Word file (python-docx): a section a table, each with its title
above ("Table 1. ..."), a header row repeated on every page, and its footnotes below; wide tables
on a landscape page. Core properties carry a fixed date and no user name, and the archive's
entries a fixed date (``archive.fixed_zip``), so that the same tables give the same bytes."""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from myoild.manuscript.archive import FIXED_TIME, fixed_zip
from myoild.manuscript.layout import Cell, ManuscriptTable

TABLE_STYLE = "Table Grid"
BODY_PT = 10
TABLE_PT = 8
INDENT_PT = 10
#: Bounds of a column's share of the width, in characters of its longest text.
COLUMN_CHARACTERS = (8, 40)


def _write_cell(cell, content: Cell, bold: bool = False, indent: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    run = paragraph.add_run(content.text)
    run.bold = bold
    run.font.size = Pt(TABLE_PT)
    if content.mark:
        mark = paragraph.add_run(content.mark)
        mark.font.superscript = True
        mark.font.size = Pt(TABLE_PT)
    if indent:
        paragraph.paragraph_format.left_indent = Pt(INDENT_PT)


def _repeat_as_header(row) -> None:
    """Mark a table row as the header that Word repeats on each page."""
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(flag)


def _set_orientation(section, landscape: bool) -> None:
    wide, narrow = sorted((section.page_width, section.page_height), reverse=True)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (wide, narrow) if landscape else (narrow, wide)


def _column_widths(table: ManuscriptTable, usable: int) -> list[int]:
    """Widths (EMU) sharing ``usable`` in proportion to each column's longest text, within bounds."""
    low, high = COLUMN_CHARACTERS
    longest = [len(text) for text in table.header]
    for line in table.rows:
        if not line.heading:
            longest = [max(n, len(cell.text)) for n, cell in zip(longest, line.cells)]
    weights = [min(max(n, low), high) for n in longest]
    return [usable * weight // sum(weights) for weight in weights]


def _add_table(document, table: ManuscriptTable, usable: int) -> None:
    title = document.add_paragraph()
    title.add_run(f"{table.name}. ").bold = True
    title.add_run(table.title)
    grid = document.add_table(rows=1 + len(table.rows), cols=len(table.header))
    grid.style = document.styles[TABLE_STYLE]
    grid.autofit = False
    for column, width in zip(grid.columns, _column_widths(table, usable)):
        column.width = width
        for cell in column.cells:
            cell.width = width
    for cell, text in zip(grid.rows[0].cells, table.header):
        _write_cell(cell, Cell(text), bold=True)
    _repeat_as_header(grid.rows[0])
    for line, cells in zip(table.rows, grid.rows[1:]):
        if line.heading:
            _write_cell(cells.cells[0].merge(cells.cells[-1]), line.cells[0], bold=True)
            continue
        for position, (cell, content) in enumerate(zip(cells.cells, line.cells)):
            _write_cell(cell, content, indent=line.indent and position == 0)
    for footnote in table.footnotes:
        paragraph = document.add_paragraph()
        if footnote.mark:
            mark = paragraph.add_run(footnote.mark)
            mark.font.superscript = True
            mark.font.size = Pt(TABLE_PT)
        paragraph.add_run((" " if footnote.mark else "") + footnote.text).font.size = Pt(TABLE_PT)


def docx_bytes(tables: list[ManuscriptTable]) -> bytes:
    """The Word file of ``tables`` (one section each), as bytes."""
    document = Document()
    document.styles["Normal"].font.size = Pt(BODY_PT)
    properties = document.core_properties
    properties.title = "Manuscript tables"
    properties.author = properties.last_modified_by = "myoild"
    properties.revision = 1
    properties.created = properties.modified = properties.last_printed = FIXED_TIME
    for number, table in enumerate(tables):
        section = document.sections[0] if number == 0 else document.add_section(WD_SECTION.NEW_PAGE)
        _set_orientation(section, table.landscape)
        _add_table(document, table, section.page_width - section.left_margin - section.right_margin)
    buffer = io.BytesIO()
    document.save(buffer)
    return fixed_zip(buffer.getvalue())


def write_docx(tables: list[ManuscriptTable], path: str | Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(docx_bytes(tables))
