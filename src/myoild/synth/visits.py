"""The ``visits`` table, built so that the intended relapse visit is the first one meeting the rule.

Rows: the baseline visit; each scheduled visit (m1, m3, m6, m12) not missed and not after the last
contact; the relapse visit and, when separate, the respiratory relapse visit; and Poisson(0.8)
unscheduled visits on uniform days. Two rows on one day merge (a scheduled label wins), so
(patient, date) is unique. The latent relapse day moves to a scheduled visit that falls within
10 days after it (inside the 365-day window), else it is an unscheduled visit on that day.

Criterion at the relapse visit (each with its own construction, nothing else fires there):
(i) biomarker: ferritin or ESR 2.3-4.5 x baseline (ESR when baseline ferritin is missing), 20 %
also with radiological progression (recorded as biomarker, the first criterion met);
(ii) radiological: radiological progression; (iii) glucocorticoid: dose raised to at least
0.6 mg/kg/day (rounded up to 5 mg), possible only when the preceding visit's taper dose is at or
below 0.5 mg/kg/day. A respiratory relapse at the same visit needs radiological progression there,
so it is (ii) or (i) with (ii).

Before the relapse visit no visit can meet the rule, by construction:
- ferritin and ESR stay at most 1.8 x baseline, except (a) spikes of 2.2-3.5 x at visits without
  symptom exacerbation, (b) ESR exactly 2 x baseline (not strictly above) at some symptomatic
  visits, (c) any ferritin level when the baseline ferritin is missing (cannot fire);
- radiological progression only at visits without symptom exacerbation;
- the glucocorticoid dose never rises (protocol taper), except +10 mg at some symptomatic visits
  whose preceding visit was already above 0.5 mg/kg/day (not a crossing), never just before an
  intended glucocorticoid relapse.
Before the respiratory relapse visit, no visit has both respiratory exacerbation and radiological
progression (respiratory exacerbation always comes with symptom exacerbation). Symptom
exacerbation without a criterion, and any flag at the baseline visit, are noise the rule must
ignore. Scales (prospective) are recorded at scheduled visits only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from myoild.synth import params as P
from myoild.synth.covariates import LAB_COLUMNS
from myoild.synth.glucocorticoids import draw_taper_pace, taper
from myoild.synth.frames import to_dates
from myoild.synth.sampling import exact_flags, uniform_days
from myoild.synth.schedule import SCHEDULED

VISIT_LABELS = np.array(("baseline",) + SCHEDULED + ("unscheduled",), dtype=object)
UNSCHEDULED = len(VISIT_LABELS) - 1
CRITERIA = np.array(("biomarker", "radiological", "glucocorticoid"), dtype=object)
BIOMARKER, RADIOLOGICAL, GLUCOCORTICOID = 0, 1, 2
NEVER = 10**7  # a day after any follow-up: "no such visit"


def build_visits(frame: pd.DataFrame, rng: np.random.Generator, with_scales: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The visits of the patients in ``frame`` (sorted by patient row, then date) and, per patient,
    the day and criterion of the relapse visit and the day of the respiratory relapse visit."""
    rows = _visit_rows(frame, rng)
    pid, day, kind = rows["pid"], rows["day"], rows["kind"]
    relapse_day, respiratory_day = rows["relapse_day"], rows["respiratory_day"]
    is_relapse = day == relapse_day[pid]
    is_respiratory = day == respiratory_day[pid]

    weight = frame["weight_kg"].to_numpy()
    threshold = P.GLUCOCORTICOID_RELAPSE_MG_KG * weight
    step_days, floor = draw_taper_pace(rng, len(frame))
    dose = taper(frame["initial_pred_mg_day"].to_numpy()[pid], day, step_days[pid], floor[pid])
    previous_dose = np.r_[np.inf, dose[:-1]]  # the relapse row always has the baseline before it

    same_visit = (respiratory_day == relapse_day) & (relapse_day < NEVER)
    ferritin_missing = exact_flags(rng, len(frame), P.MISSING_BASELINE_FERRITIN_SHARE)
    criterion, also_radiological, via_esr = _criteria(
        rng,
        relapse_day < NEVER,
        same_visit,
        ferritin_missing,
        gc_possible=_per_patient(len(frame), pid[is_relapse], previous_dose[is_relapse] <= threshold[pid[is_relapse]]),
    )

    post = kind != 0
    before = post & (day < relapse_day[pid])
    after = day > relapse_day[pid]
    crit_row = np.where(is_relapse, criterion[pid], -1)
    u = rng.random((5, len(day)))

    symptom = np.select(
        [is_relapse | is_respiratory, ~post, before],
        [True, u[0] < P.SYMPTOM_NOISE_SHARE["baseline"], u[0] < P.SYMPTOM_NOISE_SHARE["before_relapse"]],
        u[0] < P.SYMPTOM_NOISE_SHARE["after_relapse"],
    )
    respiratory = np.select(
        [is_respiratory, is_relapse], [True, same_visit[pid]], symptom & (u[1] < P.RESPIRATORY_GIVEN_SYMPTOM_SHARE)
    )
    radiological = np.select(
        [is_respiratory, is_relapse, ~post, before],
        [
            True,
            (crit_row == RADIOLOGICAL) | also_radiological[pid],
            u[2] < P.RADIOLOGICAL_NOISE_SHARE["baseline"],
            ~symptom & (u[2] < P.RADIOLOGICAL_NOISE_SHARE["before_relapse"]),
        ],
        ~respiratory & (u[2] < P.RADIOLOGICAL_NOISE_SHARE["after_relapse"]),
    )
    radiological_missing = ~radiological & ~is_relapse & (u[3] < P.RADIOLOGICAL_MISSING_SHARE)

    # Glucocorticoid relapse: raise the dose; after it, taper the raised dose again.
    bump = np.ceil(P.GC_RELAPSE_DOSE_MG_KG * weight / 5) * 5
    gc_day = np.where(criterion == GLUCOCORTICOID, relapse_day, NEVER)[pid]
    since_gc = day - gc_day
    retaper = bump[pid] - P.TAPER_HIGH_STEP_MG * np.floor(np.maximum(since_gc, 0) / P.TAPER_HIGH_STEP_DAYS)
    dose = np.where(since_gc >= 0, np.maximum(dose, retaper), dose)
    next_is_gc_relapse = np.r_[crit_row[1:] == GLUCOCORTICOID, False]
    trap = before & symptom & ~next_is_gc_relapse & (previous_dose > threshold[pid]) & (u[4] < P.GC_BUMP_TRAP_SHARE)
    dose = np.where(trap, dose + P.GC_BUMP_TRAP_MG, dose)

    out = {
        "patient_id": frame["patient_id"].to_numpy(dtype=object)[pid],
        "visit_date": to_dates(frame["index_day"].to_numpy()[pid] + day),
        "visit": VISIT_LABELS[kind],
        "symptom_exacerbation": pd.array(symptom, dtype="boolean"),
        "respiratory_exacerbation": pd.array(respiratory, dtype="boolean"),
        "radiological_progression": pd.array(np.where(radiological_missing, None, radiological), dtype="boolean"),
        "prednisolone_mg_day": np.round(dose, 2),
    }
    out.update(_labs(rng, frame, pid, day, post, before, after, symptom, crit_row, via_esr, ferritin_missing))
    out.update(_scales(rng, frame, pid, kind, after) if with_scales else _no_scales(len(day)))
    events = pd.DataFrame(
        {
            "relapse_visit_day": np.where(relapse_day < NEVER, relapse_day, np.nan),
            "relapse_criterion": np.where(criterion >= 0, CRITERIA[np.maximum(criterion, 0)], None),
            "respiratory_visit_day": np.where(respiratory_day < NEVER, respiratory_day, np.nan),
        }
    )
    return pd.DataFrame(out, copy=False), events


def _visit_rows(frame: pd.DataFrame, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Row skeleton (patient row, day, visit kind) sorted by patient and day, one row per day,
    and per patient the relapse and respiratory relapse visit days (NEVER when none)."""
    n = len(frame)
    end = frame["end_day"].to_numpy()
    scheduled = np.column_stack([frame[f"{v}_day"].to_numpy() for v in SCHEDULED])
    present = ~np.column_stack([frame[f"{v}_missed"].to_numpy() for v in SCHEDULED]) & (scheduled <= end[:, None])

    latent = frame["relapse_latent_day"].to_numpy()
    has_relapse = latent <= end
    relapse = np.where(has_relapse, latent, NEVER).astype(np.int64)
    gap = scheduled - relapse[:, None]
    snap = present & (gap >= 0) & (gap <= P.RELAPSE_SNAP_DAYS) & (scheduled <= P.WINDOW_DAYS)
    relapse = np.where(snap.any(axis=1), scheduled[np.arange(n), snap.argmax(axis=1)], relapse)

    mode = frame["respiratory_mode"].to_numpy()
    respiratory = np.select(
        [mode == "same_visit", mode == "later"], [relapse, relapse + frame["respiratory_delay"].to_numpy()], NEVER
    )
    respiratory = np.where(has_relapse & (respiratory <= end), respiratory, NEVER)

    n_unscheduled = rng.poisson(P.UNSCHEDULED_VISITS_MEAN, n)
    noise_pid = np.repeat(np.arange(n), n_unscheduled)
    noise_day = uniform_days(rng, *P.UNSCHEDULED_DAY_RANGE, len(noise_pid))
    sched_pid, sched_col = np.nonzero(present)
    parts = [  # (pid, day, kind, priority): on a shared day the lowest priority number stays
        (np.arange(n), -frame["baseline_offset"].to_numpy(), 0, 0),
        (sched_pid, scheduled[sched_pid, sched_col], sched_col + 1, 1),
        (np.flatnonzero(has_relapse), relapse[has_relapse], UNSCHEDULED, 2),
        (np.flatnonzero(respiratory < NEVER), respiratory[respiratory < NEVER], UNSCHEDULED, 2),
        (noise_pid, noise_day, UNSCHEDULED, 3),
    ]
    pid = np.concatenate([p[0] for p in parts])
    day = np.concatenate([p[1] for p in parts]).astype(np.int64)
    kind = np.concatenate([np.broadcast_to(p[2], len(p[0])) for p in parts]).astype(np.int8)
    priority = np.concatenate([np.full(len(p[0]), p[3], dtype=np.int8) for p in parts])
    keep = day <= end[pid]
    pid, day, kind, priority = pid[keep], day[keep], kind[keep], priority[keep]
    order = np.lexsort((priority, day, pid))
    pid, day, kind = pid[order], day[order], kind[order]
    first = np.r_[True, (pid[1:] != pid[:-1]) | (day[1:] != day[:-1])]
    return {
        "pid": pid[first],
        "day": day[first],
        "kind": kind[first],
        "relapse_day": relapse,
        "respiratory_day": respiratory,
    }


def _per_patient(n: int, pid: np.ndarray, values: np.ndarray) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[pid] = values
    return out


def _criteria(rng, has_relapse, same_visit, ferritin_missing, gc_possible):
    """Per patient: criterion code (-1 none), radiological progression also at a biomarker relapse,
    and whether the biomarker that fires is ESR (else ferritin). Shares from ``params``."""
    n = len(has_relapse)
    u = rng.random((3, n))

    def pick(shares: dict[str, float]) -> np.ndarray:
        cumulative = np.cumsum([shares.get(c, 0.0) for c in CRITERIA])
        return np.minimum(np.searchsorted(cumulative / cumulative[-1], u[0], side="right"), 2)

    criterion = np.select(
        [same_visit, gc_possible],
        [pick(P.SAME_VISIT_CRITERION_SHARES), pick(P.CRITERION_SHARES_GC_POSSIBLE)],
        pick(P.CRITERION_SHARES_GC_IMPOSSIBLE),
    )
    criterion = np.where(has_relapse, criterion, -1)
    biomarker = criterion == BIOMARKER
    also_radiological = biomarker & (same_visit | (u[1] < P.BIOMARKER_ALSO_RADIOLOGICAL_SHARE))
    via_esr = ferritin_missing | (u[2] >= P.BIOMARKER_FERRITIN_SHARE)
    return criterion, also_radiological, via_esr


def _labs(
    rng, frame, pid, day, post, before, after, symptom, crit_row, via_esr, ferritin_missing
) -> dict[str, np.ndarray]:
    """Laboratory values: baseline x exp(-decline * t/365 + noise), with the fold rules of the module."""
    n_rows = len(day)
    progress = np.clip(day, 0, P.WINDOW_DAYS) / P.WINDOW_DAYS
    biomarker_row = crit_row == BIOMARKER
    spike_row = post & ~symptom & (rng.random(n_rows) < P.LAB_SPIKE_SHARE)
    spike_esr = rng.random(n_rows) < 0.5
    exactly_double = before & symptom & (rng.random(n_rows) < P.ESR_EXACTLY_DOUBLE_SHARE)
    out = {}
    for lab in LAB_COLUMNS:
        base = frame[f"baseline_{lab}"].to_numpy()[pid]
        fold = np.exp(-P.LAB_DECLINE[lab] * progress + P.LAB_NOISE_SD * rng.standard_normal(n_rows))
        missing = post & (rng.random(n_rows) < P.MISSING_LAB_SHARE)
        if lab in ("ferritin_ug_l", "esr_mm_h"):
            fires_here = biomarker_row & (via_esr[pid] == (lab == "esr_mm_h"))
            fold = np.minimum(fold, np.where(after, 3.0, P.LAB_FOLD_CAP))
            fold = np.where(
                spike_row & (spike_esr == (lab == "esr_mm_h")), rng.uniform(*P.LAB_SPIKE_FOLD_RANGE, n_rows), fold
            )
            fold = np.where(fires_here, rng.uniform(*P.RELAPSE_LAB_FOLD_RANGE, n_rows), fold)
            missing &= ~fires_here
        if lab == "ferritin_ug_l":
            # Without a baseline value the criterion cannot fire, so later ferritin may be anything.
            fold = np.where(ferritin_missing[pid] & post, np.exp(rng.normal(0.3, 0.5, n_rows)), fold)
        value = np.where(post, np.maximum(np.round(base * fold, P.LAB_DECIMALS[lab]), P.LAB_MINIMUM[lab]), base)
        if lab == "esr_mm_h":
            value = np.where(exactly_double, 2 * base, value)
        if lab == "ferritin_ug_l":
            missing |= ~post & ferritin_missing[pid]
        out[lab] = np.where(missing, np.nan, value)
    return out


def _no_scales(n_rows: int) -> dict[str, np.ndarray]:
    """Empty scale columns (the retrospective study recorded no assessment scales)."""
    return {
        scale: (
            pd.arrays.IntegerArray(np.zeros(n_rows, dtype=np.int64), np.ones(n_rows, dtype=bool))
            if decimals is None
            else np.full(n_rows, np.nan)
        )
        for scale, (*_, decimals) in P.SCALES.items()
    }


def _scales(rng, frame, pid, kind, after) -> dict[str, np.ndarray]:
    """Assessment scales at scheduled visits: baseline + change x progress x response (+ the
    pirfenidone extra), halved after a relapse, plus visit noise; clipped and rounded."""
    n, n_rows = len(frame), len(kind)
    scheduled = kind < UNSCHEDULED
    progress = np.array([P.SCALE_PROGRESS[v] for v in VISIT_LABELS[:UNSCHEDULED]] + [0.0])[kind]
    response = np.maximum(rng.normal(1.0, 0.35, n), 0.0)[pid] * np.where(after, 0.5, 1.0)
    pirfenidone = (frame["arm"].to_numpy() == "tacrolimus+pirfenidone")[pid]
    out = {}
    for scale, (mean, sd, change, low, high, decimals) in P.SCALES.items():
        start = rng.normal(mean, sd, n)[pid]
        extra = np.zeros(n_rows)
        for visit, amount in P.PIRFENIDONE_SCALE_EXTRA.get(scale, {}).items():
            extra += np.where(pirfenidone & (VISIT_LABELS[kind] == visit), amount, 0.0)
        noise = np.where(kind == 0, 0.0, 0.3 * sd * rng.standard_normal(n_rows))
        value = np.clip(start + change * progress * response + extra + noise, low, high)
        missing = ~scheduled | ((kind > 0) & (rng.random(n_rows) < P.SCALE_MISSING_SHARE))
        if decimals is None:
            out[scale] = pd.array(np.where(missing, None, np.round(value).astype(np.int64)), dtype="Int64")
        else:
            out[scale] = np.where(missing, np.nan, np.round(value, decimals))
    return out
