# Figures drawn from finished tables (PNG and PDF, no run-dependent metadata).


rule figure_scales:
    input:
        scales=rules.scales.output.scales,
    output:
        multiext(f"{RESULTS}/figures/scales_over_visits", ".png", ".pdf"),
        multiext(f"{RESULTS}/figures/scales_by_group", ".png", ".pdf"),
    log:
        f"{LOGS}/figure_scales.log",
    benchmark:
        f"{LOGS}/benchmarks/figure_scales.tsv"
    conda:
        "../envs/myoild.yaml"
    params:
        folder=output_folder,
        code=package_code("figure_scales"),
    script:
        "../scripts/figure_scales.py"


rule figure_hrct:
    input:
        deltas=rules.hrct_deltas.output.deltas,
    output:
        multiext(f"{RESULTS}/figures/hrct_change", ".png", ".pdf"),
    log:
        f"{LOGS}/figure_hrct.log",
    benchmark:
        f"{LOGS}/benchmarks/figure_hrct.tsv"
    conda:
        "../envs/myoild.yaml"
    params:
        stem=output_stem,
        code=package_code("figure_hrct"),
    script:
        "../scripts/figure_hrct.py"


rule figure_adverse_events:
    input:
        table=rules.adverse_events.output.table,
    output:
        multiext(f"{RESULTS}/figures/adverse_events", ".png", ".pdf"),
    log:
        f"{LOGS}/figure_adverse_events.log",
    benchmark:
        f"{LOGS}/benchmarks/figure_adverse_events.tsv"
    conda:
        "../envs/myoild.yaml"
    params:
        stem=output_stem,
        code=package_code("figure_adverse_events"),
    script:
        "../scripts/figure_adverse_events.py"


rule figure_km:
    input:
        models=rules.bootstrap.output.models,
        km=rules.survival.output.km,
        at_risk=rules.survival.output.at_risk,
    output:
        expand(
            f"{RESULTS}/figures/km_{{panel}}.{{ext}}",
            panel=KM_PANELS,
            ext=("png", "pdf"),
        ),
    log:
        f"{LOGS}/figure_km.log",
    benchmark:
        f"{LOGS}/benchmarks/figure_km.tsv"
    conda:
        "../envs/myoild.yaml"
    params:
        panels=KM_PANELS,
        folder=output_folder,
        code=package_code("figure_km"),
    script:
        "../scripts/figure_km.py"


rule figure_balance:
    input:
        balance=rules.weights.output.balance,
        weights=rules.weights.output.weights,
    output:
        multiext(f"{RESULTS}/figures/balance", ".png", ".pdf"),
        multiext(f"{RESULTS}/figures/ps_overlap", ".png", ".pdf"),
    log:
        f"{LOGS}/figure_balance.log",
    benchmark:
        f"{LOGS}/benchmarks/figure_balance.tsv"
    conda:
        "../envs/myoild.yaml"
    params:
        contrasts=list(WEIGHTED_CONTRASTS),
        folder=output_folder,
        code=package_code("figure_balance"),
    script:
        "../scripts/figure_balance.py"


rule figure_flow:
    input:
        flow=rules.derive.output.flow,
    output:
        multiext(f"{RESULTS}/figures/flow", ".png", ".pdf"),
    log:
        f"{LOGS}/figure_flow.log",
    benchmark:
        f"{LOGS}/benchmarks/figure_flow.tsv"
    conda:
        "../envs/myoild.yaml"
    params:
        stem=output_stem,
        code=package_code("figure_flow"),
    script:
        "../scripts/figure_flow.py"


rule figure_forest:
    input:
        models=rules.bootstrap.output.models,
    output:
        multiext(f"{RESULTS}/figures/forest", ".png", ".pdf"),
    log:
        f"{LOGS}/figure_forest.log",
    benchmark:
        f"{LOGS}/benchmarks/figure_forest.tsv"
    conda:
        "../envs/myoild.yaml"
    params:
        stem=output_stem,
        code=package_code("figure_forest"),
    script:
        "../scripts/figure_forest.py"


rule figure_sensitivity:
    input:
        grid=rules.sensitivity.output.grid,
    output:
        multiext(f"{RESULTS}/figures/sensitivity", ".png", ".pdf"),
    log:
        f"{LOGS}/figure_sensitivity.log",
    benchmark:
        f"{LOGS}/benchmarks/figure_sensitivity.tsv"
    conda:
        "../envs/myoild.yaml"
    params:
        stem=output_stem,
        ties=config["survival"]["ties"],
        code=package_code("figure_sensitivity"),
    script:
        "../scripts/figure_sensitivity.py"


rule figure_schoenfeld:
    input:
        analysis_set=ANALYSIS_SET,
        weights=f"{RESULTS}/weights/{RETRO_CONTRASTS[0]}.parquet",
    output:
        multiext(f"{RESULTS}/figures/schoenfeld", ".png", ".pdf"),
    log:
        f"{LOGS}/figure_schoenfeld.log",
    benchmark:
        f"{LOGS}/benchmarks/figure_schoenfeld.tsv"
    conda:
        "../envs/myoild.yaml"
    params:
        stem=output_stem,
        contrast=RETRO_CONTRASTS[0],
        endpoints=config["survival"]["endpoints"]["retrospective"],
        ties=config["survival"]["ties"],
        code=package_code("figure_schoenfeld"),
    script:
        "../scripts/figure_schoenfeld.py"


rule figure_competing_risks:
    input:
        curves=rules.survival.output.competing,
    output:
        multiext(f"{RESULTS}/figures/competing_risks", ".png", ".pdf"),
    log:
        f"{LOGS}/figure_competing_risks.log",
    benchmark:
        f"{LOGS}/benchmarks/figure_competing_risks.tsv"
    conda:
        "../envs/myoild.yaml"
    params:
        stem=output_stem,
        study=config["study"],
        code=package_code("figure_competing_risks"),
    script:
        "../scripts/figure_competing_risks.py"
