"""Prospective cohort: enrolled patients, withdrawals, and outcome counts fixed to the paper's.

The cohort is small (41 in the paper), so outcomes are allotted as exact counts per group rather
than drawn from a hazard model: a group of size m gets round(m * k / paper size) deaths, relapses
and respiratory relapses, with k from ``params``; their days are uniform on the stated ranges.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from myoild.synth import params as P
from myoild.synth.covariates import draw_baseline, pooled_prospective_spec, prospective_spec
from myoild.synth.frames import stack
from myoild.synth.patients import death_causes, index_days, patient_ids
from myoild.synth.sampling import exact_categories, exact_flags, largest_remainder, round_half_up, stream, uniform_days
from myoild.synth.schedule import draw_schedule, follow_up

GROUPS = tuple(P.PROSP_GROUP_SIZES)  # ("tacrolimus", "tacrolimus+pirfenidone")


def prospective_sizes(n_enrolled: int) -> dict:
    """Withdrawals by reason and analysed patients by group for ``n_enrolled`` (41 -> 2/2/3, 12/22)."""
    n_withdrawn = round_half_up(n_enrolled * sum(P.PROSP_WITHDRAWALS.values()) / P.PROSP_ENROLLED)
    reasons = dict(
        zip(P.PROSP_WITHDRAWALS, largest_remainder(n_withdrawn, list(P.PROSP_WITHDRAWALS.values())).tolist())
    )
    n_analysed = n_enrolled - n_withdrawn
    n_tacrolimus = round_half_up(n_analysed * P.PROSP_GROUP_SIZES["tacrolimus"] / sum(P.PROSP_GROUP_SIZES.values()))
    return {
        "withdrawals": reasons,
        "groups": {"tacrolimus": n_tacrolimus, "tacrolimus+pirfenidone": n_analysed - n_tacrolimus},
    }


def prospective_patients(seed: int, n_enrolled: int) -> tuple[pd.DataFrame, dict]:
    """Patient frame of the prospective cohort (rows shuffled) and its outcome counts."""
    sizes = prospective_sizes(n_enrolled)
    blocks = []
    for group in GROUPS:
        block = draw_baseline(
            stream(seed, f"prospective/baseline/{group}"), sizes["groups"][group], prospective_spec(group)
        )
        block["arm"], block["included"], block["exclusion_reason"], block["group"] = group, True, None, group
        block["withdrawal_reason"] = None
        blocks.append(block)
    n_withdrawn = sum(sizes["withdrawals"].values())
    rng = stream(seed, "prospective/withdrawn")
    withdrawn = draw_baseline(rng, n_withdrawn, pooled_prospective_spec())
    reason = np.array(list(P.PROSP_WITHDRAWALS), dtype=object)[
        exact_categories(rng, n_withdrawn, list(P.PROSP_WITHDRAWALS.values()))
    ]
    tacrolimus_share = P.PROSP_GROUP_SIZES["tacrolimus"] / sum(P.PROSP_GROUP_SIZES.values())
    withdrawn["arm"] = np.where(exact_flags(rng, n_withdrawn, tacrolimus_share), *GROUPS).astype(object)
    withdrawn["included"], withdrawn["group"] = False, None
    withdrawn["exclusion_reason"] = np.array(["withdrawn_" + r for r in reason], dtype=object)
    withdrawn["withdrawal_reason"] = reason
    blocks.append(withdrawn)

    frame = stack(blocks)
    frame = frame.iloc[stream(seed, "prospective/order").permutation(len(frame))].reset_index(drop=True)
    frame["cohort"] = "prospective"
    frame["drug_set"] = -1
    frame["propensity_logit"] = np.nan
    counts = _outcomes(seed, frame)
    rng = stream(seed, "prospective/identity")
    frame["patient_id"] = patient_ids("P", len(frame))
    frame["index_day"] = index_days(rng, len(frame), P.PROSP_INDEX_RANGE)
    frame["death_cause"] = death_causes(rng, frame["death_recorded"].to_numpy())
    return frame, {"sizes": sizes, "outcome_counts": counts}


def _outcomes(seed: int, frame: pd.DataFrame) -> dict:
    """Add death, relapse and respiratory relapse days, withdrawal, schedule and end of follow-up."""
    rng = stream(seed, "prospective/outcomes")
    n = len(frame)
    death = np.full(n, np.inf)
    relapse = np.full(n, np.inf)
    mode = np.full(n, "none", dtype=object)
    delay = np.zeros(n, dtype=np.int64)
    counts = {}
    for group in GROUPS:
        members = np.flatnonzero((frame["group"] == group).to_numpy())
        size, paper_size = len(members), P.PROSP_GROUP_SIZES[group]
        k_death, k_relapse, k_respiratory = (
            round_half_up(size * table[group] / paper_size)
            for table in (P.PROSP_DEATHS, P.PROSP_RELAPSES, P.PROSP_RESPIRATORY_RELAPSES)
        )
        k_respiratory = min(k_respiratory, k_relapse)
        counts[group] = {"deaths": k_death, "relapses": k_relapse, "respiratory_relapses": k_respiratory}
        dies = members[rng.permutation(size)[:k_death]]
        death[dies] = uniform_days(rng, *P.PROSP_DEATH_DAY_RANGE, k_death)
        relapsing = members[rng.permutation(size)[:k_relapse]]
        # A relapse precedes the death that would censor it, so every allotted relapse is seen.
        latest = np.where(np.isfinite(death[relapsing]), death[relapsing] - 1, 350)
        relapse[relapsing] = uniform_days(rng, 7, latest, k_relapse)
        respiratory = relapsing[:k_respiratory]
        mode[respiratory] = "same_visit"
        # Later respiratory relapses go to survivors, early enough to stay inside the window.
        survivors = respiratory[~np.isfinite(death[respiratory])]
        later = survivors[: round_half_up(k_respiratory * (1 - P.PROSP_RESPIRATORY_SAME_VISIT_SHARE))]
        mode[later] = "later"
        relapse[later] = uniform_days(rng, 14, 150, len(later))
        delay[later] = uniform_days(rng, 14, 150, len(later))
    withdrawn = frame["withdrawal_reason"].notna().to_numpy()
    leave = np.where(withdrawn, uniform_days(rng, *P.PROSP_WITHDRAWAL_DAY_RANGE, n), np.inf)
    frame["death_latent_day"], frame["relapse_latent_day"] = death, relapse
    frame["respiratory_mode"], frame["respiratory_delay"] = mode, delay
    frame["withdrawal_day"] = np.where(withdrawn, leave, np.nan)
    schedule = draw_schedule(rng, n)
    for name, values in schedule.items():
        frame[name] = values
    for name, values in follow_up(death, leave, schedule["m12_day"], schedule["m12_missed"]).items():
        frame[name] = values
    return counts
