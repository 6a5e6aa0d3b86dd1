"""Speed and memory of validation and derivation on large synthetic cohorts (run by hand).

    .venv/bin/python benchmarks/bench_stages.py [n_retrospective ...]   (default 10000 100000 1000000)
    .venv/bin/python benchmarks/bench_stages.py --cohort DIR --checkout A --checkout B [--repeat 3]

Each measurement runs in a fresh process: validation (``validate_folder`` and writing the
normalised tables) and derivation (``derive_cohort`` on the tables read as the derive job reads
them) are timed; peak RSS is the process's maximum. By size, the built-in generator writes
Parquet to a temporary folder first. With ``--cohort``, the raw tables of DIR are used and each
``--checkout`` (a copy of this repository: its ``src`` is imported) runs ``--repeat`` times,
the checkouts interleaved so that they share the machine's load; the median is shown, with the
1-minute load average around the runs. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run_one(raw: str | None, n_retrospective: int) -> dict:
    import pandas as pd

    from myoild import derive
    from myoild.synth import generate_cohort, write_cohort
    from myoild.validate import validate_folder
    from myoild.validate.core import write_normalised

    with tempfile.TemporaryDirectory() as folder:
        if raw is None:
            raw = folder
            write_cohort(generate_cohort(n_retrospective=n_retrospective, n_prospective=41), folder)
        start = time.perf_counter()
        validation = validate_folder(raw)
        assert validation.status == "pass", validation.errors[:3]
        paths = {path.stem: path for path in write_normalised(validation, Path(folder) / "validated")}
        validated = time.perf_counter()
        patients, visits = len(validation.tables["patients"]), len(validation.tables["visits"])
        del validation
        # As the derive job reads them: the columns it declares where the checkout declares them.
        columns = getattr(derive, "INPUT_COLUMNS", dict.fromkeys(paths))
        tables = {table: pd.read_parquet(paths[table], columns=names) for table, names in columns.items()}
        derive.derive_cohort(tables)
        derived = time.perf_counter()
    return {
        "n_retrospective": n_retrospective,
        "patients": patients,
        "visit_rows": visits,
        "validate_s": validated - start,
        "derive_s": derived - validated,
        "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2,
    }


def child(raw: str | None, size: int, checkout: Path | None = None) -> dict:
    """``run_one`` in a fresh process, importing myoild from ``checkout`` when given."""
    environment = dict(os.environ)
    if checkout is not None:
        environment["PYTHONPATH"] = str(checkout.resolve() / "src")
    command = [sys.executable, __file__, "--one", str(size), *(["--cohort", raw] if raw else [])]
    done = subprocess.run(command, capture_output=True, text=True, check=True, env=environment)
    return json.loads(done.stdout.strip().splitlines()[-1])


def compare(raw: str, checkouts: list[Path], repeat: int) -> None:
    """Each checkout ``repeat`` times on the cohort ``raw``, interleaved; medians."""
    rows: dict[Path, list[dict]] = {checkout: [] for checkout in checkouts}
    load_before = os.getloadavg()[0]
    for _ in range(repeat):
        for checkout in checkouts:
            rows[checkout].append(child(raw, 0, checkout))
    load_after = os.getloadavg()[0]
    print(f"{raw}, {repeat} interleaved runs each; 1-minute load {load_before:.2f} before, {load_after:.2f} after\n")
    print("| checkout | validate (s) | derive (s) | peak RSS (GB) | runs (validate s / derive s / GB) |")
    print("|---|---:|---:|---:|---|")
    for checkout, runs in rows.items():
        median = {key: statistics.median(run[key] for run in runs) for key in ("validate_s", "derive_s", "peak_rss_gb")}
        each = ", ".join(f"{r['validate_s']:.1f} / {r['derive_s']:.1f} / {r['peak_rss_gb']:.2f}" for r in runs)
        print(
            f"| {checkout} | {median['validate_s']:.1f} | {median['derive_s']:.1f} | {median['peak_rss_gb']:.2f} "
            f"| {each} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--cohort", help="a folder of raw tables to use instead of generating one")
    parser.add_argument("--checkout", type=Path, action="append", help="a copy of the repository to compare")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child process: one measurement
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(run_one(args.cohort, args.one)))
        return
    if args.checkout:
        if not args.cohort:
            parser.error("--checkout needs --cohort")
        compare(args.cohort, args.checkout, args.repeat)
        return
    print("| retrospective n | patients | visit rows | validate (s) | derive (s) | peak RSS (GB) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for size in args.sizes:
        row = child(args.cohort, size)
        print(
            f"| {row['n_retrospective']:,} | {row['patients']:,} | {row['visit_rows']:,} | {row['validate_s']:.1f} "
            f"| {row['derive_s']:.1f} | {row['peak_rss_gb']:.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
