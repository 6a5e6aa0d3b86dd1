"""Glucocorticoid start dose, how it is recorded, and the taper over the year.

Start dose D0 (prednisolone-equivalent mg/day): ``0.55 * weight + G``, G ~ Gamma with the mean and
SD that give the paper's mean (SD) dose, rounded up to 2.5 mg and capped at 250 mg/day.
Keeping D0 >= 0.55 mg/kg/day puts every baseline visit above the relapse threshold of 0.5 mg/kg/day
(Methods: 0.8-1.5 mg/kg/day), so criterion (iii) can only fire after the taper has gone below it.

Taper (Methods, prospective protocol, used for both cohorts): D0 until day 28; then 5 mg less
every 28 days while above 20 mg/day; then 2.5 mg less every 14, 21 or 28 days down to a
maintenance floor of 5, 7.5 or 10 mg/day. The taper never rises, which is what keeps criterion
(iii) from firing by accident.
"""

from __future__ import annotations

import numpy as np

from myoild.synth import params as P


def start_dose(rng: np.random.Generator, weight: np.ndarray, mean: float, sd: float, female_share: float) -> np.ndarray:
    """Start dose D0 in prednisolone-equivalent mg/day, at least 0.55 mg/kg/day (see module).

    The Gamma part has mean ``mean - 0.55 E[w] - 1.25`` and variance ``sd^2 - 0.55^2 Var[w]``,
    with E[w] and Var[w] of the weight model (a mixture of two normals by sex) and 1.25 mg the
    mean effect of rounding up to 2.5 mg.
    """
    (mean_f, sd_f), (mean_m, sd_m) = P.WEIGHT_BY_SEX["F"], P.WEIGHT_BY_SEX["M"]
    weight_mean = female_share * mean_f + (1 - female_share) * mean_m
    weight_var = (
        female_share * sd_f**2
        + (1 - female_share) * sd_m**2
        + female_share * (1 - female_share) * (mean_f - mean_m) ** 2
    )
    gamma_mean = max(mean - P.DOSE_FLOOR_MG_KG * weight_mean - 1.25, 1.0)
    gamma_var = max(sd**2 - P.DOSE_FLOOR_MG_KG**2 * weight_var, 1.0)
    floor = P.DOSE_FLOOR_MG_KG * weight
    extra = rng.gamma(gamma_mean**2 / gamma_var, gamma_var / gamma_mean, size=len(weight))
    dose = np.ceil((floor + extra) / 2.5) * 2.5
    return np.minimum(dose, np.maximum(P.DOSE_CAP_MG_DAY, np.ceil(floor / 2.5) * 2.5))


def recorded_start_dose(form: np.ndarray, dose: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The medication row of the start dose, and the prednisolone-equivalent dose it stands for.

    ``form`` indexes ``GC_FORMS``. mg/kg/day is rounded to 0.01 and methylprednisolone is 4/5 of
    the prednisolone dose (data contract), so the equivalent dose is recomputed from the recorded
    value exactly as the pipeline will: mg/kg/day x weight, methylprednisolone x 5/4.
    """
    recorded = np.where(
        form == 1, np.round(dose / weight, 2), np.where(form == 2, dose / P.PREDNISOLONE_PER_METHYLPREDNISOLONE, dose)
    )
    equivalent = np.where(
        form == 1, recorded * weight, np.where(form == 2, recorded * P.PREDNISOLONE_PER_METHYLPREDNISOLONE, recorded)
    )
    return recorded, equivalent


def taper(d0: np.ndarray, day: np.ndarray, low_step_days: np.ndarray, floor: np.ndarray) -> np.ndarray:
    """Prednisolone-equivalent mg/day on ``day`` under the protocol taper (see module), rounded to 0.01."""
    high_steps = np.maximum(np.ceil((d0 - P.TAPER_LOW_ABOVE_MG) / P.TAPER_HIGH_STEP_MG), 0)
    steps_taken = np.floor((day - P.TAPER_START_DAY) / P.TAPER_HIGH_STEP_DAYS) + 1
    high_phase = d0 - P.TAPER_HIGH_STEP_MG * np.clip(steps_taken, 0, high_steps)
    low_start = P.TAPER_HIGH_STEP_DAYS * high_steps  # day of the last 5-mg step
    low_steps = np.maximum(np.floor((day - low_start) / low_step_days), 0)
    low_phase = np.where(steps_taken >= high_steps, high_phase - P.TAPER_LOW_STEP_MG * low_steps, high_phase)
    dose = np.where(day < P.TAPER_START_DAY, d0, np.maximum(low_phase, np.minimum(floor, d0)))
    return np.round(dose, 2)


def draw_taper_pace(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per patient: days between 2.5-mg steps and the maintenance floor (mg/day)."""
    step_days = rng.choice(np.array(P.TAPER_LOW_STEP_DAYS), size=n)
    floor = np.array(P.TAPER_FLOORS_MG)[rng.choice(len(P.TAPER_FLOORS_MG), size=n, p=P.TAPER_FLOOR_SHARES)]
    return step_days, floor
