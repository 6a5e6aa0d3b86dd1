# myoild: Chen et al. 2022 (tacrolimus in IIM-ILD) from raw clinical tables to tables, figures and report.
# Run `snakemake --cores 2`; see README.md. Each stage is a rule file in workflow/rules/.
from snakemake.exceptions import WorkflowError

from myoild.results_folder import ResultsFolderInUse, ResultsFolderLock


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


# One run at a time writes a results folder (myoild.results_folder; Snakemake's own lock covers its
# working directory only). Snakemake calls onstart for a real run that has jobs to run, not for dry
# runs, --lint or the jobs it starts (--no-hooks), and onsuccess or onerror when that run ends.
RESULTS_LOCK = ResultsFolderLock(RESULTS)


onstart:
    try:
        RESULTS_LOCK.acquire()
    except ResultsFolderInUse as busy:
        raise WorkflowError(str(busy)) from None


onsuccess:
    RESULTS_LOCK.release()


onerror:
    RESULTS_LOCK.release()


rule all:
    default_target: True
    input:
        final_outputs(),
        rules.report.output,
        rules.manifest.output,
