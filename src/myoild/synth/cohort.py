"""``generate_cohort``: the five raw tables, the per-patient truth and the generating parameters."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from myoild.synth import params as P
from myoild.synth.adverse_events import build_adverse_events
from myoild.synth.hrct import build_hrct_reads
from myoild.synth.medications import build_medications
from myoild.synth.frames import stack, to_dates
from myoild.synth.patients import patients_table
from myoild.synth.prospective import prospective_patients
from myoild.synth.retrospective import retrospective_patients
from myoild.synth.sampling import stream
from myoild.synth.visits import build_visits

TABLE_NAMES = ("patients", "medications", "visits", "hrct_reads", "adverse_events")


@dataclass(frozen=True)
class SyntheticCohort:
    """Raw tables named as in DATA_CONTRACT.md, the truth (one row per patient) and the parameters."""

    tables: dict[str, pd.DataFrame]
    truth: pd.DataFrame
    parameters: dict = field(default_factory=dict)


def generate_cohort(
    seed: int = P.DEFAULT_SEED,
    n_retrospective: int = P.DEFAULT_N_RETROSPECTIVE,
    n_prospective: int = P.DEFAULT_N_PROSPECTIVE,
) -> SyntheticCohort:
    """A synthetic cohort calibrated to Chen et al. 2022 (model: ``myoild.synth`` docstring).

    ``n_retrospective`` retrospective patients are eligible (round(n * 93/250) tacrolimus, the
    rest conventional); about 4.5 % screened-out patients come on top. ``n_prospective`` patients
    are enrolled prospectively, of whom round(n * 7/41) withdraw. Deterministic for a seed.
    """
    if n_retrospective < 2 or n_prospective < 1:
        # Two retrospective patients give one per group (the propensity score and the
        # baseline-hazard calibration need both groups).
        raise ValueError("need n_retrospective >= 2 and n_prospective >= 1")
    prospective, prospective_parameters = prospective_patients(seed, n_prospective)
    retrospective, retrospective_parameters = retrospective_patients(seed, n_retrospective)
    blocks = {"prospective": prospective, "retrospective": retrospective}  # P... ids sort before R...

    parts = {name: [] for name in TABLE_NAMES}
    truths = []
    for cohort, frame in blocks.items():
        visits, events = build_visits(frame, stream(seed, f"{cohort}/visits"), with_scales=cohort == "prospective")
        medications, main_agent = build_medications(frame, stream(seed, f"{cohort}/medications"))
        parts["patients"].append(patients_table(frame))
        parts["medications"].append(medications)
        parts["visits"].append(visits)
        if cohort == "prospective":
            parts["hrct_reads"].append(build_hrct_reads(frame, stream(seed, "prospective/hrct")))
        parts["adverse_events"].append(build_adverse_events(frame, stream(seed, f"{cohort}/adverse_events"), cohort))
        truths.append(truth_table(frame, events, main_agent))
    tables = {name: stack(frames) for name, frames in parts.items()}
    parameters = {
        "seed": int(seed),
        "n_retrospective": int(n_retrospective),
        "n_prospective": int(n_prospective),
        "window_days": P.WINDOW_DAYS,
        "retrospective": retrospective_parameters,
        "prospective": prospective_parameters,
    }
    return SyntheticCohort(tables=tables, truth=stack(truths), parameters=parameters)


def truth_table(frame: pd.DataFrame, events: pd.DataFrame, main_agent: np.ndarray) -> pd.DataFrame:
    """What the generator meant, per patient, in the derivation's terms (DATA_CONTRACT.md,
    "Derived endpoints"): window end = min(365, last contact day); death event when the death day
    is <= 365; relapse and respiratory relapse events when the intended visit lies in the window
    (it never lies after the death day), else censored at the death time."""
    end_day = frame["end_day"].to_numpy()
    window_end = np.minimum(P.WINDOW_DAYS, end_day)
    death_event = frame["death_recorded"].to_numpy() & (end_day <= P.WINDOW_DAYS)
    death_time = np.where(death_event, end_day, window_end)
    index_day = frame["index_day"].to_numpy()
    out = {
        "patient_id": frame["patient_id"].to_numpy(dtype=object),
        "cohort": frame["cohort"].to_numpy(dtype=object),
        "arm": frame["arm"].to_numpy(dtype=object),
        "included": frame["included"].to_numpy(dtype=bool),
        "exclusion_reason": frame["exclusion_reason"].to_numpy(dtype=object),
        "group": frame["group"].to_numpy(dtype=object),
        "main_agent": main_agent,
        "initial_pred_mg_day": frame["initial_pred_mg_day"].to_numpy(dtype=float),
        "ivig": frame["ivig"].to_numpy(dtype=bool),
        "plasma_exchange": frame["plasma_exchange"].to_numpy(dtype=bool),
        "propensity_logit": frame["propensity_logit"].to_numpy(dtype=float),
        "window_end_days": window_end,
        "lost_to_follow_up": frame["left_early"].to_numpy(dtype=bool) & frame["withdrawal_reason"].isna().to_numpy(),
        "withdrawal_reason": frame["withdrawal_reason"].to_numpy(dtype=object),
        "withdrawal_date": to_dates(index_day + frame["withdrawal_day"].to_numpy(dtype=float)),
        "death_event": death_event.astype(np.int64),
        "death_time_days": death_time.astype(np.int64),
    }
    for endpoint, day_column in (("relapse", "relapse_visit_day"), ("respiratory_relapse", "respiratory_visit_day")):
        day = events[day_column].to_numpy()
        event = day <= window_end  # NaN compares false
        out[f"{endpoint}_event"] = event.astype(np.int64)
        out[f"{endpoint}_time_days"] = np.where(event, day, death_time).astype(np.int64)
        out[f"{endpoint}_visit_date"] = to_dates(np.where(event, index_day + day, np.nan))
        if endpoint == "relapse":
            out["relapse_criterion"] = np.where(event, events["relapse_criterion"].to_numpy(dtype=object), None)
    return pd.DataFrame(out, copy=False)
