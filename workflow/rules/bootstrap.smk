# Bootstrap reruns of propensity model, weights and weighted Cox models, in chunks of replicates.
# Chunks form the job group "bootstrap", so a cluster profile can pack many into one cluster job.


rule bootstrap_chunk:
    input:
        analysis_set=ANALYSIS_SET,
    output:
        f"{RESULTS}/bootstrap/chunk_{{chunk}}.parquet",
    log:
        f"{LOGS}/bootstrap/chunk_{{chunk}}.log",
    benchmark:
        f"{LOGS}/benchmarks/bootstrap_chunk_{{chunk}}.tsv"
    wildcard_constraints:
        chunk=r"\d+",
    priority: BOOTSTRAP_PATH_PRIORITY
    group:
        "bootstrap"
    conda:
        "../envs/myoild.yaml"
    threads: 1
    resources:
        runtime=30,
        mem_mb=mem_mb_per_input_mb(75),
    params:
        replicates=chunk_replicates,
        contrasts=list(RETRO_CONTRASTS),
        endpoints=config["survival"]["endpoints"]["retrospective"],
        propensity=config["propensity"],
        ties=config["survival"]["ties"],
        design=DESIGN.as_dict(),
        seed=config["bootstrap"]["seed"],
        stratify=config["bootstrap"]["stratify"],
        code=package_code("bootstrap_chunk"),
    script:
        "../scripts/bootstrap_chunk.py"


rule bootstrap:
    input:
        chunks=BOOTSTRAP_CHUNKS,
        models=rules.survival.output.models,
        landmark=rules.sensitivity.output.landmark,
        mi_pooled=rules.imputation.output.pooled,
        absolute=rules.survival.output.absolute,
    output:
        bootstrap=f"{RESULTS}/tables/bootstrap.tsv",
        models=f"{RESULTS}/tables/survival_models.tsv",
        absolute=f"{RESULTS}/tables/absolute_effects.tsv",
    log:
        f"{LOGS}/bootstrap.log",
    benchmark:
        f"{LOGS}/benchmarks/bootstrap.tsv"
    priority: BOOTSTRAP_PATH_PRIORITY
    conda:
        "../envs/myoild.yaml"
    params:
        replicates=config["bootstrap"]["replicates"],
        seed=config["bootstrap"]["seed"],
        conf_level=config["bootstrap"]["conf_level"],
        max_failed_fraction=config["bootstrap"]["max_failed_fraction"],
        code=package_code("bootstrap"),
    script:
        "../scripts/bootstrap.py"
