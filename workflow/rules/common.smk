# Config validation, paths and input functions shared by every stage.
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from myoild.config import first_config_error
from myoild.contract import TABLES
from myoild.provenance import code_hash

try:
    validate(config, schema="../../schemas/config.schema.yaml")
except WorkflowError:
    raise WorkflowError(
        first_config_error(config, workflow.basedir + "/schemas/config.schema.yaml")
    ) from None

RESULTS = config["results_dir"].rstrip("/")
LOGS = config["logs_dir"].rstrip("/")
SYNTHETIC = config["synthetic"]
RAW_FORMATS = ("csv", "parquet", "xlsx")


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


def final_outputs():
    """Everything `rule all` asks for; each stage adds its targets here."""
    return expand(f"{RESULTS}/validated/{{table}}.parquet", table=TABLES)
