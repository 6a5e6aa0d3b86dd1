"""Export the built-in cohort's main contrast for R (tests/reference/make_reference.R).

    .venv/bin/python tests/reference/export_builtin_cohort.py /tmp/builtin.csv
    Rscript tests/reference/make_reference.R --data /tmp/builtin.csv --name builtin_death \\
        --treatment treated --duration death_time_days --event death_event \\
        --covariates age_years,sex,diagnosis,initial_pred_mg_day,plasma_exchange,ivig
    (and the same with --name builtin_relapse --duration relapse_time_days --event relapse_event)

    .venv/bin/python tests/reference/export_builtin_cohort.py /tmp/mda5.csv anti_mda5,site,hrct_pattern,baseline_ferritin_ug_l
    Rscript tests/reference/make_reference.R --data /tmp/mda5.csv --name builtin_mda5 \
        --treatment treated --duration death_time_days --event death_event \
        --covariates age_years,sex,diagnosis,initial_pred_mg_day,plasma_exchange,ivig,anti_mda5,site,hrct_pattern,baseline_ferritin_ug_l
    (an optional second argument adds covariates of the analysis set beyond the paper's six)

The included retrospective patients of the default synthetic cohort (tacrolimus = 1 vs
conventional = 0), derived by the pipeline's own validation and derivation.
"""

import sys
import tempfile

from myoild.contrasts import contrast_patients
from myoild.derive import derive_cohort
from myoild.synth import generate_cohort, write_cohort
from myoild.validate import validate_folder

COLUMNS = [
    "patient_id", "treated", "age_years", "sex", "diagnosis", "initial_pred_mg_day", "plasma_exchange", "ivig",
    "death_time_days", "death_event", "relapse_time_days", "relapse_event",
]

with tempfile.TemporaryDirectory() as folder:
    write_cohort(generate_cohort(), folder)
    analysis_set = derive_cohort(validate_folder(folder).tables).analysis_set
extra = sys.argv[2].split(",") if len(sys.argv) > 2 else []
patients = contrast_patients(analysis_set, "tacrolimus_vs_conventional")[COLUMNS + extra]
patients = patients.astype({"plasma_exchange": int, "ivig": int, "death_event": int, "relapse_event": int})
patients = patients.dropna(subset=extra)  # complete cases, as the pipeline's propensity model
for name in extra:
    if str(patients[name].dtype) == "boolean":
        patients[name] = patients[name].astype("Int64")
patients.to_csv(sys.argv[1], index=False, lineterminator="\n")
