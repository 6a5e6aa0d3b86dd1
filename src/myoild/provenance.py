"""Fingerprints of the package's own code, so that a code change reruns exactly the rules it affects.

Snakemake's ``code`` rerun trigger sees a rule's script file, not the modules the script imports
(shared/PITFALLS.md); each rule therefore carries ``code_hash(<the modules its script imports>)`` as
a parameter, which follows those modules' own imports of myoild, and Snakemake's ``params`` trigger
reruns the rule when that fingerprint changes.
"""

from __future__ import annotations

import ast
import functools
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


def _source_file(dotted: str, root: Path) -> Path | None:
    """The file of module ``myoild.<dotted>`` (a package's ``__init__.py``) in the package at
    ``root``, if it exists."""
    path = root.joinpath(*dotted.split(".")) if dotted else root
    if (path / "__init__.py").is_file():
        return path / "__init__.py"
    return path.with_suffix(".py") if path.with_suffix(".py").is_file() else None


def _imported_files(file: Path) -> frozenset[Path]:
    """The myoild source files that ``file`` imports (absolute ``myoild.`` and relative imports)."""
    package = file.parent.relative_to(PACKAGE_ROOT).parts if file.is_relative_to(PACKAGE_ROOT) else ()
    return _imports_in(file.read_text(encoding="utf-8"), package, PACKAGE_ROOT)


@functools.cache
def _imports_in(source: str, package: tuple[str, ...], root: Path) -> frozenset[Path]:
    """The source files of the package at ``root`` that ``source``, a module of
    ``myoild.<package>``, imports. Cached on the source text: the Snakefile fingerprints some thirty
    scripts whose closures share most modules, and parsing each module once instead of once per
    closure takes a third off Snakemake's start-up (2.0 -> 1.5 s)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ((node.module,) if node.module else ()))
                base = "myoild" + ("." + base if base else "")
            else:
                base = node.module or ""
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            if target == "myoild" or target.startswith("myoild."):
                source_file = _source_file(target.removeprefix("myoild").lstrip("."), root)
                if source_file is not None:
                    found.add(source_file)
    return frozenset(found)


def code_closure(*names: str, importer: str | Path | None = None) -> list[Path]:
    """The files of the named modules and, transitively, of every myoild module they import; with
    ``importer`` (a script outside the package), also of every myoild module that script imports."""
    pending = [file for name in names for file in module_files(name)]
    if importer is not None:
        pending.extend(_imported_files(Path(importer)))
    seen: set[Path] = set()
    while pending:
        file = pending.pop()
        if file not in seen:
            seen.add(file)
            pending.extend(_imported_files(file) - seen)
    return sorted(seen)


def code_hash(*names: str, importer: str | Path | None = None) -> str:
    """sha256 over the relative paths and bytes of the named modules and everything of myoild
    they (or ``importer``) import (``code_closure``): a rule reruns when, and only when, code it
    runs changes."""
    digest = hashlib.sha256()
    for file in code_closure(*names, importer=importer):
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
