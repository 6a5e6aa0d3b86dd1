"""Time the synthetic cohort generator: generate and write (Parquet) separately, with peak memory.

Each size runs in a fresh process so that its peak RSS (``resource.getrusage``, ru_maxrss) is its
own. Prints a Markdown table. Usage::

    .venv/bin/python benchmarks/bench_synth.py [--sizes 250 10000 100000 1000000] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_SIZES = (250, 10_000, 100_000, 1_000_000)


def run_one(n_retrospective: int, out_dir: Path) -> dict:
    """Generate and write one cohort in this process; return timings, row counts and peak RSS."""
    from myoild.synth import generate_cohort, write_cohort

    start = time.perf_counter()
    cohort = generate_cohort(n_retrospective=n_retrospective)
    generated = time.perf_counter()
    paths = write_cohort(cohort, out_dir, "parquet")
    written = time.perf_counter()
    return {
        "n_retrospective": n_retrospective,
        "patients": len(cohort.tables["patients"]),
        "visit_rows": len(cohort.tables["visits"]),
        "medication_rows": len(cohort.tables["medications"]),
        "generate_s": generated - start,
        "write_s": written - generated,
        "megabytes_on_disk": sum(p.stat().st_size for p in paths) / 1e6,
        "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6,  # Linux: kilobytes
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--out", type=Path, default=None, help="where to write (default: a temporary folder)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child process: a single size
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(run_one(args.one, args.out)))
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            out = (args.out or Path(tmp)) / f"n{n}"
            child = subprocess.run(
                [sys.executable, __file__, "--one", str(n), "--out", str(out)],
                check=True,
                capture_output=True,
                text=True,
            )
            rows.append(json.loads(child.stdout))
    header = ("retrospective n", "patients", "visit rows", "medication rows", "generate (s)", "write Parquet (s)")
    header += ("on disk (MB)", "peak RSS (GB)")
    print("| " + " | ".join(header) + " |")
    print("|" + "---:|" * len(header))
    for r in rows:
        print(
            f"| {r['n_retrospective']:,} | {r['patients']:,} | {r['visit_rows']:,} | {r['medication_rows']:,} | "
            f"{r['generate_s']:.1f} | {r['write_s']:.1f} | {r['megabytes_on_disk']:.1f} | {r['peak_rss_gb']:.2f} |"
        )


if __name__ == "__main__":
    main()
