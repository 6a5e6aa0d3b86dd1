"""Covariate coding shared by the propensity model and the balance table.

R's ``model.matrix`` rule: a numeric covariate enters as itself, a boolean as 0/1, a categorical
one (text or pandas ``category``) as one 0/1 indicator per level named ``name=level``; the
propensity model drops the first level (the reference: first in sorted order, or the category
order of a pandas ``Categorical``), the balance table keeps every level. Missing values are an
error: R would silently drop the row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .columns import as_float, column_values


@dataclass(frozen=True)
class Design:
    """Coded covariates: one column of ``values`` per entry of ``columns``."""

    values: np.ndarray  # n x k, float64
    columns: list[str]  # "age", "sex=M", ...
    variables: list[str]  # the covariate each column comes from
    levels: list[str | None]  # the level of a categorical indicator, else None
    categorical: list[bool]  # whether the column is an indicator of a categorical level


def _indicators(values, name: str, first: int) -> tuple[np.ndarray, list]:
    """0/1 indicators (bool, n x levels) of a categorical column's levels from number ``first``
    on, and all its levels: sorted, or in category order for a pandas Categorical. A missing
    value is an error."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes, uniques = pd.factorize(values, sort=True)
        if codes.size and codes.min() < 0:
            raise ValueError(f"covariate {name!r} has missing values; drop or impute them first")
        levels = list(uniques)
        return codes[:, None] == np.arange(first, len(levels)), levels
    # A few levels: a set finds them and one comparison per level codes them, without pandas'
    # call overhead (about as fast as factorize on a million rows, three times faster on 250).
    values = np.asarray(values, dtype=object)
    found = set(values.tolist())
    if any(pd.isna(level) for level in found):
        raise ValueError(f"covariate {name!r} has missing values; drop or impute them first")
    levels = sorted(found)
    indicators = np.empty((values.size, len(levels) - first), dtype=bool)
    for j, level in enumerate(levels[first:]):
        np.equal(values, level, out=indicators[:, j])
    return indicators, levels


def design_matrix(df: pd.DataFrame, covariates: list[str], *, all_levels: bool = False) -> Design:
    """Code ``covariates`` of ``df``; categorical ones as indicators (``all_levels``: keep the
    reference level too)."""
    blocks, columns, variables, levels, categorical = [], [], [], [], []
    first = 0 if all_levels else 1
    for name in covariates:
        values = column_values(df, name)
        if values.dtype.kind in "biuf":  # numbers and booleans, numpy or nullable
            blocks.append(as_float(values, name)[:, None])
            columns.append(name)
            variables.append(name)
            levels.append(None)
            categorical.append(False)
            continue
        indicators, uniques = _indicators(values, name, first)
        blocks.append(indicators)
        for level in uniques[first:]:
            columns.append(f"{name}={level}")
            variables.append(name)
            levels.append(str(level))
            categorical.append(True)
    if blocks:
        values = np.concatenate(blocks, axis=1, dtype=float)
    else:
        values = np.empty((len(df), 0))
    return Design(values, columns, variables, levels, categorical)
