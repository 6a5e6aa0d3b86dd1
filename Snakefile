# myoild: Chen et al. 2022 (tacrolimus in IIM-ILD) from raw clinical tables to tables, figures and report.
# Run `snakemake --cores 2`; see README.md. Each stage is a rule file in workflow/rules/.


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/synth.smk"
include: "workflow/rules/validate.smk"
include: "workflow/rules/derive.smk"
include: "workflow/rules/weights.smk"
include: "workflow/rules/survival.smk"
include: "workflow/rules/sensitivity.smk"
include: "workflow/rules/bootstrap.smk"
include: "workflow/rules/hrct.smk"
include: "workflow/rules/scales.smk"
include: "workflow/rules/adverse_events.smk"
include: "workflow/rules/manuscript.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/manifest.smk"


rule all:
    default_target: True
    input:
        final_outputs(),
        rules.report.output,
        rules.manifest.output,
