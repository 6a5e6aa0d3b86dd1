"""Write the built-in synthetic cohort (rule synth)."""

from myoild.pipeline import rule_log
from myoild.synth import generate_cohort, write_cohort

with rule_log(snakemake.log[0]):
    cohort = generate_cohort(
        seed=snakemake.params.seed,
        n_retrospective=snakemake.params.n_retrospective,
        n_prospective=snakemake.params.n_prospective,
    )
    write_cohort(cohort, snakemake.params.out_dir, fmt=snakemake.params.fmt)
