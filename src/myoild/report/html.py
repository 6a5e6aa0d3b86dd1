"""HTML building blocks of the report: escaped text, tables, embedded figures, sections.

Every piece of text from a table passes through ``html.escape`` unless it is ``Markup`` (HTML
this package wrote itself).
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass


class Markup(str):
    """HTML that is already safe: inserted as it is."""


def escape(text: object) -> str:
    """``text`` as HTML (``Markup`` passes unchanged)."""
    return text if isinstance(text, Markup) else html.escape(str(text), quote=True)


def slug(text: str) -> str:
    """An anchor id: lower case, runs of other characters than letters and digits as ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def paragraph(text: object, css_class: str | None = None) -> Markup:
    attribute = f' class="{css_class}"' if css_class else ""
    return Markup(f"<p{attribute}>{escape(text)}</p>\n")


def bullet_list(items: Iterable[object]) -> Markup:
    return Markup("<ul>\n" + "".join(f"<li>{escape(item)}</li>\n" for item in items) + "</ul>\n")


def table(
    header: Sequence[object],
    rows: Iterable[Sequence[object]],
    caption: object | None = None,
    text: Collection[int] = (0,),
    row_classes: Sequence[str | None] | None = None,
) -> Markup:
    """A table; the columns numbered in ``text`` (negative from the end) are text, the others
    numbers (right-aligned)."""
    text = {index % len(header) for index in text}
    out = ['<div class="table">\n<table>\n']
    if caption is not None:
        out.append(f"<caption>{escape(caption)}</caption>\n")
    out.append("<thead><tr>" + "".join(f"<th>{escape(cell)}</th>" for cell in header) + "</tr></thead>\n<tbody>\n")
    for index, row in enumerate(rows):
        css = row_classes[index] if row_classes is not None else None
        out.append(f'<tr class="{css}">' if css else "<tr>")
        for column, cell in enumerate(row):
            out.append(f"<td>{escape(cell)}</td>" if column in text else f'<td class="num">{escape(cell)}</td>')
        out.append("</tr>\n")
    out.append("</tbody>\n</table>\n</div>\n")
    return Markup("".join(out))


def figure(data_uri: str | None, name: str, caption: str) -> Markup:
    """The embedded ``figures/<name>.png`` with its caption, or a note that the file is missing."""
    if data_uri is None:
        return not_available(f"figures/{name}.png")
    alt = caption.split(". ")[0]
    return Markup(
        f'<figure><img src="{data_uri}" alt="{escape(alt)}">\n<figcaption>{escape(caption)}</figcaption></figure>\n'
    )


def not_available(relative_path: str) -> Markup:
    """The note shown in place of a missing table or figure."""
    return paragraph(f"Not available: {relative_path} is missing from the results folder.", "missing")


def details(summary: str, content: str) -> Markup:
    """Content folded away under a one-line summary (long tables)."""
    return Markup(f"<details><summary>{escape(summary)}</summary>\n{content}</details>\n")


@dataclass(frozen=True)
class Heading:
    """A subsection heading inside a section, listed in the table of contents."""

    id: str
    title: str


@dataclass(frozen=True)
class Section:
    """A numbered section of the report: HTML blocks and subsection headings in reading order."""

    id: str
    title: str
    blocks: tuple[str | Heading, ...]

    def headings(self) -> list[Heading]:
        return [block for block in self.blocks if isinstance(block, Heading)]

    def html(self, number: int) -> str:
        parts = [f'<section id="{self.id}">\n<h2>{number}. {escape(self.title)}</h2>\n']
        for block in self.blocks:
            if isinstance(block, Heading):
                parts.append(f'<h3 id="{block.id}">{escape(block.title)}</h3>\n')
            else:
                parts.append(block)
        parts.append("</section>\n")
        return "".join(parts)

    def contents_entry(self, number: int) -> str:
        entry = f'<li><a href="#{self.id}">{number}. {escape(self.title)}</a>'
        headings = self.headings()
        if headings:
            entry += "\n<ul>" + "".join(f'<li><a href="#{h.id}">{escape(h.title)}</a></li>' for h in headings) + "</ul>"
        return entry + "</li>\n"
