"""Jobs that draw nothing load no plotting library: every Snakemake job is a fresh Python process
and pays for its imports (matplotlib alone about 0.26 s), so the modules of the ``report``,
``manuscript``, ``survival``, ``sensitivity`` and ``imputation`` jobs must not pull in matplotlib
through the words and row texts they share with the figures (``myoild.labels``,
``myoild.model_rows``); and scipy.stats (about 0.5 s) is loaded by the jobs that run a rank or
chi-square test, not by those that read their results (report, manuscript, and through
``myoild.tables`` and ``myoild.adverse_events`` the balance and adverse-event figures) or need only
a distribution function (scipy.special). One fresh interpreter
imports them all, as a job would."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
#: Imported first: what figures, report and manuscript share must stay light.
SHARED_TEXT_MODULES = ("myoild.labels", "myoild.model_rows")
#: The package modules the non-drawing jobs' scripts (workflow/scripts/<job>.py) run.
NON_DRAWING_JOB_MODULES = (
    "myoild.report",
    "myoild.provenance",
    "myoild.manuscript",
    "myoild.survival",
    "myoild.landmark",
    "myoild.sensitivity",
    "myoild.weighting",
    "myoild.ph_tests",
    "myoild.imputation",
)
HEAVY = ("matplotlib", "scipy", "scipy.stats")
#: Modules of jobs that run no test from scipy.stats (imported first, before any job module).
NO_RANK_TEST_MODULES = (
    "myoild.report",
    "myoild.manuscript",
    "myoild.adverse_events",
    "myoild.tables",
    "myoild.stats",
    "myoild.stats.agreement",
)

SCRIPT = f"""
import importlib, json, sys
def loaded():
    return sorted(name for name in {HEAVY!r} if name in sys.modules)
for name in {SHARED_TEXT_MODULES!r}:
    importlib.import_module(name)
shared = loaded()
for name in {NO_RANK_TEST_MODULES!r}:
    importlib.import_module(name)
readers = loaded()
for name in {NON_DRAWING_JOB_MODULES!r}:
    importlib.import_module(name)
print(json.dumps({{"shared": shared, "readers": readers, "jobs": loaded()}}))
"""


@pytest.fixture(scope="module")
def heavy_modules_loaded() -> dict[str, list[str]]:
    """The heavy libraries loaded after importing the shared text modules, then the job modules."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_non_drawing_jobs_do_not_import_matplotlib(heavy_modules_loaded):
    assert "matplotlib" not in heavy_modules_loaded["jobs"]


def test_jobs_that_run_no_rank_test_do_not_import_scipy_stats(heavy_modules_loaded):
    assert "scipy.stats" not in heavy_modules_loaded["readers"]


def test_labels_and_model_rows_import_neither_matplotlib_nor_scipy(heavy_modules_loaded):
    assert heavy_modules_loaded["shared"] == []
