"""Bootstrap reruns of the whole IPTW procedure: resample patients, refit the propensity model and
the weights, refit the weighted Cox model; percentile confidence intervals (Efron & Tibshirani
1993, ch. 13; Austin 2016 for bootstrapping IPTW survival analyses).

Replicate ``i`` of contrast number ``c`` (``contrast_stream``: fixed by the contrast's name, so that
adding, dropping or reordering comparators leaves the other contrasts' resamples as they were) draws from ``numpy.random.SeedSequence(seed,
spawn_key=(c, i))`` alone, so its resample does not depend on how replicates are chunked or in
which order chunks run. With ``stratify="treatment"`` each treatment group is resampled to its own
size; with ``"none"`` the whole contrast is. A replicate whose fit fails (no event in a treatment
group, a propensity model that does not converge or separates the groups) is kept with its
``status`` and counted; the percentile interval uses the replicates that succeeded, unless more
than ``max_failed_fraction`` of them failed: the replicates that succeeded are then a biased subset
(e.g. the resamples without separation), and the interval is left empty with a note giving the
failure counts by reason. A contrast with no patient in one group fails every replicate
(``no_patients_in_a_group``).

A replicate is computed from how often each patient is drawn (frequency counts), on the
contrast's patients coded and sorted once: the propensity model, weights and Cox model with
counts equal their fits on the duplicated rows (``myoild.stats``), without making those rows.
The propensity model is fitted to the distinct (covariates, treatment) rows the resample draws,
each with its count (identical rows add identical terms to its sums), and each endpoint's Cox
model and RMSTs read one table of the counts and one of the weights x counts. Compared with
fitting every patient's row, the resamples, statuses and unweighted RMSTs are the same and the
log HRs and weighted RMSTs equal to rounding (about 1e-14 relative at a million patients: the
sums run in another order; more where a fit is ill-conditioned, e.g. an infinite log HR).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from myoild.contract import IMMUNOSUPPRESSANTS
from myoild.contrasts import contrast_groups, contrast_patients, parse_contrast
from myoild.design import PAPER
from myoild.stats import (
    ConvergenceWarning,
    GroupedRmst,
    TwoGroupCox,
    balancing_weights,
    design_matrix,
    evalue_hr,
    logistic_regression,
)
from myoild.stats.strata import strata_labels
from myoild.weighting import WeightingOptions

#: Each arm's restricted mean survival time to the end of the window, IPTW-weighted and not.
RMST_COLUMNS = ("rmst_treated_weighted", "rmst_control_weighted", "rmst_treated_unweighted", "rmst_control_unweighted")
CHUNK_COLUMNS = ["replicate", "contrast", "endpoint", "log_hr", "status", *RMST_COLUMNS]
SUMMARY_COLUMNS = [
    "contrast",
    "endpoint",
    "replicates",
    "hr",
    "ci_low",
    "ci_high",
    "seed",
    "replicates_failed",
    "failure_reasons",
    "note",
]
STRATA = ("treatment", "none")
#: Per-drug comparators in the order of their resampling streams: the paper's three first (streams
#: 1-3, as its contrasts were numbered), then the contract's other immunosuppressants.
STREAM_COMPARATORS = ("cyclophosphamide", "methotrexate", "azathioprine") + tuple(
    drug for drug in IMMUNOSUPPRESSANTS if drug not in ("cyclophosphamide", "methotrexate", "azathioprine")
)


def contrast_stream(contrast: str) -> int:
    """The resampling stream of a contrast: 0 for ``<treatment>_vs_conventional``, 1 + the position
    of the comparator in ``STREAM_COMPARATORS`` for ``<treatment>_vs_<drug>``, and the next number
    for the prospective contrast."""
    parsed = parse_contrast(contrast)
    if parsed.cohort == "prospective":
        return 1 + len(STREAM_COMPARATORS)
    return 0 if parsed.comparator_agent is None else 1 + STREAM_COMPARATORS.index(parsed.comparator_agent)


class Resampler:
    """The strata a contrast's patients are resampled within (``STRATA``), found once: each
    replicate then draws how often each patient is drawn (multinomial, equal probabilities; the
    treated first, then the controls, or all patients at once)."""

    def __init__(self, treated: np.ndarray, stratify: str):
        if stratify not in STRATA:
            raise ValueError(f"stratify must be one of {STRATA}, not {stratify!r}")
        groups = (treated == 1, treated == 0) if stratify == "treatment" else (np.ones(treated.size, bool),)
        self.size = treated.size
        #: each non-empty stratum's rows and their probabilities
        self.strata = [(rows, np.full(rows.size, 1.0 / rows.size)) for rows in map(np.flatnonzero, groups) if rows.size]

    def counts(self, seed: int, contrast_number: int, replicate: int) -> np.ndarray:
        """How often each patient is drawn in ``replicate`` of stream ``contrast_number``, as
        floats (whole numbers), the type the fits take."""
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(contrast_number, replicate)))
        counts = np.zeros(self.size)
        for rows, probabilities in self.strata:
            counts[rows] = rng.multinomial(rows.size, probabilities)
        return counts


def replicate_counts(treated: np.ndarray, seed: int, contrast_number: int, replicate: int, stratify: str) -> np.ndarray:
    """How often each patient is drawn in one replicate (multinomial, equal probabilities)."""
    return Resampler(treated, stratify).counts(seed, contrast_number, replicate).astype(np.int64)


def _distinct_rows(columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's number among the distinct rows of ``columns`` (numbered in order of first
    appearance) and the first row of each; by hashing, column by column (``np.unique(axis=0)``
    sorts: 4 s at a million rows of eight columns, this 0.3 s)."""
    codes = np.zeros(columns.shape[0], dtype=np.int64)
    for column in columns.T:
        values, levels = pd.factorize(column)
        codes = pd.factorize(codes * levels.size + values)[0]  # renumbered: stays below n
    # A code's first row is where the running maximum of the codes reaches it.
    first = np.flatnonzero(np.diff(np.maximum.accumulate(codes), prepend=-1))
    return codes, first


class _Contrast:
    """A contrast's arrays, coded and sorted once and reused by every replicate: a replicate
    changes only how often each patient counts (frequency counts), never the order.

    The propensity model is fitted to the contrast's distinct (covariates, treatment) rows, each
    counted as often as the resample draws its patients: identical rows add identical terms to
    every sum of the fit, so this is the fit on the patients' rows (up to the order of the
    floating-point sums), on a few times fewer rows (178,000 distinct rows among the million
    patients of the registry-scale test cohort)."""

    def __init__(
        self,
        analysis_set: pd.DataFrame,
        contrast: str,
        endpoints: list[str],
        options: WeightingOptions,
        horizon_days: int = PAPER.followup_days,
        strata: tuple[str, ...] = (),
        stratify: str = "treatment",
    ):
        patients = contrast_patients(analysis_set, contrast)
        patients = patients[~patients[list(options.covariates)].isna().any(axis=1)].reset_index(drop=True)
        self.treated = patients["treated"].to_numpy()
        self.resampler = Resampler(self.treated, stratify)
        self.endpoints = list(endpoints)
        self.both_groups = 0 < self.treated.sum() < self.treated.size
        self.outcomes = {}
        self.options = options
        if not self.both_groups:
            return
        design = design_matrix(patients, list(options.covariates)).values
        #: each patient's distinct (covariates, treatment) row, and those rows
        self.distinct, first = _distinct_rows(np.column_stack((design, self.treated)))
        self.distinct_design, self.distinct_treated = design.take(first, axis=0), self.treated.take(first)
        labels = strata_labels(patients, list(strata)) if strata else None  # as the main analysis
        for endpoint in endpoints:
            time = patients[f"{endpoint}_time_days"].to_numpy(float)
            event = patients[f"{endpoint}_event"].to_numpy(float)
            rmst = GroupedRmst(time, event, horizon_days, self.treated)  # levels 0 (control), 1 (treated)
            self.outcomes[endpoint] = (TwoGroupCox(time, event, self.treated, strata=labels), rmst)


def _propensity_weights(data: _Contrast, counts: np.ndarray) -> tuple[np.ndarray | None, str]:
    """The resample's weights, or None with the reason the propensity model failed. The model and
    the weights are those of the distinct rows the resample draws, each with its count; a patient
    not drawn weighs 0 (it counts 0 times: the fits leave it out)."""
    count = np.bincount(data.distinct, counts, data.distinct_treated.size)
    drawn = np.flatnonzero(count)
    count, treated = count.take(drawn), data.distinct_treated.take(drawn)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        try:
            fit = logistic_regression(data.distinct_design.take(drawn, axis=0), treated, counts=count)
        except ConvergenceWarning as warning:
            return None, "propensity_separation" if "separation" in str(warning) else "propensity_not_converged"
    options = data.options
    weight = np.zeros(data.distinct_treated.size)
    weight[drawn] = balancing_weights(
        fit.fitted, treated, options.estimand, options.stabilized, options.truncate_percentiles, counts=count
    )
    return weight.take(data.distinct), "ok"


def _replicate(data: _Contrast, counts: np.ndarray, ties: str) -> dict[str, tuple]:
    """The procedure refitted on the resample: each fit takes the counts as frequency counts,
    which gives exactly the fit on the duplicated rows (logistic_regression, fit_cox). Per
    endpoint: (log HR, status, *RMST_COLUMNS); the unweighted RMST needs no propensity model.
    An endpoint's Cox model and RMSTs share its tables of the counts and of the weights x counts
    (``TwoGroupCox.tabulate``): two ``bincount`` over the patients."""
    if not data.both_groups:
        return {endpoint: (np.nan, "no_patients_in_a_group", *[np.nan] * 4) for endpoint in data.endpoints}
    weight, status = _propensity_weights(data, counts)
    weighted = None if weight is None else weight * counts
    results = {}
    for endpoint, (model, rmst) in data.outcomes.items():
        rows = model.tabulate(counts)  # rows 1 and 3: the control and the treated deaths
        control, treated = rmst.rmst_of_table(model.by_time(rows))
        log_hr, outcome, arms = np.nan, status, (np.nan, np.nan)
        if weighted is not None:
            totals = model.tabulate(weighted)
            arms = rmst.rmst_of_table(model.by_time(totals))[::-1]
            if not (rows[1].any() and rows[3].any()):
                outcome = "no_event_in_a_group"
            else:
                cox = model.fit_tables(totals, rows, ties=ties)
                log_hr, outcome = (float(cox.coef[0]), "ok") if cox.converged else (np.nan, "cox_not_converged")
        results[endpoint] = (log_hr, outcome, *arms, treated, control)
    return results


def bootstrap_chunk(
    analysis_set: pd.DataFrame,
    contrasts: list[str],
    endpoints: list[str],
    options: WeightingOptions,
    *,
    replicates: range,
    seed: int,
    stratify: str = "treatment",
    ties: str = "efron",
    horizon_days: int = PAPER.followup_days,
    strata: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Log hazard ratios of the IPTW Cox model (stratified by ``strata`` as the main analysis) and
    each arm's RMST to ``horizon_days`` for each replicate in ``replicates``, each contrast and
    endpoint (``CHUNK_COLUMNS``)."""
    rows = []
    for contrast in contrasts:
        data = _Contrast(analysis_set, contrast, endpoints, options, horizon_days, strata, stratify)
        number = contrast_stream(contrast)
        for replicate in replicates:
            counts = data.resampler.counts(seed, number, replicate)
            for endpoint, values in _replicate(data, counts, ties).items():
                rows.append((replicate, contrast, endpoint, *values))
    return pd.DataFrame(rows, columns=CHUNK_COLUMNS)


def bootstrap_summary(
    chunks: pd.DataFrame,
    models: pd.DataFrame,
    seed: int,
    conf_level: float = 0.95,
    max_failed_fraction: float = 0.05,
) -> pd.DataFrame:
    """``tables/bootstrap.tsv``: per contrast and endpoint, the IPTW hazard ratio of the data and
    the percentile interval of the replicates' hazard ratios (R ``quantile`` type 7), with the
    number of replicates that failed and why; no interval, and a note, when more than
    ``max_failed_fraction`` of the replicates failed."""
    point = models[models["model"] == "cox_iptw"].set_index(["contrast", "endpoint"])["hr"]
    tail = (1 - conf_level) / 2
    rows = []
    for (contrast, endpoint), block in chunks.groupby(["contrast", "endpoint"], sort=False):
        ok = block.loc[block["status"] == "ok", "log_hr"].to_numpy()
        failures = block.loc[block["status"] != "ok", "status"].value_counts().sort_index()
        reasons = " ".join(f"{reason}={n}" for reason, n in failures.items())
        failed = len(block) - ok.size
        note = ""
        if failed > max_failed_fraction * len(block) or not ok.size:
            low = high = np.nan
            note = (
                f"not estimable: {failed} of {len(block)} replicates failed ({reasons}), more than "
                f"{max_failed_fraction:g}; the replicates that succeeded are a biased subset"
            )
        else:
            low, high = np.quantile(np.exp(ok), [tail, 1 - tail])
        rows.append(
            {
                "contrast": contrast,
                "endpoint": endpoint,
                "replicates": int(len(block)),
                "hr": point.get((contrast, endpoint), np.nan),
                "ci_low": low,
                "ci_high": high,
                "seed": seed,
                "replicates_failed": int(failed),
                "failure_reasons": reasons,
                "note": note,
            }
        )
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def _replicate_rmst(block: pd.DataFrame, weighted: bool) -> dict[str, np.ndarray]:
    """The replicates' RMST per arm and their difference (``treated``, ``control``, ``difference``)."""
    kind = "weighted" if weighted else "unweighted"
    treated = block[f"rmst_treated_{kind}"].to_numpy(float)
    control = block[f"rmst_control_{kind}"].to_numpy(float)
    return {"treated": treated, "control": control, "difference": treated - control}


def with_rmst_intervals(
    absolute: pd.DataFrame, chunks: pd.DataFrame, conf_level: float = 0.95, max_failed_fraction: float = 0.05
) -> pd.DataFrame:
    """``tables/absolute_effects.tsv``: the RMST rows get the bootstrap standard error (SD of the
    replicates, ddof 1) and percentile interval (R ``quantile`` type 7) of each arm's RMST and of
    the difference, IPTW-weighted rows from the replicates' refitted weights; left empty when the
    bootstrap did not run or more than ``max_failed_fraction`` of the replicates have no value."""
    out = absolute.copy()
    tail = (1 - conf_level) / 2
    for (contrast, endpoint), block in chunks.groupby(["contrast", "endpoint"], sort=False):
        treated_arm, control_arm = contrast_groups(contrast)
        roles = {treated_arm: "treated", control_arm: "control", "difference": "difference"}
        for weighted in (True, False):
            values = _replicate_rmst(block, weighted)
            rows = (
                (out["contrast"] == contrast)
                & (out["endpoint"] == endpoint)
                & (out["measure"] == "rmst")
                & (out["weighted"].astype(bool) == weighted)
            )
            for index in out.index[rows]:
                replicates = values[roles[out.at[index, "group"]]]
                ok = replicates[np.isfinite(replicates)]
                if ok.size < 2 or replicates.size - ok.size > max_failed_fraction * replicates.size:
                    continue
                out.loc[index, ["se", "ci_low", "ci_high"]] = [ok.std(ddof=1), *np.quantile(ok, [tail, 1 - tail])]
    return out


def _evalue_of_interval(row: pd.Series, interval: pd.Series) -> float:
    """The E-value of the bootstrap interval's limit nearest 1 (empty without an interval)."""
    if pd.isna(row.get("hr")) or pd.isna(interval["ci_low"]) or pd.isna(row.get("outcome_rare")):
        return np.nan
    return evalue_hr(row["hr"], interval["ci_low"], interval["ci_high"], bool(row["outcome_rare"])).ci


def with_bootstrap_rows(models: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """``tables/survival_models.tsv``: the analytic rows, each ``cox_iptw`` row followed by its
    ``bootstrap_percentile`` twin (same estimate, bootstrap interval; SE and p left empty; the
    bootstrap's note, if any, else the analytic row's)."""
    intervals = summary.set_index(["contrast", "endpoint"])
    out = []
    for _, row in models.iterrows():
        out.append(row.to_dict())
        key = (row["contrast"], row["endpoint"])
        if row["model"] == "cox_iptw" and key in intervals.index:
            out.append(
                {
                    **row.to_dict(),
                    "ci_low": intervals.at[key, "ci_low"],
                    "ci_high": intervals.at[key, "ci_high"],
                    "se_log_hr": np.nan,
                    "p_value": np.nan,
                    "ci_method": "bootstrap_percentile",
                    "logrank_p": np.nan,
                    "note": intervals.at[key, "note"] or row["note"],  # "" when the bootstrap has none
                    "e_value_ci": _evalue_of_interval(row, intervals.loc[key]),
                }
            )
    return pd.DataFrame(out, columns=models.columns)
