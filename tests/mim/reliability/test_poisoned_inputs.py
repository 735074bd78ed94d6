"""Issue 16 item 6: input a driver cannot send is refused as the driver refuses
it, raw-batch cursors work, and mapReduce is refused like every JavaScript
feature, as a mongod started with --noscripting refuses it."""

from __future__ import annotations

import bson
import pytest
from bson.errors import InvalidDocument
from pymongo.errors import InvalidOperation, OperationFailure


def test_nul_in_an_index_key_is_refused_and_poisons_nothing(client):
    coll = client.poison.things
    coll.insert_one({"_id": 1})
    with pytest.raises(InvalidDocument, match="Key names must not contain the NULL byte"):
        coll.create_index([("\x00x", 1)])
    with pytest.raises(InvalidDocument, match="Key names must not contain the NULL byte"):
        coll.create_index([("a", 1), ("b\x00", -1)])
    assert list(coll.index_information()) == ["_id_"]
    assert [ix["name"] for ix in coll.list_indexes()] == ["_id_"]


def test_find_raw_batches_yields_bson_batches(client):
    coll = client.raw.things
    coll.insert_many([{"_id": i, "v": "x" * i} for i in range(250)])
    batches = list(coll.find_raw_batches({}, {"v": 0}, sort=[("_id", 1)]))
    assert all(isinstance(b, bytes) for b in batches)
    assert [len(bson.decode_all(b)) for b in batches] == [101, 149]  # first batch: 101
    assert [d["_id"] for b in batches for d in bson.decode_all(b)] == list(range(250))
    assert bson.decode_all(batches[0])[0] == {"_id": 0}
    sized = list(coll.find_raw_batches({"_id": {"$lt": 10}}, batch_size=4))
    assert [len(bson.decode_all(b)) for b in sized] == [4, 4, 2]
    assert list(coll.find_raw_batches({"_id": -1})) == []
    with pytest.raises(InvalidOperation):
        coll.find_raw_batches()[0]


def test_aggregate_raw_batches_yields_bson_batches(client):
    coll = client.raw.things
    coll.insert_many([{"_id": i} for i in range(5)])
    batches = list(coll.aggregate_raw_batches([{"$match": {"_id": {"$gte": 1}}},
                                               {"$project": {"double": {"$multiply": ["$_id", 2]}}}],
                                              batchSize=3))
    assert [bson.decode_all(b) for b in batches] == [
        [{"_id": 1, "double": 2}, {"_id": 2, "double": 4}, {"_id": 3, "double": 6}],
        [{"_id": 4, "double": 8}]]


def test_map_reduce_is_refused_like_every_javascript_feature(client):
    client.mr.c.insert_one({"_id": 1})
    for name in ("mapReduce", "mapreduce"):
        with pytest.raises(OperationFailure) as info:
            client.mr.command({name: "c", "map": "function(){emit(1,1)}",
                               "reduce": "function(k,v){return 1}", "out": {"inline": 1}})
        # mongod --noscripting: the map step ($_internalJsEmit) has no script engine
        assert info.value.code == 31246
        assert info.value.details["codeName"] == "Location31246"
        assert info.value.details["errmsg"] == ("Cannot run server-side javascript without the "
                                                "javascript engine enabled")
