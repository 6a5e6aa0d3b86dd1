"""The workflow configuration: one readable line for the first thing wrong with it."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import yaml


def first_config_error(config: dict, schema_path: str | Path) -> str:
    """Describe the most relevant JSON-schema violation of ``config`` in one line, e.g.
    ``config error at synthetic.seed: -1 is less than the minimum of 0``."""
    schema = yaml.safe_load(Path(schema_path).read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(config))
    if error is None:
        return "config error: the configuration does not match schemas/config.schema.yaml"
    where = ".".join(str(part) for part in error.absolute_path) or "top level"
    return f"config error at {where}: {error.message} (see schemas/config.schema.yaml)"
