"""Export the pandera models as YAML into schemas/raw/<table>.yaml.

``python -m myoild.validate.export_schemas [OUT_DIR]`` (default ``schemas/raw``) regenerates the
files; a test fails when they drift from the models in schemas.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

from myoild.validate.schemas import MODELS

HEADER = "# Generated from myoild.validate.schemas by `python -m myoild.validate.export_schemas`; do not edit.\n"


def schema_yaml(table: str) -> str:
    """The YAML text of a table's pandera schema (pandera's ``to_yaml``), with a header line."""
    return HEADER + MODELS[table].to_yaml()


def export_schemas(out_dir: str | Path) -> list[Path]:
    """Write ``<out_dir>/<table>.yaml`` for every table; return the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for table in MODELS:
        path = out_dir / f"{table}.yaml"
        path.write_text(schema_yaml(table), encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    for written in export_schemas(sys.argv[1] if len(sys.argv) > 1 else "schemas/raw"):
        print(written)
