"""The config schema: the default config is valid, and a bad one gets one readable line."""

from pathlib import Path

import jsonschema
import pytest
import yaml

from myoild.config import first_config_error

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "schemas" / "config.schema.yaml"


def default_config() -> dict:
    return yaml.safe_load((ROOT / "config" / "config.yaml").read_text())


def test_default_config_is_valid():
    schema = yaml.safe_load(SCHEMA.read_text())
    jsonschema.Draft202012Validator(schema).validate(default_config())


def test_every_key_has_description_and_default():
    def walk(node, where):
        for key, sub in node.get("properties", {}).items():
            assert "description" in sub, f"{where}{key} has no description"
            assert "default" in sub, f"{where}{key} has no default"
            walk(sub, f"{where}{key}.")

    walk(yaml.safe_load(SCHEMA.read_text()), "")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"resutls_dir": "x"}, "config error at top level: Additional properties are not allowed ('resutls_dir'"),
        ({"synthetic": {"seed": -1}}, "config error at synthetic.seed: -1 is less than the minimum of 0"),
        ({"synthetic": {"format": "xls"}}, "config error at synthetic.format: 'xls' is not one of"),
    ],
)
def test_bad_config_gets_one_line(change, expected):
    config = default_config()
    for key, value in change.items():
        config[key] = {**config[key], **value} if isinstance(value, dict) else value
    message = first_config_error(config, SCHEMA)
    assert message.startswith(expected)
    assert "\n" not in message


def test_covariates_of_the_schema_are_the_contracts_and_a_wrong_name_lists_the_valid_ones():
    import yaml

    from myoild.config import first_config_error
    from myoild.contract import COVARIATES

    schema_path = Path(__file__).resolve().parents[1] / "schemas" / "config.schema.yaml"
    schema = yaml.safe_load(schema_path.read_text())
    assert tuple(schema["properties"]["propensity"]["properties"]["covariates"]["items"]["enum"]) == COVARIATES
    message = first_config_error({"propensity": {"covariates": ["age_years", "anti_mda6"]}}, schema_path)
    assert message.startswith("config error at propensity.covariates.1: 'anti_mda6' is not one of [")
    assert "'anti_mda5'" in message and "'baseline_ferritin_ug_l'" in message and "\n" not in message
