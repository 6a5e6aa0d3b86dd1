# Cohort derivation: screening, groups, covariates and endpoints; patient flow; Table 1 and Table 2.


rule derive:
    input:
        **{table: VALIDATED[table] for table in ("patients", "medications", "visits")},
    output:
        analysis_set=ANALYSIS_SET,
        flow=f"{RESULTS}/cohort/flow.tsv",
        flow_by_site=f"{RESULTS}/cohort/flow_by_site.tsv",
    log:
        f"{LOGS}/derive.log",
    benchmark:
        f"{LOGS}/benchmarks/derive.tsv"
    conda:
        "../envs/myoild.yaml"
    # the endpoints derived beside the groups and covariates (derive_cohort's workers)
    threads: 2
    resources:
        mem_mb=mem_mb_per_input_mb(25),
    params:
        design=DESIGN.as_dict(),
        code=package_code("derive"),
    script:
        "../scripts/derive.py"


rule table1:
    input:
        unpack(table1_inputs),
    output:
        tsv=f"{RESULTS}/tables/table1_{{cohort}}.tsv",
        md=report(
            f"{RESULTS}/tables/table1_{{cohort}}.md",
            caption="../report/table_table1.rst",
            category="Cohort",
            subcategory="Table 1 and Table 2",
            labels={"cohort": "{cohort}"},
        ),
    log:
        f"{LOGS}/table1_{{cohort}}.log",
    benchmark:
        f"{LOGS}/benchmarks/table1_{{cohort}}.tsv"
    wildcard_constraints:
        cohort="|".join(COHORTS),
    conda:
        "../envs/myoild.yaml"
    resources:
        mem_mb=mem_mb_per_input_mb(25),
    params:
        categorical_test=config["tables"]["categorical_test"],
        continuous_test=config["tables"]["continuous_test"],
        min_cell_count=config["report"]["min_cell_count"],
        design=DESIGN.as_dict(),
        code=package_code("table1"),
    script:
        "../scripts/table1.py"
