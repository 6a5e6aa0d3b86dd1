"""The ``myoild`` command: the library's steps without Snakemake (``myoild --help``)."""

from __future__ import annotations

import argparse
import sys

from myoild.synth.params import DEFAULT_SEED


def _synth(args: argparse.Namespace) -> int:
    from myoild.synth import generate_cohort, write_cohort

    cohort = generate_cohort(
        seed=args.seed, n_retrospective=args.n_retrospective, n_prospective=args.n_prospective
    )
    write_cohort(cohort, args.out, fmt=args.format)
    return 0


def _validate(args: argparse.Namespace) -> int:
    from myoild.validate import main as validate_main

    return validate_main(args.input, args.results)


def build_parser() -> argparse.ArgumentParser:
    """Sub-commands: ``synth`` writes the built-in cohort, ``validate`` checks a raw-data folder."""
    parser = argparse.ArgumentParser(prog="myoild", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    synth = commands.add_parser("synth", help="write a synthetic IIM-ILD cohort calibrated to the paper")
    synth.add_argument("--seed", type=int, default=DEFAULT_SEED)
    synth.add_argument("--n-retrospective", type=int, default=250, help="eligible retrospective patients")
    synth.add_argument("--n-prospective", type=int, default=41, help="prospective patients screened")
    synth.add_argument("--out", required=True, help="folder to write the five tables to")
    synth.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    synth.set_defaults(run=_synth)

    check = commands.add_parser("validate", help="validate a folder of raw tables against the data contract")
    check.add_argument("--input", required=True, help="folder with the five raw tables")
    check.add_argument("--results", required=True, help="results folder (validation/ and validated/ go here)")
    check.set_defaults(run=_validate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
