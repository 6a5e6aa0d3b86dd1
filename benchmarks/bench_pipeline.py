"""Where the time of a full default run goes (run by hand).

    .venv/bin/python benchmarks/bench_pipeline.py

Runs the whole default workflow (built-in cohort, every stage, figures, report, 2000 bootstrap
replicates) from a clean results folder in a temporary working directory with ``--cores 2``, then
prints the wall time, the time of ``snakemake -n`` on the finished run, and Snakemake's per-rule
``benchmark:`` timings as a Markdown table.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")


def snakemake(workdir: Path, *extra: str) -> float:
    command = [
        str(SNAKEMAKE), "--snakefile", str(ROOT / "Snakefile"), "--directory", str(workdir),
        "--configfile", str(ROOT / "config" / "config.yaml"), "--cores", "2", "--quiet", *extra,
    ]
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        wall = snakemake(workdir)
        dry = min(snakemake(workdir, "--dry-run") for _ in range(3))
        rows = []
        for path in sorted((workdir / "logs" / "results" / "benchmarks").glob("*.tsv")):  # logs/<results>/
            timing = pd.read_csv(path, sep="\t")
            rows.append({"job": path.stem, "seconds": float(timing["s"].iloc[0]), "max_rss_mb": timing["max_rss"].iloc[0]})
    print(f"Full default run, clean results folder, --cores 2: {wall:.1f} s wall")
    print(f"`snakemake -n` on the finished run: {dry:.2f} s\n")
    print("| job | seconds | max RSS (MB) |")
    print("|---|---:|---:|")
    for row in sorted(rows, key=lambda item: -item["seconds"]):
        print(f"| {row['job']} | {row['seconds']:.2f} | {row['max_rss_mb']} |")


if __name__ == "__main__":
    main()
