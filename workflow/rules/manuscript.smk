# Manuscript-ready tables: Table 1, Table 2, the hazard ratios and the adverse events, rounded as
# journals print them, as a Word file and an Excel workbook (the TSVs keep full precision).


rule manuscript:
    input:
        table1_retrospective=f"{RESULTS}/tables/table1_retrospective.tsv",
        table1_prospective=f"{RESULTS}/tables/table1_prospective.tsv",
        models=rules.bootstrap.output.models,
        absolute=rules.bootstrap.output.absolute,
        adverse_events=rules.adverse_events.output.table,
    output:
        docx=report(
            f"{RESULTS}/tables/manuscript.docx",
            caption="../report/manuscript_docx.rst",
            category="Manuscript",
        ),
        xlsx=report(
            f"{RESULTS}/tables/manuscript.xlsx",
            caption="../report/manuscript_xlsx.rst",
            category="Manuscript",
        ),
    log:
        f"{LOGS}/manuscript.log",
    benchmark:
        f"{LOGS}/benchmarks/manuscript.tsv"
    conda:
        "../envs/myoild.yaml"
    params:
        tables=config["tables"],
        bootstrap_level=config["bootstrap"]["conf_level"],
        design=DESIGN.as_dict(),
        min_cell_count=config["report"]["min_cell_count"],
        code=package_code("manuscript"),
    script:
        "../scripts/manuscript.py"
