"""The harness itself, offline: its lists parse, its alias maps names, a bad sdist fails loudly."""
from __future__ import annotations

import importlib
import io
import re
import sys
import tarfile
from pathlib import Path

import pytest

import mim.ming
import odm
import odm.schema
from ming_suite import alias, sdist
from ming_suite.exclusions import (CATEGORIES, EXCLUDED_FILE, GAPS_FILE, load_exclusions,
                                   load_gaps)

_TEST_ID = re.compile(r"^[\w/]+\.py(::\w+::\w+)?$")


def test_the_lists_parse_and_name_tests_in_ming_form():
    excluded, gaps = load_exclusions(), load_gaps()
    assert excluded and not set(excluded) & set(gaps)
    for test_id in [*excluded, *gaps]:
        assert _TEST_ID.match(test_id), test_id
    assert {e.kind for e in excluded.values()} <= set(CATEGORIES)
    assert {g.kind for g in gaps.values()} <= {"gap"}


def test_a_list_without_reason_or_with_an_unknown_category_is_refused(tmp_path):
    bad = tmp_path / "excluded.toml"
    bad.write_text('[[excluded]]\ncategory = "slow"\nreason = "r"\ntests = ["a.py"]\n')
    with pytest.raises(ValueError, match="unknown category"):
        load_exclusions(bad)
    bad.write_text('[[excluded]]\ncategory = "not-mongodb"\ntests = ["a.py"]\n')
    with pytest.raises(ValueError, match="lacks"):
        load_exclusions(bad)
    bad.write_text('[[gap]]\nreason = "r"\nwaits_for = "w"\ntests = ["a.py", "a.py"]\n')
    with pytest.raises(ValueError, match="listed twice"):
        load_gaps(bad)
    assert EXCLUDED_FILE.exists() and GAPS_FILE.exists()


def test_alias_names():
    assert alias.odm_name("ming.schema") == "odm.schema"
    assert alias.odm_name("ming.odm.odmsession") == "odm.odm.odmsession"
    assert alias.odm_name("ming.mim") == "mim.ming"


def test_the_alias_serves_odm_modules_and_the_extracted_tests(tmp_path):
    tests = tmp_path / "ming" / "tests"
    tests.mkdir(parents=True)
    (tests / "__init__.py").write_text("")
    (tests / "test_x.py").write_text("from ming import schema, Session\nimport ming.mim\n")
    alias.install(tmp_path / "ming")
    try:
        module = importlib.import_module("ming.tests.test_x")
        assert module.schema is odm.schema and module.Session is odm.Session
        assert sys.modules["ming.mim"] is mim.ming
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module("ming.encryption")
    finally:
        alias.uninstall()
    assert "ming" not in sys.modules


def _sdist(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_an_sdist_without_tests_fails_loudly(tmp_path, monkeypatch):
    monkeypatch.setattr(sdist, "CACHE", tmp_path / "cache")
    empty = _sdist(tmp_path / "ming-9.9.9.tar.gz", {"ming-9.9.9/ming/__init__.py": b""})
    monkeypatch.setenv("MING_SDIST", str(empty))
    with pytest.raises(sdist.MingSuiteUnavailable, match="no ming/tests"):
        sdist.fetch()
    monkeypatch.setenv("MING_SDIST", str(tmp_path / "missing.tar.gz"))
    with pytest.raises(sdist.MingSuiteUnavailable, match="no such sdist"):
        sdist.fetch()


def test_an_sdist_is_extracted_once_with_only_its_tests(tmp_path, monkeypatch):
    monkeypatch.setattr(sdist, "CACHE", tmp_path / "cache")
    given = _sdist(tmp_path / "ming-9.9.9.tar.gz", {
        "ming-9.9.9/ming/__init__.py": b"",
        "ming-9.9.9/ming/tests/__init__.py": b"",
        "ming-9.9.9/ming/tests/odm/test_y.py": b"",
    })
    monkeypatch.setenv("MING_SDIST", str(given))
    tests = sdist.fetch()
    assert tests.version == "9.9.9"
    assert sorted(p.relative_to(tests.tests_dir).as_posix() for p in tests.tests_dir.rglob("*.py")) == [
        "__init__.py", "odm/test_y.py"]
    assert not (tests.package_root / "__init__.py").exists()  # Ming's own code is never extracted


def test_pip_output_names_the_downloaded_sdist():
    for line in ("Saved ./.ming-cache/dist/ming-0.17.3.tar.gz",
                 "  File was already downloaded /x/.ming-cache/dist/ming-0.17.3.tar.gz"):
        assert sdist._SDIST.search(line).group(1) == "ming-0.17.3.tar.gz"


def test_pip_index_output_names_the_newest_release():
    output = "ming (0.17.3)\nAvailable versions: 0.17.3, 0.17.2\n"
    assert sdist._NEWEST.search(output).group(1) == "0.17.3"
