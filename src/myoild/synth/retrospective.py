"""Retrospective cohort: eligible and screened-out patients, confounded treatment, latent outcomes.

All draws are vectorised over patients (numpy), so a million patients take seconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from myoild.synth import params as P
from myoild.synth.covariates import draw_baseline, retrospective_spec
from myoild.synth.frames import stack
from myoild.synth.patients import death_causes, index_days, patient_ids
from myoild.synth.sampling import (
    categorical_rows,
    exact_categories,
    exact_flags,
    largest_remainder,
    round_half_up,
    stream,
    uniform_days,
)
from myoild.synth.schedule import draw_schedule, follow_up

DIAGNOSIS_KINDS = {
    "diagnosis_IBM": "IBM",
    "diagnosis_overlap": "overlap",
    "diagnosis_cancer_associated": "cancer_associated",
}
TACROLIMUS_ARMS = ("tacrolimus", "tacrolimus+cyclophosphamide")


def screened_out_counts(n_eligible: int) -> np.ndarray:
    """Patients of each ``RETRO_SCREENED_OUT_KINDS`` kind: one each, the rest of ~4.5 % split evenly."""
    kinds = len(P.RETRO_SCREENED_OUT_KINDS)
    total = max(kinds, round_half_up(n_eligible * P.RETRO_SCREENED_OUT_SHARE))
    return 1 + largest_remainder(total - kinds, np.ones(kinds))


def design(baseline: pd.DataFrame) -> dict[str, np.ndarray]:
    """Covariates of the hazard models (centred age and dose, indicators)."""
    return {
        "age_per_10y": (baseline["age_years"].to_numpy() - P.AGE_CENTRE) / 10,
        "male": (baseline["sex"].to_numpy() == "M").astype(float),
        "pm": (baseline["diagnosis"].to_numpy() == "PM").astype(float),
        "cadm": (baseline["diagnosis"].to_numpy() == "CADM").astype(float),
        "dose_per_10mg": (baseline["initial_pred_mg_day"].to_numpy() - P.DOSE_CENTRE) / 10,
        "ivig": baseline["ivig"].to_numpy().astype(float),
        "plasma_exchange": baseline["plasma_exchange"].to_numpy().astype(float),
    }


def linear_predictor(x: dict[str, np.ndarray], coefficients: dict[str, float]) -> np.ndarray:
    """sum_j coefficient_j * x_j."""
    return sum(coefficients[name] * x[name] for name in coefficients)


def calibrate_log_scale(eta: np.ndarray, shape: float, risk: float) -> float:
    """log lambda of the Weibull baseline hazard H0(t) = lambda t^shape such that the mean
    one-year risk 1 - exp(-H0(365) exp(eta)) over ``eta`` equals ``risk`` (root by Brent's method)."""
    offset = brentq(lambda c: np.mean(-np.expm1(-np.exp(c + eta))) - risk, -40.0, 40.0, xtol=1e-12)
    return offset - shape * np.log(P.WINDOW_DAYS)


def weibull_days(rng: np.random.Generator, log_scale: float, shape: float, eta: np.ndarray) -> np.ndarray:
    """Whole days ceil(T) >= 1 with T = (E / (lambda exp(eta)))^(1/shape), E ~ Exp(1) (inversion)."""
    t = (rng.standard_exponential(len(eta)) / np.exp(log_scale + eta)) ** (1 / shape)
    return np.maximum(np.ceil(t), 1.0)


def true_propensity_logit(baseline: pd.DataFrame, n_tacrolimus: int, n_conventional: int) -> np.ndarray:
    """log P(tacrolimus | x) / P(conventional | x) for covariates drawn independently given the group.

    Bayes: logit = log(n_tac / n_conv) + sum_j log f_tac(x_j) / f_conv(x_j), with f the Table 1
    distribution of sex, diagnosis, IVIg and plasma exchange (Bernoulli / categorical) and of age
    (normal; clipping to 18-85 ignored). This is a logistic model: linear in the indicators,
    quadratic in age; the dose has coefficient 0 (one pooled distribution).
    """
    t, c = "tacrolimus", "conventional"

    def binary(x: np.ndarray, table: dict) -> np.ndarray:
        return np.where(x, np.log(table[t] / table[c]), np.log((1 - table[t]) / (1 - table[c])))

    diagnosis = baseline["diagnosis"].to_numpy()
    by_diagnosis = {
        d: np.log(P.RETRO_DIAGNOSIS_BY_GROUP[t][d] / P.RETRO_DIAGNOSIS_BY_GROUP[c][d])
        for d in P.RETRO_DIAGNOSIS_BY_GROUP[t]
    }
    age = baseline["age_years"].to_numpy()
    (mean_t, sd_t), (mean_c, sd_c) = P.RETRO_AGE_BY_GROUP[t], P.RETRO_AGE_BY_GROUP[c]
    return (
        np.log(n_tacrolimus / n_conventional)
        + binary(baseline["sex"].to_numpy() == "F", P.RETRO_FEMALE_BY_GROUP)
        + np.select([diagnosis == d for d in by_diagnosis], list(by_diagnosis.values()))
        + binary(baseline["ivig"].to_numpy(), P.RETRO_IVIG_BY_GROUP)
        + binary(baseline["plasma_exchange"].to_numpy(), P.RETRO_PE_BY_GROUP)
        + np.log(sd_c / sd_t)
        - 0.5 * ((age - mean_t) / sd_t) ** 2
        + 0.5 * ((age - mean_c) / sd_c) ** 2
    )


def retrospective_patients(seed: int, n_eligible: int) -> tuple[pd.DataFrame, dict]:
    """Patient frame of the retrospective cohort (eligible and screened-out rows shuffled) and the
    parameters drawn or calibrated for it.

    Treatment is confounded: each group's covariates are drawn to its Table 1 column (exact
    counts), so the groups differ as in the paper and the true propensity score is
    ``true_propensity_logit``; the hazards depend on the same covariates.
    """
    n_tacrolimus = round_half_up(n_eligible * P.RETRO_TACROLIMUS_SHARE)
    sizes = {"tacrolimus": n_tacrolimus, "conventional": n_eligible - n_tacrolimus}
    kind_counts = screened_out_counts(n_eligible)
    groups = []
    for group, size in sizes.items():
        block = draw_baseline(stream(seed, f"retrospective/baseline/{group}"), size, retrospective_spec(group))
        block["arm"] = group
        groups.append(block)
    eligible = stack(groups)
    eligible["propensity_logit"] = true_propensity_logit(eligible, *sizes.values())
    rng = stream(seed, "retrospective/drug_sets")
    drug_set = np.full(n_eligible, -1)
    conventional = (eligible["arm"] == "conventional").to_numpy()
    drug_set[conventional] = exact_categories(
        rng, sizes["conventional"], [count for _, count in P.CONVENTIONAL_DRUG_SETS]
    )
    eligible["drug_set"] = drug_set
    eligible["included"] = True
    eligible["exclusion_reason"] = None
    eligible["group"] = eligible["arm"]

    # Screened out by diagnosis: treated like anyone else; by treatment: the two failing rules.
    screened = draw_baseline(
        stream(seed, "retrospective/baseline/screened_out"), int(kind_counts.sum()), retrospective_spec(None)
    )
    kind = np.repeat(np.array(P.RETRO_SCREENED_OUT_KINDS, dtype=object), kind_counts)
    for reason, diagnosis in DIAGNOSIS_KINDS.items():
        screened.loc[kind == reason, "diagnosis"] = diagnosis
    screened.loc[kind == "diagnosis_cancer_associated", "malignancy"] = True
    by_diagnosis = np.isin(kind, list(DIAGNOSIS_KINDS))
    tacrolimus = by_diagnosis & (rng.random(len(kind)) < P.RETRO_TACROLIMUS_SHARE)
    screened["arm"] = np.select(
        [tacrolimus, by_diagnosis, kind == "tacrolimus_with_other_immunosuppressant"],
        ["tacrolimus", "conventional", "tacrolimus+cyclophosphamide"],
        "no_immunosuppressant",
    ).astype(object)
    set_weights = np.array([count for _, count in P.CONVENTIONAL_DRUG_SETS], dtype=float)
    random_set = categorical_rows(rng, np.tile(set_weights / set_weights.sum(), (len(kind), 1)))
    screened["drug_set"] = np.where(screened["arm"] == "conventional", random_set, -1)
    screened["propensity_logit"] = np.nan
    screened["included"] = False
    screened["exclusion_reason"] = kind
    screened["group"] = None

    frame = stack([eligible, screened])
    frame = frame.iloc[stream(seed, "retrospective/order").permutation(len(frame))].reset_index(drop=True)
    frame["cohort"] = "retrospective"
    parameters = _latent_outcomes(seed, frame)
    parameters["group_sizes"] = sizes
    parameters["propensity"] = {  # the inputs of true_propensity_logit
        "log_prior_odds": float(np.log(sizes["tacrolimus"] / sizes["conventional"])),
        "female_share": P.RETRO_FEMALE_BY_GROUP,
        "diagnosis_shares": P.RETRO_DIAGNOSIS_BY_GROUP,
        "ivig_share": P.RETRO_IVIG_BY_GROUP,
        "plasma_exchange_share": P.RETRO_PE_BY_GROUP,
        "age_mean_sd": {group: list(values) for group, values in P.RETRO_AGE_BY_GROUP.items()},
    }
    parameters["screened_out"] = dict(zip(P.RETRO_SCREENED_OUT_KINDS, kind_counts.tolist()))
    rng = stream(seed, "retrospective/identity")
    frame["patient_id"] = patient_ids("R", len(frame))
    frame["index_day"] = index_days(rng, len(frame), P.RETRO_INDEX_RANGE)
    frame["death_cause"] = death_causes(rng, frame["death_recorded"].to_numpy())
    return frame, parameters


def _latent_outcomes(seed: int, frame: pd.DataFrame) -> dict:
    """Add latent death and relapse days, loss to follow-up, schedule and end of follow-up."""
    n = len(frame)
    x = design(frame)
    tacrolimus = np.isin(frame["arm"].to_numpy(), TACROLIMUS_ARMS).astype(float)
    calibration_set = frame["included"].to_numpy() & (tacrolimus == 0)
    parameters = {}
    for endpoint in ("death", "relapse"):
        eta = linear_predictor(x, P.HAZARD_LOG_HR[endpoint]) + np.log(P.TRUE_HR[endpoint]) * tacrolimus
        shape = P.WEIBULL_SHAPE[endpoint]
        log_scale = calibrate_log_scale(eta[calibration_set], shape, P.CONVENTIONAL_ONE_YEAR_RISK[endpoint])
        frame[f"{endpoint}_latent_day"] = weibull_days(stream(seed, f"retrospective/{endpoint}"), log_scale, shape, eta)
        parameters[endpoint] = {
            "log_hr_treatment": float(np.log(P.TRUE_HR[endpoint])),
            "log_hr_covariates": {k: float(v) for k, v in P.HAZARD_LOG_HR[endpoint].items()},
            "weibull_shape": shape,
            "weibull_log_scale": float(log_scale),
            "conventional_one_year_risk": P.CONVENTIONAL_ONE_YEAR_RISK[endpoint],
        }

    rng = stream(seed, "retrospective/follow_up")
    lost = exact_flags(rng, n, P.RETRO_LOST_SHARE)
    leave_day = np.where(lost, uniform_days(rng, *P.RETRO_LOST_DAY_RANGE, n), np.inf)
    schedule = draw_schedule(rng, n)
    for name, values in schedule.items():
        frame[name] = values
    for name, values in follow_up(
        frame["death_latent_day"].to_numpy(), leave_day, schedule["m12_day"], schedule["m12_missed"]
    ).items():
        frame[name] = values
    modes = tuple(P.RETRO_RESPIRATORY_MODE)
    frame["respiratory_mode"] = np.array(modes, dtype=object)[
        categorical_rows(rng, np.tile(np.array([P.RETRO_RESPIRATORY_MODE[m] for m in modes]), (n, 1)))
    ]
    frame["respiratory_delay"] = uniform_days(rng, *P.RESPIRATORY_LATER_DELAY_DAYS, n)
    frame["withdrawal_day"] = np.nan
    frame["withdrawal_reason"] = None
    parameters["lost_to_follow_up_share"] = P.RETRO_LOST_SHARE
    return parameters
