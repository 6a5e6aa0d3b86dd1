"""Multiple imputation of missing propensity-model covariates (config ``missing.method: mice``)
and the weighted Cox model of each contrast pooled over the imputations by Rubin's rules.

Imputation (multivariate imputation by chained equations: van Buuren 2018, ch. 4; White, Royston
& Wood 2011), done within each contrast's patients, since every contrast fits its own propensity
model. The imputation model of each covariate holds every other model covariate, the treatment
(``treated``) and, for each endpoint analysed, the event indicator and the Nelson-Aalen estimate of
the cumulative hazard at the patient's own time ``H(T)`` (White & Royston 2009: the outcome must
enter the imputation model of a covariate of a Cox model, and ``event`` + ``H(T)`` is their
recommended form). Each covariate is imputed by a method suited to its type:

- numbers (not only 0/1): predictive mean matching (PMM): a linear regression whose coefficients
  are drawn from their approximate posterior (statsmodels ``MICEData``, Gaussian perturbation),
  and a value taken at random from the ``DONORS`` observed patients whose predictions are closest.
  Imputed values are values that were observed, so a dose stays a dose (no negative or fractional
  value that no patient has) -- mice's default for numbers, with mice's 5 donors (Morris, White &
  Royston 2014);
- categories (text, pandas categories, booleans, and numbers coded 0/1): a logistic regression for
  two levels, multinomial for more (mice's ``logreg`` / ``polyreg``), coefficients drawn from their
  approximate posterior ``N(beta_hat, V)`` as ``logreg`` does (a proper imputation, Rubin 1987),
  then each missing value drawn from its predicted probabilities. PMM on a number coding the levels
  would order unordered levels (DM < PM < CADM) and is not used. A category with a single observed
  level is filled with it.

The chains run through ``CYCLES`` rounds of all incomplete covariates (statsmodels' MICE burn-in),
one independent chain per imputation (as mice's ``m`` chains), chain ``j`` drawing from the random
generator seeded with ``(seed, j)``: the same seed gives the same imputations.

Analysis (``mi_estimates``): in each completed data set the contrast's propensity model, weights and
weighted Cox model with robust variance exactly as the complete-case analysis
(myoild.weighting.contrast_weights, myoild.cox_rows.cox_fields); the log hazard ratios and their
robust variances are pooled by Rubin's rules with Barnard-Rubin degrees of freedom
(myoild.stats.rubin_pool), the complete-data df being events - 1 as R ``mice::pool`` takes for a
one-coefficient ``coxph`` fit. The CI and p come from the t distribution with those df; no pooled
score test is computed, so ``logrank_p`` stays empty, and so do the E-values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import linalg, special
from statsmodels.imputation.mice import MICEData

from myoild.contrasts import contrast_cohort, contrast_patients
from myoild.cox_rows import endpoint_fields
from myoild.stats import rubin_pool
from myoild.survival import MODEL_COLUMNS, analysis_data
from myoild.weighting import WeightingOptions, contrast_weights

#: Rounds through every incomplete covariate before a chain's data set is kept.
CYCLES = 10
#: Observed patients a PMM draw chooses among (mice's default).
DONORS = 5
PER_IMPUTATION_COLUMNS = ["contrast", "endpoint", "imputation", "log_hr", "se_log_hr"]
MODEL = "cox_iptw_mi"


def nelson_aalen_at_own_time(time: np.ndarray, event: np.ndarray) -> np.ndarray:
    """``H(T_i) = sum over event times t <= T_i of d(t) / n(t)``, ``n(t)`` the patients with
    ``T >= t`` (the Nelson-Aalen estimate of the cumulative hazard, at each patient's own time)."""
    times, inverse = np.unique(time, return_inverse=True)
    deaths = np.bincount(inverse, weights=event, minlength=times.size)
    at_risk = time.size - np.concatenate(([0], np.cumsum(np.bincount(inverse, minlength=times.size))[:-1]))
    return np.cumsum(deaths / at_risk)[inverse]


@dataclass(frozen=True)
class _Coding:
    """How a covariate enters the chained equations: as a number, or as codes 0..K-1 of ``levels``."""

    levels: tuple | None

    @classmethod
    def of(cls, values: pd.Series) -> _Coding:
        observed = values.dropna()
        if isinstance(values.dtype, pd.CategoricalDtype):
            return cls(tuple(level for level in values.cat.categories if (observed == level).any()))
        numeric = pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype)
        if numeric and not observed.isin([0, 1]).all():
            return cls(None)
        return cls(tuple(sorted(set(observed.tolist()))))

    def encode(self, values: pd.Series) -> np.ndarray:
        if self.levels is None:
            return values.to_numpy(dtype=float, na_value=np.nan)
        codes = np.full(len(values), np.nan)
        for code, level in enumerate(self.levels):
            codes[(values == level).fillna(False).to_numpy(dtype=bool)] = code
        return codes

    def decode(self, codes: np.ndarray) -> list:
        return codes.tolist() if self.levels is None else [self.levels[int(code)] for code in codes]


def _information(x: np.ndarray, share: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Fisher information of a weighted multinomial logit, class-major: block (j, l) is
    ``X' diag(w p_j (1[j = l] - p_l)) X`` (``share``: the probabilities of the non-reference levels)."""
    classes, p = share.shape[1], x.shape[1]
    information = np.empty((classes * p, classes * p))
    for j in range(classes):
        for l in range(classes):
            curvature = weights * share[:, j] * ((j == l) - share[:, l])
            information[j * p : (j + 1) * p, l * p : (l + 1) * p] = (x * curvature[:, None]).T @ x
    return information


def _solve(information: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """``information^-1 rhs`` by Cholesky; by the pseudo-inverse where collinear predictors make
    the information singular (the fitted probabilities are then still unique)."""
    try:
        return linalg.cho_solve(linalg.cho_factor(information), rhs)
    except linalg.LinAlgError:
        return np.linalg.pinv(information, hermitian=True) @ rhs


def _multinomial_logit(y: np.ndarray, x: np.ndarray, weights: np.ndarray, levels: int) -> tuple[np.ndarray, np.ndarray]:
    """Weighted multinomial logistic regression of codes ``y`` (0..levels-1, 0 the reference) on the
    columns of ``x`` (intercept included) by Newton-Raphson with step halving, converged as R's
    ``glm.fit`` (``|dev - dev_old| / (|dev| + 0.1) < 1e-10``). Returns the coefficients, one column
    per non-reference level, and their covariance (the inverse of the information, class-major:
    the coefficients of level 1, then of level 2, ...); a pseudo-inverse where predictors are
    collinear. Two levels: R's ``glm(family = binomial, weights = w)`` and its ``cov.unscaled``."""
    n, p = x.shape
    classes = levels - 1
    outcome = y[:, None] == np.arange(1, levels)

    def probabilities(beta: np.ndarray) -> np.ndarray:
        return special.softmax(np.column_stack((np.zeros(n), x @ beta.reshape(classes, p).T)), axis=1)

    def deviance(prob: np.ndarray) -> float:
        return -2.0 * float(weights @ np.log(prob[np.arange(n), y]))

    beta = np.zeros(classes * p)
    prob = probabilities(beta)
    dev = deviance(prob)
    for _ in range(100):
        gradient = ((outcome - prob[:, 1:]) * weights[:, None]).T @ x
        step = _solve(_information(x, prob[:, 1:], weights), gradient.ravel())
        for _ in range(30):  # halve a step that would lower the likelihood
            trial = probabilities(beta + step)
            if deviance(trial) <= dev:
                break
            step /= 2
        beta, prob, dev_old = beta + step, trial, dev
        dev = deviance(prob)
        if abs(dev - dev_old) / (abs(dev) + 0.1) < 1e-10:
            break
    covariance = _solve(_information(x, prob[:, 1:], weights), np.eye(classes * p))
    return beta.reshape(classes, p).T, (covariance + covariance.T) / 2


def _augmented(y: np.ndarray, x: np.ndarray, predictors: np.ndarray, levels: int):
    """mice's ``augment`` (White, Daniel & Royston 2010), against perfect prediction: for each
    predictor column j and each level, two pseudo-patients with the level, predictor j at its mean
    +- half its SD (within its range) and the others at their means, together weighing p + 1 (p
    predictors); means, SDs and ranges over all patients (``predictors``). Returns ``y``, ``x`` with
    the pseudo-patients appended and the weights (1 for patients)."""
    p = predictors.shape[1]
    rows = 2 * p * levels
    mean = predictors.mean(axis=0)
    shift = np.zeros((rows, p))
    for j in range(p):
        shift[2 * levels * j : 2 * levels * (j + 1), j] = np.tile([0.5, -0.5], levels)
    pseudo = np.clip(mean + shift * predictors.std(axis=0, ddof=1), predictors.min(axis=0), predictors.max(axis=0))
    pseudo_y = np.tile(np.repeat(np.arange(levels), 2), p)
    weights = np.concatenate((np.ones(len(y)), np.full(rows, (p + 1) / rows)))
    return np.concatenate((y, pseudo_y)), np.vstack((x, pseudo)), weights


def _independent_columns(predictors: np.ndarray) -> np.ndarray:
    """The predictors without those constant or (numerically) a linear combination of others (mice
    leaves such predictors out too, ``remove.lindep``): a pivoted QR of the centred and scaled
    columns keeps those whose diagonal exceeds 1e-7 of the largest."""
    varying = predictors[:, np.ptp(predictors, axis=0) > 0]
    if varying.shape[1] == 0:
        return varying
    scaled = (varying - varying.mean(axis=0)) / varying.std(axis=0)
    r, pivots = linalg.qr(scaled, mode="r", pivoting=True)
    diagonal = np.abs(np.diagonal(r))
    return varying[:, np.sort(pivots[: int((diagonal > 1e-7 * diagonal[0]).sum())])]


class _ChainedEquations(MICEData):
    """statsmodels' chained equations (OLS, Gaussian perturbation and PMM for numbers) with a
    (multinomial) logistic draw for the variables of ``levels`` (name -> number of levels, coded
    0..K-1). The design matrices are built here (intercept, numbers as they are, a category as
    indicators of its levels but the first; constant and collinear columns left out) rather than
    by MICEData's patsy formulas, which cost 45 ms a call."""

    def __init__(self, data: pd.DataFrame, levels: dict[str, int], rng: np.random.Generator):
        self.levels = levels
        super().__init__(data, k_pmm=DONORS, rng=rng)

    def _design(self, vname: str) -> np.ndarray:
        blocks = []
        for name in self.data.columns:
            if name == vname:
                continue
            values = self.data[name].to_numpy(dtype=float)
            if name in self.levels:
                blocks.append(values[:, None] == np.arange(1, self.levels[name]))
            else:
                blocks.append(values[:, None])
        predictors = np.concatenate(blocks, axis=1, dtype=float)
        return np.column_stack((np.ones(len(predictors)), _independent_columns(predictors)))

    def get_fitting_data(self, vname: str):
        observed = self.ix_obs[vname]
        return self.data[vname].to_numpy(dtype=float)[observed], self._design(vname)[observed], {}, {}

    def get_split_data(self, vname: str):
        x = self._design(vname)
        observed, missing = self.ix_obs[vname], self.ix_miss[vname]
        return self.data[vname].to_numpy(dtype=float)[observed], x[observed], x[missing], {}, {}

    def update(self, vname: str) -> None:
        if vname not in self.levels:
            super().update(vname)
            return
        observed, missing = self.ix_obs[vname], self.ix_miss[vname]
        codes = self.data[vname].to_numpy(dtype=float)[observed].astype(np.int64)
        levels = self.levels[vname]
        if levels == 1:
            self._store_changes(vname, np.zeros(len(missing)))
            return
        x = self._design(vname)
        y, x_fit, weights = _augmented(codes, x[observed, 1:], x[:, 1:], levels)
        x_fit = np.column_stack((np.ones(len(x_fit)), x_fit))
        coef, covariance = _multinomial_logit(y, x_fit, weights, levels)
        # A proper imputation draws the coefficients from their approximate posterior (mice's logreg).
        drawn = self.rng.multivariate_normal(coef.T.ravel(), covariance).reshape(levels - 1, -1).T
        eta = x[missing] @ drawn
        probabilities = special.softmax(np.column_stack((np.zeros(len(eta)), eta)), axis=1)
        uniform = self.rng.random(len(eta))
        drawn_codes = (uniform[:, None] > np.cumsum(probabilities, axis=1)[:, :-1]).sum(axis=1)
        self._store_changes(vname, drawn_codes.astype(float))


def _outcome_predictors(patients: pd.DataFrame, endpoints: list[str]) -> pd.DataFrame:
    """``treated`` and each endpoint's event indicator and ``H(T)``, predictors of every covariate."""
    columns = {"treated": patients["treated"].to_numpy(dtype=float)}
    for endpoint in endpoints:
        event = patients[f"{endpoint}_event"].to_numpy(dtype=float)
        columns[f"{endpoint}_event"] = event
        columns[f"{endpoint}_cumulative_hazard"] = nelson_aalen_at_own_time(
            patients[f"{endpoint}_time_days"].to_numpy(dtype=float), event
        )
    return pd.DataFrame(columns)


def impute_covariates(patients: pd.DataFrame, covariates, endpoints, imputations: int, seed: int) -> list[pd.DataFrame]:
    """``imputations`` completed copies of ``patients`` (a contrast's patients: ``treated`` 0/1,
    ``<endpoint>_time_days`` and ``<endpoint>_event`` of each of ``endpoints``): the missing values
    of ``covariates`` filled in by chained equations (see the module docstring), every other value
    and every column's type and levels unchanged. Deterministic for a ``seed``."""
    covariates = list(covariates)
    if imputations < 1:
        raise ValueError("imputations must be at least 1")
    patients = patients.reset_index(drop=True)
    missing = {name: patients[name].isna().to_numpy() for name in covariates}
    incomplete = [name for name in covariates if missing[name].any()]
    for name in incomplete:
        if missing[name].all():
            raise ValueError(f"covariate {name!r} has no observed value to impute from")
    if not incomplete:
        return [patients.copy() for _ in range(imputations)]
    codings = {name: _Coding.of(patients[name]) for name in covariates}
    data = pd.DataFrame({name: codings[name].encode(patients[name]) for name in covariates})
    data = pd.concat([data, _outcome_predictors(patients, list(endpoints))], axis=1)
    # Formula-safe names: a covariate may be called anything a patients table allows.
    safe = {name: f"v{number}" for number, name in enumerate(data.columns)}
    data = data.rename(columns=safe)
    levels = {safe[name]: len(codings[name].levels) for name in covariates if codings[name].levels is not None}
    completed = []
    for imputation in range(imputations):
        chain = _ChainedEquations(data, levels, np.random.default_rng([seed, imputation]))
        chain.update_all(CYCLES)
        copy = patients.copy()
        for name in incomplete:
            rows = missing[name]
            filled = codings[name].decode(chain.data[safe[name]].to_numpy()[rows])
            column = copy[name].astype(object)
            column[rows] = filled
            copy[name] = column.astype(patients[name].dtype)
        completed.append(copy)
    return completed


def _fit_completed(
    data: pd.DataFrame, contrast: str, endpoints: list[str], options: WeightingOptions, ties: str, strata=()
):
    """The weighted Cox fields of each endpoint in one completed data set (stratified by
    ``strata`` as the main analysis), and the weighting diagnostics it failed (empty when none)."""
    weighted = contrast_weights(data, contrast, options)
    note = weighted.diagnostics["not_estimable"]
    if note:
        return {
            endpoint: {"n": len(data), "events": int(data[f"{endpoint}_event"].sum()), "note": note}
            for endpoint in endpoints
        }, ""
    modelled = analysis_data(data, contrast, weighted.weights)
    fields = {
        endpoint: endpoint_fields(modelled, contrast, endpoint, "weight", ties, strata) for endpoint in endpoints
    }
    return fields, weighted.diagnostics["failed_diagnostics"]


def _failed_note(notes: list[str]) -> str:
    """The ``not estimable`` reason of the imputations whose fit has none (cox_rows' wording),
    with how many they are when not all."""
    failed = [note for note in notes if note]
    if len(failed) == len(notes) and len(set(failed)) == 1:
        return failed[0]
    return f"{failed[0]} (in {len(failed)} of {len(notes)} imputations)"


def _weighting_warnings(failed: list[str]) -> str:
    """The weighting diagnostics failed in the completed data sets: how often, and the first."""
    where = [(number, text) for number, text in enumerate(failed, start=1) if text]
    if not where:
        return ""
    first, text = where[0]
    return f"weighting diagnostics failed in {len(where)} of {len(failed)} imputations (imputation {first}: {text})"


def mi_estimates(
    analysis_set: pd.DataFrame,
    contrast: str,
    endpoints,
    options: WeightingOptions,
    imputations: int,
    seed: int,
    ties: str = "efron",
    strata: tuple[str, ...] = (),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The contrast's weighted Cox model of each endpoint in ``imputations`` (>= 2) completed data
    sets, and pooled by Rubin's rules (see the module docstring).

    Returns the rows of ``tables/mi_estimates.tsv`` (``PER_IMPUTATION_COLUMNS``: one per endpoint
    and imputation, numbered from 1; empty ``log_hr``, ``se_log_hr`` where that fit is not
    estimable) and the pooled rows of ``tables/survival_models.tsv`` (``MODEL_COLUMNS``, ``model``
    ``cox_iptw_mi``, ``ci_method`` ``rubin``, ``note`` giving m and the number of patients with
    an imputed covariate). A pooled row is not estimable when a fit is not, with cox_rows'
    ``not estimable: <reason>``, followed by ``(in k of m imputations)`` when not all are."""
    if imputations < 2:
        raise ValueError("Rubin's rules need at least 2 imputations")
    endpoints = list(endpoints)
    patients = contrast_patients(analysis_set, contrast)
    covariates = list(options.covariates)
    n_imputed = int(patients[covariates].isna().any(axis=1).sum())
    completed = impute_covariates(patients, covariates, endpoints, imputations if n_imputed else 1, seed)
    fitted = [_fit_completed(data, contrast, endpoints, options, ties, strata) for data in completed]
    fitted *= imputations // len(fitted)  # nothing missing: the one complete data set stands for all
    failed = [item[1] for item in fitted]
    per_imputation, pooled = [], []
    for endpoint in endpoints:
        fields = [item[0][endpoint] for item in fitted]
        for number, one in enumerate(fields, start=1):
            estimable = not one["note"]
            per_imputation.append(
                {
                    "contrast": contrast,
                    "endpoint": endpoint,
                    "imputation": number,
                    "log_hr": math.log(one["hr"]) if estimable else np.nan,
                    "se_log_hr": one["se_log_hr"] if estimable else np.nan,
                }
            )
        pooled.append(_pooled_row(fields, contrast, endpoint, ties, n_imputed, _weighting_warnings(failed)))
    return (
        pd.DataFrame(per_imputation, columns=PER_IMPUTATION_COLUMNS),
        pd.DataFrame(pooled, columns=MODEL_COLUMNS),
    )


def _pooled_row(fields: list[dict], contrast: str, endpoint: str, ties: str, n_imputed: int, warnings: str) -> dict:
    m = len(fields)
    row = {
        "cohort": contrast_cohort(contrast),
        "contrast": contrast,
        "endpoint": endpoint,
        "model": MODEL,
        "ties": ties,
        "ci_method": "rubin",
        "n": fields[0]["n"],
        "events": fields[0]["events"],
        "warnings": warnings,
    }
    about = f"multiple imputation: m = {m}, {n_imputed} patient(s) with imputed covariates"
    notes = [one["note"] for one in fields]
    if any(notes):
        return row | {"note": f"{_failed_note(notes)}; {about}"}
    log_hr = [math.log(one["hr"]) for one in fields]
    pool = rubin_pool(log_hr, [one["se_log_hr"] ** 2 for one in fields], dfcom=max(row["events"] - 1, 1))
    return row | {
        "hr": math.exp(pool.estimate),
        "ci_low": math.exp(pool.ci_low),
        "ci_high": math.exp(pool.ci_high),
        "se_log_hr": pool.se,
        "p_value": pool.p_value,
        "note": about,
    }
