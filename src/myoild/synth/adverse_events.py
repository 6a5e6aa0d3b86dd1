"""The ``adverse_events`` table: events by category with CTCAE grade, seriousness and drug.

For each analysed group (and, apart, each arm of the excluded patients) and each category, exactly
round(n * share) patients have the event (``AE_SHARES``; prospective opportunistic infections 8/12
and 10/22 as in the Results), a quarter of them twice (a second event drawn on the day and with the
term of the first is that event, kept once: DATA_CONTRACT.md, "Duplicated records"). Onset uniform
on day 1 to the last contact; term uniform within the category; grade 1-4 by ``AE_GRADE_SHARES``;
serious when grade >= 3 and for 10 % of grade 2 (hospitalisation). The related drug is the
plausible culprit (infections, liver, blood: the main immunosuppressant; glucose: prednisolone;
electrolytes and kidney: tacrolimus when taken; gut: pirfenidone when taken), missing for 10 %.
No prospective event led to discontinuation (Results); 5 % of retrospective grade >= 3 events did.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from myoild.synth import params as P
from myoild.synth.frames import to_dates
from myoild.synth.sampling import exact_flags, uniform_days

CATEGORIES = tuple(P.AE_TERMS)
INFECTIONS = ("opportunistic_infection", "other_infection")


def build_adverse_events(frame: pd.DataFrame, rng: np.random.Generator, cohort: str) -> pd.DataFrame:
    """Adverse events of the patients in ``frame`` (one cohort)."""
    arm = frame["arm"].to_numpy()
    shares = P.AE_SHARES[cohort]
    rate_arm = np.where(np.isin(arm, list(shares)), arm, "conventional")  # screened-out arms
    main = _main_immunosuppressant(frame)
    parts = []
    for included in (True, False):
        for group in shares:
            members = np.flatnonzero((frame["included"].to_numpy() == included) & (rate_arm == group))
            for code, category in enumerate(CATEGORIES):
                affected = members[exact_flags(rng, len(members), shares[group][category])]
                parts.append((np.r_[affected, affected[rng.random(len(affected)) < P.AE_SECOND_EVENT_SHARE]], code))
    pid = np.concatenate([p[0] for p in parts]).astype(np.int64)
    category = np.concatenate([np.full(len(p[0]), p[1]) for p in parts]).astype(np.int64)
    n = len(pid)

    onset = uniform_days(rng, 1, frame["end_day"].to_numpy()[pid], n)
    term = np.empty(n, dtype=object)
    grade = np.empty(n, dtype=np.int64)
    related = np.empty(n, dtype=object)
    on_tacrolimus = np.char.startswith(arm.astype(str), "tacrolimus")[pid]
    for code, name in enumerate(CATEGORIES):
        rows = category == code
        terms = np.array(P.AE_TERMS[name], dtype=object)
        term[rows] = terms[rng.integers(0, len(terms), rows.sum())]
        grade_shares = P.AE_GRADE_SHARES["infection" if name in INFECTIONS else "other"]
        grade[rows] = 1 + rng.choice(len(grade_shares), size=rows.sum(), p=grade_shares)
        if name == "glucose_metabolism":
            related[rows] = "prednisolone"
        elif name in ("electrolyte", "renal"):
            related[rows] = np.where(
                on_tacrolimus[rows], "tacrolimus", "prednisolone" if name == "electrolyte" else main[pid[rows]]
            )
        elif name == "gastrointestinal":
            related[rows] = np.where(arm[pid[rows]] == "tacrolimus+pirfenidone", "pirfenidone", main[pid[rows]])
        elif name != "other":
            related[rows] = main[pid[rows]]
    related[rng.random(n) < P.AE_RELATED_MISSING_SHARE] = None
    serious = (grade >= 3) | ((grade == 2) & (rng.random(n) < P.AE_SERIOUS_GRADE2_SHARE))
    discontinued = (grade >= 3) & (rng.random(n) < P.AE_DISCONTINUATION_SHARE[cohort])

    order = np.lexsort((term.astype(str), category, onset, pid))
    # A second event drawn on the day and with the term of the first is that event: one row.
    repeat = pd.DataFrame({"pid": pid[order], "onset": onset[order], "term": term[order]}).duplicated().to_numpy()
    order = order[~repeat]
    return pd.DataFrame(
        {
            "patient_id": frame["patient_id"].to_numpy(dtype=object)[pid[order]],
            "onset_date": to_dates(frame["index_day"].to_numpy()[pid[order]] + onset[order]),
            "term": term[order],
            "category": np.array(CATEGORIES, dtype=object)[category[order]],
            "ctcae_grade": pd.array(grade[order], dtype="Int64"),
            "serious": pd.array(serious[order], dtype="boolean"),
            "related_drug": related[order],
            "led_to_discontinuation": pd.array(discontinued[order], dtype="boolean"),
        },
        copy=False,
    )


def _main_immunosuppressant(frame: pd.DataFrame) -> np.ndarray:
    """Per patient the immunosuppressant started on the index date (prednisolone when none)."""
    first_drug = np.array([drugs[0] for drugs, _ in P.CONVENTIONAL_DRUG_SETS] + ["prednisolone"], dtype=object)
    drug_set = frame["drug_set"].to_numpy()
    on_tacrolimus = np.char.startswith(frame["arm"].to_numpy().astype(str), "tacrolimus")
    return np.where(on_tacrolimus, "tacrolimus", first_drug[np.where(drug_set >= 0, drug_set, -1)])
