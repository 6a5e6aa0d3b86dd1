"""Names and vocabularies of the raw data contract (shared/DATA_CONTRACT.md) and the results contract.

This module holds constants only. The validation stage turns raw files into *normalised tables*
with these pandas dtypes, which every later stage may rely on:

- string columns: ``object`` holding ``str`` (missing: ``None``)
- allowed-value (categorical) columns: ``object`` holding ``str``
- dates: ``datetime64[ns]`` at midnight (missing: ``NaT``)
- numbers: ``float64`` (missing: ``NaN``)
- integers (``mmrc``, ``hama``, ``hamd``, ``grade``, ``ctcae_grade``): ``Int64``
- booleans: pandas nullable ``boolean``
- every table is sorted by its key columns and has a fresh ``RangeIndex``; the normalised
  tables keep a ``source_row`` column (1-based data row in the raw file) for tracing.
"""

from __future__ import annotations

TABLES = ("patients", "medications", "visits", "hrct_reads", "adverse_events")

COHORTS = ("retrospective", "prospective")
SEXES = ("F", "M")
DIAGNOSES = ("DM", "PM", "CADM", "IBM", "overlap", "cancer_associated")
ANALYSED_DIAGNOSES = ("DM", "PM", "CADM")
SCREENED_OUT_DIAGNOSES = ("IBM", "overlap", "cancer_associated")
HRCT_PATTERNS = ("NSIP", "UIP", "OP", "NSIP+OP", "AIP", "unclassifiable")
WITHDRAWAL_REASONS = ("lost_to_follow_up", "discontinued_intervention", "other")
PROSPECTIVE_EXCLUSION_FLAGS = (
    "severe_respiratory_disease",
    "active_tuberculosis",
    "severe_immunodeficiency",
    "renal_insufficiency",
)

IMMUNOSUPPRESSANTS = (
    "tacrolimus",
    "cyclophosphamide",
    "methotrexate",
    "azathioprine",
    "leflunomide",
    "ciclosporin",
    "mycophenolate",
    "tripterygium",
)
GLUCOCORTICOIDS = ("prednisolone", "methylprednisolone")
OTHER_DRUGS = ("hydroxychloroquine", "pirfenidone", "ivig", "plasma_exchange")
DRUGS = GLUCOCORTICOIDS + IMMUNOSUPPRESSANTS + OTHER_DRUGS
DOSE_UNITS = ("mg/day", "mg/kg/day", "mg/week", "g/kg", "mg/m2", "sessions")
#: 5 mg prednisolone = 4 mg methylprednisolone (data contract, medications).
METHYLPREDNISOLONE_TO_PREDNISOLONE = 5.0 / 4.0

VISITS = ("baseline", "m1", "m3", "m6", "m12", "unscheduled")
SCHEDULED_VISITS = ("baseline", "m1", "m3", "m6", "m12")
SCALES = (
    "six_mwt_m",
    "mmrc",
    "patient_global",
    "mmt8",
    "myoact",
    "mitax",
    "mdi",
    "cat",
    "hama",
    "hamd",
)
LABS = ("ferritin_ug_l", "esr_mm_h", "crp_mg_l", "ck_u_l", "ldh_u_l")

HRCT_TIMEPOINTS = ("baseline", "m12")
LOBES = ("RUL", "RML", "RLL", "LUL", "LLL")
HRCT_FEATURES = ("ground_glass", "consolidation", "reticulation", "traction_bronchiectasis")

AE_CATEGORIES = (
    "opportunistic_infection",
    "other_infection",
    "glucose_metabolism",
    "electrolyte",
    "gastrointestinal",
    "hepatic",
    "renal",
    "haematological",
    "other",
)
#: The results' category of a patient's events of any category (``tables/adverse_events.tsv``).
AE_ANY = "any"

# Results contract names (the group and contrast names of a study: myoild.design).
#: Drugs a study may add on top of its treatment in the prospective cohort (config ``study.add_on``).
ADD_ON_DRUGS = IMMUNOSUPPRESSANTS + ("hydroxychloroquine", "pirfenidone")
ENDPOINTS = ("death", "relapse", "respiratory_relapse")
RELAPSE_CRITERIA = ("biomarker", "radiological", "glucocorticoid")

# Covariates a propensity model may adjust for (config ``propensity.covariates``).
#: Columns of the patients table, by the dtype of the normalised table.
PATIENT_COVARIATES = {
    "site": "object",
    "sex": "object",
    "age_years": "float64",
    "weight_kg": "float64",
    "diagnosis": "object",
    "disease_duration_months": "float64",
    "smoking_history": "boolean",
    "heliotrope_rash": "boolean",
    "gottron_sign": "boolean",
    "proximal_weakness": "boolean",
    "hypertension": "boolean",
    "diabetes": "boolean",
    "malignancy": "boolean",
    "anti_mda5": "boolean",
    "anti_jo1": "boolean",
    "anti_ej": "boolean",
    "anti_pl7": "boolean",
    "anti_pl12": "boolean",
    "hrct_pattern": "object",
}
#: Laboratory values of the baseline visit, by the visits column they come from.
BASELINE_LABS = {
    "baseline_ferritin_ug_l": "ferritin_ug_l",
    "baseline_crp_mg_l": "crp_mg_l",
    "baseline_esr_mm_h": "esr_mm_h",
    "baseline_ldh_u_l": "ldh_u_l",
}
#: Derived at the index date (myoild.derive.covariates) or the baseline visit.
DERIVED_COVARIATES = ("initial_pred_mg_day", "plasma_exchange", "ivig", *BASELINE_LABS)
COVARIATES = (*PATIENT_COVARIATES, *DERIVED_COVARIATES)
