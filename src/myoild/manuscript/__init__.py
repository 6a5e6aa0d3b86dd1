"""Manuscript-ready tables: Table 1, Table 2, the hazard ratios and the adverse events, rounded as
journals print them, as a Word file and an Excel workbook (``tables/manuscript.docx``,
``tables/manuscript.xlsx``). Built from the finished machine tables only."""

from myoild.manuscript.docx_file import docx_bytes, write_docx
from myoild.manuscript.layout import Cell, Footnote, ManuscriptTable, Row
from myoild.manuscript.tables import manuscript_tables
from myoild.manuscript.xlsx_file import write_xlsx, xlsx_bytes

__all__ = [
    "Cell",
    "Footnote",
    "ManuscriptTable",
    "Row",
    "docx_bytes",
    "manuscript_tables",
    "write_docx",
    "write_xlsx",
    "xlsx_bytes",
]
