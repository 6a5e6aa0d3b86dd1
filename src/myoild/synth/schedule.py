"""Visit schedule and the end of follow-up.

Schedule (Methods: visits at baseline and 1, 3, 6, 12 months): baseline 0-14 days before index
(data contract); m1 on day 26-34, m3 81-101, m6 168-196, m12 356-374, each uniform; each scheduled
visit is missed with a small probability (``MISSED_VISIT_SHARE``).

End of follow-up: a patient who completes is followed to max(365, m12 day) (365 when m12 was
missed); one who leaves early (lost to follow-up, withdrawal) to the day of leaving. A death on or
before that day is recorded and is the last contact; a later death is not seen.
"""

from __future__ import annotations

import numpy as np

from myoild.synth import params as P
from myoild.synth.sampling import uniform_days

SCHEDULED = ("m1", "m3", "m6", "m12")


def draw_schedule(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Baseline offset (days before index) and the day and missed flag of each scheduled visit."""
    out = {"baseline_offset": uniform_days(rng, *P.BASELINE_OFFSET_RANGE, n)}
    for visit in SCHEDULED:
        out[f"{visit}_day"] = uniform_days(rng, *P.SCHEDULED_VISIT_DAYS[visit], n)
        out[f"{visit}_missed"] = rng.random(n) < P.MISSED_VISIT_SHARE[visit]
    return out


def follow_up(
    death_day: np.ndarray, leave_day: np.ndarray, m12_day: np.ndarray, m12_missed: np.ndarray
) -> dict[str, np.ndarray]:
    """Last contact day, whether the death is recorded, and whether the patient left early.

    ``death_day`` and ``leave_day`` are days since index, ``inf`` when none.
    """
    completion = np.where(m12_missed, P.WINDOW_DAYS, np.maximum(P.WINDOW_DAYS, m12_day))
    stop = np.minimum(leave_day, completion)
    death_recorded = death_day <= stop
    return {
        "end_day": np.where(death_recorded, death_day, stop).astype(np.int64),
        "death_recorded": death_recorded,
        "left_early": ~death_recorded & (leave_day < completion),
    }
