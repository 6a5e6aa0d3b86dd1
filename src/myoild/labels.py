"""The words a reader sees for the study's codes: groups, endpoints, models, CI methods, adverse-event
categories, HRCT features, scales, visits, exclusion reasons and contrasts. One place for the
figures, the report and the manuscript, so that all three name a code the same way.

This module imports no plotting library and no figure module, and nothing heavy (no scipy): every
Snakemake job is a fresh Python process that pays for what it imports, and the jobs that draw nothing
(``report``, ``manuscript``, ``survival``, ``sensitivity``, ``imputation``) use these words too.
"""

from __future__ import annotations

from myoild.contract import ADD_ON_DRUGS, AE_ANY, IMMUNOSUPPRESSANTS
from myoild.contrasts import contrast_groups
from myoild.design import CONVENTIONAL

#: Every group a study can name: its immunosuppressants, ``conventional``, each combination, ``all``.
GROUP_LABELS = {
    **{drug: drug.capitalize() for drug in IMMUNOSUPPRESSANTS},
    CONVENTIONAL: "Conventional",
    **{f"{drug}+{add_on}": f"{drug.capitalize()} + {add_on}" for drug in IMMUNOSUPPRESSANTS for add_on in ADD_ON_DRUGS},
    "all": "All patients",
}
ENDPOINT_NAMES = {"death": "Death", "relapse": "Relapse", "respiratory_relapse": "Respiratory relapse"}
#: The models of ``tables/survival_models.tsv``, in the order the tables and the forest plot list them.
MODEL_LABELS = {
    "cox_iptw": "IPTW Cox",
    "cox_unadjusted": "unadjusted Cox",
    "fine_gray_iptw": "IPTW Fine-Gray",
    "fine_gray_unadjusted": "unadjusted Fine-Gray",
    "cox_iptw_landmark": "IPTW Cox, landmark",
}
#: The CI methods of ``tables/survival_models.tsv``, in the order the tables and the forest plot list them.
CI_METHOD_LABELS = {"robust": "robust CI", "model": "model CI", "bootstrap_percentile": "bootstrap percentile CI"}
#: The categories of ``tables/adverse_events.tsv``.
CATEGORY_LABELS = {
    "opportunistic_infection": "Opportunistic infection",
    "other_infection": "Other infection",
    "glucose_metabolism": "Glucose metabolism",
    "electrolyte": "Electrolyte imbalance",
    "gastrointestinal": "Gastrointestinal",
    "hepatic": "Hepatic",
    "renal": "Renal",
    "haematological": "Haematological",
    "other": "Other",
    AE_ANY: "Any adverse event",
}
#: Title and score axis label (with range) of the total HRCT score and each HRCT feature.
FEATURE_LABELS = {
    "total": ("Total HRCT score", "Score (points, 0-80)"),
    "ground_glass": ("Ground-glass attenuation", "Score (points, 0-20)"),
    "consolidation": ("Airspace consolidation", "Score (points, 0-20)"),
    "reticulation": ("Septal thickening / reticulation", "Score (points, 0-20)"),
    "traction_bronchiectasis": ("Traction bronchiectasis", "Score (points, 0-20)"),
}
#: Panel title and y-axis label (with unit or range) of each scale.
SCALE_LABELS = {
    "six_mwt_m": ("6MWT", "6-min walk distance (m)"),
    "mmrc": ("mMRC", "mMRC dyspnoea grade (0-4)"),
    "patient_global": ("Patient Global Activity", "Patient global VAS (0-10 cm)"),
    "mmt8": ("MMT-8", "MMT-8 score (0-80)"),
    "myoact": ("MYOACT", "MYOACT VAS (0-10 cm)"),
    "mitax": ("MITAX", "MITAX score (0-1)"),
    "mdi": ("MDI", "MDI extent score (points)"),
    "cat": ("CAT", "CAT score (points)"),
    "hama": ("HAMA", "HAMA score (0-56)"),
    "hamd": ("HAMD", "HAMD score (0-52)"),
}
VISIT_LABELS = {"baseline": "Baseline", "m1": "1 mo", "m3": "3 mo", "m6": "6 mo", "m12": "12 mo"}
#: Reason prefixes of derive.screening, written for people.
REASON_PREFIXES = {
    "diagnosis_": "Diagnosis: ",
    "exclusion_criterion_": "Exclusion criterion: ",
    "withdrawn_": "Withdrawn: ",
}


def reason_label(reason: str) -> str:
    """``Withdrawn: lost to follow up`` from ``withdrawn_lost_to_follow_up``."""
    for prefix, words in REASON_PREFIXES.items():
        if reason.startswith(prefix):
            return words + reason[len(prefix) :].replace("_", " ")
    text = reason.replace("_", " ")
    return text[:1].upper() + text[1:]


def contrast_label(contrast: str) -> str:
    """``Tacrolimus vs conventional`` from ``tacrolimus_vs_conventional``."""
    first, second = contrast_groups(contrast)
    return f"{GROUP_LABELS.get(first, first)} vs {GROUP_LABELS.get(second, second).lower()}"
