# manifest.json: sha256 and size of every input and output, the config and the software versions.


rule manifest:
    input:
        raw=raw_tables,
        outputs=final_outputs(),
        report=rules.report.output,
    output:
        f"{RESULTS}/manifest.json",
    log:
        f"{LOGS}/manifest.log",
    benchmark:
        f"{LOGS}/benchmarks/manifest.tsv"
    conda:
        "../envs/myoild.yaml"
    params:
        input_dir=raw_input_dir(),
        results_dir=output_folder,
        config=config,
        code=package_code("manifest"),
    script:
        "../scripts/manifest.py"
