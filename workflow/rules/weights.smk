# Propensity scores and IPTW weights for each retrospective contrast, with covariate balance.


rule weights:
    input:
        analysis_set=ANALYSIS_SET,
    output:
        weights=expand(f"{RESULTS}/weights/{{contrast}}.parquet", contrast=WEIGHTED_CONTRASTS),
        balance=f"{RESULTS}/tables/balance.tsv",
        diagnostics=f"{RESULTS}/tables/weight_diagnostics.tsv",
    log:
        f"{LOGS}/weights.log",
    benchmark:
        f"{LOGS}/benchmarks/weights.tsv"
    priority: BOOTSTRAP_PATH_PRIORITY
    conda:
        "../envs/myoild.yaml"
    resources:
        mem_mb=mem_mb_per_input_mb(75),
    params:
        contrasts=list(WEIGHTED_CONTRASTS),
        propensity=config["propensity"],
        design=DESIGN.as_dict(),
        code=package_code("weights"),
    script:
        "../scripts/weights.py"
