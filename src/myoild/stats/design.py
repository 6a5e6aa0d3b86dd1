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


def _levels(values) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (-1: missing) and the sorted levels of a categorical column; a pandas
    Categorical keeps its category order."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes, uniques = pd.factorize(values, sort=True)
        return codes, np.asarray(uniques)
    # Hashing first and sorting only the few levels is faster than factorize(sort=True).
    codes, uniques = pd.factorize(np.asarray(values, dtype=object))
    order = np.argsort(uniques, kind="stable")
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size)
    return np.where(codes < 0, -1, rank[codes]), uniques[order]


def design_matrix(df: pd.DataFrame, covariates: list[str], *, all_levels: bool = False) -> Design:
    """Code ``covariates`` of ``df``; categorical ones as indicators (``all_levels``: keep the
    reference level too)."""
    blocks, columns, variables, levels, categorical = [], [], [], [], []
    for name in covariates:
        values = column_values(df, name)
        if values.dtype.kind in "biuf":  # numbers and booleans, numpy or nullable
            blocks.append(as_float(values, name)[:, None])
            columns.append(name)
            variables.append(name)
            levels.append(None)
            categorical.append(False)
            continue
        codes, uniques = _levels(values)
        if (codes < 0).any():
            raise ValueError(f"covariate {name!r} has missing values; drop or impute them first")
        first = 0 if all_levels else 1
        blocks.append(codes[:, None] == np.arange(first, len(uniques)))
        for level in uniques[first:]:
            columns.append(f"{name}={level}")
            variables.append(name)
            levels.append(str(level))
            categorical.append(True)
    values = np.hstack(blocks).astype(float) if blocks else np.empty((len(df), 0))
    return Design(values, columns, variables, levels, categorical)
