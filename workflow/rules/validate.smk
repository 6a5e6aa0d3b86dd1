# Validation of the raw tables against the data contract. The report (validation/report.json and
# report.md) is written by the job but is not a declared output: Snakemake deletes the declared
# outputs of a failed job, and the report must survive a failed validation.
# The record validated/input_<fingerprint>.json names the raw tables' content, so that a results
# folder without Snakemake history (copied, or .snakemake/ removed) reruns validation for another
# input (myoild.results_folder). The fingerprint is computed when the workflow is parsed: a run's
# main process hashes the tables, the jobs it starts reuse its result.
from myoild.results_folder import (
    built_in_fingerprint,
    input_record_path,
    raw_input_fingerprint,
)

INPUT_FINGERPRINT = (
    raw_input_fingerprint(raw_tables(None), reuse=not workflow.is_main_process)
    if config["input_dir"]
    else built_in_fingerprint(config["synthetic"])
)
VALIDATED_INPUT = input_record_path(RESULTS, INPUT_FINGERPRINT)


rule validate:
    input:
        raw=raw_tables,
    output:
        **VALIDATED,
        input_record=VALIDATED_INPUT,
    log:
        f"{LOGS}/validate.log",
    benchmark:
        f"{LOGS}/benchmarks/validate.tsv"
    conda:
        "../envs/myoild.yaml"
    # two tables read and checked at a time (threads): nothing else can run before validation
    threads: 2
    resources:
        mem_mb=mem_mb_per_input_mb(35),
    params:
        input_dir=raw_input_dir(),
        results_dir=results_root,
        fingerprint=INPUT_FINGERPRINT,
        baseline_window_days=DESIGN.baseline_window_days,
        code=package_code("validate"),
    script:
        "../scripts/validate.py"
