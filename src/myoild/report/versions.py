"""Versions of the software a run used, for the report's methods and the manifest."""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version

PACKAGES = ("myoild", "pandas", "numpy", "scipy", "statsmodels", "pandera", "snakemake", "matplotlib", "pyarrow")


def software_versions() -> dict[str, str]:
    """``{"python": "3.11.2", "myoild": "0.1.0", ...}``; ``not installed`` for a missing package."""
    versions = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = "not installed"
    return versions
