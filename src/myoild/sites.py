"""Leave one site out: a contrast's IPTW Cox analysis rerun without each centre in turn.

For a cohort from several centres (column ``site`` of the analysis set): for each site among the
contrast's patients, the patients of every other site; the contrast's propensity model refitted
on them and their weights taken from the refit (``myoild.weighting.contrast_weights`` with the
study's propensity options), then the weighted Cox model with robust variance, stratified as the
main analysis, R ``coxph(Surv(t, e) ~ treated + strata(site), weights = w, robust = TRUE,
ties = ties)`` (``myoild.cox_rows.cox_fields``). An estimate that moves much when one site is
left out rests on that site (a jackknife-style influence check; e.g. the leave-one-study-out
analysis of meta-analyses, Viechtbauer & Cheung 2010).

``n`` counts the patients modelled (those with every covariate of the propensity model). A row
without an estimate has no hazard ratio or CI and says why in ``note``:

- ``not estimable: no patients in <arm>``: the site held every patient of an arm;
- ``not estimable: the propensity model separates the groups ...`` (``myoild.sensitivity``);
- the Cox model's reasons (``myoild.cox_rows``), e.g. ``no events in <arm>`` when the site held
  every event of an arm.
"""

from __future__ import annotations

import math

import pandas as pd

from myoild.contrasts import contrast_patients
from myoild.cox_rows import endpoint_fields
from myoild.sensitivity import cell_weights, modelled_count
from myoild.survival import analysis_data
from myoild.weighting import WeightingOptions

SITE = "site"
COLUMNS = ["contrast", "endpoint", "site_left_out", "n", "hr", "ci_low", "ci_high", "note"]
ESTIMATES = ("hr", "ci_low", "ci_high")


def _row(kept: pd.DataFrame, contrast: str, endpoint: str, refit, strata: list[str] | None, ties: str) -> dict:
    """``n``, the estimates and the note of one endpoint without one site: ``kept`` holds the
    other sites' patients, ``refit`` their ``cell_weights``."""
    fitted, note = refit
    if note:
        return {"n": modelled_count(fitted), "note": note} | dict.fromkeys(ESTIMATES, math.nan)
    data = analysis_data(kept, contrast, fitted.weights)
    fields = endpoint_fields(data, contrast, endpoint, "weight", ties, strata)
    return {"n": modelled_count(fitted), "note": fields["note"]} | {name: fields[name] for name in ESTIMATES}


def leave_one_site_out(
    analysis_set: pd.DataFrame,
    contrast: str,
    endpoints: list[str],
    options: WeightingOptions,
    strata: list[str] | None,
    ties: str,
) -> pd.DataFrame:
    """Rows of ``tables/leave_one_site_out.tsv`` (``COLUMNS``), one per endpoint and site left
    out, endpoints in the order given and sites in sorted order (module docstring). ``strata``
    (columns, e.g. ``["site"]``; None or empty: none) stratifies the Cox models as the main
    analysis; ``options`` are the propensity model's."""
    if SITE not in analysis_set.columns:
        raise KeyError(f"the analysis set has no {SITE!r} column")
    sites = sorted(contrast_patients(analysis_set, contrast)[SITE].unique())
    kept = {site: analysis_set[analysis_set[SITE] != site] for site in sites}
    refits = {site: cell_weights(kept[site], contrast, options) for site in sites}
    rows = [
        {"contrast": contrast, "endpoint": endpoint, "site_left_out": site}
        | _row(kept[site], contrast, endpoint, refits[site], strata or None, ties)
        for endpoint in endpoints
        for site in sites
    ]
    return pd.DataFrame(rows, columns=COLUMNS)
