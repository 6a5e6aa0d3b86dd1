"""Speed of the bootstrap: replicates of the whole IPTW procedure (resample, propensity model,
ATE weights, weighted Efron Cox; hazard ratio only) with myoild, lifelines and R.

Data: the built-in cohort (``myoild.synth.generate_cohort()``) written to a temporary folder,
validated and derived by the pipeline's own stages, as the workflow does; and a cohort of
100,000 retrospective patients made the same way, to show how the cost scales.

Timed, in one run:

- ``myoild.bootstrap.bootstrap_chunk`` for 2000 replicates of the main contrast
  (``tacrolimus_vs_conventional``, endpoints death and relapse) and of all four retrospective
  contrasts, in one process and split into two chunks run by two processes at once (replicates
  draw from their own seeds, so the chunks give the same numbers as one run);
- a lifelines loop on a sample of the same replicates (the same resampled rows): statsmodels
  ``GLM`` (binomial, unpenalised) for the propensity model, ATE weights, ``CoxPHFitter`` with
  ``weights_col`` per endpoint (Efron ties, as lifelines always has; no robust variance, as the
  bootstrap needs none); the largest difference of its log hazard ratios from myoild's is shown
  as a check that both compute the same thing (up to about 1e-4: lifelines' weighted Efron
  ties are not R's, which myoild follows to about 1e-13);
- R, when ``Rscript`` is on the PATH: ``glm`` + ``coxph(..., robust = FALSE)`` per endpoint in a
  loop inside one R process (R's own stratified resampling; data read outside the timing).

Compute only: the cohort's generation, validation and derivation are not timed; each myoild
run includes coding and sorting its contrasts once. Prints a Markdown table.

    .venv/bin/python benchmarks/bench_bootstrap.py [--replicates 2000] [--large 100000]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import subprocess
import tempfile
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from myoild.bootstrap import bootstrap_chunk, contrast_stream, replicate_counts
from myoild.design import PAPER
from myoild.contrasts import contrast_patients
from myoild.derive import derive_cohort
from myoild.synth import generate_cohort, write_cohort
from myoild.validate import validate_folder
from myoild.weighting import WeightingOptions

MAIN = "tacrolimus_vs_conventional"
ENDPOINTS = ["death", "relapse"]
COVARIATES = ("age_years", "sex", "diagnosis", "initial_pred_mg_day", "plasma_exchange", "ivig")
OPTIONS = WeightingOptions(covariates=COVARIATES)
SEED = 20221  # config/config.yaml, bootstrap.seed
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

R_SCRIPT = r"""
suppressPackageStartupMessages(library(survival))
args <- commandArgs(TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE)
reps <- as.integer(args[2])
set.seed(20221)
treated <- which(d$treated == 1)
control <- which(d$treated == 0)
one_replicate <- function() {
  s <- d[c(sample(treated, replace = TRUE), sample(control, replace = TRUE)), ]
  ps <- fitted(glm(treated ~ age_years + sex + diagnosis + initial_pred_mg_day + plasma_exchange + ivig,
                   family = binomial, data = s))
  s$w <- ifelse(s$treated == 1, 1 / ps, 1 / (1 - ps))
  c(coef(coxph(Surv(death_time_days, death_event) ~ treated, data = s, weights = w, robust = FALSE)),
    coef(coxph(Surv(relapse_time_days, relapse_event) ~ treated, data = s, weights = w, robust = FALSE)))
}
elapsed <- system.time(for (i in seq_len(reps)) one_replicate())[["elapsed"]]
cat(sprintf("%.17g", elapsed / reps), "\n")
"""


def analysis_set(n_retrospective: int | None = None) -> pd.DataFrame:
    """The derived analysis set of the built-in cohort (or one with ``n_retrospective``)."""
    cohort = (
        generate_cohort()
        if n_retrospective is None
        else generate_cohort(n_retrospective=n_retrospective)
    )
    with tempfile.TemporaryDirectory() as folder:
        write_cohort(cohort, Path(folder))
        return derive_cohort(validate_folder(Path(folder)).tables).analysis_set


def run_chunk(data: pd.DataFrame, contrasts: list[str], replicates: range) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a few resamples warn (an estimate may be infinite)
        return bootstrap_chunk(
            data, contrasts, ENDPOINTS, OPTIONS, replicates=replicates, seed=SEED
        )


def time_myoild(
    data: pd.DataFrame, contrasts: list[str], replicates: int, processes: int
) -> tuple[float, pd.DataFrame]:
    """Wall-clock seconds for ``replicates`` replicates split into ``processes`` chunks run at
    once (1: in this process), and the replicates' results.

    The worker processes are started, with one BLAS thread each (two processes of two threads
    on two cores slow each other down), and have imported myoild before the clock starts, as
    chunk jobs pay their start-up once however many replicates they run."""
    if processes == 1:
        start = time.perf_counter()
        result = run_chunk(data, contrasts, range(replicates))
        return time.perf_counter() - start, result
    bounds = np.linspace(0, replicates, processes + 1).astype(int)
    chunks = [range(a, b) for a, b in zip(bounds[:-1], bounds[1:])]
    threads = {name: os.environ.get(name) for name in BLAS_THREADS}
    os.environ.update({name: "1" for name in BLAS_THREADS})  # read by the workers' numpy
    try:
        with ProcessPoolExecutor(
            processes, mp_context=multiprocessing.get_context("spawn")
        ) as pool:
            list(pool.map(run_chunk, [data.head(0)] * processes, [[]] * processes, chunks))
            start = time.perf_counter()
            result = pd.concat(
                pool.map(run_chunk, [data] * processes, [contrasts] * processes, chunks)
            )
            seconds = time.perf_counter() - start
    finally:
        for name, value in threads.items():
            if value is None:
                os.environ.pop(name)
            else:
                os.environ[name] = value
    return seconds, result


def lifelines_replicates(data: pd.DataFrame, replicates: int) -> tuple[float, pd.DataFrame]:
    """Seconds per replicate of a statsmodels + lifelines loop on the main contrast, on the same
    resampled rows as myoild's first ``replicates`` replicates; and their log hazard ratios."""
    import statsmodels.api as sm
    from lifelines import CoxPHFitter

    patients = contrast_patients(data, MAIN)
    treated = patients["treated"].to_numpy()
    number = contrast_stream(MAIN)
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lifelines: weights without robust variance
        start = time.perf_counter()
        for replicate in range(replicates):
            counts = replicate_counts(treated, SEED, number, replicate, "treatment")
            sample = patients.loc[np.repeat(patients.index, counts)].reset_index(drop=True)
            design = pd.get_dummies(sample[list(COVARIATES)], drop_first=True, dtype=float)
            ps = (
                sm.GLM(sample["treated"], sm.add_constant(design), family=sm.families.Binomial())
                .fit()
                .fittedvalues
            )
            weight = np.where(sample["treated"] == 1, 1 / ps, 1 / (1 - ps))
            for endpoint in ENDPOINTS:
                frame = pd.DataFrame(
                    {
                        "time": sample[f"{endpoint}_time_days"].astype(float),
                        "event": sample[f"{endpoint}_event"].astype(int),
                        "treated": sample["treated"],
                        "w": weight,
                    }
                )
                fit = CoxPHFitter().fit(frame, "time", "event", weights_col="w")
                rows.append((replicate, endpoint, float(fit.params_["treated"])))
        seconds = (time.perf_counter() - start) / replicates
    return seconds, pd.DataFrame(rows, columns=["replicate", "endpoint", "log_hr"])


def r_replicates(data: pd.DataFrame, replicates: int) -> float | None:
    """Seconds per replicate of R's glm + coxph loop on the main contrast (None without R)."""
    if shutil.which("Rscript") is None:
        return None
    columns = [
        "treated",
        *COVARIATES,
        *(f"{e}_{c}" for e in ENDPOINTS for c in ("time_days", "event")),
    ]
    with tempfile.TemporaryDirectory() as folder:
        csv, script = Path(folder) / "contrast.csv", Path(folder) / "loop.R"
        contrast_patients(data, MAIN)[columns].astype({"plasma_exchange": int, "ivig": int}).to_csv(
            csv, index=False
        )
        script.write_text(R_SCRIPT)
        out = subprocess.run(
            ["Rscript", str(script), str(csv), str(replicates)],
            capture_output=True,
            text=True,
            check=True,
        )
    return float(out.stdout.split()[0])


def fmt(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return f"{seconds * 1e3:.2f} ms" if seconds < 1 else f"{seconds:.2f} s"


def table_row(label, patients, contrasts, replicates, processes, seconds, lifelines, r) -> dict:
    """One Markdown row; ``lifelines``/``r``: their seconds per replicate of the main contrast."""
    per = seconds / replicates / len(contrasts)
    return {
        "workload": label,
        "patients": f"{patients:,}",
        "replicates": f"{replicates:,}",
        "processes": processes,
        "myoild total": fmt(seconds),
        "per replicate and contrast": fmt(per),
        "lifelines": fmt(lifelines),
        "R": fmt(r),
        "x lifelines": f"{lifelines / per:.0f}" if lifelines else "",
        "x R": f"{r / per:.1f}" if r else "",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=2000)
    parser.add_argument("--lifelines-replicates", type=int, default=50)
    parser.add_argument("--r-replicates", type=int, default=200)
    parser.add_argument("--large", type=int, default=100_000, help="large cohort (0: skip)")
    parser.add_argument("--large-replicates", type=int, default=200)
    args = parser.parse_args()

    built_in = analysis_set()
    lifelines, lifelines_hr = lifelines_replicates(built_in, args.lifelines_replicates)
    r = r_replicates(built_in, args.r_replicates)
    retrospective = int((built_in["included"] & (built_in["cohort"] == "retrospective")).sum())
    n_main = len(contrast_patients(built_in, MAIN))
    # label, data, patients, contrasts, replicates; lifelines and R seconds per replicate
    workloads = [
        ("main contrast", built_in, n_main, [MAIN], args.replicates, lifelines, r),
        ("four contrasts", built_in, retrospective, PAPER.retrospective_contrasts, args.replicates, None, None),
    ]
    if args.large:
        large = analysis_set(args.large)
        n_large = len(contrast_patients(large, MAIN))
        large_lifelines = lifelines_replicates(large, 2)[0]
        large_r = r_replicates(large, 5)
        label = "main contrast, large cohort"
        workloads.append(
            (label, large, n_large, [MAIN], args.large_replicates, large_lifelines, large_r)
        )

    rows, main_result = [], None
    for label, data, patients, contrasts, replicates, lifelines_s, r_s in workloads:
        for processes in (1, 2):
            seconds, result = time_myoild(data, list(contrasts), replicates, processes)
            row = (label, patients, contrasts, replicates, processes, seconds, lifelines_s, r_s)
            rows.append(table_row(*row))
            main_result = result if main_result is None else main_result
            print(f"done: {label}, {processes} process(es)", flush=True)

    ours = main_result.set_index(["replicate", "endpoint"])["log_hr"]
    theirs = lifelines_hr.set_index(["replicate", "endpoint"])["log_hr"]
    difference = float(np.nanmax(np.abs(ours.loc[theirs.index].to_numpy() - theirs.to_numpy())))
    table = pd.DataFrame(rows)
    print()
    print("| " + " | ".join(table.columns) + " |")
    print("|" + "---|" * len(table.columns))
    for row in table.itertuples(index=False):
        print("| " + " | ".join(str(value) for value in row) + " |")
    print()
    print(
        "A replicate: resample (stratified by treatment), propensity model, ATE weights, "
        "weighted Efron Cox for death and relapse. lifelines: "
        f"{args.lifelines_replicates} replicates (2 for the large cohort), R: {args.r_replicates} "
        "(5), per replicate of the main contrast. Largest |log HR| difference lifelines vs myoild "
        f"on the same resamples: {difference:.1e}."
    )


if __name__ == "__main__":
    main()
