# Adverse events per category and group, both cohorts.


rule adverse_events:
    input:
        adverse_events=VALIDATED["adverse_events"],
        patients=VALIDATED["patients"],
        analysis_set=ANALYSIS_SET,
    output:
        table=f"{RESULTS}/tables/adverse_events.tsv",
    log:
        f"{LOGS}/adverse_events.log",
    benchmark:
        f"{LOGS}/benchmarks/adverse_events.tsv"
    conda:
        "../envs/myoild.yaml"
    resources:
        mem_mb=mem_mb_per_input_mb(30),
    params:
        design=DESIGN.as_dict(),
        code=package_code("adverse_events"),
    script:
        "../scripts/adverse_events.py"
