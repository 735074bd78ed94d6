"""Driver-transport twins of the wire suite: ``TWIN_SKIPS`` as in ``asyncface``."""

from __future__ import annotations

import pytest

from asyncface.twin import mark_twin_skips


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = __file__.rpartition("/")[0]
    mark_twin_skips([item for item in items if str(item.path).startswith(here)])
