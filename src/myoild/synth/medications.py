"""The ``medications`` table: one row per drug exposure episode, days relative to the index date.

- Glucocorticoid start: prednisolone (mg/day or mg/kg/day) or methylprednisolone (mg/day), from the
  baseline visit to day 27, active on the index date; then oral prednisolone from day 28 at the
  first taper step, ongoing. 5 % also had an earlier course that ended before the baseline visit.
- Immunosuppressants: tacrolimus on day 0 (0.15 mg/kg/day, Methods: 0.075 mg/kg twice daily);
  conventional sets of ``CONVENTIONAL_DRUG_SETS``: first drug on day 0, second on day 0-30;
  screened out: tacrolimus on day 0 with cyclophosphamide on day 0-30, or no immunosuppressant
  until day 31-60. 3 % of each analysed retrospective group get a drug after day 30 (tacrolimus
  for conventional patients; mycophenolate or cyclophosphamide for tacrolimus patients).
- IVIg (2 g/kg per course, 5 days) and plasma exchange (3-6 sessions) overlapping days 0-30 for
  the patients with the covariate; a few others get a course after day 60 or one that ended
  before index (neither counts). Hydroxychloroquine for 15 % of DM/CADM patients.
- Pirfenidone 600 or 900 mg/day from day 0-30 in the prospective combination group; 10 % of the
  prospective tacrolimus group start it after day 30 (stays tacrolimus).
Nothing starts after the last contact; an episode whose end would fall after it is ongoing (empty
end). Withdrawal for discontinued intervention ends tacrolimus and pirfenidone that day.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from myoild.synth import params as P
from myoild.synth.glucocorticoids import taper
from myoild.synth.frames import to_dates
from myoild.synth.sampling import exact_flags, uniform_days

DRUGS = (
    "prednisolone",
    "methylprednisolone",
    "tacrolimus",
    "cyclophosphamide",
    "methotrexate",
    "azathioprine",
    "leflunomide",
    "ciclosporin",
    "mycophenolate",
    "tripterygium",
    "hydroxychloroquine",
    "pirfenidone",
    "ivig",
    "plasma_exchange",
)
UNITS = ("mg/day", "mg/kg/day", "mg/week", "g/kg", "mg/m2", "sessions")
#: Dose choices and unit of each immunosuppressant (typical regimens, *assumed*).
IMMUNOSUPPRESSANT_DOSES = {
    "cyclophosphamide": ((500.0, 600.0, 750.0), "mg/m2"),
    "methotrexate": ((7.5, 10.0, 12.5, 15.0), "mg/week"),
    "azathioprine": ((50.0, 100.0, 150.0), "mg/day"),
    "leflunomide": ((10.0, 20.0), "mg/day"),
    "mycophenolate": ((1000.0, 1500.0, 2000.0), "mg/day"),
    "tripterygium": ((30.0, 60.0), "mg/day"),
}
HYDROXYCHLOROQUINE_SHARE = 0.15
LATE_COURSE_SHARE = {"ivig": 0.04, "plasma_exchange": 0.03}
IVIG_BEFORE_INDEX_SHARE = 0.02


class _Episodes:
    """Collects episodes as arrays: patient row, drug, start and end day (NaN = ongoing), dose, unit."""

    def __init__(self, end_day: np.ndarray, rng: np.random.Generator) -> None:
        self.end_day, self.rng, self.parts = end_day, rng, []

    def add(self, pid, drug, start, end=np.nan, dose=np.nan, unit="mg/day") -> None:
        """``drug`` and ``unit``: a name, or an array of positions in ``DRUGS`` / ``UNITS``."""
        pid = np.asarray(pid, dtype=np.int64)
        if pid.size == 0:
            return
        start = np.broadcast_to(np.asarray(start, dtype=float), pid.shape)
        end = np.broadcast_to(np.asarray(end, dtype=float), pid.shape)
        # An end after the last contact is not known yet: ongoing at last contact.
        end = np.where(end > self.end_day[pid], np.nan, end)
        dose = np.broadcast_to(np.asarray(dose, dtype=float), pid.shape)
        self.parts.append((pid, _codes(drug, DRUGS, pid.shape), start, end, dose, _codes(unit, UNITS, pid.shape)))

    def immunosuppressant(self, pid, drug: str, start, weight: np.ndarray, end=np.nan) -> None:
        """Add ``drug`` for ``pid`` with its regimen dose (cyclophosphamide: a 3-6 month course)."""
        pid = np.asarray(pid, dtype=np.int64)
        n = len(pid)
        if drug == "tacrolimus":  # Methods: 0.075 mg/kg twice daily, in 0.5 mg steps
            self.add(pid, drug, start, end, np.maximum(np.round(0.15 * weight[pid] * 2) / 2, 1.0))
        elif drug == "ciclosporin":  # 3 mg/kg/day in 25 mg steps
            self.add(pid, drug, start, end, np.round(3 * weight[pid] / 25) * 25)
        else:
            choices, unit = IMMUNOSUPPRESSANT_DOSES[drug]
            if drug == "cyclophosphamide":
                end = np.asarray(start) + uniform_days(self.rng, 90, 180, n)
            self.add(pid, drug, start, end, self.rng.choice(np.array(choices), size=n), unit)

    def table(self, frame: pd.DataFrame) -> pd.DataFrame:
        pid, drug, start, end, dose, unit = (np.concatenate([p[i] for p in self.parts]) for i in range(6))
        order = np.lexsort((drug, start, pid))
        pid, drug, start, end, dose, unit = pid[order], drug[order], start[order], end[order], dose[order], unit[order]
        index_day = frame["index_day"].to_numpy()[pid]
        return pd.DataFrame(
            {
                "patient_id": frame["patient_id"].to_numpy(dtype=object)[pid],
                "drug": np.array(DRUGS, dtype=object)[drug],
                "start_date": to_dates(index_day + start),
                "end_date": to_dates(index_day + end),
                "dose": dose,
                "dose_unit": np.where(np.isnan(dose), None, np.array(UNITS, dtype=object)[unit]),
            },
            copy=False,
        )


def _codes(values, vocabulary: tuple[str, ...], shape: tuple[int, ...]) -> np.ndarray:
    """Position of a name in ``vocabulary``, or an array of positions passed through."""
    if isinstance(values, str):
        return np.full(shape, vocabulary.index(values))
    return np.asarray(values)


def build_medications(frame: pd.DataFrame, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """The medication episodes of ``frame`` and, per patient, the intended main agent (None when
    excluded): ``tacrolimus`` in the tacrolimus groups, else the earliest-started
    immunosuppressant, same day: alphabetically first (data contract)."""
    n = len(frame)
    end_day = frame["end_day"].to_numpy()
    weight = frame["weight_kg"].to_numpy()
    arm = frame["arm"].to_numpy()
    included = frame["included"].to_numpy()
    baseline_day = -frame["baseline_offset"].to_numpy()
    withdrawal_day = np.where(
        frame["withdrawal_reason"].to_numpy() == "discontinued_intervention", frame["withdrawal_day"].to_numpy(), np.nan
    )
    episodes = _Episodes(end_day, rng)
    everyone = np.arange(n)

    form = frame["gc_form"].to_numpy()
    episodes.add(
        everyone,
        np.where(form == 2, DRUGS.index("methylprednisolone"), DRUGS.index("prednisolone")),
        baseline_day,
        P.TAPER_START_DAY - 1,
        frame["gc_recorded_dose"].to_numpy(),
        np.where(form == 1, UNITS.index("mg/kg/day"), UNITS.index("mg/day")),
    )
    tapering = everyone[end_day >= P.TAPER_START_DAY]
    # The dose of the first taper step does not depend on the pace (every D0 is above 20 mg/day).
    first_step = taper(
        frame["initial_pred_mg_day"].to_numpy()[tapering],
        P.TAPER_START_DAY,
        P.TAPER_LOW_STEP_DAYS[-1],
        P.TAPER_FLOORS_MG[0],
    )
    episodes.add(tapering, "prednisolone", P.TAPER_START_DAY, dose=first_step)
    prior = everyone[exact_flags(rng, n, P.PRIOR_GC_SHARE)]
    episodes.add(
        prior,
        "prednisolone",
        baseline_day[prior] - uniform_days(rng, 60, 200, len(prior)),
        baseline_day[prior] - uniform_days(rng, 10, 30, len(prior)),
        10.0,
    )

    # Tacrolimus (ended on the day of a withdrawal for discontinued intervention).
    on_tacrolimus = everyone[np.isin(arm, ("tacrolimus", "tacrolimus+cyclophosphamide", "tacrolimus+pirfenidone"))]
    episodes.immunosuppressant(on_tacrolimus, "tacrolimus", 0, weight, withdrawal_day[on_tacrolimus])
    combined = everyone[arm == "tacrolimus+cyclophosphamide"]
    episodes.immunosuppressant(
        combined, "cyclophosphamide", np.minimum(uniform_days(rng, 0, 30, len(combined)), end_day[combined]), weight
    )

    main_agent = np.where(np.isin(arm, ("tacrolimus", "tacrolimus+pirfenidone")), "tacrolimus", None).astype(object)
    drug_set = frame["drug_set"].to_numpy()
    second_start = np.minimum(uniform_days(rng, 0, 30, n), end_day)
    for code, (drugs, _) in enumerate(P.CONVENTIONAL_DRUG_SETS):
        members = everyone[drug_set == code]
        episodes.immunosuppressant(members, drugs[0], 0, weight)
        main_agent[members] = drugs[0]
        if len(drugs) == 2:
            episodes.immunosuppressant(members, drugs[1], second_start[members], weight)
            same_day = members[second_start[members] == 0]
            main_agent[same_day] = min(drugs)
    late_start = uniform_days(rng, 31, 60, n)
    none_within = everyone[(arm == "no_immunosuppressant") & (late_start <= end_day)]
    episodes.immunosuppressant(none_within, "methotrexate", late_start[none_within], weight)

    # A drug added after day 30 does not change the group.
    added_day = uniform_days(rng, *P.LATE_ADDITION_DAY_RANGE, n)
    retrospective = (frame["cohort"] == "retrospective").to_numpy()
    for group, drugs in (("tacrolimus", ("mycophenolate", "cyclophosphamide")), ("conventional", ("tacrolimus",))):
        members = everyone[retrospective & included & (arm == group)]
        late = members[exact_flags(rng, len(members), P.LATE_ADDITION_SHARE)]
        late = late[added_day[late] <= end_day[late]]
        which = rng.integers(0, len(drugs), len(late))
        for i, drug in enumerate(drugs):
            episodes.immunosuppressant(late[which == i], drug, added_day[late[which == i]], weight)

    _courses(episodes, frame, rng)
    main_agent[~included] = None
    return episodes.table(frame), main_agent


def _courses(episodes: _Episodes, frame: pd.DataFrame, rng: np.random.Generator) -> None:
    """IVIg, plasma exchange, hydroxychloroquine and pirfenidone episodes."""
    n = len(frame)
    everyone = np.arange(n)
    end_day = frame["end_day"].to_numpy()
    later = uniform_days(rng, 60, 300, n)
    ivig = frame["ivig"].to_numpy()
    # Covariate = 1: a 5-day course overlapping days 0-30 (start -4..25, never after last contact).
    given = everyone[ivig]
    start = uniform_days(rng, -4, np.minimum(25, end_day[given]), len(given))
    episodes.add(given, "ivig", start, start + 4, 2.0, "g/kg")
    others = everyone[~ivig]
    late = others[(rng.random(len(others)) < LATE_COURSE_SHARE["ivig"]) & (later[others] <= end_day[others])]
    episodes.add(late, "ivig", later[late], later[late] + 4, 2.0, "g/kg")
    before = others[rng.random(len(others)) < IVIG_BEFORE_INDEX_SHARE]
    start = uniform_days(rng, -40, -20, len(before))
    episodes.add(before, "ivig", start, start + 4, 2.0, "g/kg")

    exchange = frame["plasma_exchange"].to_numpy()
    given = everyone[exchange]
    start = uniform_days(rng, -3, np.minimum(20, end_day[given]), len(given))
    episodes.add(
        given,
        "plasma_exchange",
        start,
        start + uniform_days(rng, 3, 9, len(given)),
        uniform_days(rng, 3, 6, len(given)),
        "sessions",
    )
    others = everyone[~exchange]
    late = others[(rng.random(len(others)) < LATE_COURSE_SHARE["plasma_exchange"]) & (later[others] <= end_day[others])]
    episodes.add(late, "plasma_exchange", later[late], later[late] + 7, 5.0, "sessions")

    skin = everyone[np.isin(frame["diagnosis"].to_numpy(), ("DM", "CADM"))]
    hydroxychloroquine = skin[exact_flags(rng, len(skin), HYDROXYCHLOROQUINE_SHARE)]
    episodes.add(
        hydroxychloroquine,
        "hydroxychloroquine",
        uniform_days(rng, -60, 0, len(hydroxychloroquine)),
        dose=rng.choice(np.array([200.0, 400.0]), len(hydroxychloroquine)),
    )

    arm = frame["arm"].to_numpy()
    stop = np.where(
        frame["withdrawal_reason"].to_numpy() == "discontinued_intervention", frame["withdrawal_day"].to_numpy(), np.nan
    )
    combination = everyone[arm == "tacrolimus+pirfenidone"]
    episodes.add(
        combination,
        "pirfenidone",
        uniform_days(rng, 0, np.minimum(30, end_day[combination]), len(combination)),
        stop[combination],
        rng.choice(np.array(P.PIRFENIDONE_DOSES), len(combination)),
    )
    candidates = everyone[(arm == "tacrolimus") & (frame["cohort"] == "prospective").to_numpy() & (end_day >= 120)]
    late = candidates[exact_flags(rng, len(candidates), P.PROSP_LATE_PIRFENIDONE_SHARE)]
    episodes.add(
        late,
        "pirfenidone",
        uniform_days(rng, 45, 120, len(late)),
        dose=rng.choice(np.array(P.PIRFENIDONE_DOSES), len(late)),
    )
