"""Random streams and exact-count allocation, the building blocks of every draw.

Every component draws from its own named stream, ``SeedSequence([seed, crc32(name)])``, so a change
in one component never shifts the numbers of another, and the same seed gives the same cohort.
Counts that the paper reports are allotted exactly (largest-remainder rounding, then a random
order) instead of drawn as Bernoulli trials, so the default cohort reproduces them.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    """The generator of component ``name`` for ``seed`` (PCG64)."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(name.encode())]))


def round_half_up(x: float) -> int:
    """Round to the nearest integer, halves up (Python's ``round`` rounds halves to even)."""
    return int(np.floor(x + 0.5))


def largest_remainder(total: int, weights) -> np.ndarray:
    """Integer counts summing to ``total``, proportional to ``weights`` (Hamilton's method).

    Each category gets the floor of its quota; the remaining units go to the largest fractional
    parts, ties to the earlier category.
    """
    weights = np.asarray(weights, dtype=float)
    quota = total * weights / weights.sum()
    counts = np.floor(quota).astype(np.int64)
    order = np.argsort(-(quota - counts), kind="stable")
    counts[order[: total - counts.sum()]] += 1
    return counts


def exact_categories(rng: np.random.Generator, n: int, weights) -> np.ndarray:
    """Category codes 0..k-1 for ``n`` units, counts by ``largest_remainder``, in random order."""
    codes = np.repeat(np.arange(len(weights)), largest_remainder(n, weights))
    return rng.permutation(codes)


def exact_flags(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    """Boolean array with exactly ``round_half_up(n * share)`` true values at random places."""
    flags = np.zeros(n, dtype=bool)
    flags[rng.permutation(n)[: round_half_up(n * share)]] = True
    return flags


def gumbel_top_k(rng: np.random.Generator, logits: np.ndarray, k: int) -> np.ndarray:
    """Boolean mask of the ``k`` units with the largest ``logit + Gumbel`` key.

    The Gumbel-top-k trick draws ``k`` units without replacement with probabilities proportional
    to ``exp(logit)`` (Kool et al. 2019, ICML), so the selected set follows the logit model while
    its size is fixed.
    """
    n = len(logits)
    chosen = np.zeros(n, dtype=bool)
    if k <= 0:
        return chosen
    if k >= n:
        chosen[:] = True
        return chosen
    keys = np.asarray(logits, dtype=float) + rng.gumbel(size=n)
    chosen[np.argpartition(-keys, k - 1)[:k]] = True
    return chosen


def allocate_with_preference(rng: np.random.Generator, counts, logits: np.ndarray) -> np.ndarray:
    """Category codes with exact ``counts`` (summing to n), favouring units by ``logits`` (n x k).

    Categories are filled in order, each by a Gumbel-top-k draw among the units still free; the
    last category takes the rest.
    """
    n, k = logits.shape
    codes = np.full(n, k - 1, dtype=np.int64)
    free = np.ones(n, dtype=bool)
    for category in range(k - 1):
        idx = np.flatnonzero(free)
        pick = idx[gumbel_top_k(rng, logits[idx, category], int(counts[category]))]
        codes[pick] = category
        free[pick] = False
    return codes


def categorical_rows(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """One category code per row of an (n x k) probability matrix (inverse-CDF draw)."""
    cumulative = np.cumsum(probabilities, axis=1)
    u = rng.random(len(probabilities))[:, None] * cumulative[:, -1:]
    return np.minimum((u >= cumulative).sum(axis=1), probabilities.shape[1] - 1)


def lognormal_median_iqr(rng: np.random.Generator, n: int, median: float, q1: float, q3: float) -> np.ndarray:
    """Log-normal draws with the given median and log-spread sigma = ln(q3/q1) / (2 * 0.6745)."""
    sigma = np.log(q3 / q1) / (2 * 0.6744897501960817)
    return median * np.exp(sigma * rng.standard_normal(n))


def uniform_days(rng: np.random.Generator, low, high, n: int) -> np.ndarray:
    """``n`` whole days uniform on [low, high] inclusive (bounds may be arrays of length n)."""
    return rng.integers(np.asarray(low, dtype=np.int64), np.asarray(high, dtype=np.int64) + 1, size=n)
