"""The README's coverage table is generated from the code's registries and must not drift."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_coverage_table_is_current() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "coverage_table.py"),
                             "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_quickstart_runs() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "quickstart.py")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "duplicate rejected like MongoDB: 11000" in result.stdout
    assert "bad filter rejected like MongoDB: 2 unknown operator: $foo" in result.stdout
