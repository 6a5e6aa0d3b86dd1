# myoild: Chen et al. 2022 (tacrolimus in IIM-ILD) from raw clinical tables to tables, figures and report.
# Run `snakemake --cores 2`; see README.md. Each stage is a rule file in workflow/rules/.


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/synth.smk"
include: "workflow/rules/validate.smk"


rule all:
    default_target: True
    input:
        final_outputs(),
