"""Export the built-in cohort's main contrast for R (tests/reference/make_reference.R).

    .venv/bin/python tests/reference/export_builtin_cohort.py /tmp/builtin.csv
    Rscript tests/reference/make_reference.R --data /tmp/builtin.csv --name builtin_death \\
        --treatment treated --duration death_time_days --event death_event \\
        --covariates age_years,sex,diagnosis,initial_pred_mg_day,plasma_exchange,ivig
    (and the same with --name builtin_relapse --duration relapse_time_days --event relapse_event)

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
patients = contrast_patients(analysis_set, "tacrolimus_vs_conventional")[COLUMNS]
patients = patients.astype({"plasma_exchange": int, "ivig": int, "death_event": int, "relapse_event": int})
patients.to_csv(sys.argv[1], index=False, lineterminator="\n")
