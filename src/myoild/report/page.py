"""The page around the sections: head with inline style, title, table of contents.

The Content-Security-Policy lets the page load nothing but its own inline style and ``data:``
images, so an offline reader sees everything and the page can reach no server.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from myoild.report.html import Section, escape

STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 14px; line-height: 1.45; color: #222;
       max-width: 1100px; margin: 0 auto; padding: 1em 2em 4em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 2em; }
h3 { margin-top: 1.5em; }
nav ul { margin-top: 0.2em; }
nav ul.toc { list-style: none; padding-left: 0; }
div.table { overflow-x: auto; }
table { border-collapse: collapse; margin: 0.8em 0 1.2em; font-size: 0.9em; }
caption { caption-side: top; text-align: left; font-weight: bold; padding-bottom: 0.3em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.6em; vertical-align: top; text-align: left; }
th { background: #f3f3f3; }
td.num { text-align: right; white-space: nowrap; }
tr.header td { font-weight: bold; }
tr.level td:first-child { padding-left: 1.8em; }
tr.flagged td { background: #fff4e5; }
figure { margin: 1em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.9em; color: #444; margin-top: 0.3em; }
.headline { background: #f5f8fc; border-left: 4px solid #0072B2; padding: 0.6em 1em; }
.note, .missing { color: #8a4b00; }
pre { background: #f7f7f7; padding: 0.6em; overflow-x: auto; font-size: 0.85em; }
details { margin: 0.5em 0 1em; }
"""

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def render_page(title: str, introduction: str, sections: Sequence[Section]) -> str:
    """The whole HTML document; ``ValueError`` when two anchors share an id."""
    ids = Counter([section.id for section in sections] + [h.id for s in sections for h in s.headings()])
    duplicated = sorted(anchor for anchor, count in ids.items() if count > 1)
    if duplicated:
        raise ValueError(f"duplicated section ids: {duplicated}")
    contents = "".join(section.contents_entry(number) for number, section in enumerate(sections, start=1))
    body = "".join(section.html(number) for number, section in enumerate(sections, start=1))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<header>\n<h1>{escape(title)}</h1>\n{introduction}</header>\n"
        f'<nav id="contents">\n<h2>Contents</h2>\n<ul class="toc">\n{contents}</ul>\n</nav>\n'
        f"<main>\n{body}</main>\n</body>\n</html>\n"
    )
