"""Fetching Ming's test package from the newest Ming release on the package index.

Nothing of Ming is kept in the repository: at test time the package index is
asked for the newest Ming release, ``pip download`` fetches its sdist into
``.ming-cache/`` (gitignored) unless it is already there, and its ``ming/tests``
package is extracted next to it.  ``MING_SDIST=/path/to/ming-X.tar.gz`` uses a given sdist instead
(for offline runs).  Any failure raises :class:`MingSuiteUnavailable`: the
target fails loudly, it never quietly runs nothing.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

__all__ = ["CACHE", "MingSuiteUnavailable", "MingTests", "fetch"]

CACHE = Path(__file__).resolve().parent.parent / ".ming-cache"

_SDIST = re.compile(r"(?:^|[\s'\"/])(ming-(\d[^/\s'\"]*)\.tar\.gz)")
_NEWEST = re.compile(r"^ming \(([^)]+)\)", re.MULTILINE)


class MingSuiteUnavailable(RuntimeError):
    """Ming's sdist could not be fetched or does not contain its tests."""


@dataclass(frozen=True)
class MingTests:
    """Where one Ming release's tests were extracted."""

    version: str
    #: stands for Ming's ``ming/`` directory: holds ``tests/`` (the ``ming.tests`` package)
    package_root: Path

    @property
    def tests_dir(self) -> Path:
        return self.package_root / "tests"


def _pip(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pip", *args, "--disable-pip-version-check"]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def _newest_version() -> Optional[str]:
    """The newest Ming release the index lists (``pip index versions``), or None when
    that (experimental) pip command is unavailable."""
    result = _pip("index", "versions", "ming")
    match = _NEWEST.search(result.stdout) if result.returncode == 0 else None
    return match.group(1) if match else None


def _download() -> Path:
    """The newest Ming sdist, in the cache.

    The index is asked for the newest version first: when that sdist is
    already cached nothing is downloaded (``pip download`` would build the
    sdist's metadata again, ~20 s).  Otherwise ``pip download`` fetches it.
    """
    dist = CACHE / "dist"
    dist.mkdir(parents=True, exist_ok=True)
    newest = _newest_version()
    if newest is not None and (dist / f"ming-{newest}.tar.gz").is_file():
        return dist / f"ming-{newest}.tar.gz"
    requirement = f"ming=={newest}" if newest else "ming"
    args = ("download", requirement, "--no-deps", "--no-binary", ":all:", "-d", str(dist))
    result = _pip(*args)
    if result.returncode != 0:
        raise MingSuiteUnavailable(
            f"`pip {' '.join(args)}` failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    names = [m.group(1) for m in _SDIST.finditer(result.stdout)]
    if not names:
        raise MingSuiteUnavailable(f"pip downloaded no Ming sdist:\n{result.stdout}")
    return dist / names[-1]


def _extract(sdist: Path) -> MingTests:
    """Extract ``ming/tests/**`` of ``sdist`` (once per release) and describe it."""
    match = _SDIST.search("/" + sdist.name)
    if not match:
        raise MingSuiteUnavailable(f"{sdist.name} is not named like a Ming sdist")
    version = match.group(2)
    root = CACHE / f"ming-{version}" / "ming"
    marker = root / ".extracted"
    if not marker.exists():
        prefix = f"ming-{version}/ming/tests/"
        with tarfile.open(sdist) as archive:
            members = [m for m in archive.getmembers()
                       if m.name.startswith(prefix) and (m.isfile() or m.isdir())]
            if not members:
                raise MingSuiteUnavailable(f"{sdist.name} has no ming/tests package")
            for member in members:
                member.name = "tests/" + member.name[len(prefix):]
            if hasattr(tarfile, "data_filter"):
                archive.extractall(root, members=members, filter="data")
            else:  # pragma: no cover - Pythons without extraction filters
                archive.extractall(root, members=members)
        marker.write_text(sdist.name, encoding="utf-8")
    tests = MingTests(version, root)
    if not (tests.tests_dir / "__init__.py").exists():
        raise MingSuiteUnavailable(f"{sdist.name}: ming/tests is not a package")
    return tests


def fetch() -> MingTests:
    """The tests of the newest Ming release (or of ``$MING_SDIST``), extracted."""
    given = os.environ.get("MING_SDIST")
    sdist = Path(given) if given else _download()
    if not sdist.is_file():
        raise MingSuiteUnavailable(f"no such sdist: {sdist}")
    return _extract(sdist)
