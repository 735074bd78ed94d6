"""The import alias that lets Ming's own tests run against odm and mim.

Ming's tests import ``ming``, ``ming.odm``, ``ming.mim``, ``ming.schema`` … and
their own package ``ming.tests``.  :class:`MingAlias` (a ``sys.meta_path``
finder) answers those imports:

* ``ming`` is a fresh package module carrying odm's public names, whose
  ``__path__`` is the directory the tests were extracted to, so ``ming.tests``
  and its submodules load from there like any package;
* every other ``ming.X.Y`` is the very module object ``odm.X.Y`` (not a copy:
  ``mock.patch('ming.session.Session.x')`` patches odm's class), after the
  renames in :data:`RENAMED` for the few modules named differently
  (``ming.mim`` is :mod:`mim.ming`: the ODM itself never imports mim).

A ``ming.X`` odm does not have fails with ``ModuleNotFoundError``, as it would
for a user porting an application.
"""
from __future__ import annotations

import importlib
import importlib.util
import importlib.abc
import importlib.machinery
import sys
import types
from pathlib import Path
from typing import Optional, Sequence

__all__ = ["MingAlias", "install", "uninstall", "odm_name"]

#: Ming module names whose odm counterpart is spelled differently.
RENAMED = {
    "ming.mim": "mim.ming",
}

_OWN = "ming.tests"


def odm_name(ming_name: str) -> str:
    """The odm module that stands for the Ming module ``ming_name``."""
    if ming_name in RENAMED:
        return RENAMED[ming_name]
    return "odm" + ming_name[len("ming"):]


class _ExistingModule(importlib.abc.Loader):
    """Loads an alias by putting the already-imported odm module in its place.

    The import system re-reads ``sys.modules`` after ``exec_module``, so the
    name ends up bound to the odm module itself, whose ``__spec__`` and
    ``__name__`` stay untouched.
    """

    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        sys.modules[module.__name__] = importlib.import_module(self.target)


class MingAlias(importlib.abc.MetaPathFinder):
    """Answers ``import ming…`` with odm's modules and Ming's extracted tests."""

    def __init__(self, tests_root: Path) -> None:
        #: the directory holding the extracted ``tests`` package (Ming's ``ming/``)
        self.tests_root = tests_root

    def find_spec(self, fullname: str, path: Optional[Sequence[str]] = None,
                  target: Optional[types.ModuleType] = None) -> Optional[importlib.machinery.ModuleSpec]:
        if fullname == "ming":
            return importlib.machinery.ModuleSpec(fullname, _PackageShim(self.tests_root),
                                                  is_package=True)
        if not fullname.startswith("ming."):
            return None
        if fullname == _OWN or fullname.startswith(_OWN + "."):
            return None  # the normal path finder reads them from ming.__path__
        odm_module = odm_name(fullname)
        if importlib.util.find_spec(odm_module) is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _ExistingModule(odm_module))


class _PackageShim(importlib.abc.Loader):
    """Builds the ``ming`` package: odm's namespace, Ming's tests on its path."""

    def __init__(self, tests_root: Path) -> None:
        self.tests_root = tests_root

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        spec.submodule_search_locations = [str(self.tests_root)]
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        odm = importlib.import_module("odm")
        for name in getattr(odm, "__all__", ()):
            setattr(module, name, getattr(odm, name))
        module.__path__ = [str(self.tests_root)]


_installed: list[MingAlias] = []


def install(tests_root: Path) -> MingAlias:
    """Put the alias first on ``sys.meta_path`` (replacing any earlier one)."""
    uninstall()
    finder = MingAlias(tests_root)
    sys.meta_path.insert(0, finder)
    _installed.append(finder)
    return finder


def uninstall() -> None:
    """Remove the alias and forget every ``ming`` module imported through it."""
    while _installed:
        sys.meta_path.remove(_installed.pop())
    for name in [n for n in sys.modules if n == "ming" or n.startswith("ming.")]:
        del sys.modules[name]
