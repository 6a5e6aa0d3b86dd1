"""The myoild command: the library's steps without Snakemake, and the workflow with settings given on
the command line. "myoild COMMAND --help" describes a command.

myoild run writes its --set values to a YAML overlay and runs Snakemake with
``--configfile config/config.yaml [--configfile files] <overlay>`` from the repository folder (where
the Snakefile is), after validating the merged settings against schemas/config.schema.yaml. The
overlay is kept, under the repository's .myoild/ folder, named by its content's hash: Snakemake
passes config files by path to every job it submits to a cluster (and, without a shared file
system, only files inside its working directory), so a temporary file deleted at the end, or one
outside the working directory, would break cluster runs; the hash keeps runs with other settings
from overwriting a file a running workflow still needs, and the file records what was run.
"""

from __future__ import annotations

import argparse
import hashlib
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

from myoild import __version__
from myoild.synth.params import DEFAULT_SEED

DESCRIPTION = """\
The myoild pipeline (Chen et al. 2022, tacrolimus in myositis-associated ILD) from the command line.
Run "myoild COMMAND --help" for a command's options.
"""
RUN_DESCRIPTION = """\
Run the workflow with config/config.yaml, then any --configfile, then the --set values, checked
against schemas/config.schema.yaml before anything runs. Arguments after -- go to Snakemake
unchanged: targets (validate, all) and options (-n for a dry run).
"""
RUN_EPILOG = """\
examples:
  myoild run --cores 4
  myoild run --set bootstrap.replicates=100 --set propensity.covariates=[age_years,sex]
  myoild run --set input_dir=/data/cohort --set results_dir=results_cohort -- validate
  myoild run -- -n        (a dry run: what would run)

Values are read as YAML: 100 is an integer, 0.5 a number, true a boolean, [a,b] a list, an empty
value the empty string. Every key, with its default, is in schemas/config.schema.yaml. Relative
paths are relative to the repository folder, where Snakemake runs.
"""
#: The repository folder (Snakefile, config/, schemas/, workflow/) when the package is installed from a
#: clone in editable mode (src/myoild/cli.py, two folders down); otherwise a folder without a Snakefile.
INSTALLED_FROM = Path(__file__).resolve().parents[2]
OVERLAY_DIR = ".myoild"


def _synth(args: argparse.Namespace) -> int:
    from myoild.synth import generate_cohort, write_cohort

    cohort = generate_cohort(seed=args.seed, n_retrospective=args.n_retrospective, n_prospective=args.n_prospective)
    write_cohort(cohort, args.out, fmt=args.format)
    patients = cohort.tables["patients"]["cohort"].value_counts()
    rows = ", ".join(f"{name} {len(table)}" for name, table in cohort.tables.items())
    print(
        f"Wrote the synthetic cohort (seed {args.seed}) to {Path(args.out).resolve()} as {args.format}: "
        f"{patients.get('retrospective', 0)} retrospective patients (eligible and screened out) and "
        f"{patients.get('prospective', 0)} prospective patients; tables (rows): {rows}; "
        "the generator's truth in truth/patients.parquet and truth/parameters.json.",
        file=sys.stderr,
    )
    return 0


def _validate(args: argparse.Namespace) -> int:
    from myoild.validate import main as validate_main

    return validate_main(args.input, args.results)


class RunError(ValueError):
    """A problem that stops myoild run before Snakemake starts, described in one line."""


def parse_setting(text: str) -> tuple[list[str], object]:
    """``KEY.SUBKEY=VALUE`` as (``["KEY", "SUBKEY"]``, the value read as YAML; empty: ``""``)."""
    key, equals, value = text.partition("=")
    path = key.strip().split(".")
    if not equals or not all(path):
        raise RunError(f"--set {text!r}: expected KEY=VALUE, nested keys joined by dots (bootstrap.replicates=100)")
    try:
        parsed = yaml.safe_load(value) if value.strip() else ""
    except yaml.YAMLError as exc:
        problem = str(exc).splitlines()[0]
        raise RunError(f"--set {text!r}: the value is not valid YAML ({problem})") from None
    return path, parsed


def settings_overlay(settings: list[str]) -> dict:
    """The --set values as one nested mapping; a later value of the same key replaces an earlier one."""
    overlay: dict = {}
    for text in settings:
        path, value = parse_setting(text)
        level = overlay
        for depth, part in enumerate(path[:-1]):
            level = level.setdefault(part, {})
            if not isinstance(level, dict):
                raise RunError(f"--set {text!r}: {'.'.join(path[: depth + 1])} is set to a value, not to keys")
        level[path[-1]] = value
    return overlay


def workflow_files(workflow_dir: str | None) -> tuple[Path, Path, Path, Path]:
    """The repository folder, its Snakefile, config/config.yaml and schemas/config.schema.yaml."""
    repository = Path(workflow_dir).resolve() if workflow_dir else INSTALLED_FROM
    files = tuple(repository / name for name in ("Snakefile", "config/config.yaml", "schemas/config.schema.yaml"))
    if all(path.is_file() for path in files):
        return (repository, *files)
    where = f"no workflow (Snakefile, config/config.yaml, schemas/config.schema.yaml) in {repository}"
    if workflow_dir:
        raise RunError(where)
    raise RunError(
        f"{where}: the myoild package is not installed from a clone of the repository; clone it and run "
        "'pip install -e .' there, or pass --workflow-dir with the clone's folder"
    )


def merged_config(configfiles: list[Path], overlay: dict, schema_path: Path) -> dict:
    """The config files merged in order, then the overlay, as Snakemake merges them
    (``snakemake.utils.update_config``); RunError with ``myoild.config.first_config_error``'s line
    when the result does not match the schema, or ``first_unusable_value``'s when a value cannot
    work (the same checks the workflow makes at start)."""
    import jsonschema
    from snakemake.utils import update_config

    from myoild.config import first_config_error, first_unusable_value

    config: dict = {}
    for path in configfiles:
        try:
            settings = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise RunError(f"cannot read the config file {path}: {str(exc).splitlines()[0]}") from None
        if not isinstance(settings, dict):
            raise RunError(f"the config file {path} does not hold KEY: VALUE settings")
        update_config(config, settings)
    update_config(config, overlay)
    schema = yaml.safe_load(schema_path.read_text(encoding="utf-8"))
    if not jsonschema.validators.validator_for(schema)(schema).is_valid(config):
        raise RunError(first_config_error(config, schema_path))
    unusable = first_unusable_value(config, schema_path)
    if unusable:
        raise RunError(unusable)
    return config


def write_overlay(overlay: dict, repository: Path) -> Path:
    """``<repository>/.myoild/config-<hash>.yaml`` holding ``overlay`` (module docstring: why there)."""
    text = "# Written by myoild run: its --set values, read after config/config.yaml.\n" + yaml.safe_dump(
        overlay, sort_keys=True, default_flow_style=False
    )
    path = repository / OVERLAY_DIR / f"config-{hashlib.sha256(text.encode()).hexdigest()[:12]}.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _run(args: argparse.Namespace) -> int:
    try:
        repository, snakefile, base, schema = workflow_files(args.workflow_dir)
        overlay = settings_overlay(args.set)
        configfiles = [base, *(Path(path).resolve() for path in args.configfile)]
        merged_config(configfiles, overlay, schema)
    except RunError as exc:
        print(f"myoild run: {exc}", file=sys.stderr)
        return 2
    if overlay:
        configfiles.append(write_overlay(overlay, repository))
    command = [sys.executable, "-m", "snakemake", "--snakefile", str(snakefile), "--configfile", *map(str, configfiles)]
    if args.cores is not None:
        command += ["--cores", str(args.cores)]
    command += args.snakemake_args
    print(f"myoild run: in {repository}: {shlex.join(command)}", file=sys.stderr)
    return subprocess.run(command, cwd=repository, check=False).returncode


def build_parser() -> argparse.ArgumentParser:
    """Sub-commands: ``synth`` writes the built-in cohort, ``validate`` checks a raw-data folder,
    ``run`` runs the workflow."""
    parser = argparse.ArgumentParser(
        prog="myoild", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", title="commands")

    synth = commands.add_parser(
        "synth",
        help="write the built-in synthetic cohort",
        description="Write a synthetic IIM-ILD cohort calibrated to the paper: the five raw tables and the "
        "generator's truth (truth/patients.parquet, truth/parameters.json). Same seed and sizes, same files.",
    )
    synth.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default: %(default)s)")
    synth.add_argument(
        "--n-retrospective",
        type=int,
        metavar="N",
        default=250,
        help="eligible retrospective patients; screened-out patients are added (default: %(default)s)",
    )
    synth.add_argument(
        "--n-prospective",
        type=int,
        default=41,
        metavar="N",
        help="prospective patients enrolled (default: %(default)s)",
    )
    synth.add_argument("--out", required=True, metavar="DIR", help="folder to write the tables to (required)")
    synth.add_argument(
        "--format", choices=("parquet", "csv"), default="parquet", help="file format (default: %(default)s)"
    )
    synth.set_defaults(run=_synth)

    check = commands.add_parser(
        "validate",
        help="check a folder of raw tables against the data contract",
        description="Validate the five raw tables against the data contract (docs/DATA_CONTRACT.md); write "
        "validation/report.json and report.md and, when they pass, the normalised tables to validated/.",
    )
    check.add_argument("--input", required=True, metavar="DIR", help="folder with the five raw tables (required)")
    check.add_argument(
        "--results", required=True, metavar="DIR", help="results folder; validation/ and validated/ go here (required)"
    )
    check.set_defaults(run=_validate)

    run = commands.add_parser(
        "run",
        help="run the Snakemake workflow, with settings given as --set KEY=VALUE",
        description=RUN_DESCRIPTION,
        epilog=RUN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a setting, nested keys joined by dots, e.g. bootstrap.replicates=100; repeat for more "
        "(default: none, the settings of the config files)",
    )
    run.add_argument(
        "--configfile",
        action="append",
        default=[],
        metavar="FILE",
        help="a YAML config file read after config/config.yaml and before the --set values; repeat for more "
        "(default: none)",
    )
    run.add_argument(
        "--cores",
        type=int,
        metavar="N",
        help="CPU cores Snakemake may use (default: the workflow profile's, profiles/default: all cores)",
    )
    run.add_argument(
        "--workflow-dir",
        metavar="DIR",
        help=f"the repository folder with the Snakefile (default: the clone the package is installed from, "
        f"{INSTALLED_FROM})",
    )
    run.add_argument(
        "snakemake_args",
        nargs="*",
        metavar="-- SNAKEMAKE_ARGS",
        help="targets and options passed to Snakemake (default: none: the whole workflow)",
    )
    run.set_defaults(run=_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
