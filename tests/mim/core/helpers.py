"""Helpers shared by the core tests.

Expected values in these tests come from the MongoDB 7.0 manual or the server
source (``src/mongo/db/matcher/expression_parser.cpp``, ``expression_leaf.cpp``,
``matcher_type_set.cpp``, ``projection_parser.cpp`` …), never from mim's output.
"""

from __future__ import annotations

from typing import Any

import pytest
from pymongo.errors import OperationFailure


def load(coll, docs: list[dict]) -> None:
    """Replace the collection's contents with ``docs``, numbering ``_id`` from 0."""
    coll.delete_many({})
    coll.insert_many([{"_id": i, **d} for i, d in enumerate(docs)])


def matching(coll, docs: list[dict], filter: Any) -> list[int]:
    """The positions (``_id``) of ``docs`` that ``filter`` selects."""
    load(coll, docs)
    return sorted(d["_id"] for d in coll.find(filter))


def query_error(coll, filter: Any, code: int, message: str | None = None) -> OperationFailure:
    """Assert that running ``filter`` fails with ``code`` (and ``message``)."""
    coll.insert_one({"x": 1}) if coll.estimated_document_count() == 0 else None
    with pytest.raises(OperationFailure) as info:
        list(coll.find(filter))
    assert info.value.code == code, info.value.details
    if message is not None:
        assert info.value.details["errmsg"] == message
    return info.value
