"""The treatment contrasts of the study (results contract): who is compared with whom.

A contrast's name says it all (``myoild.design``, paper's names for the default study):

- ``<treatment>_vs_conventional`` (``tacrolimus_vs_conventional``): included retrospective
  patients, the treatment group vs conventional immunosuppressants (paper, Table 1 and Figure 1);
- ``<treatment>_vs_<drug>`` (``tacrolimus_vs_methotrexate``): the treatment group vs the
  conventional patients whose main agent is ``<drug>`` (paper, Supplementary Figure 2);
- ``<treatment>+<add_on>_vs_<treatment>`` (``tacrolimus+pirfenidone_vs_tacrolimus``): included
  prospective patients, the combination (treated) vs the treatment alone (paper, Figure 3D-E).

The first group of a contrast is coded ``treated = 1``, so a hazard ratio below 1 favours it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np
import pandas as pd

from myoild.contract import ADD_ON_DRUGS, IMMUNOSUPPRESSANTS
from myoild.design import CONVENTIONAL, StudyDesign

#: The analysis set's columns ``contrast_patients`` reads.
CONTRAST_COLUMNS = ("patient_id", "cohort", "included", "group", "main_agent")


class Contrast(NamedTuple):
    """A contrast read from its name: cohort, treated group, comparator group, and the comparator's
    main agent for a per-drug contrast (None otherwise)."""

    cohort: str
    treated: str
    comparator: str
    comparator_agent: str | None


def parse_contrast(contrast: str) -> Contrast:
    """The ``Contrast`` of a name of the module docstring's forms; ValueError for any other name."""
    first, _, second = contrast.partition("_vs_")
    treatment, plus, add_on = first.partition("+")
    if treatment in IMMUNOSUPPRESSANTS:
        if plus and add_on in ADD_ON_DRUGS and add_on != treatment and second == treatment:
            return Contrast("prospective", first, second, None)
        if not plus and second == CONVENTIONAL:
            return Contrast("retrospective", first, second, None)
        if not plus and second in IMMUNOSUPPRESSANTS and second != treatment:
            return Contrast("retrospective", first, second, second)
    raise ValueError(
        f"unknown contrast {contrast!r}: expected <treatment>_vs_conventional, <treatment>_vs_<drug> or "
        "<treatment>+<add_on>_vs_<treatment> with immunosuppressants of the data contract"
    )


def contrast_cohort(contrast: str) -> str:
    """``retrospective`` or ``prospective``."""
    return parse_contrast(contrast).cohort


def contrast_groups(contrast: str) -> tuple[str, str]:
    """(first, second) group labels as written in the contrast's name."""
    parsed = parse_contrast(contrast)
    return parsed.treated, parsed.comparator


def analysis_columns(design: StudyDesign, endpoints: Iterable[str]) -> list[str]:
    """The analysis set's columns the analyses of a contrast read, each once: its patients
    (``CONTRAST_COLUMNS``); each endpoint's ``<endpoint>_time_days`` and ``<endpoint>_event``, and
    death's, the event competing with relapse; the ``design``'s propensity covariates and strata.
    A stage reads no more (at a million patients the whole analysis set costs seconds and
    gigabytes each time a contrast's patients are copied)."""
    timed = [f"{endpoint}_{part}" for endpoint in (*endpoints, "death") for part in ("time_days", "event")]
    return list(dict.fromkeys([*CONTRAST_COLUMNS, *timed, *design.covariates, *design.strata]))


def contrast_patients(analysis_set: pd.DataFrame, contrast: str) -> pd.DataFrame:
    """The included patients of ``contrast`` with a 0/1 ``treated`` column and an ``arm`` label
    (the contrast's group name: e.g. ``methotrexate`` for the comparator of a per-drug contrast;
    categorical, the treated arm first), in patient order."""
    cohort, first, second, agent = parse_contrast(contrast)
    # numpy compares text 3x faster than pandas; the arm is categorical, compared 70x faster.
    group = analysis_set["group"].to_numpy()
    is_first = group == first
    if agent is not None:
        comparator = (group == CONVENTIONAL) & (analysis_set["main_agent"].to_numpy() == agent)
    else:
        comparator = group == second
    in_cohort = analysis_set["included"].astype(bool).to_numpy() & (analysis_set["cohort"].to_numpy() == cohort)
    rows = in_cohort & (is_first | comparator)
    chosen = analysis_set.take(np.flatnonzero(rows))  # a new frame: one copy of the rows
    treated = is_first[rows]
    chosen["treated"] = treated.astype("int64")
    chosen["arm"] = pd.Categorical.from_codes(np.where(treated, 0, 1), categories=[first, second])
    if not chosen["patient_id"].is_monotonic_increasing:  # the derived analysis set already is
        chosen = chosen.sort_values("patient_id", kind="mergesort")
    chosen.index = pd.RangeIndex(len(chosen))
    return chosen
