# Reviewer analyses of the retrospective contrasts: the sensitivity grid of the main contrast
# (estimand x weights x ties) and the day-30 landmark model of every contrast and endpoint.


rule sensitivity:
    input:
        analysis_set=ANALYSIS_SET,
    output:
        grid=f"{RESULTS}/tables/sensitivity.tsv",
        landmark=f"{RESULTS}/survival/landmark.tsv",
    log:
        f"{LOGS}/sensitivity.log",
    benchmark:
        f"{LOGS}/benchmarks/sensitivity.tsv"
    priority: BOOTSTRAP_PATH_PRIORITY
    conda:
        "../envs/myoild.yaml"
    resources:
        mem_mb=mem_mb_per_input_mb(60),
    params:
        contrasts=list(RETRO_CONTRASTS),
        endpoints=config["survival"]["endpoints"]["retrospective"],
        propensity=config["propensity"],
        ties=config["survival"]["ties"],
        design=DESIGN.as_dict(),
        code=package_code("sensitivity"),
    script:
        "../scripts/sensitivity.py"


rule sites:
    input:
        analysis_set=ANALYSIS_SET,
        models=rules.survival.output.models,
    output:
        table=f"{RESULTS}/tables/leave_one_site_out.tsv",
        figure=report(
            multiext(f"{RESULTS}/figures/leave_one_site_out", ".png", ".pdf"),
            caption="../report/figure_leave_one_site_out.rst",
            category="Reviewer analyses",
            subcategory="Leave one site out",
        ),
    log:
        f"{LOGS}/sites.log",
    benchmark:
        f"{LOGS}/benchmarks/sites.tsv"
    conda:
        "../envs/myoild.yaml"
    params:
        contrast=RETRO_CONTRASTS[0],
        endpoints=config["survival"]["endpoints"]["retrospective"],
        propensity=config["propensity"],
        design=DESIGN.as_dict(),
        ties=config["survival"]["ties"],
        stem=figure_stem,
        code=package_code("sites"),
    script:
        "../scripts/sites.py"


rule imputation:
    input:
        analysis_set=ANALYSIS_SET,
    output:
        estimates=f"{RESULTS}/tables/mi_estimates.tsv",
        pooled=f"{RESULTS}/survival/mi_pooled.tsv",
    log:
        f"{LOGS}/imputation.log",
    benchmark:
        f"{LOGS}/benchmarks/imputation.tsv"
    priority: BOOTSTRAP_PATH_PRIORITY
    conda:
        "../envs/myoild.yaml"
    params:
        contrasts=list(RETRO_CONTRASTS),
        endpoints=config["survival"]["endpoints"]["retrospective"],
        propensity=config["propensity"],
        missing=config["missing"],
        design=DESIGN.as_dict(),
        ties=config["survival"]["ties"],
        code=package_code("imputation"),
    script:
        "../scripts/imputation.py"
