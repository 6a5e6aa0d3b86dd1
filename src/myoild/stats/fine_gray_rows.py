"""R's ``finegray`` rows held per patient, and the Cox model of them without building them.

``finegray`` (R survival 3.5; ``myoild.stats.fine_gray``) gives a patient i with a competing
event, besides its own row ``(0, c_j]`` (``j = j_i``: its censoring interval), one more row
``(c_{l-1}, c_l]`` of weight ``w_i G(c_{l-1}) / G(c_{j-1})`` for every later interval ``l > j``
that holds an event of the cause: at a million patients, tens of millions of rows. They are all
of one kind, so a few arrays describe them (``FineGrayRows``): every patient's own row, its first
added interval and the divisor ``G(c_{j-1})``; every such interval's ends and ``G(c_{l-1})``.
``expand`` builds R's rows from them (``fine_gray_data``, tested row by row against R).

The Cox model of these rows (``fit_cox_counting`` with the patient as cluster, i.e. R's
``coxph(Surv(fgstart, fgstop, fgstatus) ~ x + strata(s), weights = fgwt, cluster = id)``)
needs of them only two kinds of sums, which ``fit_fine_gray_rows`` forms from the description:

- the risk-set totals per cell (group, status, column: ``CountingCells``): the added rows are
  censored, and those of group g in stratum s lying in interval l weigh together
  ``A_gs(l) = G(c_{l-1}) sum_{i in g, s; j_i < l} w_i / G(c_{j_i-1})``, a cumulative sum over
  the stratum's intervals, added at the cell of ``c_l`` and taken off at that of ``c_{l-1}``;
- each patient's score residual summed over its rows (its cluster in the robust sandwich): its
  own row's, plus ``w_i / G(c_{j_i-1}) sum_{l > j_i} G(c_{l-1}) (r_g(c_l) - r_g(c_{l-1}))`` over
  the added intervals, ``r_g(t)`` the residual of a censored row of its group at the column of
  t: a reverse cumulative sum over the intervals, read at the patient's first one.

Both cost O(patients + strata x intervals) instead of O(rows); being the sums ``fit_cox_counting``
forms over the built rows, up to the order of additions, they give its fit and R's to rounding
(tests/test_stats_competing.py). The censoring curve G is that of all patients, stratified or
not, as ``finegray`` without strata in its formula; the risk sets are per stratum.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .cox import CoxFit
from .cox_counting import CountingCells, fit_two_group_totals, time_columns
from .levels import distinct, level_codes
from .strata import Blocks, stratum_codes


class FineGrayRows(NamedTuple):
    """``finegray``'s rows for one cause, before the case weights (module docstring).

    Patient i's own row is ``(zero, stop[i]]`` with ``status[i]`` and weight 1; when ``first[i]``
    is below the number of intervals, it has one added censored row per interval
    ``k >= first[i]``, ``(interval_start[k], interval_stop[k]]`` of weight
    ``interval_g[k] / g_before[i]``.
    """

    zero: float  # where every own row starts: 0, or -1 when a time is 0 (R)
    stop: np.ndarray  # per patient: its time, or for a competing event its interval's end c_j
    status: np.ndarray  # per patient: 1.0 for an event of the cause, else 0.0
    first: np.ndarray  # per patient: its first added interval (n_intervals: none)
    g_before: np.ndarray  # per patient: G(c_{j-1}) at the start of its own interval j
    interval_start: np.ndarray  # per interval with an event of the cause: c_{l-1}
    interval_stop: np.ndarray  # c_l
    interval_g: np.ndarray  # G(c_{l-1})

    @property
    def n_intervals(self) -> int:
        return self.interval_stop.size

    @property
    def n_rows(self) -> int:
        """The number of ``finegray`` rows: one per patient and one per added interval."""
        return int(self.stop.size + (self.n_intervals - self.first).sum())


def _censoring_survival(time: np.ndarray, code: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The censoring times ``c_1..c_m`` and ``G`` at each (Kaplan-Meier of censoring; at a tied
    time the events leave first)."""
    censored = code == 0
    c_times, censored_at = level_codes(time[censored])
    n_censored = np.bincount(censored_at, minlength=c_times.size)
    ordered = np.sort(time)
    # At risk of censoring at c: rows with time > c, and those censored at c.
    later = ordered.size - np.searchsorted(ordered, c_times, side="right")
    return c_times, np.cumprod(1.0 - n_censored / (later + n_censored))


def finegray_rows(time: np.ndarray, code: np.ndarray, cause: int) -> FineGrayRows:
    """The rows of R's ``finegray`` for ``cause``, from tie-fixed times and status codes (0
    censored), as ``FineGrayRows`` (``myoild.stats.fine_gray``'s docstring gives the rule)."""
    zero = 0.0 if time.min() > 0 else 2.0 * time.min() - 1.0
    c_times, g = _censoring_survival(time, code)
    ends = np.append(c_times, time.max())  # interval l is (ends[l-1], ends[l]]
    start_g = np.append(1.0, g)  # G at the start of interval l, G(c_0) = 1
    own = np.searchsorted(ends, time)  # a time's interval: the first l with time <= ends[l]
    # The intervals with an event of the cause; none follows interval 0, so none is added there.
    wanted = distinct(own[code == cause])
    wanted = wanted[wanted > 0]
    competing = (code != 0) & (code != cause)
    return FineGrayRows(
        zero=zero,
        stop=np.where(competing, ends.take(own), time),
        status=(code == cause).astype(float),
        first=np.where(competing, np.searchsorted(wanted, own, side="right"), wanted.size),
        g_before=start_g.take(own),
        interval_start=ends.take(wanted - 1),
        interval_stop=ends.take(wanted),
        interval_g=start_g.take(wanted),
    )


def expand(rows: FineGrayRows):
    """``finegray``'s rows ``(row, start, stop, status, weight)``, ``row`` the patient each
    comes from; in R's order: patients in input order, each own row followed by its added ones."""
    size = 1 + rows.n_intervals - rows.first
    row = np.repeat(np.arange(rows.stop.size), size)
    own = np.cumsum(size) - size  # each patient's own row
    start = np.full(row.size, rows.zero)
    stop = rows.stop.take(row)
    weight = np.ones(row.size)
    added = np.ones(row.size, dtype=bool)
    added[own] = False
    position = np.flatnonzero(added)
    i = row.take(position)
    interval = rows.first.take(i) + position - own.take(i) - 1
    start[position] = rows.interval_start.take(interval)
    stop[position] = rows.interval_stop.take(interval)
    weight[position] = rows.interval_g.take(interval) / rows.g_before.take(i)
    return row, start, stop, rows.status.take(row), weight


class _AddedIntervals(NamedTuple):
    """The (stratum, interval) pairs holding added rows: per stratum, every interval from the
    earliest first one of its patients on (that patient has a row in each), as entries of one
    array with a block per stratum; ``position``: each extended patient's first entry."""

    position: np.ndarray
    interval: np.ndarray  # per entry
    stratum: np.ndarray  # per entry
    blocks: Blocks


def _added_intervals(first: np.ndarray, stratum: np.ndarray, n_intervals: int) -> _AddedIntervals:
    """The entries of the extended patients with ``first`` intervals (< ``n_intervals``) in
    ``stratum`` (codes)."""
    strata, code = level_codes(stratum)
    earliest = np.full(strata.size, n_intervals)
    np.minimum.at(earliest, code, first)
    length = n_intervals - earliest
    offset = np.cumsum(length) - length
    interval = np.arange(length.sum()) - np.repeat(offset - earliest, length)
    return _AddedIntervals(
        position=offset.take(code) + first - earliest.take(code),
        interval=interval,
        stratum=np.repeat(strata, length),
        blocks=Blocks(offset, interval.size),
    )


def _columns(rows: FineGrayRows, entries: _AddedIntervals, stratum: np.ndarray | None, timefix: bool):
    """The columns (``time_columns``) of the own rows' starts and stops and of the entries' starts
    and stops, from the times of the built rows (the same set of distinct times, so tie-fixed
    alike), with the number of columns and the strata's blocks."""
    n, n_entries = rows.stop.size, entries.interval.size
    times = np.concatenate(
        [
            np.full(n, rows.zero),
            rows.stop,
            rows.interval_start.take(entries.interval),
            rows.interval_stop.take(entries.interval),
        ]
    )
    time_strata = None
    if stratum is not None:
        time_strata = np.concatenate([stratum, stratum, entries.stratum, entries.stratum])
    columns, n_columns, blocks = time_columns(times, time_strata, timefix=timefix)
    return np.split(columns, [n, 2 * n, 2 * n + n_entries]), n_columns, blocks


def fit_fine_gray_rows(
    rows: FineGrayRows,
    x: np.ndarray,
    weight: np.ndarray,
    strata: np.ndarray | None = None,
    *,
    ties: str = "efron",
    timefix: bool = True,
    eps: float = 1e-9,
    max_iter: int = 20,
) -> CoxFit:
    """The Cox model of ``rows`` on the patients' 0/1 ``x`` with case weights ``weight`` (> 0;
    ``fgwt`` = case weight x censoring weight), stratified by ``strata`` (one label per patient),
    robust variance clustered on the patient: ``fit_cox_counting`` on ``expand(rows)`` (R's
    ``coxph`` on ``finegray``'s rows), computed from the description (module docstring).
    ``n`` of the result counts rows, ``events`` events of the cause."""
    n = rows.stop.size
    stratum = None if strata is None else stratum_codes(strata, n)
    extended = np.flatnonzero(rows.first < rows.n_intervals)
    entries = _added_intervals(
        rows.first.take(extended),
        np.zeros(extended.size, np.int64) if stratum is None else stratum.take(extended),
        rows.n_intervals,
    )
    n_entries = entries.interval.size
    columns, n_columns, blocks = _columns(rows, entries, stratum, timefix)
    own = CountingCells.of_rows(x, rows.status, columns[0], columns[1], n_columns)
    # The added rows of one (stratum, interval) and group share their cells: one entry each.
    added = CountingCells.of_rows(
        np.repeat([0.0, 1.0], n_entries), 0.0, np.tile(columns[2], 2), np.tile(columns[3], 2), n_columns
    )
    entry_g = rows.interval_g.take(entries.interval)
    scale = weight.take(extended) / rows.g_before.take(extended)  # w_i / G(c_{j_i - 1})
    group = x.take(extended).astype(np.int64)
    starting = np.bincount(group * n_entries + entries.position, scale, 2 * n_entries)
    added_weight = entries.blocks.cumsum(starting.reshape(2, -1), axis=1) * entry_g  # A_gs(l)
    size = 4 * n_columns
    totals = own.totals(weight, size) + added.totals(added_weight.ravel(), size)
    n_dead = np.bincount(columns[1], rows.status, n_columns)

    def cluster_sums(cell_residuals):
        patients = own.residuals(cell_residuals) * weight
        per_entry = added.residuals(cell_residuals).reshape(len(cell_residuals), 2, n_entries) * entry_g
        from_entry = entries.blocks.reverse_cumsum(per_entry, axis=2)
        patients[:, extended] += scale * from_entry[:, group, entries.position]
        return patients

    return fit_two_group_totals(
        totals,
        n_dead,
        rows.n_rows,
        blocks,
        cluster_sums,
        ties=ties,
        robust=True,
        eps=eps,
        max_iter=max_iter,
    )
