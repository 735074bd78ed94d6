"""The one write path: every write emits one change event, and each can be undone.

Event shapes follow what MongoDB's oplog and change streams carry for a write:
the ``operationType`` names (insert, update, replace, delete, create, drop, rename,
dropDatabase, createIndexes, dropIndexes), the namespace, the ``documentKey``,
the ``updateDescription`` (``updatedFields`` / ``removedFields``) and the
pre-image (change streams' ``fullDocumentBeforeChange``).
"""

from __future__ import annotations

import pytest
from pymongo import ReturnDocument

from mim.engine.storage.changes import ChangeEvent, undo


@pytest.fixture
def events(client):
    seen: list[ChangeEvent] = []
    client.server.add_listener(seen.append)
    yield seen
    client.server.remove_listener(seen.append)


def summary(events: list[ChangeEvent]) -> list[tuple]:
    return [(e.operation, e.namespace, e.document_key) for e in events]


def test_each_document_write_emits_one_event(client, coll, events):
    coll.insert_one({"_id": 1, "a": 1})
    coll.insert_many([{"_id": 2}, {"_id": 3}])
    coll.update_one({"_id": 1}, {"$set": {"a": 2}})
    coll.replace_one({"_id": 2}, {"b": 1})
    coll.delete_one({"_id": 3})
    coll.find_one_and_update({"_id": 1}, {"$inc": {"a": 1}},
                             return_document=ReturnDocument.AFTER)
    assert summary(events) == [
        ("create", "testdb.coll", None),
        ("insert", "testdb.coll", {"_id": 1}),
        ("insert", "testdb.coll", {"_id": 2}),
        ("insert", "testdb.coll", {"_id": 3}),
        ("update", "testdb.coll", {"_id": 1}),
        ("replace", "testdb.coll", {"_id": 2}),
        ("delete", "testdb.coll", {"_id": 3}),
        ("update", "testdb.coll", {"_id": 1}),
    ]


def test_a_write_that_changes_nothing_or_fails_emits_nothing(coll, events):
    coll.insert_one({"_id": 1, "a": 1})
    events.clear()
    coll.update_one({"_id": 1}, {"$set": {"a": 1}})  # no-op: nothing written
    coll.update_one({"_id": 9}, {"$set": {"a": 1}})  # no match
    with pytest.raises(Exception):
        coll.insert_one({"_id": 1})  # duplicate key: nothing written
    assert events == []


def test_update_description_and_pre_image(coll, events):
    coll.insert_one({"_id": 1, "a": 1, "b": 2, "c": [1, 2]})
    coll.update_one({"_id": 1}, {"$set": {"a": 5, "c": [1, 2]}, "$unset": {"b": ""}})
    update = events[-1]
    assert update.update_description == {"updatedFields": {"a": 5}, "removedFields": ["b"],
                                          "truncatedArrays": []}
    assert update.pre_image == {"_id": 1, "a": 1, "b": 2, "c": [1, 2]}
    # the pre-image is a fresh copy: changing it changes nothing stored
    update.pre_image["a"] = 99
    assert update.pre_image["a"] == 1
    coll.delete_one({"_id": 1})
    assert events[-1].pre_image == {"_id": 1, "a": 5, "c": [1, 2]}
    assert events[-1].update_description is None


def test_catalog_writes_emit_events(client, db, coll, events):
    coll.insert_one({"_id": 1})
    coll.create_index("a", name="a_1")
    coll.drop_index("a_1")
    coll.rename("other")
    db.other.drop()
    db.x.insert_one({})
    client.drop_database("testdb")
    assert [(e.operation, e.namespace) for e in events] == [
        ("create", "testdb.coll"), ("insert", "testdb.coll"),
        ("createIndexes", "testdb.coll"), ("dropIndexes", "testdb.coll"),
        ("rename", "testdb.coll"), ("drop", "testdb.other"),
        ("create", "testdb.x"), ("insert", "testdb.x"), ("dropDatabase", "testdb")]
    assert events[2].detail["key"] == {"a": 1}
    assert events[4].target == "testdb.other"


def test_undo_newest_first_restores_documents_and_catalog(client, db, coll, events):
    coll.insert_many([{"_id": 1, "a": 1}, {"_id": 2, "a": 2}])
    coll.create_index("a", unique=True, name="a_1")
    before = list(coll.find())
    indexes_before = coll.index_information()
    start = len(events)
    coll.update_one({"_id": 1}, {"$set": {"a": 10}})
    coll.replace_one({"_id": 2}, {"a": 20})
    coll.insert_one({"_id": 3, "a": 3})
    coll.delete_one({"_id": 1})
    coll.drop_index("a_1")
    coll.rename("moved")
    db.moved.drop()
    recorded = events[start:]
    for event in reversed(recorded):
        undo(event)
    assert "coll" in db.list_collection_names() and "moved" not in db.list_collection_names()
    assert sorted(coll.find(), key=lambda d: d["_id"]) == before
    assert coll.index_information() == indexes_before
    # the restored unique index still holds
    with pytest.raises(Exception):
        coll.insert_one({"_id": 4, "a": 2})


def test_undo_of_create_and_drop_database(client, db, events):
    db.fresh.insert_one({"_id": 1})
    client.drop_database("testdb")
    undo(events[-1])
    assert db.fresh.find_one() == {"_id": 1}
    undo(events[1])  # the insert
    undo(events[0])  # the create
    assert "fresh" not in db.list_collection_names()


def test_listeners_are_server_wide_and_removable(client, coll):
    seen: list[ChangeEvent] = []
    client.server.add_listener(seen.append)
    coll.insert_one({})
    client.server.remove_listener(seen.append)
    coll.insert_one({})
    assert [e.operation for e in seen] == ["create", "insert"]


def test_views_are_created_and_dropped_through_the_write_path(db, events):
    db.create_collection("v", viewOn="coll", pipeline=[{"$match": {"a": 1}}])
    db.v.drop()
    assert [(e.operation, e.namespace) for e in events] == [("create", "testdb.v"),
                                                             ("drop", "testdb.v")]
    assert events[0].detail.view_on == "coll"
    undo(events[1])
    assert "v" in db.list_collection_names()
    undo(events[0])
    assert "v" not in db.list_collection_names()


def test_coll_mod_emits_modify_events_that_undo(db, coll, events):
    coll.create_index("a", name="a_1")
    db.command("collMod", "coll", index={"name": "a_1", "hidden": True})
    db.command("collMod", "coll", changeStreamPreAndPostImages={"enabled": True})
    modify = [e for e in events if e.operation == "modify"]
    assert [e.detail for e in modify] == [
        {"index": "a_1", "old": {"hidden": None}, "new": {"hidden": True}},
        {"option": "changeStreamPreAndPostImages", "old": None, "new": {"enabled": True}}]
    for event in reversed(modify):
        undo(event)
    assert "hidden" not in coll.index_information()["a_1"]
    options = db.command("listCollections", filter={"name": "coll"})["cursor"]["firstBatch"]
    assert "changeStreamPreAndPostImages" not in options[0]["options"]
