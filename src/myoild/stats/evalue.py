"""E-values for a hazard ratio (VanderWeele & Ding 2017), as R ``EValue::evalues.HR``.

The E-value is the minimum strength of association, on the risk-ratio scale, that an unmeasured
confounder would need with both treatment and outcome to explain away an estimate. Following
EValue 4.1.3 (``toRR.HR``, ``threshold`` and ``evalues.RR``, null value ``true = 1``):

- the hazard ratio becomes a risk ratio: ``RR = HR`` for a rare outcome, otherwise
  ``RR = (1 - 0.5^sqrt(HR)) / (1 - 0.5^sqrt(1 / HR))`` (VanderWeele 2020, Biometrics 76:746),
  applied to the confidence limits too;
- a risk ratio below 1 is inverted, ``RR -> 1 / RR``, and ``E = RR + sqrt(RR (RR - 1))``;
- the confidence interval's E-value is that of the limit nearest 1, and 1 when the interval
  contains 1 (or the estimate is exactly 1).

EValue calls an outcome rare when its cumulative incidence stays under 15% at the end of
follow-up in every arm (``outcome_is_rare``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

#: EValue's rule of thumb: an outcome is rare below 15% cumulative incidence.
RARE_OUTCOME_THRESHOLD = 0.15


@dataclass(frozen=True)
class EValue:
    """E-values of an estimate (``point``) and of its confidence interval (``ci``)."""

    point: float
    ci: float


def _risk_ratio(hr: float, rare: bool) -> float:
    """EValue's ``toRR.HR``: the HR itself for a rare outcome, else VanderWeele's conversion
    (0 and infinity map to themselves)."""
    if rare or hr == 0 or math.isinf(hr):
        return hr
    return (1 - 0.5 ** math.sqrt(hr)) / (1 - 0.5 ** math.sqrt(1 / hr))


def _threshold(rr: float) -> float:
    """EValue's ``threshold(x, true = 1)``: ``x + sqrt(x (x - 1))`` after ``x -> 1 / x`` for
    ``x <= 1`` (infinite for a risk ratio of 0 or infinity)."""
    if rr == 0:
        return math.inf
    if rr <= 1:
        rr = 1 / rr
    return rr + math.sqrt(rr * (rr - 1))


def evalue_hr(hr: float, ci_low: float, ci_high: float, rare: bool) -> EValue:
    """E-values of a hazard ratio and its confidence interval, as R
    ``EValue::evalues.HR(hr, ci_low, ci_high, rare = rare)`` (see the module docstring).

    A missing (NaN) ``hr`` gives NaN for both; a missing limit gives a NaN ``ci`` (an interval
    without both limits has no E-value here), with the point E-value still computed. Negative
    values, ``ci_low > ci_high`` or an ``hr`` outside its interval raise ValueError, as in EValue.
    """
    hr, ci_low, ci_high = float(hr), float(ci_low), float(ci_high)
    if math.isnan(hr):
        return EValue(math.nan, math.nan)
    values = (hr, ci_low, ci_high)
    if any(value < 0 for value in values):  # NaN compares false
        raise ValueError("a hazard ratio and its confidence limits cannot be negative")
    if ci_low > ci_high:
        raise ValueError("the lower confidence limit exceeds the upper one")
    if hr < ci_low or hr > ci_high:
        raise ValueError("the hazard ratio lies outside its confidence interval")
    rr, rr_low, rr_high = (_risk_ratio(value, rare) for value in values)
    point = _threshold(rr)
    if math.isnan(ci_low) or math.isnan(ci_high):
        return EValue(point, math.nan)
    if rr > 1:
        ci = 1.0 if rr_low < 1 else _threshold(rr_low)
    elif rr < 1:
        ci = 1.0 if rr_high > 1 else _threshold(rr_high)
    else:
        ci = 1.0
    return EValue(point, ci)


def outcome_is_rare(incidences: Iterable[float], threshold: float = RARE_OUTCOME_THRESHOLD) -> bool:
    """True when every arm's cumulative incidence (a proportion, e.g. ``1 - S(t)`` of the
    Kaplan-Meier at the horizon) is below ``threshold``: EValue's ``rare`` (15% by default).

    A missing incidence or one outside [0, 1] (beyond rounding: 1e-12) raises ValueError: rarity
    cannot be decided.
    """
    incidences = [float(value) for value in incidences]
    if not incidences:
        raise ValueError("no incidences given")
    if not 0 < threshold <= 1:
        raise ValueError("threshold must lie in (0, 1]")
    if not all(-1e-12 <= value <= 1 + 1e-12 for value in incidences):  # NaN fails
        raise ValueError(f"incidences must be proportions in [0, 1], not {incidences}")
    return all(value < threshold for value in incidences)
