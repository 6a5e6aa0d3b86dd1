# The self-contained report.html, built from the finished tables and figures.


rule report:
    input:
        outputs=final_outputs(),
    output:
        report(
            f"{RESULTS}/report.html",
            caption="../report/report_html.rst",
            category="Report",
        ),
    log:
        f"{LOGS}/report.log",
    benchmark:
        f"{LOGS}/benchmarks/report.tsv"
    conda:
        "../envs/myoild.yaml"
    params:
        results_dir=output_folder,
        config=config,
        code=package_code("report"),
    script:
        "../scripts/report.py"
