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
    conda:
        "../envs/myoild.yaml"
    params:
        contrasts=list(RETRO_CONTRASTS),
        endpoints=config["survival"]["endpoints"]["retrospective"],
        propensity=config["propensity"],
        ties=config["survival"]["ties"],
        study=config["study"],
        code=package_code("sensitivity"),
    script:
        "../scripts/sensitivity.py"
