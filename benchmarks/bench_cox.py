"""Speed of one full IPTW fit: propensity model, ATE weights, weighted Cox with robust variance.

Compares myoild.stats (Efron and Breslow ties) with statsmodels GLM + lifelines
``CoxPHFitter(robust=True)`` and, when ``Rscript`` is on the PATH, R's ``glm`` + ``coxph(...,
robust = TRUE)``, on the same synthetic data in the same run, and prints a Markdown table.

Data (made here, seeded): age, sex, diagnosis (3 levels), prednisolone dose, IVIg and plasma
exchange; treatment from a logistic model; exponential event times rounded up to whole days and
censored at 365 days, so that large n has heavy ties (at most 365 distinct times).

A myoild fit is ``propensity_weights`` then ``weighted_cox`` with the weights passed as an
array (as R's script passes its vector ``w``), from the same DataFrame.

Timing: wall clock per fit, best of 5 batches (2 for fits over half a second). Runs that would
take more than about two minutes are skipped and marked: lifelines and R's Efron robust fit at
n >= 1,000,000 (both measured at over two minutes on 2 cores). ``--sizes`` picks the sizes.

    .venv/bin/python benchmarks/bench_cox.py [--sizes 250 10000 100000 1000000]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from myoild.stats import propensity_weights, weighted_cox

COVARIATES = ["age", "sex", "diagnosis", "pred", "ivig", "pe"]
#: Sizes above which a tool is not run (it takes longer than about two minutes there).
SKIP_LIFELINES_FROM = 1_000_000
SKIP_R_EFRON_FROM = 1_000_000

R_SCRIPT = r"""
suppressPackageStartupMessages(library(survival))
args <- commandArgs(TRUE)
d <- read.csv(args[1])
reps <- as.integer(args[2])
batches <- as.integer(args[3])
ties <- args[4]
fit_once <- function() {
  ps <- fitted(glm(treated ~ age + sex + diagnosis + pred + ivig + pe, family = binomial, data = d))
  w <- ifelse(d$treated == 1, 1 / ps, 1 / (1 - ps))
  coxph(Surv(time, event) ~ treated, data = d, weights = w, robust = TRUE, ties = ties)
}
fit <- fit_once()
timings <- replicate(batches, system.time(for (i in seq_len(reps)) fit_once())[["elapsed"]] / reps)
cat(sprintf("%.17g", c(min(timings), coef(fit), sqrt(fit$var[1, 1]))), "\n")
"""


def synthetic_cohort(n: int, seed: int = 20220901) -> pd.DataFrame:
    """Covariates, a confounded treatment and whole-day exponential times censored at 365."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "age": rng.normal(55, 12, n).round(1),
            "sex": rng.choice(["F", "M"], n, p=[0.6, 0.4]),
            "diagnosis": rng.choice(["CADM", "DM", "PM"], n, p=[0.3, 0.5, 0.2]),
            "pred": rng.gamma(4.0, 12.0, n).round(1),
            "ivig": rng.binomial(1, 0.3, n),
            "pe": rng.binomial(1, 0.1, n),
        }
    )
    lp = (
        -0.5
        + 0.02 * (df["age"] - 55)
        + 0.4 * (df["sex"] == "M")
        + 0.5 * (df["diagnosis"] == "CADM")
        + 0.01 * (df["pred"] - 48)
        + 0.6 * df["ivig"]
    )
    df["treated"] = rng.binomial(1, 1 / (1 + np.exp(-lp)))
    rate = 0.002 * np.exp(-0.6 * df["treated"] + 0.02 * (df["age"] - 55) + 0.4 * df["ivig"])
    days = np.ceil(rng.exponential(1 / rate))
    df["event"] = (days <= 365).astype(int)
    df["time"] = np.minimum(days, 365.0)
    return df


def best_time(fit, reps: int, batches: int) -> tuple[float, object]:
    """Seconds per call of ``fit()``: best of ``batches`` batches of ``reps`` calls (after one
    warm-up call when there are several batches), and the last result."""
    result = fit() if batches > 1 else None
    timings = []
    for _ in range(batches):
        start = time.perf_counter()
        for _ in range(reps):
            result = fit()
        timings.append((time.perf_counter() - start) / reps)
    return min(timings), result


def myoild_fit(df: pd.DataFrame, ties: str):
    # The weights go to the Cox model as an array, as R's coxph(weights = w) below: storing them
    # in the frame first (df["w"] = ...) would add pandas' own cost (~0.1 ms at n = 250).
    weights = propensity_weights(df, "treated", COVARIATES)["weight"].to_numpy()
    return weighted_cox(df, "time", "event", "treated", weights=weights, ties=ties)


def lifelines_fit(df: pd.DataFrame):
    import statsmodels.api as sm
    from lifelines import CoxPHFitter

    design = sm.add_constant(pd.get_dummies(df[COVARIATES], drop_first=True, dtype=float))
    ps = sm.GLM(df["treated"], design, family=sm.families.Binomial()).fit().fittedvalues
    weight = np.where(df["treated"] == 1, 1 / ps, 1 / (1 - ps))
    data = pd.DataFrame(
        {"time": df["time"], "event": df["event"], "treated": df["treated"], "w": weight}
    )
    return CoxPHFitter().fit(data, "time", "event", weights_col="w", robust=True)


def r_fit(
    df: pd.DataFrame, reps: int, batches: int, ties: str, folder: Path
) -> tuple[float, float, float]:
    """(seconds per fit, log HR, robust SE) from Rscript, data read outside the timing."""
    data, script = folder / "data.csv", folder / "fit.R"
    if not data.exists():
        df[["time", "event", "treated", *COVARIATES]].to_csv(data, index=False)
    script.write_text(R_SCRIPT)
    out = subprocess.run(
        ["Rscript", str(script), str(data), str(reps), str(batches), ties],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return float(out[0]), float(out[1]), float(out[2])


def repetitions(seconds_per_fit_guess: float) -> tuple[int, int]:
    """Calls per batch (a batch takes about 0.2 s) and batches (5, or 2 for slow fits)."""
    reps = max(1, int(0.2 / seconds_per_fit_guess))
    return reps, 5 if seconds_per_fit_guess < 0.5 else 2


def fmt(seconds: float | None) -> str:
    if seconds is None:
        return "skipped"
    return f"{seconds * 1e3:.2f} ms" if seconds < 1 else f"{seconds:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[250, 10_000, 100_000, 1_000_000])
    args = parser.parse_args()
    has_r = shutil.which("Rscript") is not None
    warnings.simplefilter("ignore")  # lifelines/statsmodels chatter; myoild warns on nothing here
    rows = []
    for n in args.sizes:
        df = synthetic_cohort(n)
        guess = 1.5e-6 * n + 1e-3  # seconds per myoild fit, roughly
        efron, fit = best_time(lambda: myoild_fit(df, "efron"), *repetitions(guess))
        breslow, _ = best_time(lambda: myoild_fit(df, "breslow"), *repetitions(guess))
        lifelines = None
        if n < SKIP_LIFELINES_FROM:
            lifelines, _ = best_time(lambda: lifelines_fit(df), *repetitions(60 * guess))
        r_efron = r_breslow = None
        r_log_hr = r_se = float("nan")
        if has_r:
            with tempfile.TemporaryDirectory() as tmp:
                if n < SKIP_R_EFRON_FROM:
                    r_efron, r_log_hr, r_se = r_fit(
                        df, *repetitions(10 * guess), "efron", Path(tmp)
                    )
                r_breslow, *_ = r_fit(df, *repetitions(10 * guess), "breslow", Path(tmp))
        rows.append(
            {
                "n": f"{n:,}",
                "events": f"{fit.events:,}",
                "myoild Efron": fmt(efron),
                "myoild Breslow": fmt(breslow),
                "lifelines": fmt(lifelines),
                "R Efron": fmt(r_efron),
                "R Breslow": fmt(r_breslow),
                "x lifelines": f"{lifelines / efron:.0f}" if lifelines else "",
                "x R": f"{r_efron / efron:.1f}" if r_efron else "",
                "rel. diff. HR / SE vs R": (
                    f"{abs(fit.log_hr - r_log_hr) / abs(r_log_hr):.0e} / "
                    f"{abs(fit.se_log_hr - r_se) / r_se:.0e}"
                    if r_efron
                    else ""
                ),
            }
        )
        print(f"done n={n:,}", flush=True)
    table = pd.DataFrame(rows)
    print()
    print("| " + " | ".join(table.columns) + " |")
    print("|" + "---|" * len(table.columns))
    for row in table.itertuples(index=False):
        print("| " + " | ".join(row) + " |")
    print()
    print(
        "Full fit = propensity model + ATE weights + weighted Cox with robust variance. "
        "'skipped': over about two minutes (lifelines at n >= 1,000,000; R Efron robust at "
        "n >= 1,000,000). R times exclude reading the data. HR and SE: relative difference from R at the same data."
    )


if __name__ == "__main__":
    main()
