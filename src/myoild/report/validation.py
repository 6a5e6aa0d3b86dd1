"""Section on the validation of the raw tables (``validation/report.json``): the tables read, with
their checksums, and every error and warning (the first ``MAX_ROWS`` of each)."""

from __future__ import annotations

from myoild.report.folder import ResultsFolder
from myoild.report.html import Section, not_available, paragraph, table

MAX_ROWS = 200
RECORD_FIELDS = ("table", "column", "row", "patient_id", "check", "message")


def _records_table(records: list[dict], kind: str) -> list:
    if not records:
        return [paragraph(f"No {kind}.")]
    rows = [["" if record.get(field) is None else record[field] for field in RECORD_FIELDS] for record in records]
    header = ["Table", "Column", "Row", "Patient", "Check", "Message"]
    blocks = [table(header, rows[:MAX_ROWS], kind.capitalize(), text=range(len(header)))]
    if len(rows) > MAX_ROWS:
        blocks.append(paragraph(f"... and {len(rows) - MAX_ROWS} more {kind}: see validation/report.md.", "note"))
    return blocks


def validation_section(results: ResultsFolder) -> Section:
    report = results.json("validation/report.json")
    if report is None:
        return Section("validation", "Validation notes", (not_available("validation/report.json"),))
    errors, notes = report.get("errors", []), report.get("notes", [])
    blocks = [
        paragraph(
            f"Validation against the data contract: {report.get('status', 'unknown')}, {len(errors)} errors, "
            f"{len(notes)} warnings. Warnings mark gaps the analysis works around; the affected items are left out "
            "of the analyses that need them, counted."
        )
    ]
    tables = report.get("tables", {})
    rows = [
        [name, info.get("file") or "", "" if info.get("rows") is None else info["rows"], info.get("sha256") or ""]
        for name, info in tables.items()
    ]
    blocks.append(table(["Table", "File", "Rows", "sha256"], rows, "Raw tables read", text=(0, 1, 3)))
    blocks += _records_table(errors, "errors")
    blocks += _records_table(notes, "warnings")
    return Section("validation", "Validation notes", tuple(blocks))
