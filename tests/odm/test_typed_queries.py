"""Typed queries: mypy and pyright see ``Model.query.get()`` as ``Model | None``, ``find()`` as ``ODMCursor[Model]`` ...

``typed/typed_models.py`` states the types with ``typing.assert_type`` (mypy
and pyright fail on any that differs), ``typed/typed_async_models.py`` those
of the queries of an ``AsyncMappedClass`` (awaited); ``typed/typed_wrong.py``
holds two mistakes both must report, so the check is known to bite.  The files
are only type-checked, never imported by pytest (no ``test_`` prefix).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent / "typed"
ROOT = HERE.parents[2]


def mypy(path: Path, cache: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--follow-imports=silent", "--ignore-missing-imports", "--no-error-summary",
         "--cache-dir", str(cache), str(path)],
        capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_mypy_infers_the_mapped_class_through_queries(tmp_path):
    result = mypy(HERE / "typed_models.py", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_reports_an_optional_result_used_as_an_object(tmp_path):
    result = mypy(HERE / "typed_wrong.py", tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        'tests/odm/typed/typed_wrong.py:12: error: Incompatible types in assignment (expression has type '
        '"Page | None", variable has type "Page")  [assignment]',
        'tests/odm/typed/typed_wrong.py:13: error: Incompatible types in assignment (expression has type '
        '"Page | None", variable has type "int")  [assignment]',
    ]


def pyright(path: Path) -> subprocess.CompletedProcess:
    """pyright (the PyPI wrapper of the npm package, on the machine's Node.js) on ``path``, in this interpreter's
    environment; ``--outputjson`` for its diagnostics."""
    return subprocess.run(
        [sys.executable, "-m", "pyright", "--outputjson", "--pythonpath", sys.executable, str(path)],
        capture_output=True, text=True, cwd=ROOT, timeout=600)


def test_pyright_infers_the_mapped_class_through_queries():
    result = pyright(HERE / "typed_models.py")
    assert result.returncode == 0, result.stdout + result.stderr


def test_pyright_reports_an_optional_result_used_as_an_object():
    result = pyright(HERE / "typed_wrong.py")
    assert result.returncode == 1
    found = [(d["range"]["start"]["line"] + 1, d["rule"], d["message"].splitlines()[0])
             for d in json.loads(result.stdout)["generalDiagnostics"]]
    assert found == [
        (12, "reportAssignmentType", 'Type "Page | None" is not assignable to declared type "Page"'),
        (13, "reportAssignmentType", 'Type "Page | None" is not assignable to declared type "int"'),
    ]


def test_mypy_sees_the_async_queries_awaited(tmp_path):
    """``typed/typed_async_models.py``: a class of ``odm.AsyncMappedClass`` (``MappedClass`` at run time)."""
    result = mypy(HERE / "typed_async_models.py", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_pyright_sees_the_async_queries_awaited():
    result = pyright(HERE / "typed_async_models.py")
    assert result.returncode == 0, result.stdout + result.stderr
