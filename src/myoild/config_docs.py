"""config/README.md, written from the config schema: every key with what it accepts, its default and
its description, and the worked example of a study that is not the paper's.

The schema (schemas/config.schema.yaml) is the one source of every key's description and default;
this page is its readable form, and the Snakemake workflow catalog shows it as the workflow's
configuration instructions. After changing the schema or the example
(config/examples/my_study.yaml), rewrite the page from the repository folder with::

    python -m myoild.config_docs

tests/test_config_docs.py fails while the committed page differs from what this writes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

SCHEMA = Path("schemas", "config.schema.yaml")
EXAMPLE = Path("config", "examples", "my_study.yaml")
PAGE = Path("config", "README.md")

INTRODUCTION = """\
# Configuration

<!-- Written by `python -m myoild.config_docs` from schemas/config.schema.yaml and
config/examples/my_study.yaml: change those, then rerun it. -->

The workflow reads `config/config.yaml`, which holds the paper's settings (each key's default
below). To change settings, pass a file of your own after it; it overrides key by key, and what it
leaves out keeps the value of `config/config.yaml`:

```bash
snakemake --cores 2 --configfile config/config.yaml my_study.yaml
```

or set single keys on the command line with `myoild run --set KEY=VALUE` (nested keys with dots,
values read as YAML: `myoild run --set bootstrap.replicates=100`). Every setting is checked
against `schemas/config.schema.yaml` before anything runs: a misspelt key or a value out of range
stops the run with one line naming it.

## Worked example

A study that is not the paper's: 24-month follow-up, a 45-day treatment-start window, anti-MDA5
and the centre in the propensity model, Cox models stratified by centre, and multiple imputation of
the missing antibody results (`config/examples/my_study.yaml`; copy it and set `input_dir` to the
folder of your five raw tables):
"""


def default_text(value: object) -> str:
    """A default as YAML writes it inline: ``365``, ``0.5``, ``true``, ``""``, ``[]``, ``[death, relapse]``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(default_text(item) for item in value) + "]"
    if value == "":
        return '""'
    return str(value)


def _range(prop: dict) -> str:
    """``from 0 to 365``, ``> 1 and ≤ 100``, ``≥ 0``: the bounds of a number, as the schema states them."""
    if "minimum" in prop and "maximum" in prop:
        return f"from {prop['minimum']} to {prop['maximum']}"
    signs = (("exclusiveMinimum", ">"), ("minimum", "≥"), ("exclusiveMaximum", "<"), ("maximum", "≤"))
    return " and ".join(f"{sign} {prop[bound]}" for bound, sign in signs if bound in prop)


def allowed_values(prop: dict) -> str:
    """What a key accepts, in words: its choices, its type with its bounds, or a list of either."""
    if "enum" in prop:
        return "one of " + ", ".join(f"`{choice}`" for choice in prop["enum"])
    kind = prop.get("type")
    if kind == "array":
        items = prop.get("items", {})
        notes = [
            f"at least {prop['minItems']} item{'s' * (prop['minItems'] != 1)}" if "minItems" in prop else "",
            f"at most {prop['maxItems']} items" if "maxItems" in prop else "",
            "each at most once" if prop.get("uniqueItems") else "",
        ]
        note = ", ".join(part for part in notes if part)
        listed = (
            f"a list of {allowed_values(items).removeprefix('one of ')}"
            if "enum" in items
            else f"a list, each item {allowed_values(items)}"
        )
        return f"{listed} ({note})" if note else listed
    bounds = _range(prop)
    name = {"integer": "an integer", "number": "a number", "boolean": "`true` or `false`", "string": "a text"}[kind]
    if kind == "string" and prop.get("minLength"):
        name = "a text, not empty"
    return f"{name} {bounds}" if bounds else name


def _cell(text: str) -> str:
    """Text for a Markdown table cell: one line; pipes and angle brackets escaped (``<logs_dir>`` is no HTML tag)."""
    return " ".join(str(text).split()).replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def key_rows(properties: dict, prefix: str = "") -> list[tuple[str, str, str, str]]:
    """(dotted key, accepted values, default, description) of every key that is not a section, in schema order."""
    rows = []
    for name, prop in properties.items():
        key = f"{prefix}{name}"
        if "properties" in prop:
            rows += key_rows(prop["properties"], f"{key}.")
        else:
            rows.append((key, allowed_values(prop), default_text(prop["default"]), prop["description"]))
    return rows


def _table(rows: list[tuple[str, str, str, str]]) -> str:
    lines = ["| key | accepts | default | description |", "|---|---|---|---|"]
    lines += [
        f"| `{key}` | {_cell(accepts)} | `{_cell(default)}` | {_cell(text)} |" for key, accepts, default, text in rows
    ]
    return "\n".join(lines)


def render(schema: dict, example: str) -> str:
    """The whole page: introduction, the worked example, then a table of keys per section of the schema."""
    parts = [INTRODUCTION, f"```yaml\n{example.rstrip()}\n```\n", "## Every key\n"]
    top = {name: prop for name, prop in schema["properties"].items() if "properties" not in prop}
    parts.append(f"### Top level\n\n{_table(key_rows(top))}\n")
    for name, prop in schema["properties"].items():
        if "properties" in prop:
            parts.append(
                f"### `{name}`\n\n{_cell(prop['description'])}\n\n{_table(key_rows(prop['properties'], f'{name}.'))}\n"
            )
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m myoild.config_docs", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "root", nargs="?", default=".", type=Path, help="the repository folder (default: the current folder)"
    )
    root = parser.parse_args(argv).root
    schema = yaml.safe_load((root / SCHEMA).read_text(encoding="utf-8"))
    page = render(schema, (root / EXAMPLE).read_text(encoding="utf-8"))
    (root / PAGE).write_text(page, encoding="utf-8")
    print(f"wrote {root / PAGE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
