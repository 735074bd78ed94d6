"""Defects the fuzz suite found, each pinned by its own test."""

from __future__ import annotations

import pytest
from pymongo.errors import OperationFailure


def test_a_failed_out_creates_no_target(client):
    client.fz.src.insert_many([{"_id": 1, "k": 1}, {"_id": 2, "k": 1}])
    with pytest.raises(OperationFailure) as info:
        list(client.fz.src.aggregate([{"$project": {"_id": "$k"}}, {"$out": "target"}]))
    assert info.value.code == 11000
    assert client.fz.list_collection_names() == ["src"]  # the server renames a finished temp
    with pytest.raises(OperationFailure):
        list(client.fz.src.aggregate([{"$project": {"_id": "$k"}},
                                      {"$out": {"db": "fresh", "coll": "t"}}]))
    assert "fresh" not in client.list_database_names()


@pytest.mark.parametrize("size", [float("inf"), float("-inf"), 2.0**40])
def test_size_beyond_32_bits_is_refused(client, size):
    client.fz.c.insert_one({"a": [1]})
    with pytest.raises(OperationFailure) as info:
        client.fz.c.find_one({"a": {"$size": size}})
    assert info.value.code == 2
    assert info.value.details["errmsg"] == "$size must be representable as a 32-bit integer"
