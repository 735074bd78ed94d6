"""Async twins (``twin.py``): keep only what tests mim's async face.

* A source test parametrised over a ``"wire"`` face (real pymongo over the wire
  server) has that parameter dropped here: the wire face is tested by its own
  module, and a twin exists to drive ``mim.AsyncMongoClient``.
* ``TWIN_SKIPS`` in a twin module names tests (or ``test[param]`` items) where
  pymongo's async API itself differs from its sync one; each says why and where
  the async behaviour is asserted instead.
"""

from __future__ import annotations

import pytest

from .twin import mark_twin_skips


def _runs_on_wire(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    return callspec is not None and "wire" in callspec.params.values()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = __file__.rpartition("/")[0]
    kept, dropped = [], []
    for item in items:
        if not str(item.path).startswith(here):
            kept.append(item)
            continue
        if _runs_on_wire(item):
            dropped.append(item)
            continue
        kept.append(item)
    mark_twin_skips([item for item in kept if str(item.path).startswith(here)])
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
