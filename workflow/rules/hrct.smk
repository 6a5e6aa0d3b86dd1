# HRCT: exam scores (mean of the two readers), inter-reader agreement, baseline-to-12-month change.


rule hrct_scores:
    input:
        hrct_reads=VALIDATED["hrct_reads"],
    output:
        scores=f"{RESULTS}/tables/hrct_scores.parquet",
        agreement=f"{RESULTS}/tables/hrct_agreement.tsv",
    log:
        f"{LOGS}/hrct_scores.log",
    benchmark:
        f"{LOGS}/benchmarks/hrct_scores.tsv"
    conda:
        "../envs/myoild.yaml"
    params:
        code=package_code("hrct_scores"),
    script:
        "../scripts/hrct_scores.py"


rule hrct_deltas:
    input:
        scores=rules.hrct_scores.output.scores,
        analysis_set=ANALYSIS_SET,
    output:
        deltas=f"{RESULTS}/tables/hrct_deltas.tsv",
        exclusions=f"{RESULTS}/tables/hrct_exclusions.tsv",
    log:
        f"{LOGS}/hrct_deltas.log",
    benchmark:
        f"{LOGS}/benchmarks/hrct_deltas.tsv"
    conda:
        "../envs/myoild.yaml"
    params:
        design=DESIGN.as_dict(),
        code=package_code("hrct_deltas"),
    script:
        "../scripts/hrct_deltas.py"
