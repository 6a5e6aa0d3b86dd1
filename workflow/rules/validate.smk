# Validation of the raw tables against the data contract. The report (validation/report.json and
# report.md) is written by the job but is not a declared output: Snakemake deletes the declared
# outputs of a failed job, and the report must survive a failed validation.


rule validate:
    input:
        raw=raw_tables,
    output:
        **VALIDATED,
    log:
        f"{LOGS}/validate.log",
    benchmark:
        f"{LOGS}/benchmarks/validate.tsv"
    conda:
        "../envs/myoild.yaml"
    params:
        input_dir=raw_input_dir(),
        results_dir=results_root,
        raw=raw_fingerprint,
        baseline_window_days=config["study"]["baseline_window_days"],
        code=package_code("validate"),
    script:
        "../scripts/validate.py"
