# Config validation, paths and input functions shared by every stage.
import math
import os
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from myoild.config import first_config_error, first_unusable_value
from myoild.contract import COHORTS, TABLES
from myoild.design import StudyDesign
from myoild.provenance import code_hash

#: The repository: two folders above this file (workflow/rules/common.smk), whichever Snakefile runs
#: (the top-level one, or workflow/Snakefile as the Snakemake workflow catalog expects).
REPOSITORY = Path(workflow.current_basedir.get_path_or_uri(secret_free=True)).parents[1]
CONFIG_SCHEMA = REPOSITORY / "schemas" / "config.schema.yaml"
try:
    validate(config, schema="../../schemas/config.schema.yaml")
except WorkflowError:
    raise WorkflowError(first_config_error(config, CONFIG_SCHEMA)) from None
# Values the schema accepts but a stage cannot use: refused here too, before any job runs.
if unusable := first_unusable_value(config, CONFIG_SCHEMA):
    raise WorkflowError(unusable)

RESULTS = config["results_dir"].rstrip("/")
#: The study design (myoild.design): drugs, contrasts, windows, thresholds, covariates and strata of
#: the config (the paper's by default), handed to each stage that uses it as the parameter ``design``.
DESIGN = StudyDesign.from_config(config)
RETRO_CONTRASTS = DESIGN.retrospective_contrasts
PROSP_CONTRAST = DESIGN.prospective_contrast
#: Rule logs and benchmarks of this run: <logs_dir>/<name of the results folder>, so that runs into
#: different results folders keep theirs apart (the absolute path gives "." and "../x" a name).
LOGS = f"{config['logs_dir'].rstrip('/')}/{Path(os.path.abspath(RESULTS)).name}"
SYNTHETIC = config["synthetic"]
RAW_FORMATS = ("csv", "parquet", "xlsx")
VALIDATED = {table: f"{RESULTS}/validated/{table}.parquet" for table in TABLES}
ANALYSIS_SET = f"{RESULTS}/cohort/analysis_set.parquet"
#: Contrasts with a propensity model and IPTW weights: the retrospective ones, and the prospective
#: one with ``propensity.prospective``.
WEIGHTED_CONTRASTS = RETRO_CONTRASTS + ((PROSP_CONTRAST,) if config["propensity"]["prospective"] else ())
#: Kaplan-Meier figures: weighted contrasts weighted and unweighted, the others unweighted.
KM_PANELS = {
    f"{contrast}_{weighting}": (contrast, weighting)
    for contrast in WEIGHTED_CONTRASTS
    for weighting in ("weighted", "unweighted")
} | {f"{PROSP_CONTRAST}_unweighted": (PROSP_CONTRAST, "unweighted")}

#: Bootstrap chunk files: chunk k holds replicates k * chunk_size up to the configured count.
BOOTSTRAP_CHUNKS = expand(
    f"{RESULTS}/bootstrap/chunk_{{chunk}}.parquet",
    chunk=range(-(-config["bootstrap"]["replicates"] // config["bootstrap"]["chunk_size"])),
)


def chunk_replicates(wildcards):
    """[first, stop) replicate numbers of a bootstrap chunk."""
    size, total = config["bootstrap"]["chunk_size"], config["bootstrap"]["replicates"]
    first = int(wildcards.chunk) * size
    return [first, min(first + size, total)]


#: Scheduling priority of the jobs the bootstrap summary waits for (its chunks, the survival,
#: landmark and imputation models and the weights the survival models use) and of the summary
#: itself: the forest plot, the manuscript tables and the report wait for it, so with few cores
#: it runs first and figures fill the gaps (Snakemake does not pass a priority on to a job's
#: inputs, so each of them carries it).
BOOTSTRAP_PATH_PRIORITY = 1


def mem_mb_per_input_mb(factor, floor=2000):
    """A job's declared memory (MB, for a cluster's scheduler): ``factor`` times the size of its
    inputs in MB, at least ``floor`` (the cluster profile's default). The factors are the true peak
    resident memory measured at 1,000,000 patients over the inputs' size, rounded up
    (benchmarks/bench_registry.py, README "Registry scale")."""

    def mem_mb(wildcards, input):
        return max(floor, math.ceil(factor * input.size_mb))

    return mem_mb


def package_code(script):
    """Fingerprint of the myoild code a rule's script runs (the modules it imports and theirs), so
    that a change to that code reruns the rule (Snakemake's code trigger sees only the script)."""
    return code_hash(importer=REPOSITORY / "workflow" / "scripts" / f"{script}.py")


def output_folder(wildcards, output):
    """The folder of a rule's first output (for scripts that write several files there)."""
    return str(Path(output[0]).parent)


def output_stem(wildcards, output):
    """A figure's path without extension; save_figure adds .png and .pdf."""
    return str(Path(output[0]).with_suffix(""))


def figure_stem(wildcards, output):
    """The path without extension of a rule's ``figure`` output (beside a table output)."""
    return str(Path(output.figure[0]).with_suffix(""))


def results_root(wildcards, output):
    """The results folder, two levels above a rule's first output (results/<stage>/<file>)."""
    return str(Path(output[0]).parent.parent)


def raw_input_dir():
    """The folder of raw tables: the user's, or the built-in synthetic cohort's."""
    return config["input_dir"] or SYNTHETIC["out_dir"]


def raw_tables(wildcards):
    """Raw table files the validation reads; missing tables are reported by validation itself."""
    if not config["input_dir"]:
        return expand(
            "{folder}/{table}.{fmt}",
            folder=SYNTHETIC["out_dir"],
            table=TABLES,
            fmt=SYNTHETIC["format"],
        )
    folder = Path(config["input_dir"])
    return sorted(
        str(folder / f"{table}.{fmt}")
        for table in TABLES
        for fmt in RAW_FORMATS
        if (folder / f"{table}.{fmt}").is_file()
    )


def table1_inputs(wildcards):
    """The tables Table 1 and Table 2 read (myoild.tables.table1.INPUT_COLUMNS); Table 2
    (prospective) adds the baseline HRCT scores."""
    inputs = {table: VALIDATED[table] for table in ("patients", "medications", "visits")}
    inputs["analysis_set"] = ANALYSIS_SET
    if wildcards.cohort == "prospective":
        inputs["hrct_scores"] = f"{RESULTS}/tables/hrct_scores.parquet"
    return inputs


def final_outputs():
    """Every file a run leaves in the results folder but the report, the manifest and the
    validation report (which no rule declares); each stage adds its files here."""
    return [
        *VALIDATED.values(),
        VALIDATED_INPUT,
        ANALYSIS_SET,
        f"{RESULTS}/cohort/flow.tsv",
        f"{RESULTS}/cohort/flow_by_site.tsv",
        *expand(f"{RESULTS}/weights/{{contrast}}.parquet", contrast=WEIGHTED_CONTRASTS),
        f"{RESULTS}/survival/models.tsv",
        f"{RESULTS}/survival/absolute_effects.tsv",
        f"{RESULTS}/survival/landmark.tsv",
        f"{RESULTS}/survival/mi_pooled.tsv",
        *BOOTSTRAP_CHUNKS,
        *expand(
            f"{RESULTS}/tables/table1_{{cohort}}.{{ext}}",
            cohort=COHORTS,
            ext=("tsv", "md"),
        ),
        *expand(
            f"{RESULTS}/tables/{{table}}",
            table=(
                "hrct_scores.parquet",
                "hrct_agreement.tsv",
                "hrct_deltas.tsv",
                "hrct_exclusions.tsv",
                "balance.tsv",
                "weight_diagnostics.tsv",
                "survival_models.tsv",
                "km.tsv",
                "km_at_risk.tsv",
                "bootstrap.tsv",
                "absolute_effects.tsv",
                "manuscript.docx",
                "manuscript.xlsx",
                "ph_tests.tsv",
                "competing_risks.tsv",
                "sensitivity.tsv",
                "leave_one_site_out.tsv",
                "mi_estimates.tsv",
                "scales.tsv",
                "glucocorticoids.tsv",
                "adverse_events.tsv",
            ),
        ),
        *expand(
            f"{RESULTS}/figures/{{figure}}.{{ext}}",
            figure=(
                "scales_over_visits",
                "scales_by_group",
                "hrct_change",
                "adverse_events",
                "balance",
                "ps_overlap",
                "flow",
                "forest",
                "sensitivity",
                "schoenfeld",
                "competing_risks",
                "leave_one_site_out",
                *(f"km_{panel}" for panel in KM_PANELS),
            ),
            ext=("png", "pdf"),
        ),
    ]
