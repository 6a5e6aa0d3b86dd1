"""Identity, dates and the ``patients`` table (DATA_CONTRACT.md, "patients")."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from myoild.synth import params as P
from myoild.synth.covariates import BINARY_CHARACTERISTICS
from myoild.synth.frames import to_dates

EXCLUSION_FLAGS = (
    "severe_respiratory_disease",
    "active_tuberculosis",
    "severe_immunodeficiency",
    "renal_insufficiency",
)
#: Smallest zero-padded width of the numbers in patient ids (R000001, P00001).
ID_WIDTH = {"R": 6, "P": 5}


def patient_ids(prefix: str, n: int) -> np.ndarray:
    """``prefix`` + zero-padded 1..n, wide enough that string order is numeric order."""
    width = max(ID_WIDTH[prefix], len(str(n)))
    padded = pc.utf8_lpad(pa.array(np.arange(1, n + 1)).cast(pa.string()), width=width, padding="0")
    return np.asarray(pc.binary_join_element_wise(prefix, padded, "").to_numpy(zero_copy_only=False), dtype=object)


def index_days(rng: np.random.Generator, n: int, date_range: tuple[str, str]) -> np.ndarray:
    """Index dates uniform on ``date_range`` (inclusive), as days since 1970-01-01."""
    first, last = (np.datetime64(d, "D").astype(np.int64) for d in date_range)
    return rng.integers(first, last + 1, size=n)


def death_causes(rng: np.random.Generator, recorded: np.ndarray) -> np.ndarray:
    """A cause from ``DEATH_CAUSES`` for each recorded death, None otherwise."""
    causes = np.array(list(P.DEATH_CAUSES), dtype=object)
    drawn = causes[rng.choice(len(causes), size=len(recorded), p=list(P.DEATH_CAUSES.values()))]
    return np.where(recorded, drawn, None)


def patients_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The ``patients`` table of the contract from the patient frame (one row per patient)."""
    index_day = frame["index_day"].to_numpy()
    prospective = (frame["cohort"] == "prospective").to_numpy()
    died = frame["death_recorded"].to_numpy()
    out = {
        "patient_id": frame["patient_id"].to_numpy(dtype=object),
        "site": np.full(len(frame), P.SITE, dtype=object),
        "cohort": frame["cohort"].to_numpy(dtype=object),
        "sex": frame["sex"].to_numpy(dtype=object),
        "age_years": frame["age_years"].to_numpy(dtype=float),
        "weight_kg": frame["weight_kg"].to_numpy(dtype=float),
        "diagnosis": frame["diagnosis"].to_numpy(dtype=object),
        "index_date": to_dates(index_day),
        "last_contact_date": to_dates(index_day + frame["end_day"].to_numpy()),
        "death_date": to_dates(np.where(died, index_day + frame["end_day"].to_numpy(), np.nan)),
        "death_cause": frame["death_cause"].to_numpy(dtype=object),
        "disease_duration_months": frame["disease_duration_months"].to_numpy(dtype=float),
    }
    for name in BINARY_CHARACTERISTICS:
        out[name] = pd.array(frame[name].to_numpy(dtype=bool), dtype="boolean")
    for name in EXCLUSION_FLAGS:
        # Prospective exclusion criteria: recorded (all false: everyone enrolled met them) only
        # in the prospective cohort, left empty in the retrospective one.
        out[name] = pd.array(np.where(prospective, False, None), dtype="boolean")
    for name in P.ANTIBODIES:
        out[name] = pd.array(frame[name].to_numpy(dtype=bool), dtype="boolean")
    out["hrct_pattern"] = frame["hrct_pattern"].to_numpy(dtype=object)
    out["withdrawal_date"] = to_dates(index_day + frame["withdrawal_day"].to_numpy(dtype=float))
    out["withdrawal_reason"] = frame["withdrawal_reason"].to_numpy(dtype=object)
    return pd.DataFrame(out, copy=False)
