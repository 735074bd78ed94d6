"""The point paths (``find_one``/``update_one`` by one equality) answer as the
general path does: the point map of a one-field index, the update of top-level
fields from a copy of the stored shadow, and an update that leaves every index
alone.  Each answer is checked against a hinted query (a hint takes the general
planner) or against the document as the server keeps it."""

from __future__ import annotations

import pytest
from pymongo.errors import DuplicateKeyError, WriteError

import mim


def _general(coll, filter):
    """The matches of ``filter`` through the general planner (hinted on ``uid_1``)."""
    return list(coll.find(filter).hint("uid_1"))


def test_point_map_follows_inserts_updates_deletes(coll):
    coll.create_index("uid")
    coll.insert_many([{"_id": i, "uid": f"u{i % 5}", "n": i} for i in range(20)])
    assert coll.find_one({"uid": "u3"}) == _general(coll, {"uid": "u3"})[0]  # map built
    coll.insert_one({"_id": 100, "uid": "solo"})
    assert coll.find_one({"uid": "solo"}) == {"_id": 100, "uid": "solo"}
    coll.update_one({"_id": 100}, {"$set": {"uid": "moved"}})  # the key changes
    assert coll.find_one({"uid": "solo"}) is None
    assert coll.find_one({"uid": "moved"}) == {"_id": 100, "uid": "moved"}
    coll.delete_one({"uid": "moved"})
    assert coll.find_one({"uid": "moved"}) is None
    # a key shared by several documents: the first in index order (_id ascending)
    for k in range(5):
        assert coll.find_one({"uid": f"u{k}"}) == _general(coll, {"uid": f"u{k}"})[0]
    coll.delete_many({"uid": "u1", "_id": {"$ne": 16}})
    assert coll.find_one({"uid": "u1"}) == {"_id": 16, "uid": "u1", "n": 16}
    coll.delete_one({"_id": 16})
    assert coll.find_one({"uid": "u1"}) is None


def test_point_map_numbers_compare_as_numbers(coll):
    coll.create_index("k")
    coll.insert_many([{"_id": 1, "k": 1}, {"_id": 2, "k": 2.5}, {"_id": 3, "k": [7, 8]}])
    assert coll.find_one({"k": 1.0}) == {"_id": 1, "k": 1}
    assert coll.find_one({"k": 2.5}) == {"_id": 2, "k": 2.5}
    assert coll.find_one({"k": 8}) == {"_id": 3, "k": [7, 8]}  # a multikey entry
    assert coll.update_one({"k": 7}, {"$set": {"x": 1}}).modified_count == 1
    assert coll.find_one({"_id": 3}) == {"_id": 3, "k": [7, 8], "x": 1}


def test_point_map_after_index_rebuilds(coll):
    coll.create_index("uid")
    coll.insert_many([{"_id": i, "uid": f"u{i}"} for i in range(5)])
    assert coll.find_one({"uid": "u2"}) == {"_id": 2, "uid": "u2"}
    coll.drop_indexes()
    coll.create_index("uid")
    coll.insert_one({"_id": 9, "uid": "u9"})
    assert coll.find_one({"uid": "u9"}) == {"_id": 9, "uid": "u9"}
    coll.delete_many({})
    assert coll.find_one({"uid": "u2"}) is None
    coll.insert_one({"_id": 2, "uid": "u2"})
    assert coll.find_one({"uid": "u2"}) == {"_id": 2, "uid": "u2"}


def test_point_map_in_a_transaction_and_after_commit():
    client = mim.MongoClient(server=mim.Server())
    coll = client.test.c
    coll.create_index("uid")
    coll.insert_many([{"_id": i, "uid": f"u{i}"} for i in range(5)])
    assert coll.find_one({"uid": "u1"}) == {"_id": 1, "uid": "u1"}
    with client.start_session() as session:
        with session.start_transaction():
            coll.update_one({"uid": "u1"}, {"$set": {"uid": "t1"}}, session=session)
            assert coll.find_one({"uid": "t1"}, session=session) == {"_id": 1, "uid": "t1"}
            assert coll.find_one({"uid": "u1"}, session=session) is None
            assert coll.find_one({"uid": "u1"}) == {"_id": 1, "uid": "u1"}  # outside
    assert coll.find_one({"uid": "t1"}) == {"_id": 1, "uid": "t1"}
    assert coll.find_one({"uid": "u1"}) is None


def test_top_level_set_keeps_nested_values_apart(coll):
    coll.insert_one({"_id": 1, "name": "a", "address": {"zip": "1"}, "tags": ["x"]})
    before = coll.find_one({"_id": 1})
    assert coll.update_one({"_id": 1}, {"$set": {"name": "b"}}).modified_count == 1
    # a later update of a nested value (the general path) changes the new document only
    coll.update_one({"_id": 1}, {"$set": {"address.zip": "2"}, "$push": {"tags": "y"}})
    assert before == {"_id": 1, "name": "a", "address": {"zip": "1"}, "tags": ["x"]}
    assert coll.find_one({"_id": 1}) == {"_id": 1, "name": "b", "address": {"zip": "2"},
                                         "tags": ["x", "y"]}
    # field order as the server keeps it: an existing field in place, a new one appended
    coll.update_one({"_id": 1}, {"$set": {"z": 1, "address": None}})
    assert list(coll.find_one({"_id": 1})) == ["_id", "name", "address", "tags", "z"]
    assert coll.update_one({"_id": 1}, {"$set": {"z": 1}}).modified_count == 0


def test_top_level_set_before_change_is_the_old_document():
    client = mim.MongoClient(server=mim.Server())
    coll = client.test.c
    coll.insert_one({"_id": 1, "name": "a", "address": {"zip": "1"}})
    with coll.watch(full_document="updateLookup") as stream:
        coll.update_one({"_id": 1}, {"$set": {"name": "b"}})
        event = stream.next()
    assert event["updateDescription"]["updatedFields"] == {"name": "b"}
    assert event["fullDocument"] == {"_id": 1, "name": "b", "address": {"zip": "1"}}


def test_top_level_set_on_an_indexed_field_moves_its_entries(coll):
    coll.create_index("uid", unique=True)
    coll.create_index("age")
    coll.insert_many([{"_id": 1, "uid": "a", "age": 1}, {"_id": 2, "uid": "b", "age": 2}])
    assert coll.find_one({"uid": "a"})["_id"] == 1
    coll.update_one({"uid": "a"}, {"$set": {"uid": "c", "age": 5}})
    assert coll.find_one({"uid": "c"}) == {"_id": 1, "uid": "c", "age": 5}
    assert coll.find_one({"uid": "a"}) is None
    assert [d["_id"] for d in coll.find({"age": 5}).hint("age_1")] == [1]
    assert list(coll.find({"age": 1}).hint("age_1")) == []
    # a unique violation leaves the document as it was
    with pytest.raises(DuplicateKeyError):
        coll.update_one({"uid": "c"}, {"$set": {"uid": "b"}})
    assert coll.find_one({"_id": 1}) == {"_id": 1, "uid": "c", "age": 5}
    assert coll.find_one({"uid": "c"}) == {"_id": 1, "uid": "c", "age": 5}


def test_unindexed_set_with_an_index_and_a_validator(db):
    coll = db.create_collection("v", validator={"name": {"$type": "string"}})
    coll.create_index("uid")
    coll.insert_one({"_id": 1, "uid": "a", "name": "x"})
    with pytest.raises(WriteError) as info:
        coll.update_one({"uid": "a"}, {"$set": {"name": 5}})
    assert info.value.code == 121
    assert coll.find_one({"uid": "a"}) == {"_id": 1, "uid": "a", "name": "x"}
    coll.update_one({"uid": "a"}, {"$set": {"name": "y"}})
    assert coll.find_one({"uid": "a"}) == {"_id": 1, "uid": "a", "name": "y"}


def test_top_level_set_beyond_16mb_is_refused(coll):
    coll.insert_one({"_id": 1, "a": "x" * (9 * 1024 * 1024)})
    with pytest.raises(WriteError) as info:
        coll.update_one({"_id": 1}, {"$set": {"b": "y" * (8 * 1024 * 1024)}})
    assert info.value.code == 17419
    assert set(coll.find_one({"_id": 1})) == {"_id", "a"}


def test_top_level_set_upserts(coll):
    coll.create_index("uid")
    result = coll.update_one({"uid": "new"}, {"$set": {"name": "n"}}, upsert=True)
    assert result.matched_count == 0 and result.upserted_id is not None
    doc = coll.find_one({"uid": "new"})
    assert doc == {"_id": result.upserted_id, "uid": "new", "name": "n"}
