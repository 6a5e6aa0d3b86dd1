"""The ``hrct_reads`` table: two readers grade 5 lobes x 4 features at baseline and 12 months.

Per patient a total severity T ~ Gamma with Table 2's total mean and variance sd^2 - 10/3 (the
variance the stochastic rounding of 20 cells adds), split into feature shares
s ~ Dirichlet(5 x mean feature score / mean total) (features compete for the same lung, which
gives Table 2's total SD together with its feature SDs). Lobe extent x = T s / 5 x lobe weight
(basal lobes more); reader 1's grade is x rounded stochastically (floor + Bernoulli(fraction),
which keeps the mean) and capped at 4; reader 2's grade differs by d = 0, +-1 or +-2
(``READER_DIFFERENCE``) where first +- d both lie in 0-4 (else they agree), which keeps the
readers' mean unbiased. At 12 months x moves by change/5 x lobe weight +
N(0, 0.25^2) per lobe, floored at 0, with the arm's ``HRCT_CHANGE``. Baseline exams are on the
baseline visit date for every prospective patient; the 12-month exam on the m12 visit (else the
last contact) for analysed survivors only (Results: those who died were not analysed; withdrawn
patients have no 12-month scan).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from myoild.synth import params as P
from myoild.synth.frames import to_dates

LOBES = tuple(P.LOBE_WEIGHTS)
FEATURES = tuple(P.HRCT_FEATURE_MEANS)
ROUNDING_VARIANCE = 20 / 6  # 20 cells x E[f(1 - f)] = 1/6 for a uniform fraction f


def build_hrct_reads(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Reads of both exams of every patient in ``frame`` (the prospective cohort)."""
    n = len(frame)
    arm = frame["arm"].to_numpy()
    lobe_weight = np.array([P.LOBE_WEIGHTS[lobe] for lobe in LOBES])
    feature_score = np.zeros((n, len(FEATURES)))
    change = np.zeros((n, len(FEATURES)))
    for group, (mean, sd) in P.HRCT_TOTAL.items():
        members = arm == group
        variance = max(sd**2 - ROUNDING_VARIANCE, 1.0)
        total = rng.gamma(mean**2 / variance, variance / mean, size=int(members.sum()))
        shares = np.array([P.HRCT_FEATURE_MEANS[f][group] for f in FEATURES])
        feature_score[members] = total[:, None] * rng.dirichlet(
            P.HRCT_SHARE_CONCENTRATION * shares / shares.sum(), size=len(total)
        )
        change[members] = [P.HRCT_CHANGE[f][group] for f in FEATURES]
    extent = feature_score[:, None, :] / len(LOBES) * lobe_weight[None, :, None]  # patient x lobe x feature
    followed = extent + change[:, None, :] / len(LOBES) * lobe_weight[None, :, None]
    followed = followed + rng.normal(0, P.HRCT_CHANGE_LOBE_SD, extent.shape)

    m12 = frame["included"].to_numpy() & ~frame["death_recorded"].to_numpy()
    end_day = frame["end_day"].to_numpy()
    m12_day = np.where(
        frame["m12_missed"].to_numpy() | (frame["m12_day"].to_numpy() > end_day), end_day, frame["m12_day"].to_numpy()
    )
    pid = np.r_[np.arange(n), np.flatnonzero(m12)]
    timepoint = np.r_[np.zeros(n, dtype=np.int64), np.ones(int(m12.sum()), dtype=np.int64)]
    exam_day = np.r_[-frame["baseline_offset"].to_numpy(), m12_day[m12]]
    latent = np.concatenate([extent, np.maximum(followed[m12], 0.0)])
    order = np.lexsort((timepoint, pid))
    pid, timepoint, exam_day, latent = pid[order], timepoint[order], exam_day[order], latent[order]

    first = np.minimum(np.floor(latent) + (rng.random(latent.shape) < latent - np.floor(latent)), 4)
    differences = np.array(list(P.READER_DIFFERENCE))
    difference = differences[rng.choice(len(differences), size=latent.shape, p=list(P.READER_DIFFERENCE.values()))]
    # Only where both first + d and first - d are valid grades, so the readers' mean stays unbiased.
    second = np.where((first - np.abs(difference) >= 0) & (first + np.abs(difference) <= 4), first + difference, first)
    grades = np.stack([first, second], axis=1).astype(np.int64)  # exam x reader x lobe x feature

    shape = grades.shape
    return pd.DataFrame(
        {
            "patient_id": _cells(frame["patient_id"].to_numpy(dtype=object)[pid], 0, shape),
            "timepoint": _cells(np.array(["baseline", "m12"], dtype=object)[timepoint], 0, shape),
            "exam_date": to_dates(_cells(frame["index_day"].to_numpy()[pid] + exam_day, 0, shape)),
            "reader": _cells(np.array(P.HRCT_READERS, dtype=object), 1, shape),
            "lobe": _cells(np.array(LOBES, dtype=object), 2, shape),
            "feature": _cells(np.array(FEATURES, dtype=object), 3, shape),
            "grade": pd.array(grades.ravel(), dtype="Int64"),
        },
        copy=False,
    )


def _cells(values: np.ndarray, axis: int, shape: tuple[int, ...]) -> np.ndarray:
    """``values`` along ``axis`` of the exam x reader x lobe x feature grid, one per row (C order)."""
    index = [None] * len(shape)
    index[axis] = slice(None)
    return np.broadcast_to(values[tuple(index)], shape).ravel()
