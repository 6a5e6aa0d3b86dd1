# Weighted and unweighted Cox models and Kaplan-Meier curves for every contrast and endpoint.


rule survival:
    input:
        analysis_set=ANALYSIS_SET,
        weights=rules.weights.output.weights,
        diagnostics=rules.weights.output.diagnostics,
    output:
        models=f"{RESULTS}/survival/models.tsv",
        km=f"{RESULTS}/tables/km.tsv",
        at_risk=f"{RESULTS}/tables/km_at_risk.tsv",
        absolute=f"{RESULTS}/survival/absolute_effects.tsv",
        ph_tests=f"{RESULTS}/tables/ph_tests.tsv",
        competing=f"{RESULTS}/tables/competing_risks.tsv",
    log:
        f"{LOGS}/survival.log",
    benchmark:
        f"{LOGS}/benchmarks/survival.tsv"
    priority: BOOTSTRAP_PATH_PRIORITY
    conda:
        "../envs/myoild.yaml"
    resources:
        mem_mb=mem_mb_per_input_mb(30),
    params:
        contrasts=list(WEIGHTED_CONTRASTS),
        endpoints=config["survival"]["endpoints"],
        ties=config["survival"]["ties"],
        design=DESIGN.as_dict(),
        code=package_code("survival"),
    script:
        "../scripts/survival.py"
