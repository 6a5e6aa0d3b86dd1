"""``write_cohort``: the five tables as Parquet or CSV, plus ``truth/`` (always Parquet and JSON).

Output is byte-identical for the same cohort: Parquet is written by pyarrow with fixed Arrow
types, no pandas index or pandas metadata; CSV is UTF-8 with LF line ends, an unquoted header,
dates as YYYY-MM-DD, booleans as true/false, empty cells for missing values and numbers in
Arrow's shortest round-trip form (the generator rounds every number to its stated precision, so
``2.0`` is written ``2`` and ``57.5`` as ``57.5``). Text never needs quoting (no commas, quotes or
line breaks), which the writer checks.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from myoild.synth.cohort import TABLE_NAMES, SyntheticCohort

FORMATS = ("parquet", "csv")


def write_cohort(cohort: SyntheticCohort, out_dir: str | Path, fmt: str = "parquet") -> list[Path]:
    """Write ``<table>.<fmt>`` for the five tables, ``truth/patients.parquet`` and
    ``truth/parameters.json`` (sorted keys) into ``out_dir``; return the paths written."""
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, not {fmt!r}")
    out_dir = Path(out_dir)
    (out_dir / "truth").mkdir(parents=True, exist_ok=True)
    paths = []
    for name in TABLE_NAMES:
        path = out_dir / f"{name}.{fmt}"
        table = arrow_table(cohort.tables[name])
        if fmt == "parquet":
            pq.write_table(table, path)
        else:
            write_csv(table, path)
        paths.append(path)
    truth_path = out_dir / "truth" / "patients.parquet"
    pq.write_table(arrow_table(cohort.truth), truth_path)
    parameters_path = out_dir / "truth" / "parameters.json"
    parameters_path.write_text(json.dumps(cohort.parameters, sort_keys=True, indent=2) + "\n", encoding="utf-8")
    return paths + [truth_path, parameters_path]


def arrow_table(frame: pd.DataFrame) -> pa.Table:
    """The frame as an Arrow table: dates as date32, integers as int64, booleans, floats, strings."""
    columns = {}
    for name in frame.columns:
        series = frame[name]
        if pd.api.types.is_datetime64_any_dtype(series):
            values = series.to_numpy(dtype="datetime64[D]")
            columns[name] = pa.array(values, type=pa.date32(), mask=np.isnat(values))
        elif pd.api.types.is_bool_dtype(series) or isinstance(series.dtype, pd.BooleanDtype):
            columns[name] = pa.array(series, type=pa.bool_(), from_pandas=True)
        elif pd.api.types.is_integer_dtype(series):
            columns[name] = pa.array(series, type=pa.int64(), from_pandas=True)
        elif pd.api.types.is_float_dtype(series):
            columns[name] = pa.array(series.to_numpy(dtype=float), type=pa.float64(), from_pandas=True)
        else:
            columns[name] = pa.array(series.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    return pa.table(columns)


def write_csv(table: pa.Table, path: Path) -> None:
    """CSV as described in the module docstring."""
    with pa.OSFile(str(path), "wb") as sink:
        sink.write((",".join(table.column_names) + "\n").encode("utf-8"))
        pa_csv.write_csv(table, sink, pa_csv.WriteOptions(include_header=False, quoting_style="none"))
