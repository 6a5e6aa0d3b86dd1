# Figures drawn from finished tables (PNG and PDF, no run-dependent metadata).


rule figure_scales:
    input:
        scales=rules.scales.output.scales,
    output:
        report(
            multiext(f"{RESULTS}/figures/scales_over_visits", ".png", ".pdf"),
            caption="../report/figure_scales_over_visits.rst",
            category="Prospective",
            subcategory="Assessment scales",
        ),
        report(
            multiext(f"{RESULTS}/figures/scales_by_group", ".png", ".pdf"),
            caption="../report/figure_scales_by_group.rst",
            category="Prospective",
            subcategory="Assessment scales",
        ),
    log:
        f"{LOGS}/figure_scales.log",
    benchmark:
        f"{LOGS}/benchmarks/figure_scales.tsv"
    conda:
        "../envs/myoild.yaml"
    params:
        folder=output_folder,
        min_cell_count=config["report"]["min_cell_count"],
        code=package_code("figure_scales"),
    script:
        "../scripts/figure_scales.py"


rule figure_hrct:
    input:
        deltas=rules.hrct_deltas.output.deltas,
    output:
        report(
            multiext(f"{RESULTS}/figures/hrct_change", ".png", ".pdf"),
            caption="../report/figure_hrct_change.rst",
            category="Prospective",
            subcategory="HRCT",
        ),
    log:
        f"{LOGS}/figure_hrct.log",
    benchmark:
        f"{LOGS}/benchmarks/figure_hrct.tsv"
    conda:
        "../envs/myoild.yaml"
    params:
        stem=output_stem,
        min_cell_count=config["report"]["min_cell_count"],
        code=package_code("figure_hrct"),
    script:
        "../scripts/figure_hrct.py"


rule figure_adverse_events:
    input:
        table=rules.adverse_events.output.table,
    output:
        report(
            multiext(f"{RESULTS}/figures/adverse_events", ".png", ".pdf"),
            caption="../report/figure_adverse_events.rst",
            category="Adverse events",
        ),
    log:
        f"{LOGS}/figure_adverse_events.log",
    benchmark:
        f"{LOGS}/benchmarks/figure_adverse_events.tsv"
    conda:
        "../envs/myoild.yaml"
    params:
        stem=output_stem,
        min_cell_count=config["report"]["min_cell_count"],
        design=DESIGN.as_dict(),
        code=package_code("figure_adverse_events"),
    script:
        "../scripts/figure_adverse_events.py"


rule figure_km:
    input:
        # the analytic fits: a panel writes the robust-CI hazard ratio, never a bootstrap row, so
        # the figure need not wait for the bootstrap
        models=rules.survival.output.models,
        km=rules.survival.output.km,
        at_risk=rules.survival.output.at_risk,
    output:
        report(
            expand(
                f"{RESULTS}/figures/km_{{panel}}.{{ext}}",
                panel=KM_PANELS,
                ext=("png", "pdf"),
            ),
            caption="../report/figure_km.rst",
            category="Survival",
            subcategory="Kaplan-Meier curves",
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
        min_cell_count=config["report"]["min_cell_count"],
        code=package_code("figure_km"),
    script:
        "../scripts/figure_km.py"


rule figure_balance:
    input:
        balance=rules.weights.output.balance,
        weights=rules.weights.output.weights,
    output:
        report(
            multiext(f"{RESULTS}/figures/balance", ".png", ".pdf"),
            caption="../report/figure_balance.rst",
            category="Propensity weighting",
        ),
        report(
            multiext(f"{RESULTS}/figures/ps_overlap", ".png", ".pdf"),
            caption="../report/figure_ps_overlap.rst",
            category="Propensity weighting",
        ),
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
        report(
            multiext(f"{RESULTS}/figures/flow", ".png", ".pdf"),
            caption="../report/figure_flow.rst",
            category="Cohort",
            subcategory="Patient flow",
        ),
    log:
        f"{LOGS}/figure_flow.log",
    benchmark:
        f"{LOGS}/benchmarks/figure_flow.tsv"
    conda:
        "../envs/myoild.yaml"
    params:
        stem=output_stem,
        min_cell_count=config["report"]["min_cell_count"],
        code=package_code("figure_flow"),
    script:
        "../scripts/figure_flow.py"


rule figure_forest:
    input:
        models=rules.bootstrap.output.models,
    output:
        report(
            multiext(f"{RESULTS}/figures/forest", ".png", ".pdf"),
            caption="../report/figure_forest.rst",
            category="Survival",
            subcategory="Hazard ratios",
        ),
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
        report(
            multiext(f"{RESULTS}/figures/sensitivity", ".png", ".pdf"),
            caption="../report/figure_sensitivity.rst",
            category="Reviewer analyses",
            subcategory="Sensitivity analyses",
        ),
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
        report(
            multiext(f"{RESULTS}/figures/schoenfeld", ".png", ".pdf"),
            caption="../report/figure_schoenfeld.rst",
            category="Reviewer analyses",
            subcategory="Proportional hazards",
        ),
    log:
        f"{LOGS}/figure_schoenfeld.log",
    benchmark:
        f"{LOGS}/benchmarks/figure_schoenfeld.tsv"
    conda:
        "../envs/myoild.yaml"
    resources:
        mem_mb=mem_mb_per_input_mb(70),
    params:
        stem=output_stem,
        contrast=RETRO_CONTRASTS[0],
        endpoints=config["survival"]["endpoints"]["retrospective"],
        ties=config["survival"]["ties"],
        design=DESIGN.as_dict(),
        code=package_code("figure_schoenfeld"),
    script:
        "../scripts/figure_schoenfeld.py"


rule figure_competing_risks:
    input:
        curves=rules.survival.output.competing,
    output:
        report(
            multiext(f"{RESULTS}/figures/competing_risks", ".png", ".pdf"),
            caption="../report/figure_competing_risks.rst",
            category="Reviewer analyses",
            subcategory="Competing risks",
        ),
    log:
        f"{LOGS}/figure_competing_risks.log",
    benchmark:
        f"{LOGS}/benchmarks/figure_competing_risks.tsv"
    conda:
        "../envs/myoild.yaml"
    params:
        stem=output_stem,
        design=DESIGN.as_dict(),
        code=package_code("figure_competing_risks"),
    script:
        "../scripts/figure_competing_risks.py"
