"""The treatment contrasts of the study (results contract): who is compared with whom.

- ``tacrolimus_vs_conventional``: included retrospective patients, tacrolimus (treated) vs
  conventional immunosuppressants (paper, Table 1 and Figure 1);
- ``tacrolimus_vs_<drug>``: the tacrolimus group vs the conventional patients whose main agent is
  ``<drug>`` (cyclophosphamide, methotrexate, azathioprine; paper, Supplementary Figure 2);
- ``tacrolimus+pirfenidone_vs_tacrolimus``: included prospective patients, combination (treated)
  vs tacrolimus alone (paper, Figure 3D-E).

The first group of a contrast is coded ``treated = 1``, so a hazard ratio below 1 favours it.
"""

from __future__ import annotations

import pandas as pd

from myoild.contract import PER_DRUG_COMPARATORS, PROSP_CONTRAST, RETRO_CONTRASTS


def contrast_cohort(contrast: str) -> str:
    """``retrospective`` or ``prospective``."""
    if contrast in RETRO_CONTRASTS:
        return "retrospective"
    if contrast == PROSP_CONTRAST:
        return "prospective"
    raise ValueError(f"unknown contrast {contrast!r}; known: {RETRO_CONTRASTS + (PROSP_CONTRAST,)}")


def contrast_groups(contrast: str) -> tuple[str, str]:
    """(first, second) group labels as written in the contrast's name."""
    contrast_cohort(contrast)
    first, second = contrast.split("_vs_")
    return first, second


def contrast_patients(analysis_set: pd.DataFrame, contrast: str) -> pd.DataFrame:
    """The included patients of ``contrast`` with a 0/1 ``treated`` column and a ``arm`` label
    (the contrast's group name: e.g. ``methotrexate`` for the comparator of a per-drug contrast),
    in patient order."""
    cohort = contrast_cohort(contrast)
    first, second = contrast_groups(contrast)
    patients = analysis_set[analysis_set["included"].astype(bool) & (analysis_set["cohort"] == cohort)]
    if second in PER_DRUG_COMPARATORS:
        comparator = (patients["group"] == "conventional") & (patients["main_agent"] == second)
    else:
        comparator = patients["group"] == second
    chosen = patients[(patients["group"] == first) | comparator].copy()
    chosen["treated"] = (chosen["group"] == first).astype("int64")
    chosen["arm"] = chosen["treated"].map({1: first, 0: second})
    return chosen.sort_values("patient_id", kind="mergesort").reset_index(drop=True)
