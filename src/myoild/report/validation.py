"""Section on the validation of the raw tables (``validation/report.json``): the tables read, with
their checksums, and the errors and warnings (the first ``MAX_ROWS`` of each).

A record that names a patient is shown, by default, only as a count per table, column and check
with the check's reason: its patient, row and message (which quotes the patient's dates and
values) stay in ``validation/report.md``/``.json``. With ``report.show_patient_ids`` every record
is listed as it is (``myoild.disclosure``).
"""

from __future__ import annotations

from collections import Counter

from myoild.disclosure import Disclosure
from myoild.report.folder import ResultsFolder
from myoild.report.formatting import format_count
from myoild.report.html import Section, not_available, paragraph, table

MAX_ROWS = 200
RECORD_FIELDS = ("table", "column", "row", "patient_id", "check", "message")
HEADER = dict(zip(RECORD_FIELDS, ("Table", "Column", "Row", "Patient", "Check", "Message"), strict=True))
#: What the checks that name a patient found, for the counts shown in their place
#: (``myoild.validate.crosstable``; another check's reason is in validation/report.md).
CHECK_REASONS = {
    "hrct_grid_complete": "a reader's lobe x feature grid of an HRCT exam is incomplete; the exam's scores stay empty",
    "hrct_two_readers": "an HRCT exam does not have two readers; its scores stay empty",
}


def _cell(record: dict, field: str) -> object:
    return "" if record.get(field) is None else record[field]


def _listed(records: list[dict], kind: str, fields: tuple[str, ...]) -> list:
    """The records one a row (the first ``MAX_ROWS``)."""
    rows = [[_cell(record, field) for field in fields] for record in records]
    blocks = [table([HEADER[field] for field in fields], rows[:MAX_ROWS], kind.capitalize(), text=range(len(fields)))]
    if len(rows) > MAX_ROWS:
        blocks.append(paragraph(f"... and {len(rows) - MAX_ROWS} more {kind}: see validation/report.md.", "note"))
    return blocks


def _counted(records: list[dict], kind: str, disclosure: Disclosure) -> list:
    """Records naming a patient, counted (records and patients) per table, column and check, with
    the check's reason."""
    records_of: Counter = Counter()
    patients_of: dict[tuple, set] = {}
    for record in records:
        key = (_cell(record, "table"), _cell(record, "column"), record["check"])
        records_of[key] += 1
        patients_of.setdefault(key, set()).add(record["patient_id"])
    rows = [
        [*key, CHECK_REASONS.get(key[2], "see validation/report.md"), format_count(n, disclosure),
         format_count(len(patients_of[key]), disclosure)]
        for key, n in records_of.items()
    ]  # fmt: skip
    header = ["Table", "Column", "Check", "Reason", "Records", "Patients"]
    caption = f"{kind.capitalize()} about patients: counts (each one is listed in validation/report.md)"
    return [table(header, rows, caption, text=range(4))]


def _records_blocks(records: list[dict], kind: str, disclosure: Disclosure) -> list:
    if not records:
        return [paragraph(f"No {kind}.")]
    if disclosure.show_patient_ids:
        return _listed(records, kind, RECORD_FIELDS)
    about_patients = [record for record in records if record.get("patient_id") is not None]
    others = [record for record in records if record.get("patient_id") is None]
    blocks = _listed(others, kind, tuple(f for f in RECORD_FIELDS if f != "patient_id")) if others else []
    return blocks + (_counted(about_patients, kind, disclosure) if about_patients else [])


def validation_section(results: ResultsFolder, disclosure: Disclosure = Disclosure()) -> Section:
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
    blocks += _records_blocks(errors, "errors", disclosure)
    blocks += _records_blocks(notes, "warnings", disclosure)
    return Section("validation", "Validation notes", tuple(blocks))
