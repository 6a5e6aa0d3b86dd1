"""The workflow configuration: one readable line for the first thing wrong with it.

Two checks, both before any stage runs: the JSON schema (``first_config_error``), then the values
the schema accepts but a stage cannot use (``first_unusable_value``).
"""

from __future__ import annotations

import copy
from pathlib import Path

import jsonschema
import yaml

#: Fewest bootstrap replicates the percentile interval is computed from (0 switches the bootstrap
#: off): one replicate gives an interval of zero width, a handful give the extreme replicates. The
#: floor of issue 13; a percentile interval worth reporting takes about 1000 or more (Efron &
#: Tibshirani 1993).
MIN_BOOTSTRAP_REPLICATES = 20


def first_config_error(config: dict, schema_path: str | Path) -> str:
    """Describe the most relevant JSON-schema violation of ``config`` in one line, e.g.
    ``config error at synthetic.seed: -1 is less than the minimum of 0``."""
    schema = _schema(schema_path)
    validator = jsonschema.Draft202012Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(config))
    if error is None:
        return "config error: the configuration does not match schemas/config.schema.yaml"
    where = ".".join(str(part) for part in error.absolute_path) or "top level"
    return f"config error at {where}: {error.message} (see schemas/config.schema.yaml)"


def first_unusable_value(config: dict, schema_path: str | Path) -> str | None:
    """The first value of ``config`` (valid by the schema) that a stage cannot use, as one line
    ``config error at <key>: <why>``, or None. Keys the config leaves out take the schema's
    defaults, as the workflow's validation fills them in.

    Refused: ``propensity.truncate_percentiles`` that is not empty or ``[low, high]`` with
    low < high; ``propensity.stabilized`` with an estimand other than ATE (stabilised weights are
    defined for the ATE only); ``bootstrap.replicates`` from 1 to ``MIN_BOOTSTRAP_REPLICATES - 1``;
    ``study.treatment_window_days`` not shorter than ``study.followup_days`` (the groups and the
    landmark need follow-up after the window); ``study.comparators`` naming ``study.treatment``, or
    ``study.add_on`` the treatment itself (a drug cannot be compared with itself). (``missing.imputations`` below 2, which leaves
    Rubin's rules no between-imputation variance, is refused by the schema's own minimum.)
    """
    config = with_defaults(config, _schema(schema_path))
    folder_problem = unusable_folder(config)
    if folder_problem:
        return folder_problem
    propensity, bootstrap, study = config["propensity"], config["bootstrap"], config["study"]
    truncate = propensity["truncate_percentiles"]
    if truncate and (len(truncate) != 2 or not truncate[0] < truncate[1]):
        return (
            f"config error at propensity.truncate_percentiles: {truncate} is not [low, high] with low < high "
            "(e.g. [1, 99]); leave it empty for no truncation"
        )
    if propensity["stabilized"] and propensity["estimand"] != "ATE":
        return (
            f"config error at propensity.stabilized: stabilised weights are defined for the ATE only, not for "
            f"estimand {propensity['estimand']}; set stabilized: false"
        )
    if 0 < bootstrap["replicates"] < MIN_BOOTSTRAP_REPLICATES:
        return (
            f"config error at bootstrap.replicates: {bootstrap['replicates']} replicates give no percentile "
            f"interval; use at least {MIN_BOOTSTRAP_REPLICATES} (e.g. 2000), or 0 to switch the bootstrap off"
        )
    if study["treatment_window_days"] >= study["followup_days"]:
        return (
            f"config error at study.treatment_window_days: {study['treatment_window_days']} days is not shorter "
            f"than study.followup_days ({study['followup_days']}): no follow-up would remain after the "
            "treatment-start window"
        )
    if study["treatment"] in study["comparators"]:
        return (
            f"config error at study.comparators: {study['comparators']} names the treatment {study['treatment']!r}; "
            "a per-drug contrast compares the treatment with another immunosuppressant"
        )
    if study["add_on"] == study["treatment"]:
        return (
            f"config error at study.add_on: {study['add_on']!r} is the treatment itself; name the drug added to it "
            "in the prospective cohort (e.g. pirfenidone)"
        )
    return None


#: Folders a run must never write into (and everything below them).
SYSTEM_FOLDERS = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/proc", "/sbin", "/sys", "/usr")


def unusable_folder(config: dict) -> str | None:
    """Why ``results_dir``, ``logs_dir`` or ``input_dir`` cannot be used, or None: a brace in the
    path (Snakemake would read it as a wildcard), a results or logs folder that is ``/`` or a
    system folder, or a results folder that holds the input folder (a run would write among the
    raw tables)."""
    for key in ("results_dir", "logs_dir", "input_dir"):
        if "{" in config[key] or "}" in config[key]:
            return (
                f"config error at {key}: {config[key]!r} contains a brace, which Snakemake reads as a wildcard; "
                "rename the folder"
            )
    for key in ("results_dir", "logs_dir"):
        folder = Path(config[key]).resolve()
        system = [root for root in SYSTEM_FOLDERS if folder == Path(root) or Path(root) in folder.parents]
        if folder == Path(folder.anchor) or system:
            return f"config error at {key}: {config[key]!r} is {'the root folder' if not system else 'a system folder'}; choose a folder of your own"
    if config["input_dir"]:
        results, raw = Path(config["results_dir"]).resolve(), Path(config["input_dir"]).resolve()
        if results == raw or results in raw.parents:
            return (
                f"config error at results_dir: {config['results_dir']!r} holds the input folder "
                f"{config['input_dir']!r}; a run would write among the raw tables: choose another results folder"
            )
    return None


def with_defaults(config: dict, schema: dict) -> dict:
    """A copy of ``config`` with the schema's default for every key it leaves out, in nested
    sections too (as ``snakemake.utils.validate(..., set_default=True)`` fills them in)."""
    filled = copy.deepcopy(config)
    for key, sub in schema.get("properties", {}).items():
        if key not in filled and "default" in sub:
            filled[key] = copy.deepcopy(sub["default"])
        if isinstance(filled.get(key), dict) and "properties" in sub:
            filled[key] = with_defaults(filled[key], sub)
    return filled


def _schema(schema_path: str | Path) -> dict:
    return yaml.safe_load(Path(schema_path).read_text(encoding="utf-8"))
