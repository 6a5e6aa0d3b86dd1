"""``manifest.json``: what a run read and wrote, by content (results contract).

For every raw input and every output: path, sha256 and bytes; the configuration; the software
versions. Output paths are relative to the results folder and input paths to the input folder,
and the configuration is recorded without the paths of the machine: without ``results_dir`` and
``logs_dir`` (where a run writes is not part of what it computed), and with the folders it reads
(``input_dir``, ``synthetic.out_dir``) as ``NOT_RECORDED`` (what it read is recorded by content,
under ``inputs``). Two runs of the same input and config, from two folders into two folders, leave
byte-identical manifests.
"""

from __future__ import annotations

import json
from copy import deepcopy
from pathlib import Path

from myoild.provenance import file_sha256

#: Config keys that say where a run writes, not what it computes.
LOCATION_KEYS = ("results_dir", "logs_dir")
#: Config keys (paths of keys) that name a folder the run reads, recorded as ``NOT_RECORDED`` when set
#: (``input_dir`` left empty means the built-in synthetic cohort: that is kept).
READ_FOLDER_KEYS = (("input_dir",), ("synthetic", "out_dir"))
NOT_RECORDED = "(a folder of this machine: not recorded)"


def file_records(paths: list[str | Path], root: str | Path) -> list[dict]:
    """path (relative to ``root``, POSIX), sha256 and bytes of each file, sorted by path."""
    root = Path(root)
    records = [
        {"path": Path(path).relative_to(root).as_posix(), "sha256": file_sha256(path), "bytes": Path(path).stat().st_size}
        for path in paths
    ]
    return sorted(records, key=lambda record: record["path"])


def recorded_config(config: dict) -> dict:
    """The configuration as the manifest and report record it: ``LOCATION_KEYS`` left out, the
    ``READ_FOLDER_KEYS`` that are set replaced by ``NOT_RECORDED``."""
    recorded = {key: deepcopy(value) for key, value in config.items() if key not in LOCATION_KEYS}
    for *parents, key in READ_FOLDER_KEYS:
        section = recorded
        for parent in parents:
            section = section.get(parent) if isinstance(section, dict) else None
        if isinstance(section, dict) and section.get(key):
            section[key] = NOT_RECORDED
    return recorded


def build_manifest(
    inputs: list[str | Path],
    input_root: str | Path,
    outputs: list[str | Path],
    results_root: str | Path,
    config: dict,
    versions: dict[str, str],
) -> str:
    """The manifest as JSON text (sorted keys, two-space indent, trailing newline)."""
    manifest = {
        "inputs": file_records(inputs, input_root),
        "outputs": file_records(outputs, results_root),
        "config": recorded_config(config),
        "software": versions,
    }
    return json.dumps(manifest, indent=2, sort_keys=True) + "\n"
