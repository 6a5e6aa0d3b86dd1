"""What the Snakemake workflow catalog and a new user look for: the catalog's settings file, the
licence pyproject names, a software environment that installs the released package of this version,
and results folders kept out of git."""

import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_catalog_settings_have_the_documented_keys():
    """Keys as the catalog's "Adding workflows" page documents them (usage: mandatory-flags with desc
    and flags; software-stack-deployment with conda, apptainer, apptainer+conda, report)."""
    settings = yaml.safe_load((ROOT / ".snakemake-workflow-catalog.yml").read_text(encoding="utf-8"))
    usage = settings["usage"]
    assert set(usage) == {"mandatory-flags", "software-stack-deployment"}
    assert set(usage["mandatory-flags"]) == {"desc", "flags"}
    deployment = usage["software-stack-deployment"]
    assert set(deployment) <= {"conda", "apptainer", "apptainer+conda", "report"}
    assert deployment["conda"] is True and deployment["report"] is True
    assert all(isinstance(value, bool) for value in deployment.values())
    assert (ROOT / "config" / "README.md").is_file()


def test_the_licence_is_the_one_pyproject_names():
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert PYPROJECT["project"]["license"] == {"text": "MIT"}
    assert licence.startswith("MIT License\n\nCopyright (c) the myoild authors\n")
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in licence


def test_the_rules_environment_installs_the_released_package_of_this_version():
    env = yaml.safe_load((ROOT / "workflow" / "envs" / "myoild.yaml").read_text(encoding="utf-8"))
    pip = next(item["pip"] for item in env["dependencies"] if isinstance(item, dict))
    assert pip == [f"myoild=={PYPROJECT['project']['version']}"]
    python = next(item for item in env["dependencies"] if isinstance(item, str) and item.startswith("python="))
    minimum = PYPROJECT["project"]["requires-python"].removeprefix(">=")
    assert tuple(map(int, python.removeprefix("python=").split("."))) >= tuple(map(int, minimum.split(".")))


@pytest.mark.parametrize(
    "path", ["results/x.tsv", "results_mycohort/x.tsv", "results_my_study/cohort/x.parquet", "report.zip"]
)
def test_results_folders_and_reports_stay_out_of_git(path):
    done = subprocess.run(["git", "check-ignore", "--no-index", "-q", path], cwd=ROOT)
    assert done.returncode == 0, f"{path} is not ignored by .gitignore"


def test_the_catalogs_entry_point_runs_the_same_workflow():
    """The catalog looks for workflow/Snakefile: it includes the top-level Snakefile and plans the
    same jobs (a dry run of each)."""
    import sys

    root = Path(__file__).resolve().parents[1]
    snakemake = Path(sys.executable).with_name("snakemake")

    def planned(*snakefile):
        out = subprocess.run(
            [str(snakemake), *snakefile, "-n", "--config", "results_dir=results_catalog_check", "logs_dir=logs_catalog_check"],
            cwd=root, capture_output=True, text=True, timeout=300, check=True,
        ).stdout
        table = out.split("Job stats:")[1].split("total")[0].splitlines()[3:]
        return {name: int(count) for name, count in (line.split() for line in table if line.strip())}

    top, catalog = planned(), planned("-s", "workflow/Snakefile")
    assert top.pop("all") == 1 and catalog.pop("catalog_all") == 1
    assert top == catalog and top["report"] == 1
