"""The validation report (RESULTS_CONTRACT.md: validation/report.json and report.md) and the failure message.

report.json is ``{"status", "errors", "notes", "tables": {name: {"rows", "file", "sha256"}}}``
with sorted keys and no timestamps or absolute paths, so that the same input gives the same bytes.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from myoild.contract import TABLES
from myoild.io import visible
from myoild.validate.core import ValidationResult

#: Rows per section of report.md; report.json always lists everything.
MARKDOWN_MAX_ROWS = 1000
COLUMNS = ("table", "row", "patient_id", "column", "check", "message")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*\[\]|~#])")


def report_dict(result: ValidationResult) -> dict:
    """The content of report.json."""
    return {
        "status": result.status,
        "errors": result.errors,
        "notes": result.notes,
        "tables": {
            table: {"rows": info.rows, "file": info.file, "sha256": info.sha256}
            for table, info in ((table, result.info[table]) for table in TABLES)
        },
    }


def write_report(result: ValidationResult, json_path: str | Path, md_path: str | Path) -> None:
    """Write report.json (machines) and report.md (people)."""
    for path in (Path(json_path), Path(md_path)):
        path.parent.mkdir(parents=True, exist_ok=True)
    Path(json_path).write_text(
        json.dumps(report_dict(result), sort_keys=True, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    Path(md_path).write_text(report_markdown(result, Path(json_path).name), encoding="utf-8")


def report_markdown(result: ValidationResult, json_name: str = "report.json") -> str:
    """report.md: summary, the tables read, every error and warning (capped, see MARKDOWN_MAX_ROWS)."""
    lines = [
        "# Validation report",
        "",
        f"**Status: {result.status}** — {_count(len(result.errors), 'error')}, "
        f"{_count(len(result.notes), 'warning')}.",
        "",
        "## Tables",
        "",
        "| table | file | rows | sha256 |",
        "|---|---|---:|---|",
    ]
    for table in TABLES:
        info = result.info[table]
        cells = [_cell(table), _cell(info.file), _cell(info.rows), f"`{info.sha256}`" if info.sha256 else ""]
        lines.append("| " + " | ".join(cells) + " |")
    for title, records, noun in (("Errors", result.errors, "error"), ("Warnings", result.notes, "warning")):
        lines += ["", f"## {title}", ""]
        if not records:
            lines.append(f"No {noun}s.")
            continue
        lines += ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
        lines += [
            "| " + " | ".join(_cell(record[key]) for key in COLUMNS) + " |" for record in records[:MARKDOWN_MAX_ROWS]
        ]
        if len(records) > MARKDOWN_MAX_ROWS:
            lines += ["", f"… and {len(records) - MARKDOWN_MAX_ROWS} more {noun}s: see {json_name}."]
    return "\n".join(lines) + "\n"


def failure_message(result: ValidationResult, report_path: str | Path, max_errors: int = 10) -> str:
    """The short message of a failed validation: the first errors with table, row, patient, column; the count; the report."""
    total = len(result.errors)
    per_table: dict[str, int] = {}
    for error in result.errors:
        per_table[error["table"] or "input folder"] = per_table.get(error["table"] or "input folder", 0) + 1
    counts = ", ".join(f"{table} {count}" for table, count in per_table.items())
    lines = [f"Validation of the input data failed: {_count(total, 'error')} ({counts})."]
    if total > max_errors:
        lines.append(f"The first {max_errors}:")
    lines += [f"  - {describe(error)}" for error in result.errors[:max_errors]]
    if total > max_errors:
        lines.append(f"  ... and {total - max_errors} more.")
    lines.append(f"Full report: {report_path}")
    return "\n".join(lines)


def describe(record: dict) -> str:
    """One record as a line: ``table, row 4 (patient_id P004), column age_years: message [check]``."""
    where = [record["table"] or "input folder"]
    if record["row"] is not None:
        where.append(f"row {record['row']}")
    if record["patient_id"] is not None:
        where.append(f"patient_id {visible(record['patient_id'])}")
    if record["column"] is not None:
        where.append(f"column {visible(record['column'])}")
    return f"{', '.join(where)}: {record['message']} [{record['check']}]"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _cell(value: object) -> str:
    """A Markdown table cell: empty for None, else ``markdown_text``."""
    return "" if value is None else markdown_text(str(value))


def markdown_text(text: str) -> str:
    """Text from the data (patient ids, column and file names, quoted cells) as Markdown that renders as
    itself, on one line of a table.

    ``&``, ``<`` and ``>`` become HTML entities (no tag or entity in the data is ever HTML); the
    characters with a meaning in Markdown text (``\\ ` * [ ] | ~ #``: escapes, code, emphasis,
    links and images, table cells, strike-through, headings) are backslash-escaped (CommonMark spec,
    "Backslash escapes"); control characters, line breaks included, are written as ``\\xNN``
    (``myoild.io.visible``). ``_`` is left alone: inside a word, as in check and column names, it
    is no emphasis (CommonMark spec, "Emphasis and strong emphasis"), and emphasis can neither run
    code nor break the table.
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(visible(text), quote=False))
