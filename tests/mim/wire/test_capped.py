"""Capped collections on both faces (in-process ``mim.MongoClient`` and real
pymongo over the wire): ``max``/``size`` enforced oldest-first in natural order,
7.0's relaxed rules (deletes and size-changing updates allowed, ``size`` kept as
given), ``cloneCollectionAsCapped`` and ``convertToCapped``.

Expected values are the MongoDB 7.0 manual's ("Capped Collections") and the
server's (``CollectionOptions::checkAndAdjustCapped*``, ``cloneCollectionAsCapped``).
"""

from __future__ import annotations

import bson
import pymongo
import pytest
from pymongo.errors import OperationFailure

import mim


@pytest.fixture(params=["in-process", "wire"])
def cdb(request, server, module_client):
    """A fresh database on one face or the other."""
    if request.param == "in-process":
        client = mim.MongoClient()
        yield client.cappedtest
        client.drop_database("cappedtest")
        client.close()
    else:
        server.engine.reset()
        yield module_client.cappedtest
        server.engine.reset()


def test_max_keeps_the_newest_documents_in_insertion_order(cdb):
    cdb.create_collection("log", capped=True, size=100000, max=3)
    for i in range(5):
        cdb.log.insert_one({"_id": 10 - i, "i": i})
    assert [d["i"] for d in cdb.log.find()] == [2, 3, 4]
    assert cdb.log.count_documents({}) == 3


def test_insert_many_is_trimmed_as_it_goes(cdb):
    cdb.create_collection("log", capped=True, size=100000, max=2)
    cdb.log.insert_many([{"i": i} for i in range(6)])
    assert [d["i"] for d in cdb.log.find()] == [4, 5]


def test_size_bounds_the_sum_of_bson_sizes(cdb):
    document_size = len(bson.encode({"_id": 0, "pad": "x" * 100}))
    cdb.create_collection("log", capped=True, size=document_size * 3)
    for i in range(10):
        cdb.log.insert_one({"_id": i, "pad": "x" * 100})
    assert [d["_id"] for d in cdb.log.find()] == [7, 8, 9]
    stats = cdb.command("collStats", "log")
    assert stats["capped"] is True and stats["maxSize"] == document_size * 3
    assert stats["size"] == document_size * 3 and stats["count"] == 3


def test_size_is_kept_as_given_and_options_report_it(cdb):
    cdb.create_collection("log", capped=True, size=1000, max=5)
    assert cdb.log.options() == {"capped": True, "size": 1000, "max": 5}
    info = next(cdb.list_collections(filter={"name": "log"}))
    assert info["options"] == {"capped": True, "size": 1000, "max": 5}


def test_deletes_and_size_changing_updates_are_allowed_in_7_0(cdb):
    cdb.create_collection("log", capped=True, size=100000)
    cdb.log.insert_many([{"_id": i, "s": "a"} for i in range(3)])
    assert cdb.log.update_one({"_id": 1}, {"$set": {"s": "much longer"}}).modified_count == 1
    assert cdb.log.delete_one({"_id": 0}).deleted_count == 1
    assert list(cdb.log.find()) == [{"_id": 1, "s": "much longer"}, {"_id": 2, "s": "a"}]


@pytest.mark.parametrize("options, message", [
    ({"size": -1}, "size has to be >= 0"),
    ({"size": 1024 ** 5 + 1}, "size cannot exceed 1 PB"),
    ({"size": 1000, "max": 2 ** 31}, "max in a capped collection has to be < 2^31 or not set"),
])
def test_bad_size_or_max_is_refused(cdb, options, message):
    with pytest.raises(OperationFailure) as caught:
        cdb.create_collection("log", capped=True, **options)
    assert caught.value.code == 2 and message in str(caught.value)
    assert "log" not in cdb.list_collection_names()


def test_clone_collection_as_capped(cdb):
    cdb.src.insert_many([{"_id": i} for i in range(5)])
    cdb.src.create_index("x")
    size = len(bson.encode({"_id": 0})) * 2
    assert cdb.command("cloneCollectionAsCapped", "src", toCollection="dst", size=size)["ok"] == 1
    assert [d["_id"] for d in cdb.dst.find()] == [3, 4]
    assert cdb.dst.options() == {"capped": True, "size": size}
    assert sorted(cdb.dst.index_information()) == ["_id_"]
    assert cdb.src.count_documents({}) == 5 and not cdb.src.options()


def test_clone_collection_as_capped_errors(cdb):
    with pytest.raises(OperationFailure) as caught:
        cdb.command("cloneCollectionAsCapped", "nope", toCollection="dst", size=1000)
    assert caught.value.code == 26
    assert "source collection cappedtest.nope does not exist" in str(caught.value)
    cdb.src.insert_one({})
    cdb.dst.insert_one({})
    with pytest.raises(OperationFailure) as caught:
        cdb.command("cloneCollectionAsCapped", "src", toCollection="dst", size=1000)
    assert caught.value.code == 48
    with pytest.raises(OperationFailure) as caught:
        cdb.command("cloneCollectionAsCapped", "src", toCollection="other")
    assert caught.value.code == 40414


def test_convert_to_capped(cdb):
    cdb.log.insert_many([{"_id": i} for i in range(5)])
    cdb.log.create_index("x")
    assert cdb.command("convertToCapped", "log", size=100000)["ok"] == 1
    assert cdb.log.options() == {"capped": True, "size": 100000}
    assert sorted(cdb.log.index_information()) == ["_id_"]
    assert [d["_id"] for d in cdb.log.find()] == list(range(5))
    assert cdb.list_collection_names() == ["log"]
    with pytest.raises(OperationFailure) as caught:
        cdb.command("convertToCapped", "missing", size=1000)
    assert caught.value.code == 26


def test_a_document_larger_than_size_is_refused_and_nothing_is_trimmed(cdb):
    cdb.create_collection("log", capped=True, size=100)
    cdb.log.insert_one({"_id": 1})
    with pytest.raises(pymongo.errors.WriteError) as caught:
        cdb.log.insert_one({"_id": 2, "pad": "x" * 200})
    assert caught.value.code == 2
    assert "object to insert exceeds cappedMaxSize" in str(caught.value)
    assert list(cdb.log.find()) == [{"_id": 1}]
