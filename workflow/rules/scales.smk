# Prospective assessment scales over visits, and glucocorticoid sparing.


rule scales:
    input:
        visits=VALIDATED["visits"],
        analysis_set=ANALYSIS_SET,
    output:
        scales=f"{RESULTS}/tables/scales.tsv",
    log:
        f"{LOGS}/scales.log",
    benchmark:
        f"{LOGS}/benchmarks/scales.tsv"
    conda:
        "../envs/myoild.yaml"
    resources:
        mem_mb=mem_mb_per_input_mb(5),
    params:
        design=DESIGN.as_dict(),
        code=package_code("scales"),
    script:
        "../scripts/scales.py"


rule glucocorticoids:
    input:
        analysis_set=ANALYSIS_SET,
    output:
        sparing=f"{RESULTS}/tables/glucocorticoids.tsv",
    log:
        f"{LOGS}/glucocorticoids.log",
    benchmark:
        f"{LOGS}/benchmarks/glucocorticoids.tsv"
    conda:
        "../envs/myoild.yaml"
    params:
        design=DESIGN.as_dict(),
        code=package_code("glucocorticoids"),
    script:
        "../scripts/glucocorticoids.py"
