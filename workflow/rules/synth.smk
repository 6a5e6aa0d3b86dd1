# The built-in synthetic cohort (used when config input_dir is empty).


rule synth:
    output:
        tables=expand(
            "{folder}/{table}.{fmt}",
            folder=SYNTHETIC["out_dir"],
            table=TABLES,
            fmt=SYNTHETIC["format"],
        ),
        truth=f"{SYNTHETIC['out_dir']}/truth/patients.parquet",
        parameters=f"{SYNTHETIC['out_dir']}/truth/parameters.json",
    log:
        f"{LOGS}/synth.log",
    benchmark:
        f"{LOGS}/benchmarks/synth.tsv"
    conda:
        "../envs/myoild.yaml"
    params:
        seed=SYNTHETIC["seed"],
        n_retrospective=SYNTHETIC["n_retrospective"],
        n_prospective=SYNTHETIC["n_prospective"],
        fmt=SYNTHETIC["format"],
        out_dir=output_folder,
        code=package_code("synth"),
    script:
        "../scripts/synth.py"
