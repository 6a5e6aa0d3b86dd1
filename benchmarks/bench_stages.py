"""Speed and memory of validation and derivation on large synthetic cohorts (run by hand).

    .venv/bin/python benchmarks/bench_stages.py [n_retrospective ...]   (default 10000 100000 1000000)

Each size runs in a fresh process: the built-in generator writes Parquet to a temporary folder,
then ``validate_folder`` and ``derive_cohort`` are timed; peak RSS is the process's maximum.
Prints a Markdown table.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time


def run_one(n_retrospective: int) -> dict:
    from myoild.derive import derive_cohort
    from myoild.synth import generate_cohort, write_cohort
    from myoild.validate import validate_folder

    with tempfile.TemporaryDirectory() as folder:
        write_cohort(generate_cohort(n_retrospective=n_retrospective, n_prospective=41), folder)
        start = time.perf_counter()
        validation = validate_folder(folder)
        validated = time.perf_counter()
        assert validation.status == "pass", validation.errors[:3]
        derivation = derive_cohort(validation.tables)
        derived = time.perf_counter()
    return {
        "n_retrospective": n_retrospective,
        "patients": len(derivation.analysis_set),
        "visit_rows": len(validation.tables["visits"]),
        "validate_s": validated - start,
        "derive_s": derived - validated,
        "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2,
    }


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--one":
        print(json.dumps(run_one(int(sys.argv[2]))))
        return
    sizes = [int(arg) for arg in sys.argv[1:]] or [10_000, 100_000, 1_000_000]
    print("| retrospective n | patients | visit rows | validate (s) | derive (s) | peak RSS (GB) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for size in sizes:
        done = subprocess.run([sys.executable, __file__, "--one", str(size)], capture_output=True, text=True, check=True)
        row = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"| {row['n_retrospective']:,} | {row['patients']:,} | {row['visit_rows']:,} | {row['validate_s']:.1f} "
            f"| {row['derive_s']:.1f} | {row['peak_rss_gb']:.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
