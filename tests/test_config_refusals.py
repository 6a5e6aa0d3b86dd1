"""Config values the schema accepts but a stage cannot use (issue 13, item 5): refused at the config
check with one line naming the key, before any job runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from myoild.config import MIN_BOOTSTRAP_REPLICATES, first_config_error, first_unusable_value

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "schemas" / "config.schema.yaml"
SNAKEMAKE = Path(sys.executable).with_name("snakemake")


def config_with(section: str, **values) -> dict:
    """The default config with ``values`` set in ``section``."""
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    config[section] = {**config[section], **values}
    return config


def refusal(section: str, **values) -> str | None:
    """The line refusing the default config with ``values`` set, checking the schema accepts it."""
    config = config_with(section, **values)
    schema = yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))
    assert jsonschema.Draft202012Validator(schema).is_valid(config), first_config_error(config, SCHEMA)
    message = first_unusable_value(config, SCHEMA)
    assert message is None or "\n" not in message
    return message


def test_default_config_and_an_empty_one_have_no_unusable_value():
    assert first_unusable_value(config_with("bootstrap"), SCHEMA) is None
    assert first_unusable_value({}, SCHEMA) is None  # every key from the schema's defaults


def test_truncate_percentiles_with_one_value_are_refused():
    message = refusal("propensity", truncate_percentiles=[99])
    assert message.startswith("config error at propensity.truncate_percentiles: [99] is not [low, high]")


@pytest.mark.parametrize("percentiles", [[99, 1], [5, 5]])
def test_truncate_percentiles_in_reverse_order_or_equal_are_refused(percentiles):
    message = refusal("propensity", truncate_percentiles=percentiles)
    assert message.startswith(f"config error at propensity.truncate_percentiles: {percentiles} is not [low, high]")
    assert refusal("propensity", truncate_percentiles=[1, 99]) is None
    assert refusal("propensity", truncate_percentiles=[]) is None


@pytest.mark.parametrize("replicates", [1, 2, MIN_BOOTSTRAP_REPLICATES - 1])
def test_one_to_nineteen_bootstrap_replicates_are_refused(replicates):
    message = refusal("bootstrap", replicates=replicates)
    assert MIN_BOOTSTRAP_REPLICATES == 20
    assert message.startswith(f"config error at bootstrap.replicates: {replicates} replicates give no percentile")
    assert "or 0 to switch the bootstrap off" in message


@pytest.mark.parametrize("replicates", [0, MIN_BOOTSTRAP_REPLICATES, 2000])
def test_no_bootstrap_or_twenty_replicates_and_more_are_accepted(replicates):
    assert refusal("bootstrap", replicates=replicates, chunk_size=5000) is None  # a large chunk is fine


@pytest.mark.parametrize("estimand", ["ATT", "overlap"])
def test_stabilized_weights_for_another_estimand_than_ate_are_refused(estimand):
    message = refusal("propensity", stabilized=True, estimand=estimand)
    assert message.startswith("config error at propensity.stabilized: stabilised weights are defined for the ATE")
    assert refusal("propensity", stabilized=True, estimand="ATE") is None


@pytest.mark.parametrize(("window", "followup"), [(60, 60), (365, 90)])
def test_treatment_window_not_shorter_than_follow_up_is_refused(window, followup):
    message = refusal("study", treatment_window_days=window, followup_days=followup)
    assert message.startswith(f"config error at study.treatment_window_days: {window} days is not shorter than")
    assert refusal("study", treatment_window_days=followup - 1, followup_days=followup) is None


def test_a_comparator_or_add_on_that_is_the_treatment_is_refused():
    assert refusal("study", treatment="mycophenolate", comparators=["tacrolimus", "mycophenolate"]).startswith(
        "config error at study.comparators: ['tacrolimus', 'mycophenolate'] names the treatment 'mycophenolate'"
    )
    assert refusal("study", treatment="methotrexate", comparators=[], add_on="methotrexate").startswith(
        "config error at study.add_on: 'methotrexate' is the treatment itself"
    )
    assert refusal("study", treatment="mycophenolate", comparators=["tacrolimus"], add_on="pirfenidone") is None


def test_drug_names_the_contract_does_not_know_are_refused_by_the_schema():
    from myoild.contract import ADD_ON_DRUGS, IMMUNOSUPPRESSANTS

    study = yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))["properties"]["study"]["properties"]
    assert tuple(study["treatment"]["enum"]) == tuple(study["comparators"]["items"]["enum"]) == IMMUNOSUPPRESSANTS
    assert tuple(study["add_on"]["enum"]) == ADD_ON_DRUGS
    for study in ({"treatment": "tacrolimus "}, {"comparators": ["rituximab"]}, {"add_on": "ivig"}):
        assert first_config_error(config_with("study", **study), SCHEMA).startswith("config error at study.")


def test_mice_with_fewer_than_two_imputations_is_refused_by_the_schema():
    config = config_with("missing", method="mice", imputations=1)
    assert first_config_error(config, SCHEMA).startswith("config error at missing.imputations: 1 is less than")


def test_workflow_refuses_an_unusable_value_before_any_job_runs(tmp_path):
    (tmp_path / "bad.yaml").write_text("propensity: {truncate_percentiles: [99, 1]}\n", encoding="utf-8")
    done = subprocess.run(
        [
            str(SNAKEMAKE), "--snakefile", str(ROOT / "Snakefile"), "--directory", str(tmp_path),
            "--configfile", str(ROOT / "config" / "config.yaml"), str(tmp_path / "bad.yaml"),
            "--config", "results_dir=results", "logs_dir=logs", "--cores", "1",
        ],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode != 0
    line = "config error at propensity.truncate_percentiles: [99, 1] is not [low, high] with low < high"
    assert line in done.stderr + done.stdout
    assert not (tmp_path / "results").exists() and not (tmp_path / "resources").exists()


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"results_dir": "/"}, "config error at results_dir: '/' is the root folder"),
        ({"results_dir": "/usr/local/results"}, "config error at results_dir: '/usr/local/results' is a system folder"),
        ({"logs_dir": "/etc"}, "config error at logs_dir: '/etc' is a system folder"),
        ({"results_dir": "out/{sample}"}, "config error at results_dir: 'out/{sample}' contains a brace"),
        ({"input_dir": "data/cohort", "results_dir": "data"}, "config error at results_dir: 'data' holds the input folder"),
        ({"input_dir": "data/cohort", "results_dir": "data/cohort"}, "config error at results_dir: 'data/cohort' holds"),
    ],
)
def test_unusable_results_and_logs_folders_are_refused_at_start(settings, expected):
    from myoild.config import first_unusable_value

    message = first_unusable_value(settings, SCHEMA)
    assert message is not None and message.startswith(expected), message


def test_ordinary_folders_are_accepted():
    from myoild.config import first_unusable_value

    assert first_unusable_value({"input_dir": "data/cohort", "results_dir": "results_cohort"}, SCHEMA) is None
    assert first_unusable_value({"input_dir": "data/cohort", "results_dir": "data/cohort_results"}, SCHEMA) is None
