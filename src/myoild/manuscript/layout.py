"""A manuscript table as both writers (Word, Excel) render it: a title, a header row, body rows of
text cells and footnotes. Every cell is text already formatted by the journal's rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from string import ascii_lowercase


@dataclass(frozen=True)
class Cell:
    """A cell's text and its footnote mark (printed as a superscript after the text)."""

    text: str
    mark: str = ""


@dataclass(frozen=True)
class Row:
    """A body row; a ``heading`` row has one cell that spans the table (e.g. a contrast's name);
    an ``indent`` row is a level under the row above (e.g. a diagnosis under "Diagnosis")."""

    cells: tuple[Cell, ...]
    heading: bool = False
    indent: bool = False


@dataclass(frozen=True)
class Footnote:
    text: str
    mark: str = ""


@dataclass(frozen=True)
class ManuscriptTable:
    """``name`` (``Table 1``) is the sheet's name and starts the title line; ``landscape`` tables
    get a landscape page in the Word file."""

    name: str
    title: str
    header: tuple[str, ...]
    rows: tuple[Row, ...]
    footnotes: tuple[Footnote, ...] = ()
    landscape: bool = False

    def __post_init__(self):
        for row in self.rows:
            expected = 1 if row.heading else len(self.header)
            if len(row.cells) != expected:
                raise ValueError(f"{self.name}: a row has {len(row.cells)} cells, not {expected}")

    def texts(self) -> list[str]:
        """Every text the table shows (for the abbreviations it uses)."""
        return [self.title, *self.header, *(cell.text for row in self.rows for cell in row.cells)]


def row(*cells: str | Cell, indent: bool = False) -> Row:
    return Row(tuple(cell if isinstance(cell, Cell) else Cell(cell) for cell in cells), indent=indent)


def heading(text: str) -> Row:
    return Row((Cell(text),), heading=True)


@dataclass
class FootnoteMarks:
    """Letters a, b, c, ... given to footnote texts in the order they are first used."""

    _texts: dict[str, str] = field(default_factory=dict)

    def mark(self, text: str) -> str:
        if text not in self._texts:
            number, letters = len(self._texts), ""
            while True:
                number, rest = divmod(number, len(ascii_lowercase))
                letters = ascii_lowercase[rest] + letters
                if number == 0:
                    break
                number -= 1
            self._texts[text] = letters
        return self._texts[text]

    def footnotes(self) -> list[Footnote]:
        return [Footnote(text, mark) for text, mark in self._texts.items()]
