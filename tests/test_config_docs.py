"""config/README.md: written from the schema (and current), every key with what it accepts and its
default; the worked example is a valid configuration and the one README.md shows."""

import re
from pathlib import Path

import jsonschema
import yaml

from myoild.config_docs import EXAMPLE, PAGE, SCHEMA, allowed_values, default_text, key_rows, render

ROOT = Path(__file__).resolve().parents[1]


def load(relative: Path):
    return yaml.safe_load((ROOT / relative).read_text(encoding="utf-8"))


def test_the_committed_page_is_what_the_schema_and_example_give():
    expected = render(load(SCHEMA), (ROOT / EXAMPLE).read_text(encoding="utf-8"))
    assert (ROOT / PAGE).read_text(
        encoding="utf-8"
    ) == expected, "config/README.md is stale: run `python -m myoild.config_docs` in the repository folder"


def test_keys_values_and_defaults_in_words():
    schema = {
        "seed": {"type": "integer", "minimum": 0, "default": 7, "description": "Seed."},
        "study": {
            "type": "object",
            "default": {},
            "description": "The study.",
            "properties": {
                "days": {"type": "integer", "minimum": 30, "maximum": 3650, "default": 365, "description": "Days."},
                "ratio": {
                    "type": "number",
                    "exclusiveMinimum": 1,
                    "maximum": 100,
                    "default": 2,
                    "description": "A | B.",
                },
                "nested": {
                    "type": "object",
                    "default": {},
                    "description": "Nested.",
                    "properties": {
                        "ends": {
                            "type": "array",
                            "items": {"enum": ["death", "relapse"]},
                            "uniqueItems": True,
                            "default": ["death"],
                            "description": "Endpoints.",
                        }
                    },
                },
            },
        },
        "name": {"type": "string", "minLength": 1, "default": "", "description": "Folder <x>."},
        "flag": {"type": "boolean", "default": False, "description": "On or off."},
        "cut": {
            "type": "array",
            "items": {"type": "number", "minimum": 0, "maximum": 100},
            "maxItems": 2,
            "default": [],
            "description": "Cut.",
        },
    }
    assert key_rows(schema) == [
        ("seed", "an integer ≥ 0", "7", "Seed."),
        ("study.days", "an integer from 30 to 3650", "365", "Days."),
        ("study.ratio", "a number > 1 and ≤ 100", "2", "A | B."),
        ("study.nested.ends", "a list of `death`, `relapse` (each at most once)", "[death]", "Endpoints."),
        ("name", "a text, not empty", '""', "Folder <x>."),
        ("flag", "`true` or `false`", "false", "On or off."),
        ("cut", "a list, each item a number from 0 to 100 (at most 2 items)", "[]", "Cut."),
    ]
    assert allowed_values({"enum": ["ATE", "ATT"]}) == "one of `ATE`, `ATT`"
    assert allowed_values({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}) == "a number > 0 and < 1"
    assert default_text([0.5, True, "a"]) == "[0.5, true, a]"
    page = render({"properties": schema}, "seed: 1\n")
    assert "| `study.ratio` | a number &gt; 1 and ≤ 100 | `2` | A \\| B. |" in page
    assert '| `name` | a text, not empty | `""` | Folder &lt;x&gt;. |' in page
    assert "```yaml\nseed: 1\n```" in page


def test_every_key_of_the_schema_is_on_the_page():
    page = (ROOT / PAGE).read_text(encoding="utf-8")
    rows = key_rows(load(SCHEMA)["properties"])
    assert len(rows) > 30
    for key, _, default, _ in rows:
        assert re.search(rf"^\| `{re.escape(key)}` \|.*\| `{re.escape(default)}` \|", page, re.M), key


def test_the_worked_example_is_valid_and_is_the_one_the_readme_shows():
    example_text = (ROOT / EXAMPLE).read_text(encoding="utf-8")
    jsonschema.Draft202012Validator(load(SCHEMA)).validate(yaml.safe_load(example_text))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    own_data = readme.split("## Your own data")[1].split("\n## ")[0]
    assert f"```yaml\n{example_text}```" in own_data


def test_config_yaml_holds_the_schema_defaults():
    """config/README.md gives the schema's defaults; config/config.yaml must not say otherwise."""

    def defaults(properties: dict) -> dict:
        return {
            name: defaults(prop["properties"]) if "properties" in prop else prop["default"]
            for name, prop in properties.items()
        }

    assert load(Path("config", "config.yaml")) == defaults(load(SCHEMA)["properties"])
