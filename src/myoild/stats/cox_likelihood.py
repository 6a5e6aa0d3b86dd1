"""The weighted Cox partial likelihood of ``fit_cox``, evaluated per beta: two engines.

Both follow R survival 3.5 (``coxfit6.c`` for the likelihood, ``coxscore2.c`` for the score
residuals); see ``myoild.stats.cox`` for the method. Rows carry a case weight ``w`` and a
frequency count ``c`` (row i stands for c_i identical rows; 1 by default): risk sets and deaths
are weighted by ``c w``, the number of deaths at a time counts rows (``sum c``, so Efron's
``k/d`` steps are those of the duplicated data), and each duplicate is its own cluster in the
sandwich.

- ``RowLikelihood``: any covariates; per-time sums of ``risk * [1, x, x_j x_k]`` from one
  ``bincount`` over a flattened (time, column) table, O(n) per Newton step.
- ``TwoGroupLikelihood``: one 0/1 covariate. Every sum the fit needs is then a function of
  per-(time, group) totals, so rows are tabulated once into cells (distinct time, group, status)
  and a Newton step costs O(number of deaths) on scalars; rows sharing a cell share their score
  residual, so the sandwich is a sum over cells too.

Stratified (R ``strata()``), both engines take the distinct (stratum, time) pairs for their
distinct times (``myoild.stats.strata``): every sum over a time stays as it is, and only the
cumulative sums over times, the risk sets and the score residuals' hazards, restart in each
stratum (``Blocks``); without strata they run as before.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .strata import Blocks
from .survdata import SurvivalData


class Terms(NamedTuple):
    """The partial likelihood's terms (see ``efron_terms``)."""

    time: np.ndarray  # each term's distinct-time index, ascending
    frac: np.ndarray  # each term's k/d (Efron) or 0 (Breslow)
    per_time: np.ndarray  # per distinct time, the divisor of its death weight (d or 1; never 0)
    event_times: np.ndarray  # the distinct-time indices with deaths
    starts: np.ndarray  # per event time, its first term


def efron_terms(n_dead: np.ndarray, ties: str) -> Terms:
    """The partial likelihood's terms, from the number of deaths per distinct time.

    Efron: the k-th of the d deaths at a time is a term with ``frac = k/d``, k = 0..d-1, each
    carrying the deaths' mean weight. Breslow's d terms at a time are equal, so they are kept as
    one term (``frac = 0``) carrying the deaths' total weight.
    """
    event_times = np.flatnonzero(n_dead)
    if ties == "breslow":
        every = np.arange(event_times.size)
        return Terms(
            event_times, np.zeros(event_times.size), np.ones(n_dead.size), event_times, every
        )
    deaths = n_dead.take(event_times)
    repeats = deaths.astype(np.int64)
    starts = np.cumsum(repeats) - repeats
    frac = (np.arange(starts[-1] + repeats[-1]) - np.repeat(starts, repeats)) / np.repeat(
        deaths, repeats
    )
    return Terms(
        np.repeat(event_times, repeats), frac, np.maximum(n_dead, 1.0), event_times, starts
    )


class RowState(NamedTuple):  # a tuple: built four or more times a fit, cheaper than a dataclass
    """The partial likelihood at one beta, with its per-term quantities."""

    beta: np.ndarray
    loglik: float
    score: np.ndarray  # U, length p
    information: np.ndarray  # p x p
    eta: np.ndarray  # linear predictor of the sorted rows
    hazard: np.ndarray  # per term: its death weight / its (Efron) risk-set sum
    mean: np.ndarray  # per term, p columns: weighted covariate mean of the Efron risk set


def _pairs(p: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lower-triangle pairs (j, k) of a p x p matrix and the pair number of each entry."""
    pair_j, pair_k = np.tril_indices(p)
    square = np.empty((p, p), dtype=np.int64)
    square[pair_j, pair_k] = square[pair_k, pair_j] = np.arange(pair_j.size)
    return pair_j, pair_k, square


def collapse(values: np.ndarray, cluster: np.ndarray) -> np.ndarray:
    """Sum the rows of ``values`` within clusters (R's ``rowsum(x, cluster)``)."""
    n_clusters = int(cluster.max()) + 1
    width = values.shape[1]
    cells = (cluster[:, None] * width + np.arange(width)).ravel()
    return np.bincount(cells, values.ravel(), n_clusters * width).reshape(n_clusters, width)


class RowLikelihood:
    """The partial likelihood of sorted rows with covariates ``x`` (n x p, sorted as ``data``),
    case weights ``data.weight`` and frequency ``count`` (sorted; None: all 1). Stratified,
    ``data`` is sorted by (stratum, time) and its ``time_index`` numbers the (stratum, time)
    columns, whose strata are ``strata`` (``myoild.stats.strata.stratified_data``)."""

    def __init__(
        self,
        data: SurvivalData,
        x: np.ndarray,
        ties: str,
        count: np.ndarray | None,
        strata: Blocks | None = None,
    ):
        self.data, self.count, self.strata = data, count, strata
        # The risk-set table runs down the columns in reverse, so its strata are reversed too.
        self.descending = None if strata is None else strata.reversed()
        n, p = x.shape
        self.p = p
        risk_weight = data.weight if count is None else data.weight * count
        self.risk_weight = risk_weight
        # Centre on the weighted means, as coxfit6 does: nothing changes but exp() stays tame.
        self.x = x - risk_weight.dot(x) / risk_weight.sum()
        self.pair_j, self.pair_k, self.square = _pairs(p)
        basis = np.empty((n, 1 + p + self.pair_j.size))
        basis[:, 0] = 1.0
        basis[:, 1 : p + 1] = self.x
        basis[:, p + 1 :] = self.x.take(self.pair_j, axis=1) * self.x.take(self.pair_k, axis=1)
        self.basis = basis
        self.buffer = np.empty_like(basis)  # reused: fresh large arrays cost page faults
        width = self.width = basis.shape[1]
        # The table's times run in *descending* order, so that a plain cumulative sum down it
        # gives the risk-set sums.
        n_times = data.n_times
        self.cells = ((n_times - 1 - data.time_index)[:, None] * width + np.arange(width)).ravel()
        dead = np.flatnonzero(data.event)
        self.dead_flat = (dead[:, None] * width + np.arange(width)).ravel()
        self.dead_cells = self.cells.take(self.dead_flat)
        self.size = n_times * width

        dead_count = data.event if count is None else data.event * count
        term_time, frac, terms_per_time, _, _ = efron_terms(data.per_time(dead_count), ties)
        self.term_time = term_time
        self.term_row = n_times - 1 - term_time
        self.frac = frac[:, None]
        self.dead_weight = risk_weight * data.event
        self.term_weight = (data.per_time(self.dead_weight) / terms_per_time).take(term_time)
        self.dead_x = self.dead_weight.dot(self.x)
        self.n = float(n if count is None else count.sum())
        self.events = float(dead_count.sum())
        self.zero = np.zeros(p)
        # For the score residuals: a death's share of its time's terms' means.
        self.dead_column = data.event[:, None]
        self.dead_share = (data.event / terms_per_time.take(data.time_index))[:, None]
        residual_width = 3 * p + 2
        self.term_cells = (term_time[:, None] * residual_width + np.arange(residual_width)).ravel()

    # The hot loops use ndarray.take and .dot: on a few hundred rows they cost a third of
    # fancy indexing and the @ operator.

    def evaluate(self, beta: np.ndarray) -> RowState:
        """Log partial likelihood, score and information at ``beta`` (coxfit6_iter)."""
        p, width, rows = self.p, self.width, self.term_row
        eta = self.x.dot(beta)
        weighted = np.multiply(
            self.basis, (self.risk_weight * np.exp(eta))[:, None], out=self.buffer
        ).ravel()
        table = np.bincount(self.cells, weighted, self.size).reshape(-1, width)
        risk_sets = table.cumsum(0) if self.descending is None else self.descending.cumsum(table)
        dying = np.bincount(self.dead_cells, weighted.take(self.dead_flat), self.size)
        sums = risk_sets.take(rows, axis=0) - self.frac * dying.reshape(-1, width).take(
            rows, axis=0
        )
        s0 = sums[:, 0]
        s1 = sums[:, 1 : p + 1]
        hazard = self.term_weight / s0
        mean = s1 / s0[:, None]
        loglik = float(self.dead_weight.dot(eta) - self.term_weight.dot(np.log(s0)))
        score = self.dead_x - hazard.dot(s1)
        pairs = hazard.dot(sums[:, p + 1 :]) - self.term_weight.dot(
            mean.take(self.pair_j, axis=1) * mean.take(self.pair_k, axis=1)
        )
        return RowState(beta, loglik, score, pairs.take(self.square), eta, hazard, mean)

    def score_residuals(self, state: RowState) -> np.ndarray:
        """Unweighted score residuals of the sorted rows, as coxscore2.c (Efron or Breslow).

        Row i at risk at an event time gets ``-exp(eta_i) * sum_k hazard_k (x_i - mean_k)`` over
        that time's terms; a death there gets ``x_i - mean(mean_k)`` instead, and its share of
        the k-th term is scaled by ``1 - k/d`` (it leaves the Efron risk set gradually).
        """
        p, g = self.p, self.data.time_index
        hazard = state.hazard[:, None]
        leaving = hazard * self.frac  # the part of a term a death there does not carry
        terms = np.concatenate(
            (hazard, hazard * state.mean, leaving, leaving * state.mean, state.mean), axis=1
        )
        width = 3 * p + 2
        per_time = np.bincount(self.term_cells, terms.ravel(), self.data.n_times * width)
        per_time = per_time.reshape(-1, width)
        # Columns, summed over each time's terms: hazard and hazard * mean, the same for the
        # part a death does not carry, and the Efron means; then each row's time picked out.
        hazards = per_time[:, : p + 1]
        cumulative = hazards.cumsum(0) if self.strata is None else self.strata.cumsum(hazards)
        cumulative = cumulative.take(g, axis=0)
        own_time = per_time.take(g, axis=0)
        at_risk = cumulative - self.dead_column * own_time[:, p + 1 : 2 * p + 2]
        own = self.dead_column * self.x - self.dead_share * own_time[:, 2 * p + 2 :]
        return own - np.exp(state.eta)[:, None] * (self.x * at_risk[:, :1] - at_risk[:, 1:])

    def residual_sums(self, state: RowState, cluster: np.ndarray | None):
        """``(U, S)``: the sum of the weighted score residuals ``w_i r_i`` over all (duplicated)
        rows, and their crossproduct summed within clusters (each duplicate its own cluster when
        ``cluster`` is None; ``cluster``: codes of the sorted rows)."""
        weighted = self.data.weight[:, None] * self.score_residuals(state)
        counted = weighted if self.count is None else weighted * self.count[:, None]
        if cluster is None:
            return counted.sum(axis=0), weighted.T.dot(counted)
        summed = collapse(counted, cluster)
        return summed.sum(axis=0), summed.T.dot(summed)


class TwoGroupState(NamedTuple):
    """The two-group partial likelihood at one beta (scalars), with its per-term quantities."""

    beta: float
    loglik: float
    score: float
    information: float
    risk: np.ndarray  # per term: the (Efron) risk-set sum s0
    mean: np.ndarray  # per term: the share of s0 in group 1


class TwoGroupLikelihood:
    """The partial likelihood of one 0/1 covariate from cell totals.

    ``totals`` holds, per cell (group g, status e; distinct time), the sum of ``c w``, in rows
    ``2 g + e``; ``n_dead`` the number of deaths per distinct time (sum of ``c``); ``n`` the
    number of rows (sum of ``c``). Stratified, the distinct times are the (stratum, time)
    columns and ``strata`` their blocks (``myoild.stats.strata``). With ``A_g``
    the risk-set sum and ``D_g`` the deaths' weight of group g at a time, an Efron term of frac
    f has risk ``s0 = a_0 + e^b a_1`` with ``a_g = A_g - f D_g``, group-1 share
    ``m = e^b a_1 / s0``, and contributes ``-t log s0`` to the log likelihood, ``-t m`` to the
    score and ``t m (1 - m)`` to the information (``t``: the term's death weight).
    """

    def __init__(
        self,
        totals: np.ndarray,
        n_dead: np.ndarray,
        ties: str,
        n: float,
        strata: Blocks | None = None,
    ):
        self.n, self.events, self.strata = n, n_dead.sum(), strata
        dying = totals[1::2]  # group x time
        at_time = totals[::2] + dying  # group x time: the rows whose time it is
        if strata is None:
            at_risk = at_time[:, ::-1].cumsum(axis=1)[:, ::-1]
        else:
            at_risk = strata.reverse_cumsum(at_time, axis=1)
        terms = efron_terms(n_dead, ties)
        term_time, frac, terms_per_time, self.event_times, self.term_starts = terms
        self.frac, self.terms_per_time = frac, terms_per_time
        self.efron = ties == "efron"
        self.n_times = n_dead.size
        self.risk_0, self.risk_1 = at_risk.take(term_time, axis=1) - frac * dying.take(
            term_time, axis=1
        )
        self.term_weight = ((dying[0] + dying[1]) / terms_per_time).take(term_time)
        self.dead_x = float(dying[1].sum())
        self.zero = 0.0

    def evaluate(self, beta: float) -> TwoGroupState:
        """Log partial likelihood, score and information at ``beta``."""
        try:
            relative = math.exp(beta)
        except OverflowError:  # a step far out: not finite, so the Newton loop halves it
            return TwoGroupState(beta, -math.inf, math.nan, math.nan, self.risk_0, self.risk_0)
        weight = self.term_weight
        s1 = relative * self.risk_1
        s0 = self.risk_0 + s1
        mean = s1 / s0
        loglik = beta * self.dead_x - float(weight.dot(np.log(s0)))
        score = self.dead_x - float(weight.dot(mean))
        information = float(weight.dot(mean - mean * mean))
        return TwoGroupState(beta, loglik, score, information, s0, mean)

    def cell_residuals(self, *states: TwoGroupState) -> np.ndarray:
        """The score residual of a row in each cell at each state: states x cells (cells in
        the order of ``totals``, flattened), as coxscore2.c.

        With, up to each time, the cumulative hazard ``H = sum t/s0`` and ``HM = sum m t/s0``,
        and at the time itself the parts a death there does not carry (``L = sum f t/s0``,
        ``LM = sum f m t/s0``) and the mean of the terms' ``m`` (``M``): a censored row gets
        ``HM`` (group 0) or ``-e^b (H - HM)`` (group 1); a death ``HM - LM - M`` or
        ``1 - M - e^b ((H - L) - (HM - LM))``.
        """
        k = len(states)
        terms = np.empty((5, k, self.frac.size))
        for j, state in enumerate(states):
            terms[4, j] = state.mean
            np.divide(self.term_weight, state.risk, out=terms[0, j])
        np.multiply(terms[0], terms[4], out=terms[1])
        np.multiply(terms[:2], self.frac, out=terms[2:4])
        terms = terms.reshape(5 * k, -1)
        per_time = np.zeros((5 * k, self.n_times))
        if self.efron:  # sum each time's terms
            per_time[:, self.event_times] = np.add.reduceat(terms, self.term_starts, axis=1)
            per_time[4 * k :] /= self.terms_per_time
        else:  # one term per event time
            per_time[:, self.event_times] = terms
        hazards = per_time[: 2 * k]
        cumulative = (
            hazards.cumsum(axis=1) if self.strata is None else self.strata.cumsum(hazards, axis=1)
        )
        hazard, hazard_mean = cumulative[:k], cumulative[k:]
        leaving, leaving_mean, mean = (
            per_time[2 * k : 3 * k],
            per_time[3 * k : 4 * k],
            per_time[4 * k :],
        )
        relative = np.array([[math.exp(state.beta)] for state in states])
        residuals = np.empty((k, 4, self.n_times))
        residuals[:, 0] = hazard_mean
        np.subtract(hazard_mean, leaving_mean + mean, out=residuals[:, 1])
        group_1 = hazard - hazard_mean
        np.multiply(-relative, group_1, out=residuals[:, 2])
        residuals[:, 3] = 1.0 - mean - relative * (group_1 - leaving + leaving_mean)
        return residuals.reshape(k, -1)
