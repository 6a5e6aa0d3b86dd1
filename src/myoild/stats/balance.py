"""Covariate balance between treatment groups, before and after weighting.

Standardised mean difference of each covariate (each level of a categorical one), treated minus
control (Austin 2009; Austin & Stuart 2015, for weighted samples):

- continuous: ``(m1 - m0) / sqrt((s1^2 + s0^2) / 2)``;
- binary and categorical levels: ``(p1 - p0) / sqrt((p1 (1 - p1) + p0 (1 - p0)) / 2)``.

Before weighting the means and variances are the ordinary ones (``s^2`` with n - 1). After
weighting, by default (``sd_denominator="weighted"``, Austin & Stuart 2015) they are weighted:
``m = sum w x / sum w`` and ``s^2 = sum w / ((sum w)^2 - sum w^2) * sum w (x - m)^2``, and
``p`` the weighted proportion. ``sd_denominator="unweighted"`` keeps the unweighted
denominator after weighting (cobalt's default), so that only the mean difference moves. A zero
difference over a zero denominator is 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .design import design_matrix
from .columns import binary_column, column, is_binary

SD_DENOMINATORS = ("weighted", "unweighted")


def kish_ess(weights: np.ndarray, group: np.ndarray | None = None):
    """Kish's effective sample size ``(sum w)^2 / sum w^2``; with ``group`` (integer codes
    0..k-1) an array of one ESS per group."""
    if group is None:
        return float(weights.sum() ** 2 / weights.dot(weights))
    k = int(group.max()) + 1
    return np.bincount(group, weights, k) ** 2 / np.bincount(group, weights * weights, k)


def effective_sample_size(df: pd.DataFrame, treatment: str, weights: str) -> pd.DataFrame:
    """Per group (``treatment`` 1 then 0): n, sum of weights, Kish ESS and ESS / n."""
    treated = binary_column(df, treatment)
    w = column(df, weights)
    rows = []
    for level in (1, 0):
        group = w[treated == level]
        ess = kish_ess(group) if group.size else np.nan
        rows.append(
            {
                treatment: level,
                "n": group.size,
                "sum_weights": group.sum(),
                "ess": ess,
                "ess_fraction": ess / group.size if group.size else np.nan,
            }
        )
    return pd.DataFrame(rows)


def _moments(x: np.ndarray, w: np.ndarray, proportion: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted means and variances of the columns of ``x`` (``proportion``: use p (1 - p))."""
    total = w.sum()
    mean = w @ x / total
    spread = w @ (x - mean) ** 2 * (total / (total**2 - w @ w))
    return mean, np.where(proportion, mean * (1.0 - mean), spread)


def _smd(mean1: np.ndarray, mean0: np.ndarray, var1: np.ndarray, var0: np.ndarray) -> np.ndarray:
    diff = mean1 - mean0
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(diff == 0, 0.0, diff / np.sqrt((var1 + var0) / 2.0))


#: Columns of ``balance_table``.
BALANCE_COLUMNS = (
    "covariate",
    "variable",
    "level",
    "type",
    "mean_treated",
    "mean_control",
    "mean_treated_w",
    "mean_control_w",
    "smd_unweighted",
    "smd_weighted",
)


class CovariateBalance:
    """The groups' covariates of ``balance_table``, coded once, and their unweighted moments:
    ``table(weights)`` gives the balance of any weights of the same rows (one propensity model
    serves several estimands and truncations)."""

    def __init__(self, df: pd.DataFrame, treatment: str, covariates: list[str]):
        treated = binary_column(df, treatment) == 1
        if treated.all() or not treated.any():
            raise ValueError(f"{treatment!r} must have both treated (1) and control (0) rows")
        self.treated = treated
        self.design = design_matrix(df, list(covariates), all_levels=True)
        x = self.design.values
        self.proportion = np.array(
            [indicator or is_binary(values) for indicator, values in zip(self.design.categorical, x.T)]
        )
        self.groups = x[treated], x[~treated]
        self.unweighted = [_moments(part, np.ones(len(part)), self.proportion) for part in self.groups]

    def table(self, weights: np.ndarray | None = None, *, sd_denominator: str = "weighted") -> pd.DataFrame:
        """``balance_table`` of the case ``weights`` (one per row; None: unweighted)."""
        if sd_denominator not in SD_DENOMINATORS:
            raise ValueError(f"sd_denominator must be one of {SD_DENOMINATORS}")
        design, proportion = self.design, self.proportion
        kinds = np.where(design.categorical, "categorical", np.where(proportion, "binary", "continuous"))
        (m1, v1), (m0, v0) = self.unweighted
        if weights is None:
            (m1w, v1w), (m0w, v0w) = self.unweighted
        else:
            parts = weights[self.treated], weights[~self.treated]
            (m1w, v1w), (m0w, v0w) = (_moments(x, w, proportion) for x, w in zip(self.groups, parts))
        if sd_denominator == "unweighted":
            v1w, v0w = v1, v0
        table = pd.DataFrame(
            {
                "covariate": design.columns,
                "variable": design.variables,
                "level": design.levels,
                "type": kinds,
                "mean_treated": m1,
                "mean_control": m0,
                "mean_treated_w": m1w,
                "mean_control_w": m0w,
                "smd_unweighted": _smd(m1, m0, v1, v0),
                "smd_weighted": _smd(m1w, m0w, v1w, v0w),
            }
        )
        return table[list(BALANCE_COLUMNS)]


def balance_table(
    df: pd.DataFrame,
    treatment: str,
    covariates: list[str],
    weights: str | None = None,
    *,
    sd_denominator: str = "weighted",
) -> pd.DataFrame:
    """One row per covariate (per level of a categorical): unweighted and weighted means by
    group and standardised mean differences (see the module docstring). Without ``weights``
    the weighted columns repeat the unweighted ones."""
    balance = CovariateBalance(df, treatment, covariates)
    return balance.table(None if weights is None else column(df, weights), sd_denominator=sd_denominator)
