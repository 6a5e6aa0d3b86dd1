"""Baseline characteristics of a block of patients drawn to a specification.

Counts are exact: sex, diagnosis, IVIg, plasma exchange, every yes/no characteristic, antibody and
HRCT pattern get ``largest_remainder(n, shares)`` patients each. Signs and antibodies are allotted
with a preference by diagnosis (Gumbel-top-k), so rashes go mostly to DM/CADM, weakness mostly to
DM/PM and anti-MDA5 mostly to CADM. Age is normal (clipped to 18-85), weight normal by sex,
disease duration and laboratory values log-normal with the given median and IQR, and the start
dose of glucocorticoids as in ``glucocorticoids``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from myoild.synth import params as P
from myoild.synth.glucocorticoids import recorded_start_dose, start_dose
from myoild.synth.sampling import (
    allocate_with_preference,
    exact_categories,
    exact_flags,
    gumbel_top_k,
    largest_remainder,
    lognormal_median_iqr,
    round_half_up,
)

DIAGNOSES = ("DM", "PM", "CADM")
BINARY_CHARACTERISTICS = (
    "smoking_history",
    "heliotrope_rash",
    "gottron_sign",
    "proximal_weakness",
    "hypertension",
    "diabetes",
    "malignancy",
)
LAB_COLUMNS = ("ferritin_ug_l", "esr_mm_h", "crp_mg_l", "ck_u_l", "ldh_u_l")


@dataclass(frozen=True)
class BaselineSpec:
    """Shares, means and medians a block of patients is drawn to (see ``params`` for sources)."""

    female: float
    diagnosis: dict[str, float]
    age: tuple[float, float]
    dose: tuple[float, float]
    ivig: float
    plasma_exchange: float
    binary: dict[str, float]
    antibodies: dict[str, float]
    hrct_patterns: dict[str, float]
    median_iqr: dict[str, tuple[float, float, float]]


def prospective_spec(group: str) -> BaselineSpec:
    """Table 2 column of ``group`` (counts divided by the group size)."""
    size = P.PROSP_GROUP_SIZES[group]
    return BaselineSpec(
        female=P.PROSP_COUNTS["female"][group] / size,
        diagnosis={d: c / size for d, c in P.PROSP_DIAGNOSIS[group].items()},
        age=P.PROSP_AGE[group],
        dose=P.PROSP_DOSE[group],
        ivig=P.PROSP_COUNTS["ivig"][group] / size,
        plasma_exchange=P.PROSP_COUNTS["plasma_exchange"][group] / size,
        binary={name: P.PROSP_COUNTS[name][group] / size for name in BINARY_CHARACTERISTICS},
        antibodies={a: c / size for a, c in P.PROSP_ANTIBODIES[group].items()},
        hrct_patterns={p: c / size for p, c in P.PROSP_HRCT_PATTERNS[group].items()},
        median_iqr={name: values[group] for name, values in P.PROSP_MEDIAN_IQR.items()},
    )


def pooled_prospective_spec() -> BaselineSpec:
    """Both Table 2 columns pooled (34 patients); medians pooled on the log scale."""
    groups = tuple(P.PROSP_GROUP_SIZES)
    weight = {g: P.PROSP_GROUP_SIZES[g] / sum(P.PROSP_GROUP_SIZES.values()) for g in groups}
    specs = {g: prospective_spec(g) for g in groups}

    def mix(get) -> dict[str, float]:
        keys = dict.fromkeys(k for g in groups for k in get(specs[g]))  # first-seen order
        return {k: sum(weight[g] * get(specs[g]).get(k, 0.0) for g in groups) for k in keys}

    def mean_sd(get) -> tuple[float, float]:
        return (sum(weight[g] * get(specs[g])[0] for g in groups), sum(weight[g] * get(specs[g])[1] for g in groups))

    return BaselineSpec(
        female=sum(weight[g] * specs[g].female for g in groups),
        diagnosis=mix(lambda s: s.diagnosis),
        age=mean_sd(lambda s: s.age),
        dose=mean_sd(lambda s: s.dose),
        ivig=sum(weight[g] * specs[g].ivig for g in groups),
        plasma_exchange=sum(weight[g] * specs[g].plasma_exchange for g in groups),
        binary=mix(lambda s: s.binary),
        antibodies=mix(lambda s: s.antibodies),
        hrct_patterns=mix(lambda s: s.hrct_patterns),
        median_iqr={
            name: tuple(
                float(np.exp(sum(weight[g] * np.log(specs[g].median_iqr[name][i]) for g in groups))) for i in range(3)
            )
            for name in P.PROSP_MEDIAN_IQR
        },
    )


def retrospective_spec(group: str | None) -> BaselineSpec:
    """Table 1 column of ``group`` (None: both pooled); what Table 1 does not report comes from
    pooled Table 2."""
    weights = {group: 1.0} if group else P.RETRO_POOLED_WEIGHTS
    pooled = pooled_prospective_spec()

    def mix(table: dict) -> float:
        return sum(w * table[g] for g, w in weights.items())

    age_mean = mix({g: m for g, (m, _) in P.RETRO_AGE_BY_GROUP.items()})
    age_var = mix({g: sd**2 + (m - age_mean) ** 2 for g, (m, sd) in P.RETRO_AGE_BY_GROUP.items()})
    return BaselineSpec(
        female=mix(P.RETRO_FEMALE_BY_GROUP),
        diagnosis={d: mix({g: shares[d] for g, shares in P.RETRO_DIAGNOSIS_BY_GROUP.items()}) for d in DIAGNOSES},
        age=(age_mean, float(np.sqrt(age_var))),
        dose=P.RETRO_DOSE,
        ivig=mix(P.RETRO_IVIG_BY_GROUP),
        plasma_exchange=mix(P.RETRO_PE_BY_GROUP),
        binary=pooled.binary,
        antibodies=pooled.antibodies,
        hrct_patterns=P.RETRO_HRCT_PATTERN_SHARES,
        median_iqr=pooled.median_iqr,
    )


def draw_baseline(rng: np.random.Generator, n: int, spec: BaselineSpec) -> pd.DataFrame:
    """One row per patient: the characteristics of the ``patients`` table plus glucocorticoid
    start (``gc_form``, ``gc_recorded_dose``, ``initial_pred_mg_day``) and baseline labs
    (``baseline_<lab>``; the ferritin cell may later be blanked, the latent value is kept here)."""
    female = exact_flags(rng, n, spec.female)
    diagnosis_code = exact_categories(rng, n, [spec.diagnosis.get(d, 0.0) for d in DIAGNOSES])
    diagnosis = np.array(DIAGNOSES, dtype=object)[diagnosis_code]
    age = np.round(np.clip(rng.normal(*spec.age, size=n), *P.AGE_RANGE))
    mean_w = np.where(female, P.WEIGHT_BY_SEX["F"][0], P.WEIGHT_BY_SEX["M"][0])
    sd_w = np.where(female, P.WEIGHT_BY_SEX["F"][1], P.WEIGHT_BY_SEX["M"][1])
    weight = np.round(np.clip(rng.normal(mean_w, sd_w), *P.WEIGHT_RANGE), 1)
    out = {
        "sex": np.where(female, "F", "M").astype(object),
        "diagnosis": diagnosis,
        "age_years": age,
        "weight_kg": weight,
        "ivig": exact_flags(rng, n, spec.ivig),
        "plasma_exchange": exact_flags(rng, n, spec.plasma_exchange),
    }
    form = exact_categories(rng, n, P.GC_FORM_SHARES)
    recorded, equivalent = recorded_start_dose(form, start_dose(rng, weight, *spec.dose, spec.female), weight)
    out.update(gc_form=form, gc_recorded_dose=recorded, initial_pred_mg_day=equivalent)

    for name in BINARY_CHARACTERISTICS:
        avoid, penalty = P.SIGN_PREFERENCE.get(name, (None, 0.0))
        out[name] = gumbel_top_k(rng, np.where(diagnosis == avoid, penalty, 0.0), round_half_up(n * spec.binary[name]))

    antibody_counts = largest_remainder(n, [spec.antibodies.get(a, 0.0) for a in P.ANTIBODIES])
    preference = np.log(np.array([P.ANTIBODY_GIVEN_DIAGNOSIS[d] for d in DIAGNOSES]))[diagnosis_code]
    antibody = allocate_with_preference(rng, antibody_counts, preference)
    for code, name in enumerate(P.ANTIBODIES):
        out[name] = antibody == code
    patterns = tuple(spec.hrct_patterns)
    out["hrct_pattern"] = np.array(patterns, dtype=object)[
        exact_categories(rng, n, [spec.hrct_patterns[p] for p in patterns])
    ]

    median, q1, q3 = spec.median_iqr["disease_duration_months"]
    out["disease_duration_months"] = np.round(lognormal_median_iqr(rng, n, median, q1, q3), 1)
    for lab in LAB_COLUMNS:
        value = lognormal_median_iqr(rng, n, *spec.median_iqr[lab])
        out[f"baseline_{lab}"] = np.round(np.maximum(value, P.LAB_MINIMUM[lab]), P.LAB_DECIMALS[lab])
    return pd.DataFrame(out, copy=False)
