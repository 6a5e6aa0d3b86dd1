"""Code fingerprints follow exactly the myoild code a rule runs: its modules and their imports."""

import shutil

import pytest

from myoild import provenance


@pytest.fixture
def package_copy(tmp_path, monkeypatch):
    root = tmp_path / "myoild"
    shutil.copytree(provenance.PACKAGE_ROOT, root, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(provenance, "PACKAGE_ROOT", root)
    return root


def append(path, text="\n# changed\n"):
    path.write_text(path.read_text() + text)


def test_closure_follows_absolute_and_relative_imports(package_copy):
    names = {path.relative_to(package_copy).as_posix() for path in provenance.code_closure("weighting")}
    # weighting imports contrasts (which imports contract) and the stats package, whose
    # __init__ imports its modules relatively
    assert {"weighting.py", "contrasts.py", "contract.py", "stats/__init__.py", "stats/cox.py"} <= names
    assert "stats/nonparametric.py" not in names  # not imported by anything weighting runs
    assert "validate/core.py" not in names


def test_hash_changes_with_imported_code_only(package_copy):
    before = provenance.code_hash("weighting")
    append(package_copy / "stats" / "nonparametric.py")
    assert provenance.code_hash("weighting") == before
    append(package_copy / "stats" / "cox.py")
    assert provenance.code_hash("weighting") != before


def test_script_outside_the_package_is_followed(package_copy, tmp_path):
    script = tmp_path / "script.py"
    script.write_text("from myoild.tabular import write_tsv\nimport pandas as pd\n")
    before = provenance.code_hash(importer=script)
    append(package_copy / "tabular.py")
    after = provenance.code_hash(importer=script)
    assert after != before
    append(package_copy / "hrct.py")  # not imported by the script
    assert provenance.code_hash(importer=script) == after


def test_subpackage_hash_covers_nested_files(package_copy):
    before = provenance.code_hash("figures")
    (package_copy / "figures" / "new_module.py").write_text("X = 1\n")
    assert provenance.code_hash("figures") != before


def test_unknown_module_is_an_error():
    with pytest.raises(ValueError, match="no module 'nonexistent'"):
        provenance.code_hash("nonexistent")
