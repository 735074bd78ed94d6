"""The ODM must never import mim: it only speaks the public pymongo API."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ODM_DIR = Path(__file__).resolve().parents[2] / "odm"


def test_importing_odm_imports_no_mim_module():
    code = (
        "import sys, pkgutil, importlib, odm\n"
        "for m in pkgutil.walk_packages(odm.__path__, 'odm.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n == 'mim' or n.startswith('mim.'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ODM_DIR.parent, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_no_odm_source_imports_mim_statically():
    pattern = re.compile(r"^\s*(from\s+mim(\.|\s)|import\s+mim\b)", re.MULTILINE)
    offenders = [str(p) for p in ODM_DIR.rglob("*.py") if pattern.search(p.read_text())]
    assert offenders == []
    sources = list(ODM_DIR.rglob("*.py"))
    assert len(sources) >= 8  # the check really looked at the package
