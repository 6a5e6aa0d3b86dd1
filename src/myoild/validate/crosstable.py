"""Rules between columns and between tables (DATA_CONTRACT.md), as plain vectorised functions.

Each rule takes the parsed tables (``data``: table -> DataFrame indexed by raw row number), the
masks of cells filled in the raw files (``present``) and the patient of every row, looked up once
for all rules (``codes``, PatientCodes), and returns error or warning records (records.py). A rule
whose table or column is missing returns nothing: that absence is already an error. A cell that failed to parse is missing in ``data``, so no rule reports it again;
conditional rules ("required when ... is set") ask ``present`` whether a cell was given at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from myoild.contract import HRCT_FEATURES, HRCT_TIMEPOINTS, LOBES, TABLES
from myoild.io import missing_cells
from myoild.validate.parse import quote
from myoild.validate.records import (
    EMPTY,
    cell_records,
    concat_records,
    patient_ids_of,
    repeated_key_records,
    table_record,
)
from myoild.validate.schemas import table_schema

Tables = dict[str, pd.DataFrame]
#: Days on or before the index date within which the baseline visit lies (data contract, visits).
BASELINE_WINDOW_DAYS = 14
READERS_PER_EXAM = 2
#: What makes two rows one record where the contract's table has no key (DATA_CONTRACT.md,
#: "Duplicated records"): table -> (columns, check, what a repeat is called).
RECORD_KEYS = {
    "medications": (["patient_id", "drug", "start_date", "dose", "dose_unit"], "unique_episode", "episode"),
    "adverse_events": (["patient_id", "onset_date", "term"], "unique_event", "event"),
}
#: The date of each dated record that cannot lie after the end of follow-up (DATA_CONTRACT.md,
#: "Records after the end of follow-up").
RECORD_DATES = {
    "medications": "start_date",
    "visits": "visit_date",
    "hrct_reads": "exam_date",
    "adverse_events": "onset_date",
}


@dataclass(frozen=True)
class PatientCodes:
    """The patient of every row, as one integer per distinct patient_id across the five tables.

    Codes ``0 .. n_patients - 1`` are the patient_ids of the patients table in order of first
    appearance, higher codes the patient_ids found only in other tables, -1 an empty cell. Looked up
    once for every rule: on millions of rows, each rule hashing the identifiers again took seconds.
    """

    ids: pd.Index
    n_patients: int
    by_table: dict[str, np.ndarray]

    def first_rows(self) -> np.ndarray:
        """The position in the patients table of each patient's first row, by code."""
        codes, first = np.unique(self.by_table["patients"], return_index=True)
        return first[codes >= 0]

    def rows_of(self, table: str) -> np.ndarray:
        """For each row of ``table``, its patient's position in an array of one entry per patient (by
        code) and one more, the last, standing for an empty patient_id or one not in the patients table."""
        code = self.by_table[table]
        return np.where((code >= 0) & (code < self.n_patients), code, self.n_patients)


def patient_codes(data: Tables) -> PatientCodes:
    """The codes of every table with a patient_id column (no patient is known without the patients
    table or its patient_id column)."""
    ids = pd.Index([], dtype=object)
    by_table: dict[str, np.ndarray] = {}
    n_patients = 0
    for table in TABLES:  # patients first: its patient_ids take the lowest codes
        frame = _table(data, table, "patient_id")
        if frame is None:
            continue
        code = _positions(ids, frame["patient_id"].to_numpy())
        new = np.flatnonzero(code < 0)  # not seen in an earlier table, or empty
        if new.size:
            more, found = pd.factorize(frame["patient_id"].to_numpy()[new], use_na_sentinel=True)
            code[new] = np.where(more >= 0, more + len(ids), -1)
            ids = ids.append(pd.Index(found, dtype=object))
        by_table[table] = code
        if table == "patients":
            n_patients = len(ids)
    return PatientCodes(ids, n_patients, by_table)


def _positions(ids: pd.Index, values: np.ndarray) -> np.ndarray:
    """``ids.get_indexer(values)``, looked up once per run of equal neighbours: the rows of one patient
    mostly stand together (for visits, one lookup in six), and comparing neighbours costs less."""
    change = np.ones(len(values), dtype=bool)
    change[1:] = values[1:] != values[:-1]
    starts = np.flatnonzero(change)
    return np.repeat(ids.get_indexer(values[starts]), np.diff(np.append(starts, len(values))))


def _table(data: Tables, table: str, *columns: str) -> pd.DataFrame | None:
    """The table if it was read and has all the columns a rule needs, else None."""
    frame = data.get(table)
    return frame if frame is not None and all(column in frame for column in columns) else None


def _rows(
    table: str, column: str, frame: pd.DataFrame, failing: pd.Series | np.ndarray | None, check: str, message
) -> pd.DataFrame:
    """Records for the failing rows of ``frame`` (all rows when None); ``message(row_values)`` words each."""
    rows = frame.index if failing is None else frame.index[np.asarray(failing, dtype=bool)]
    if rows.empty:
        return EMPTY
    texts = [message(values) for values in frame.loc[rows].itertuples(index=False)]
    return cell_records(table, column, rows, patient_ids_of(frame, rows), check, texts)


def patient_dates(data: Tables, present: Tables, codes: PatientCodes) -> pd.DataFrame:
    """last_contact_date >= index_date; death_date and withdrawal_date within [index_date, last_contact_date]."""
    patients = _table(data, "patients", "index_date", "last_contact_date")
    if patients is None:
        return EMPTY
    start, end = patients["index_date"], patients["last_contact_date"]
    records = [
        _rows(
            "patients",
            "last_contact_date",
            patients,
            end < start,
            "last_contact_on_or_after_index",
            lambda p: f"last_contact_date {quote(p.last_contact_date)} is before index_date {quote(p.index_date)}",
        )
    ]
    for column, check in (("death_date", "death_within_follow_up"), ("withdrawal_date", "withdrawal_within_follow_up")):
        date = patients[column]
        records.append(
            _rows(
                "patients",
                column,
                patients,
                (date < start) | (date > end),
                check,
                lambda p, column=column: (
                    f"{column} {quote(getattr(p, column))} is not between index_date {quote(p.index_date)} "
                    f"and last_contact_date {quote(p.last_contact_date)}"
                ),
            )
        )
    return concat_records(records)


def withdrawals(data: Tables, present: Tables, codes: PatientCodes) -> pd.DataFrame:
    """withdrawal_date only in the prospective cohort; withdrawal_reason given when, and only when, it is set."""
    patients = _table(data, "patients")
    if patients is None:
        return EMPTY
    given = present["patients"]
    records = [
        _rows(
            "patients",
            "withdrawal_reason",
            patients,
            given["withdrawal_date"] & ~given["withdrawal_reason"],
            "withdrawal_reason_with_date",
            lambda p: "withdrawal_date is set but withdrawal_reason is empty",
        ),
        _rows(
            "patients",
            "withdrawal_reason",
            patients,
            given["withdrawal_reason"] & ~given["withdrawal_date"],
            "withdrawal_reason_with_date",
            lambda p: "withdrawal_reason is given but withdrawal_date is empty",
        ),
    ]
    if "cohort" in patients:
        records.append(
            _rows(
                "patients",
                "withdrawal_date",
                patients,
                given["withdrawal_date"] & (patients["cohort"] == "retrospective"),
                "withdrawal_prospective_only",
                lambda p: "withdrawal_date is set in the retrospective cohort; withdrawal is prospective only",
            )
        )
    return concat_records(records)


def medication_episodes(data: Tables, present: Tables, codes: PatientCodes) -> pd.DataFrame:
    """dose_unit required when dose is set; end_date not before start_date.

    The contract's end_date ("empty = ongoing") implies the order; an episode cannot end before
    it starts.
    """
    medications = _table(data, "medications")
    if medications is None:
        return EMPTY
    given = present["medications"]
    records = [
        _rows(
            "medications",
            "dose_unit",
            medications,
            given["dose"] & ~given["dose_unit"],
            "dose_unit_with_dose",
            lambda m: "dose is set but dose_unit is empty",
        )
    ]
    if "start_date" in medications:
        records.append(
            _rows(
                "medications",
                "end_date",
                medications,
                medications["end_date"] < medications["start_date"],
                "end_on_or_after_start",
                lambda m: f"end_date {quote(m.end_date)} is before start_date {quote(m.start_date)}",
            )
        )
    return concat_records(records)


def duplicated_records(data: Tables, present: Tables, codes: PatientCodes) -> pd.DataFrame:
    """No two medication rows with the same patient, drug, start_date, dose and dose_unit (a duplicated
    episode: its dose would count twice), no two adverse events with the same patient, onset_date and
    term (a duplicated event).

    An empty dose or dose_unit is a value here, equal to another empty one. Rows with a key cell that
    is empty in a required column, or that failed to parse, are left out: that cell is its own error.
    """
    records = []
    for table, (keys, check, what) in RECORD_KEYS.items():
        frame = _table(data, table, *keys)
        if frame is None:
            continue
        code, given, schema = codes.by_table[table], present[table], table_schema(table)
        # The patient as its code: equal codes are equal patient_ids, and integers compare fast.
        values = pd.DataFrame({key: code if key == "patient_id" else frame[key] for key in keys}, copy=False)
        usable = np.ones(len(frame), dtype=bool)
        for key in keys:
            missing = code < 0 if key == "patient_id" else missing_cells(frame[key])
            # Given but missing after parsing: unreadable; missing in a required column: empty.
            usable &= ~(missing & (given[key].to_numpy() | (not schema.columns[key].nullable)))
        repeated = _repeated_rows(values if usable.all() else values.loc[usable])
        records.append(repeated_key_records(table, frame, keys, repeated, check, f"is a duplicated {what}"))
    return concat_records(records)


def _repeated_rows(values: pd.DataFrame) -> pd.Index:
    """The rows whose values repeat another row's (a missing value equal to another missing one).

    A row unique in the columns other than text cannot repeat: text, slow to compare on millions of
    rows, is compared only among the rows the other columns leave (a few in a hundred).
    """
    fast = [column for column, dtype in values.dtypes.items() if dtype != object]
    if 0 < len(fast) < values.shape[1]:
        values = values.loc[values.duplicated(fast, keep=False).to_numpy()]
    return values.index[values.duplicated(keep=False).to_numpy()]


def records_after_follow_up(data: Tables, present: Tables, codes: PatientCodes) -> pd.DataFrame:
    """No medication start, visit, HRCT exam or adverse event onset after the patient's death_date or
    last_contact_date (the last date the patient was known alive and followed).

    A record on the day of death or of the last contact is allowed. Patients whose own dates break
    the patients rules, or whose patient_id repeats, are left out: their end of follow-up is unknown
    and already an error. An HRCT exam is one record, at its first row.
    """
    patients = _table(data, "patients", "patient_id", "index_date", "last_contact_date", "death_date")
    if patients is None:
        return EMPTY
    start, last, death = patients["index_date"], patients["last_contact_date"], patients["death_date"]
    code = codes.by_table["patients"]
    sound = ((start <= last) & (death.isna() | ((death >= start) & (death <= last)))).to_numpy() & (code >= 0)
    # A patient_id on one sound row only: the other sound rows of a repeated patient_id disagree.
    once = np.bincount(code[sound], minlength=codes.n_patients) == 1
    sound[sound] = once[code[sound]]
    ends = {}
    for name in ("death_date", "last_contact_date"):
        ends[name] = np.full(codes.n_patients + 1, np.datetime64("NaT", "ns"))  # NaT: end unknown
        ends[name][code[sound]] = patients[name].to_numpy()[sound]
    # A sound patient's death lies within follow-up: a date after either end is after the first of them.
    end = np.where(np.isnat(ends["death_date"]), ends["last_contact_date"], ends["death_date"])
    records = []
    for table, column in RECORD_DATES.items():
        frame = _table(data, table, "patient_id", column)
        if frame is None:
            continue
        rows_of = codes.rows_of(table)
        failing = frame[column].to_numpy() > end[rows_of]
        late = frame.loc[failing, ["patient_id", column]].assign(
            **{name: dates[rows_of[failing]] for name, dates in ends.items()}
        )
        if table == "hrct_reads":
            exam = ["patient_id", "timepoint", column]
            late = late.join(frame["timepoint"])
            rows = late.groupby(exam)[column].transform("size").astype(str)
            late = late.assign(what=late["timepoint"] + " exam (" + rows + " rows) dated").loc[~late.duplicated(exam)]
        else:
            late = late.assign(what=column)
        records.append(
            _rows(
                table,
                column,
                late,
                None,
                "not_after_death_or_last_contact",
                lambda r, column=column: _after_follow_up_message(
                    r.what, getattr(r, column), r.death_date, r.last_contact_date
                ),
            )
        )
    return concat_records(records)


def _after_follow_up_message(what: str, date: pd.Timestamp, death: pd.Timestamp, last: pd.Timestamp) -> str:
    end, end_date = ("death_date", death) if pd.notna(death) and date > death else ("last_contact_date", last)
    return (
        f"{what} {quote(date)} is after the {end} {quote(end_date)}: nothing is recorded after a patient's "
        "death or last contact"
    )


def foreign_keys(data: Tables, present: Tables, codes: PatientCodes) -> pd.DataFrame:
    """Every patient_id of the other four tables is a patient_id of patients."""
    if _table(data, "patients", "patient_id") is None:
        return EMPTY
    records = []
    for table in ("medications", "visits", "hrct_reads", "adverse_events"):
        frame = _table(data, table, "patient_id")
        if frame is None:
            continue
        records.append(
            _rows(
                table,
                "patient_id",
                frame,
                codes.by_table[table] >= codes.n_patients,  # an empty cell (-1) is its own error
                "patient_in_patients",
                lambda row: f"patient_id {quote(row.patient_id)} is not in the patients table",
            )
        )
    return concat_records(records)


def baseline_visits(
    data: Tables, present: Tables, codes: PatientCodes, window_days: int = BASELINE_WINDOW_DAYS
) -> pd.DataFrame:
    """Every patient has exactly one baseline visit, on or within 14 days before index_date (the
    index_date of the patient's first row in patients)."""
    patients = _table(data, "patients", "patient_id", "index_date")
    visits = _table(data, "visits", "patient_id", "visit", "visit_date")
    if patients is None or visits is None:
        return EMPTY
    code = codes.by_table["visits"]
    is_baseline = (visits["visit"] == "baseline").to_numpy() & (code >= 0) & (code < codes.n_patients)
    index_date = patients["index_date"].to_numpy()[codes.first_rows()]
    baseline = visits.loc[is_baseline, ["patient_id", "visit_date"]]
    baseline = baseline.assign(index_date=index_date[code[is_baseline]])
    count = np.bincount(code[is_baseline], minlength=codes.n_patients)
    none = codes.ids[: codes.n_patients][count == 0]
    repeated = baseline.assign(baselines=count[code[is_baseline]]).loc[lambda frame: frame["baselines"] > 1]
    rows_of = repeated.reset_index().groupby("patient_id")["row"].agg(lambda rows: ", ".join(map(str, rows)))
    days_before = (baseline["index_date"] - baseline["visit_date"]).dt.days
    return concat_records(
        [
            cell_records(
                "visits", "visit", [None] * len(none), none, "one_baseline_visit", "the patient has no baseline visit"
            ),
            _rows(
                "visits",
                "visit",
                repeated,
                None,
                "one_baseline_visit",
                lambda v: f"the patient has {v.baselines} baseline visits (rows {rows_of[v.patient_id]}); "
                "exactly one is allowed",
            ),
            _rows(
                "visits",
                "visit_date",
                baseline,
                (days_before < 0) | (days_before > window_days),
                "baseline_within_14_days_before_index",
                lambda v: f"baseline visit_date {quote(v.visit_date)} is not on or within {window_days} "
                f"days before index_date {quote(v.index_date)}",
            ),
        ]
    )


def hrct_exam_dates(data: Tables, present: Tables, codes: PatientCodes) -> pd.DataFrame:
    """All rows of one exam (patient_id, timepoint) carry the same exam_date.

    One record per differing date, at its first row, naming the exam's first date and row.
    """
    exam = ["patient_id", "timepoint"]
    reads = _table(data, "hrct_reads", *exam, "exam_date")
    if reads is None:
        return EMPTY
    dated = reads[[*exam, "exam_date"]].dropna().reset_index()
    first = dated.drop_duplicates(exam)
    per_date = dated.drop_duplicates([*exam, "exam_date"]).merge(first, on=exam, suffixes=("", "_first"))
    differing = per_date.loc[per_date["exam_date"] != per_date["exam_date_first"]].set_index("row")
    return _rows(
        "hrct_reads",
        "exam_date",
        differing,
        None,
        "one_exam_date",
        lambda h: (
            f"exam_date {quote(h.exam_date)} differs from {quote(h.exam_date_first)} (row {h.row_first}) "
            f"in the {h.timepoint} exam of this patient"
        ),
    )


def hrct_grids(data: Tables, present: Tables, codes: PatientCodes) -> pd.DataFrame:
    """Warnings: an exam with other than two readers, or a reader's 5 x 4 lobe x feature grid incomplete.

    The warning names patient, timepoint, reader and the missing cells; the exam's scores stay
    empty downstream (DATA_CONTRACT.md, hrct_reads).
    """
    keys = ["patient_id", "timepoint", "reader", "lobe", "feature"]
    reads = _table(data, "hrct_reads", *keys)
    if reads is None:
        return EMPTY
    cells = reads[keys].dropna()
    cells = cells.loc[
        cells["timepoint"].isin(HRCT_TIMEPOINTS) & cells["lobe"].isin(LOBES) & cells["feature"].isin(HRCT_FEATURES)
    ].drop_duplicates()
    grid = [(lobe, feature) for lobe in LOBES for feature in HRCT_FEATURES]
    filled = cells.groupby(keys[:3]).size()
    short = cells.merge(filled[filled < len(grid)].rename("n").reset_index(), on=keys[:3])
    records = []
    for (patient_id, timepoint, reader), mine in short.groupby(keys[:3], sort=True):
        have = set(zip(mine["lobe"], mine["feature"], strict=True))
        missing = [f"{lobe} {feature}" for lobe, feature in grid if (lobe, feature) not in have]
        records.append(
            table_record(
                "hrct_reads",
                "hrct_grid_complete",
                f"{timepoint} exam, reader {reader}: {len(missing)} of {len(grid)} lobe x feature cells missing "
                f"({', '.join(missing)}); the exam's scores stay empty",
                patient_id=patient_id,
            )
        )
    readers = cells[keys[:3]].drop_duplicates()
    per_exam = readers.groupby(keys[:2])["reader"].transform("size")
    for (patient_id, timepoint), names in readers.loc[per_exam != READERS_PER_EXAM].groupby(keys[:2], sort=True):
        names = sorted(names["reader"])
        records.append(
            table_record(
                "hrct_reads",
                "hrct_two_readers",
                f"{timepoint} exam has {len(names)} reader(s) ({', '.join(names)}), not {READERS_PER_EXAM}; "
                "the exam's scores stay empty",
                patient_id=patient_id,
            )
        )
    return concat_records(records)


Rule = Callable[[Tables, Tables, PatientCodes], pd.DataFrame]
ERROR_RULES: tuple[Rule, ...] = (
    patient_dates,
    withdrawals,
    medication_episodes,
    foreign_keys,
    baseline_visits,
    hrct_exam_dates,
    duplicated_records,
    records_after_follow_up,
)
WARNING_RULES: tuple[Rule, ...] = (hrct_grids,)


def cross_table_records(
    data: Tables, present: Tables, baseline_window_days: int = BASELINE_WINDOW_DAYS
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Errors and warnings of every rule between columns and tables; the baseline visit lies on the
    index date or at most ``baseline_window_days`` before it (config ``study.baseline_window_days``;
    the check keeps its contract name)."""
    codes = patient_codes(data)
    baseline = partial(baseline_visits, window_days=baseline_window_days)
    rules = [baseline if rule is baseline_visits else rule for rule in ERROR_RULES]
    errors = concat_records([rule(data, present, codes) for rule in rules])
    notes = concat_records([rule(data, present, codes) for rule in WARNING_RULES])
    return errors, notes
