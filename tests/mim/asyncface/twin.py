"""Async twins of sync test modules: the same tests, run through mim's async face.

``twin(globals(), "core.test_crud")`` fills a module with the tests of
``core/test_crud.py`` and the fixtures of its directory's ``conftest.py``
(the very function objects: nothing is copied by hand).  While the twin's tests
run, the name ``mim`` in those source modules is :class:`adapter.TwinMim`: every
``mim.MongoClient(...)`` the tests or fixtures build is a
:class:`mim.AsyncMongoClient` behind the blocking adapter, so each operation goes
through the async classes and must give what the sync face gives.

``skip`` names the tests (or ``test[param]`` items) that cannot have a twin, each
with the reason: pymongo's async API itself differs there (``AsyncCursor`` has no
indexing, reprs say ``AsyncCollection`` …); ``conftest.py`` marks them.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

import pytest

from .adapter import Runner, TwinMim

__all__ = ["twin", "mark_twin_skips"]


def _is_fixture(value: Any) -> bool:
    return (type(value).__name__ == "FixtureFunctionDefinition"
            or hasattr(value, "_pytestfixturefunction"))


def _sources(source: str) -> list[Any]:
    package = source.rpartition(".")[0]
    modules = []
    conftest = f"{package}.conftest"
    if importlib.util.find_spec(conftest) is not None:
        modules.append(importlib.import_module(conftest))
    modules.append(importlib.import_module(source))
    return modules


def twin(namespace: dict[str, Any], source: str, skip: dict[str, str] | None = None,
         async_face: bool = True) -> None:
    """Fill ``namespace`` (a twin module's globals) with ``source``'s tests and fixtures.

    ``async_face=False`` leaves ``mim`` alone: the twin module then overrides
    fixtures itself (the driver-transport twins replace the wire suite's client).
    """
    skip = skip or {}
    modules = _sources(source)
    for module in modules:
        for name, value in vars(module).items():
            if (name.startswith(("test", "Test", "pytest_")) or name == "pytestmark"
                    or _is_fixture(value)):
                namespace[name] = value
    for name in skip:
        if name.partition("[")[0] not in namespace:
            raise LookupError(f"{source} has no test {name!r} to skip")
    namespace["TWIN_SKIPS"] = dict(skip)
    if not async_face:
        return

    @pytest.fixture(scope="module", autouse=True)
    def _async_face():
        runner = Runner()
        with pytest.MonkeyPatch.context() as patcher:
            for module in modules:
                if "mim" in vars(module):
                    patcher.setattr(module, "mim", TwinMim(runner))
            yield runner
        runner.close()

    namespace["_async_face"] = _async_face


def mark_twin_skips(items: list[pytest.Item]) -> None:
    """Mark the items a twin module's ``TWIN_SKIPS`` names (for a conftest's
    ``pytest_collection_modifyitems``)."""
    for item in items:
        module = getattr(item, "module", None)
        skips = getattr(module, "TWIN_SKIPS", None)
        if not skips:
            continue
        reason = skips.get(item.name, skips.get(getattr(item, "originalname", item.name)))
        if reason is not None:
            item.add_marker(pytest.mark.skip(reason=reason))
