"""The myoild command: --version, help texts, synth's report, and run (settings, validation, Snakemake)."""

import re
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import pandas as pd
import pytest
import yaml

from myoild import cli
from myoild.tables import test_rule_sentence

ROOT = Path(__file__).resolve().parents[1]
MYOILD = Path(sys.executable).with_name("myoild")
#: reStructuredText that must not reach a terminal: ``literal``, :role:`target`, `interpreted`.
RST_MARKUP = re.compile(r"``|:[a-z]+:`|`")


def subcommand_parsers():
    parser = cli.build_parser()
    commands = next(action for action in parser._actions if action.dest == "command")
    return parser, commands.choices


def test_version_prints_the_package_version(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["--version"])
    assert stop.value.code == 0
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert capsys.readouterr().out == f"myoild {version('myoild')}\n"
    assert version("myoild") == pyproject


@pytest.mark.parametrize("command", [None, "synth", "validate", "run"])
def test_help_is_plain_text(command, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["--help"] if command is None else [command, "--help"])
    assert stop.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("usage: myoild") and not RST_MARKUP.search(text)


def test_every_option_states_its_default():
    parser, commands = subcommand_parsers()
    for name, sub in commands.items():
        for action in sub._actions:
            if action.dest == "help":
                continue
            stated = "(required)" if action.required and action.option_strings else "(default: "
            assert action.help and stated in action.help, (name, action.dest)
            if action.default not in (None, []):
                assert f"(default: {action.default})" in action.help % vars(action), (name, action.dest)
    assert [a.dest for a in parser._actions] == ["help", "version", "command"]


def test_synth_says_what_it_wrote(tmp_path, capsys):
    out = tmp_path / "cohort"
    assert (
        cli.main(["synth", "--out", str(out), "--n-retrospective", "20", "--n-prospective", "8", "--format", "csv"])
        == 0
    )
    message = capsys.readouterr().err
    patients = pd.read_csv(out / "patients.csv")["cohort"].value_counts()
    assert str(out.resolve()) in message and " as csv" in message and f"seed {cli.DEFAULT_SEED}" in message
    assert f"{patients['retrospective']} retrospective patients" in message
    assert f"{patients['prospective']} prospective patients" in message
    for table in ("patients", "medications", "visits", "hrct_reads", "adverse_events"):
        rows = len(pd.read_csv(out / f"{table}.csv"))
        assert f"{table} {rows}" in message
    assert "truth/patients.parquet" in message


def test_settings_are_read_as_yaml_into_a_nested_overlay():
    overlay = cli.settings_overlay(
        [
            "bootstrap.replicates=100",
            "propensity.covariates=[age_years,sex]",
            "propensity.stabilized=true",
            "bootstrap.conf_level=0.9",
            "input_dir=",
            "bootstrap.replicates=200",  # the later value wins
        ]
    )
    assert overlay == {
        "bootstrap": {"replicates": 200, "conf_level": 0.9},
        "propensity": {"covariates": ["age_years", "sex"], "stabilized": True},
        "input_dir": "",
    }
    assert type(overlay["bootstrap"]["replicates"]) is int
    for bad, reason in (
        ("bootstrap", "expected KEY=VALUE"),
        ("bootstrap..seed=1", "expected KEY=VALUE"),
        ("propensity.covariates=[age_years", "not valid YAML"),
    ):
        with pytest.raises(cli.RunError, match=reason):
            cli.settings_overlay([bad])
    with pytest.raises(cli.RunError, match="bootstrap is set to a value, not to keys"):
        cli.settings_overlay(["bootstrap=1", "bootstrap.seed=2"])


@pytest.fixture
def workflow_copy(tmp_path):
    """The repository's workflow in a folder of its own, so that runs leave nothing in the clone."""
    copy = tmp_path / "repository"
    copy.mkdir()
    shutil.copy(ROOT / "Snakefile", copy)
    for folder in ("workflow", "config", "schemas", "profiles"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


@pytest.fixture
def no_snakemake(monkeypatch):
    """Records the command myoild run would start instead of starting it."""
    calls = []

    def record(command, cwd, check):
        calls.append((command, cwd))
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(cli.subprocess, "run", record)
    return calls


def test_the_installed_package_finds_this_repository():
    assert cli.INSTALLED_FROM == ROOT and (ROOT / "Snakefile").is_file()


def test_run_without_a_workflow_says_so(tmp_path, no_snakemake, capsys, monkeypatch):
    assert cli.main(["run", "--workflow-dir", str(tmp_path)]) == 2
    assert (
        capsys.readouterr().err
        == f"myoild run: no workflow (Snakefile, config/config.yaml, schemas/config.schema.yaml) in {tmp_path}\n"
    )
    monkeypatch.setattr(cli, "INSTALLED_FROM", tmp_path)  # as from a wheel: no clone around the package
    assert cli.main(["run"]) == 2
    assert "not installed from a clone of the repository" in capsys.readouterr().err
    assert no_snakemake == []


@pytest.mark.parametrize(
    "setting, message",
    [
        ("bootstrap.replicate=100", "config error at bootstrap: Additional properties are not allowed ('replicate'"),
        ("bootstrap.replicates=ten", "config error at bootstrap.replicates: 'ten' is not of type 'integer'"),
        ("tables.categorical_test=chisq", "config error at tables.categorical_test: 'chisq' is not one of"),
        ("bootstrap", "--set 'bootstrap': expected KEY=VALUE"),
    ],
)
def test_run_refuses_a_bad_setting_in_one_line_before_running(setting, message, workflow_copy, no_snakemake, capsys):
    assert cli.main(["run", "--workflow-dir", str(workflow_copy), "--set", setting]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"myoild run: {message}") and error.count("\n") == 1
    assert no_snakemake == [] and not (workflow_copy / ".myoild").exists()


def test_run_passes_config_files_in_order_then_the_overlay(workflow_copy, no_snakemake, tmp_path):
    mine = tmp_path / "mine.yaml"
    mine.write_text("tables:\n  categorical_test: pearson\nbootstrap:\n  replicates: 10\n")
    settings = ["--set", "bootstrap.replicates=100", "--set", "propensity.covariates=[age_years,sex]"]
    arguments = ["run", "--workflow-dir", str(workflow_copy), "--configfile", str(mine), *settings, "--cores", "3"]
    assert cli.main([*arguments, "--", "-n", "validate"]) == 0
    ((command, cwd),) = no_snakemake
    overlay = next((workflow_copy / ".myoild").glob("config-*.yaml"))
    assert cwd == workflow_copy
    assert command == [
        sys.executable, "-m", "snakemake", "--snakefile", str(workflow_copy / "Snakefile"),
        "--configfile", str(workflow_copy / "config" / "config.yaml"), str(mine), str(overlay),
        "--cores", "3", "-n", "validate",
    ]  # fmt: skip
    assert yaml.safe_load(overlay.read_text()) == {
        "bootstrap": {"replicates": 100},
        "propensity": {"covariates": ["age_years", "sex"]},
    }
    assert cli.main(arguments) == 0  # the same settings: the same overlay file
    assert list((workflow_copy / ".myoild").iterdir()) == [overlay]
    assert no_snakemake[1][0][-2:] == ["--cores", "3"]  # no Snakemake arguments given, none passed


@pytest.mark.slow
def test_run_for_real_applies_the_settings(workflow_copy):
    """The built-in cohort, small, to Table 1 with every test rule switched: about 10 s."""
    settings = {
        "synthetic.n_retrospective": "40",
        "synthetic.n_prospective": "12",
        "tables.categorical_test": "fisher",
        "tables.continuous_test": "mann_whitney",
    }
    arguments = [f"--set={key}={value}" for key, value in settings.items()]
    target = "results/tables/table1_retrospective.tsv"
    done = subprocess.run(
        [str(MYOILD), "run", "--workflow-dir", str(workflow_copy), "--cores", "1", *arguments, "--", target],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    table = pd.read_csv(workflow_copy / target, sep="\t")
    tested = table.dropna(subset=["test"])
    assert set(tested.loc[tested["statistic"] == "n (%)", "test"]) == {"fisher_exact"}
    assert set(tested.loc[tested["statistic"] == "mean (SD)", "test"]) == {"mann_whitney"}
    note = (workflow_copy / target).with_suffix(".md").read_text()
    assert test_rule_sentence("fisher", "mann_whitney") in note
    patients = pd.read_parquet(workflow_copy / "resources/synthetic/patients.parquet")
    assert (patients["cohort"] == "prospective").sum() == 12


@pytest.mark.slow
def test_run_dry_run_reads_integers_and_lists(workflow_copy):
    """1,100 bootstrap replicates in chunks of 500: three chunk jobs (the default 2,000: four)."""
    done = subprocess.run(
        [
            str(MYOILD), "run", "--workflow-dir", str(workflow_copy),
            "--set", "bootstrap.replicates=1100", "--set", "propensity.covariates=[age_years,sex]",
            "--", "-n", "--quiet", "rules",
        ],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", done.stdout + done.stderr, flags=re.MULTILINE))
    assert counts["bootstrap_chunk"] == "3"
