"""Registry scale: the whole workflow on a large built-in cohort, per-rule wall time and true peak RSS.

    .venv/bin/python benchmarks/bench_registry.py [--patients 1000000] [--replicates 20] [--runs 3]
        [--format parquet|csv] [--work DIR] [--keep]

The built-in generator writes the cohort once (``synthetic.n_retrospective`` = ``--patients``,
41 prospective patients; not timed) into ``DIR/synthetic-<format>-<n>``; then each run executes
the whole default target into a fresh results folder with ``--cores 2`` and
``bootstrap.replicates`` = ``--replicates``. While Snakemake runs, its process tree is sampled
every 0.1 s (psutil): a job is a child process of Snakemake, its RSS the sum over the child and its
own children, and the job is named by the log file it opens (``logs/<results>/<job>.log``).
Snakemake's ``benchmark:`` files are not used: they sample too rarely and miss a job's peak.

Prints, as Markdown: the wall time of each run with the 1-minute load average before and after it;
per job the median wall time and the median and largest peak RSS over the runs, sorted by time;
the Snakemake process's own peak; and the largest sum of RSS over all jobs running at once.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import yaml

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
SAMPLE_SECONDS = 0.1
#: The jobs import myoild from this checkout (also when another is installed in the virtualenv).
ENVIRONMENT = {
    **os.environ,
    "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])),
}


@dataclass
class Job:
    """One job process seen while sampling: its name (log file), lifetime (epoch seconds; it ends
    at the last sample that saw it) and peak RSS (bytes)."""

    pid: int
    started: float
    name: str
    last_seen: float = 0.0
    peak_rss: int = 0

    @property
    def wall(self) -> float:
        return self.last_seen - self.started


@dataclass
class Run:
    wall: float
    load_before: float
    load_after: float
    jobs: dict[str, Job] = field(default_factory=dict)
    snakemake_peak: int = 0
    concurrent_peak: int = 0


def config_file(work: Path, args: argparse.Namespace, results: str) -> Path:
    """A config overlay: the large built-in cohort, the bootstrap count, results and logs under ``work``."""
    base = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    overlay = {
        "results_dir": str(work / results),
        "logs_dir": str(work / "logs"),
        "synthetic": {
            **base["synthetic"],
            "n_retrospective": args.patients,
            "format": args.format,
            "out_dir": str(work / f"synthetic-{args.format}-{args.patients}"),
        },
        "bootstrap": {**base["bootstrap"], "replicates": args.replicates},
    }
    path = work / f"{results}.yaml"
    path.write_text(yaml.safe_dump(overlay))
    return path


def snakemake_command(work: Path, config: Path, *targets: str) -> list[str]:
    return [
        str(SNAKEMAKE), "--snakefile", str(ROOT / "Snakefile"), "--directory", str(work),
        "--configfile", str(ROOT / "config" / "config.yaml"), str(config), "--cores", "2", "--quiet", "all", "--", *targets,
    ]  # fmt: skip


def job_name(process: psutil.Process, logs: Path) -> str | None:
    """The job's log file relative to the run's logs folder, without ``.log`` (``bootstrap/chunk_0``),
    read from the script Snakemake wrote for the job (its preamble holds the job's log paths); else
    the script's name, or for another program (the scheduler's ILP solver) the program's name; None
    when the process has ended already (a helper too short to measure)."""
    try:
        command = process.cmdline()
    except psutil.NoSuchProcess:
        return None
    script = next((Path(part) for part in command if part.endswith(".py")), None)
    if script is None:
        return Path(command[0]).name if command else "unknown"
    try:
        found = re.search(re.escape(f"{logs}/") + r"([\w/.-]+?)\.log", script.read_text(errors="replace"))
    except OSError:
        found = None
    return found.group(1) if found else script.stem.split(".", 1)[-1]


def started(process: psutil.Process, now: float) -> float:
    """When the process started (epoch seconds), or ``now`` if it has already ended."""
    try:
        return process.create_time()
    except psutil.NoSuchProcess:
        return now


def tree_rss(process: psutil.Process) -> int:
    """RSS of a process and its descendants (bytes)."""
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for member in members:
        try:
            total += member.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def sample(snakemake: subprocess.Popen, logs: Path) -> Run:
    """Sample Snakemake's process tree until it ends; return the jobs seen (wall is set by the caller)."""
    run = Run(wall=0.0, load_before=0.0, load_after=0.0)
    parent = psutil.Process(snakemake.pid)
    seen: dict[int, Job | None] = {}
    while snakemake.poll() is None:
        now = time.time()
        try:
            run.snakemake_peak = max(run.snakemake_peak, parent.memory_info().rss)
            children = parent.children()
        except psutil.NoSuchProcess:
            break
        concurrent = 0
        for child in children:
            if child.pid not in seen:
                name = job_name(child, logs)
                seen[child.pid] = None if name is None else Job(pid=child.pid, name=name, started=started(child, now))
            job = seen[child.pid]
            if job is None:
                continue
            rss = tree_rss(child)
            job.peak_rss, job.last_seen = max(job.peak_rss, rss), now
            concurrent += rss
        run.concurrent_peak = max(run.concurrent_peak, concurrent)
        time.sleep(SAMPLE_SECONDS)
    for job in filter(None, seen.values()):  # a name seen again (the ILP solver): numbered in order
        repeats = sum(name.split(" #")[0] == job.name for name in run.jobs)
        run.jobs[job.name if not repeats else f"{job.name} #{repeats + 1}"] = job
    return run


def one_run(work: Path, args: argparse.Namespace, number: int) -> Run:
    results = f"results_{number}"
    config = config_file(work, args, results)
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    snakemake = subprocess.Popen(
        snakemake_command(work, config), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENVIRONMENT
    )
    run = sample(snakemake, work / "logs" / results)
    _, stderr = snakemake.communicate()
    run.wall, run.load_before, run.load_after = time.perf_counter() - start, load_before, os.getloadavg()[0]
    if snakemake.returncode:
        sys.exit(f"run {number} failed:\n{stderr.decode()[-3000:]}")
    if not args.keep:
        shutil.rmtree(work / results)
    return run


def gigabytes(value: int) -> str:
    return f"{value / 1e9:.2f}"


def report(runs: list[Run], args: argparse.Namespace) -> None:
    print(f"{args.patients:,} retrospective patients + 41 prospective, {args.format}, "
          f"{args.replicates} bootstrap replicates, --cores 2, {len(runs)} run(s)\n")  # fmt: skip
    print("| run | wall (s) | load before | load after | Snakemake peak (GB) | all jobs at once, peak (GB) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for number, run in enumerate(runs, 1):
        print(
            f"| {number} | {run.wall:.1f} | {run.load_before:.2f} | {run.load_after:.2f} "
            f"| {gigabytes(run.snakemake_peak)} | {gigabytes(run.concurrent_peak)} |"
        )
    print(f"\nMedian wall: {statistics.median(run.wall for run in runs):.1f} s\n")
    names = sorted({name for run in runs for name in run.jobs})
    rows = []
    for name in names:
        jobs = [run.jobs[name] for run in runs if name in run.jobs]
        peaks = [job.peak_rss for job in jobs]
        rows.append((name, statistics.median(job.wall for job in jobs), statistics.median(peaks), max(peaks)))
    print("| job | median wall (s) | median peak RSS (GB) | largest peak RSS (GB) |")
    print("|---|---:|---:|---:|")
    for name, wall, median_peak, largest in sorted(rows, key=lambda row: -row[1]):
        print(f"| {name} | {wall:.1f} | {gigabytes(median_peak)} | {gigabytes(largest)} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1_000_000, help="retrospective patients of the built-in cohort")
    parser.add_argument("--replicates", type=int, default=20, help="bootstrap replicates")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    parser.add_argument("--work", type=Path, help="working folder, kept (default: a temporary one, removed)")
    parser.add_argument("--keep", action="store_true", help="keep each run's results folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        work = (args.work or Path(temporary)).resolve()
        work.mkdir(parents=True, exist_ok=True)
        synth = config_file(work, args, "results_synth")
        cohort = f"{work}/synthetic-{args.format}-{args.patients}/truth/parameters.json"
        subprocess.run(snakemake_command(work, synth, cohort), check=True, capture_output=True, env=ENVIRONMENT)
        runs = [one_run(work, args, number) for number in range(1, args.runs + 1)]
    report(runs, args)


if __name__ == "__main__":
    main()
