"""Fingerprints of the package's own code, so that a code change reruns exactly the rules it affects.

Snakemake's ``code`` rerun trigger sees a rule's script file, not the modules the script imports
(shared/PITFALLS.md); each rule therefore carries ``code_hash(<the modules it uses>)`` as a parameter,
and Snakemake's ``params`` trigger reruns it when that fingerprint changes.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent


def module_files(name: str) -> list[Path]:
    """The source files of ``myoild.<name>``: a module file, or every ``.py`` file of a subpackage."""
    path = PACKAGE_ROOT.joinpath(*name.split("."))
    if path.is_dir():
        return sorted(path.rglob("*.py"))
    module = path.with_suffix(".py")
    if not module.is_file():
        raise ValueError(f"myoild has no module {name!r}")
    return [module]


def code_hash(*names: str) -> str:
    """sha256 over the relative paths and bytes of the named modules (``contract`` always included)."""
    digest = hashlib.sha256()
    for name in sorted(set(names) | {"contract"}):
        for file in module_files(name):
            digest.update(file.relative_to(PACKAGE_ROOT).as_posix().encode())
            digest.update(b"\0")
            digest.update(file.read_bytes())
    return digest.hexdigest()


#: The distributions whose versions a run records (manifest.json, report methods).
RECORDED_PACKAGES = (
    "myoild",
    "snakemake",
    "numpy",
    "scipy",
    "pandas",
    "pyarrow",
    "pandera",
    "statsmodels",
    "lifelines",
    "matplotlib",
)


def software_versions() -> dict[str, str]:
    """Python's and the recorded packages' versions, e.g. ``{"python": "3.11.7", "numpy": ...}``."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    versions = {"python": platform.python_version()}
    for name in RECORDED_PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def content_hash(paths: list[str | Path]) -> str:
    """One fingerprint of the contents (not the times) of several files, in the given order."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(file_sha256(path).encode())
    return digest.hexdigest()
