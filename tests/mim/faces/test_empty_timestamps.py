"""``Timestamp(0, 0)`` written in a top-level field: the server stamps it.

MongoDB replaces an empty timestamp in any top-level field but ``_id`` of an
inserted document and of a replacement document (update, findAndModify, and
their upserts) with the current cluster time; update operators, update pipelines,
nested fields and ``_id`` keep it as written (the server's jstests/core/empty_ts.js
asserts exactly this split).  Each test runs on both faces."""

from __future__ import annotations

from bson.raw_bson import RawBSONDocument
from bson.timestamp import Timestamp
import bson

EMPTY = Timestamp(0, 0)


def _a(coll, _id):
    return coll.find_one({"_id": _id})["a"]


def _stamped(value) -> bool:
    return type(value) is Timestamp and value.time > 0


def test_insert_stamps_top_level_empty_timestamps(coll):
    coll.insert_one({"_id": 1, "a": EMPTY})
    coll.insert_many([{"_id": 2, "a": EMPTY, "b": EMPTY}, {"_id": 3, "a": 1}])
    one, two = coll.find_one({"_id": 1}), coll.find_one({"_id": 2})
    assert _stamped(one["a"]) and _stamped(two["a"]) and _stamped(two["b"])
    # each stamp is a new cluster time: they never repeat
    assert len({one["a"], two["a"], two["b"]}) == 3
    assert _a(coll, 3) == 1


def test_the_stamp_is_the_cluster_time(client, coll):
    before = client.admin.command("ping")
    coll.insert_one({"_id": 1, "a": EMPTY})
    stamp = _a(coll, 1)
    after = client.admin.command("ping")
    if "$clusterTime" in before:  # a replica-set member gossips its cluster time
        assert before["$clusterTime"]["clusterTime"] < stamp
        assert stamp <= after["$clusterTime"]["clusterTime"]


def test_id_and_nested_empty_timestamps_are_kept(coll):
    coll.insert_one({"_id": EMPTY, "a": 9, "sub": {"t": EMPTY}, "list": [EMPTY]})
    found = coll.find_one({"_id": EMPTY})
    assert found == {"_id": EMPTY, "a": 9, "sub": {"t": EMPTY}, "list": [EMPTY]}


def test_inserted_bytes_are_stamped_and_read_back_alike(coll):
    coll.insert_one(RawBSONDocument(bson.encode({"_id": 1, "s": "x", "a": EMPTY, "n": 0})))
    stored = coll.find_one({"_id": 1})
    assert _stamped(stored["a"]) and stored["s"] == "x" and stored["n"] == 0
    # the stamped value is what queries see, too
    assert coll.count_documents({"a": stored["a"]}) == 1
    assert coll.count_documents({"a": EMPTY}) == 0


def test_replacements_stamp_and_operator_updates_keep(coll):
    coll.insert_many([{"_id": i, "a": i} for i in (102, 103, 106, 107, 108, 109)])
    coll.replace_one({"_id": 102}, {"a": EMPTY})
    assert coll.find_one_and_replace({"_id": 103}, {"a": EMPTY}) == {"_id": 103, "a": 103}
    coll.replace_one({"_id": 104}, {"a": EMPTY}, upsert=True)
    assert coll.find_one_and_replace({"_id": 105}, {"a": EMPTY}, upsert=True) is None
    coll.update_one({"_id": 106}, {"$set": {"a": EMPTY}})
    coll.find_one_and_update({"_id": 107}, {"$set": {"a": EMPTY}})
    coll.update_one({"_id": 108}, [{"$addFields": {"a": EMPTY}}])
    coll.update_one({"_id": 112}, {"$set": {"a": EMPTY}}, upsert=True)
    coll.update_one({"_id": 114}, [{"$addFields": {"a": EMPTY}}], upsert=True)
    for _id in (102, 103, 104, 105):
        assert _stamped(_a(coll, _id)), _id
    for _id in (106, 107, 108, 112, 114):
        assert _a(coll, _id) == EMPTY, _id


def test_replacing_a_document_whose_id_is_empty(coll):
    coll.insert_one({"_id": EMPTY, "a": 9})
    coll.replace_one({"_id": EMPTY}, {"_id": EMPTY, "a": EMPTY})
    found = coll.find_one({"_id": EMPTY})
    assert found["_id"] == EMPTY and _stamped(found["a"])
