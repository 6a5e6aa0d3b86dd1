"""Code fingerprints change exactly when the fingerprinted modules change."""

import shutil

import pytest

from myoild import provenance


@pytest.fixture
def package_copy(tmp_path, monkeypatch):
    root = tmp_path / "myoild"
    shutil.copytree(provenance.PACKAGE_ROOT, root, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(provenance, "PACKAGE_ROOT", root)
    return root


def test_hash_follows_the_named_module_only(package_copy):
    before_config, before_cli = provenance.code_hash("config"), provenance.code_hash("cli")
    (package_copy / "config.py").write_text((package_copy / "config.py").read_text() + "\n# changed\n")
    assert provenance.code_hash("config") != before_config
    assert provenance.code_hash("cli") == before_cli


def test_contract_change_reaches_every_rule(package_copy):
    before = provenance.code_hash("cli")
    (package_copy / "contract.py").write_text((package_copy / "contract.py").read_text() + "\n")
    assert provenance.code_hash("cli") != before


def test_subpackage_hash_covers_nested_files(package_copy):
    before = provenance.code_hash("figures")
    (package_copy / "figures" / "new_module.py").write_text("X = 1\n")
    assert provenance.code_hash("figures") != before


def test_unknown_module_is_an_error():
    with pytest.raises(ValueError, match="no module 'nonexistent'"):
        provenance.code_hash("nonexistent")
