"""``local.oplog.rs`` of the one-node set, on both faces: a capped collection without
an ``_id`` index, entries in the server's shape (``oplog_entry.idl``; the
``OpObserverImpl`` writers; ``doc_diff`` for ``$v: 2`` updates), readable with
filters, ``$natural`` order, counts and tailable ``awaitData`` cursors; user writes
refused as a replica-set member refuses them."""

from __future__ import annotations

import threading
import time

import bson
import pytest
from bson.timestamp import Timestamp
from pymongo import CursorType
from pymongo.errors import OperationFailure

import mim

# the entries' UUIDs compared as listCollections gives them
UUIDS = bson.CodecOptions(uuid_representation=bson.binary.UuidRepresentation.STANDARD)


def _oplog(client):
    return client.get_database("local", codec_options=UUIDS)["oplog.rs"]


def _last(client) -> dict:
    """The newest entry (``sort({$natural: -1}).limit(1)``, as tools find it)."""
    return next(_oplog(client).find().sort("$natural", -1).limit(1))


def _entries_after(client, mark: dict, **filters) -> list[dict]:
    return list(_oplog(client).find({"ts": {"$gt": mark["ts"]}, **filters}))


def test_list_collections_shows_a_capped_oplog_without_an_id_index(client):
    infos = list(client.local.list_collections(filter={"name": "oplog.rs"}))
    assert len(infos) == 1
    info = infos[0]
    assert info["type"] == "collection"
    assert info["options"]["capped"] is True and info["options"]["autoIndexId"] is False
    assert info["options"]["size"] >= 50 * 1024 * 1024  # inMemory's minimum oplog size
    assert "idIndex" not in info
    assert list(client.local["oplog.rs"].list_indexes()) == []


def test_the_oplog_is_never_empty_its_first_entry_initiates_the_set(client):
    first = next(_oplog(client).find().sort("$natural", 1).limit(1))
    assert first["op"] == "n" and first["ns"] == "" and first["o"] == {"msg": "initiating set"}
    assert isinstance(first["ts"], Timestamp) and first["t"] == 1 and first["v"] == 2
    assert "_id" not in first


def test_document_writes_are_logged_in_the_servers_shape(client):
    mark = _last(client)
    coll = client.t.c
    coll.insert_one({"_id": 1, "a": 1, "arr": [1, 2, 3], "sub": {"x": 1}})
    coll.update_one({"_id": 1}, {"$set": {"a": 2, "sub.y": 3, "arr.1": 9, "new": True}})
    coll.update_one({"_id": 1}, {"$unset": {"a": 1}, "$pop": {"arr": 1}})
    coll.replace_one({"_id": 1}, {"b": 1})
    coll.delete_one({"_id": 1})
    entries = _entries_after(client, mark, ns="t.c")
    uuid = next(client.t.list_collections(filter={"name": "c"}))["info"]["uuid"]
    if isinstance(uuid, bson.Binary):  # pymongo decodes listCollections with its defaults
        uuid = uuid.as_uuid()
    assert [e["op"] for e in entries] == ["i", "u", "u", "u", "d"]
    for entry in entries:
        assert entry["ui"] == uuid  # listCollections' info.uuid
        assert entry["t"] == 1 and entry["v"] == 2 and "wall" in entry
    insert, update, pop, replace, delete = entries
    assert insert["o"] == {"_id": 1, "a": 1, "arr": [1, 2, 3], "sub": {"x": 1}}
    assert insert["o2"] == {"_id": 1}
    # doc_diff: "u" replaced values, "i" new fields, "s<field>" nested diffs, arrays "a"
    assert update["o"] == {"$v": 2, "diff": {"u": {"a": 2}, "i": {"new": True},
                                             "sarr": {"a": True, "u1": 9},
                                             "ssub": {"i": {"y": 3}}}}
    assert update["o2"] == {"_id": 1}
    # "d" removed fields, an array that shrank gets its new length "l"
    assert pop["o"] == {"$v": 2, "diff": {"d": {"a": False}, "sarr": {"a": True, "l": 2}}}
    assert replace["o"] == {"_id": 1, "b": 1} and replace["o2"] == {"_id": 1}
    assert delete["o"] == {"_id": 1} and "o2" not in delete
    times = [e["ts"] for e in entries]
    assert times == sorted(times) and len(set(times)) == len(times)


def test_catalog_writes_are_command_entries(client):
    mark = _last(client)
    client.t.create_collection("c")
    client.t.c.insert_one({"_id": 1})
    client.t.c.create_index("b")
    client.t.c.drop_index("b_1")
    client.t.c.rename("d")
    client.t.d.drop()
    entries = _entries_after(client, mark, op="c")
    assert all(e["ns"] == "t.$cmd" for e in entries)
    objects = [e["o"] for e in entries]
    assert objects[0] == {"create": "c", "idIndex": {"v": 2, "key": {"_id": 1},
                                                     "name": "_id_"}}
    assert objects[1]["createIndexes"] == "c" and objects[1]["key"] == {"b": 1}
    assert objects[2] == {"dropIndexes": "c", "index": "b_1"}
    assert entries[2]["o2"]["name"] == "b_1"
    assert objects[3] == {"renameCollection": "t.c", "to": "t.d", "stayTemp": False}
    assert objects[4] == {"drop": "d"} and entries[4]["o2"] == {"numRecords": 1}


def test_filters_sort_and_counts(client):
    mark = _last(client)
    client.t.c.insert_many([{"_id": i} for i in range(5)])
    client.t.c.delete_many({"_id": {"$lt": 2}})
    oplog = _oplog(client)
    after = {"ts": {"$gt": mark["ts"]}, "ns": "t.c"}
    assert oplog.count_documents({**after, "op": "i"}) == 5
    assert oplog.count_documents({**after, "op": "d"}) == 2
    newest_first = list(oplog.find(after).sort("$natural", -1))
    assert [e["op"] for e in newest_first] == ["d", "d"] + ["i"] * 5
    assert [e["o"]["_id"] for e in newest_first[2:]] == [4, 3, 2, 1, 0]
    assert list(oplog.find({"ts": {"$gt": newest_first[0]["ts"]}})) == []


def test_a_transaction_is_one_apply_ops_entry(client):
    client.t.c.insert_one({"_id": 0})
    mark = _last(client)
    with client.start_session() as session:
        with session.start_transaction():
            client.t.c.insert_one({"_id": 1}, session=session)
            client.t.c.update_one({"_id": 0}, {"$set": {"x": 1}}, session=session)
        lsid = session.session_id["id"]
        number = session._server_session.transaction_id  # the transaction's txnNumber
        if isinstance(lsid, bson.Binary):
            lsid = lsid.as_uuid()
    entries = _entries_after(client, mark)
    assert len(entries) == 1
    entry = entries[0]
    assert entry["op"] == "c" and entry["ns"] == "admin.$cmd"
    assert entry["lsid"]["id"] == lsid and entry["txnNumber"] == number
    assert entry["prevOpTime"] == {"ts": Timestamp(0, 0), "t": -1}
    operations = entry["o"]["applyOps"]
    assert [(op["op"], op["ns"]) for op in operations] == [("i", "t.c"), ("u", "t.c")]
    assert operations[0]["o"] == {"_id": 1}
    assert operations[1]["o"] == {"$v": 2, "diff": {"i": {"x": 1}}}
    assert all("ts" not in op for op in operations)


def _next_entry(cursor, seconds: float = 10.0) -> dict:
    """The next document of a tailable cursor (pymongo's ``next`` gives up after one
    empty batch: a tailing loop asks again while the cursor is alive)."""
    deadline = time.monotonic() + seconds
    while cursor.alive and time.monotonic() < deadline:
        try:
            return next(cursor)
        except StopIteration:
            continue
    raise AssertionError("no entry came")


def test_a_tailable_await_cursor_delivers_new_entries(client):
    mark = _last(client)
    cursor = _oplog(client).find({"ts": {"$gt": mark["ts"]}, "ns": "t.c"},
                                 cursor_type=CursorType.TAILABLE_AWAIT).max_await_time_ms(5000)

    def write() -> None:
        time.sleep(0.2)
        client.t.c.insert_one({"_id": 1})
        client.t.c.update_one({"_id": 1}, {"$set": {"a": 1}})

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert _next_entry(cursor)["op"] == "i"
        assert _next_entry(cursor)["op"] == "u"
    finally:
        writer.join()
        cursor.close()


@pytest.mark.parametrize("write", [
    lambda oplog: oplog.insert_one({"op": "n", "ns": "", "o": {}}),
    lambda oplog: oplog.update_many({}, {"$set": {"x": 1}}),
    lambda oplog: oplog.delete_many({}),
    lambda oplog: oplog.find_one_and_delete({}),
], ids=["insert", "update", "delete", "findAndModify"])
def test_user_writes_to_the_oplog_are_refused(client, write):
    oplog = client.local["oplog.rs"]
    before = oplog.count_documents({})
    with pytest.raises(OperationFailure) as raised:
        write(oplog)
    # userAllowedWriteNS (jstests/noPassthrough/oplog_writes_only_permitted_on_standalone.js)
    assert raised.value.code == 73 and raised.value.details["codeName"] == "InvalidNamespace"
    assert "cannot write to local.oplog.rs" in str(raised.value)
    assert oplog.count_documents({}) == before


def test_dropping_the_live_oplog_is_refused(client):
    with pytest.raises(OperationFailure) as raised:
        client.local.drop_collection("oplog.rs")
    assert raised.value.code == 5255000
    assert "can't drop live oplog while replicating" in str(raised.value)
    assert "oplog.rs" in client.local.list_collection_names()


def test_nobody_reading_the_oplog_costs_nothing():
    server = mim.Server()
    client = mim.MongoClient(server=server)
    client.t.c.insert_one({"_id": 1})
    client.t.c.update_one({"_id": 1}, {"$set": {"a": 1}})
    assert server.listeners == []  # no listener: a write pays one empty-list check
    client.local["oplog.rs"].find_one()
    assert server.listeners != []  # the first read starts the history
    client.close()


def test_a_standalone_has_no_oplog():
    client = mim.MongoClient(server=mim.Server(standalone=True))
    assert client.local.list_collection_names() == []
    client.close()


def test_a_retryable_writes_entries_carry_its_session(wire_server):
    """pymongo sends each write with ``lsid`` and ``txnNumber``; the entries of its
    statements carry them with ``stmtId`` and ``prevOpTime`` (the previous
    statement's optime; ``{ts: Timestamp(0, 0), t: -1}`` for the first)."""
    import pymongo
    wire_server.engine.reset()
    with pymongo.MongoClient(wire_server.uri, serverSelectionTimeoutMS=5000) as client:
        mark = _last(client)
        client.t.c.insert_many([{"_id": 1}, {"_id": 2}])
        client.t.c.update_many({}, {"$set": {"b": 1}})  # multi: not retryable
        entries = _entries_after(client, mark, ns="t.c")
    first, second, *updates = entries
    assert first["lsid"] == second["lsid"] and set(first["lsid"]) == {"id", "uid"}
    assert first["txnNumber"] == second["txnNumber"]
    assert (first["stmtId"], second["stmtId"]) == (0, 1)
    assert first["prevOpTime"] == {"ts": Timestamp(0, 0), "t": -1}
    assert second["prevOpTime"] == {"ts": first["ts"], "t": 1}
    assert list(first) == ["lsid", "txnNumber", "op", "ns", "ui", "o", "o2", "stmtId", "ts",
                           "t", "v", "wall", "prevOpTime"]
    assert len(updates) == 2 and all("lsid" not in entry for entry in updates)
    wire_server.engine.reset()


def test_profiled_operations_are_not_logged(client):
    """``NamespaceString::isReplicated``: ``<db>.system.profile`` stays on its node, so
    the profiler's own documents (which have no ``_id``) have no oplog entry, while the
    profiled write does."""
    mark = _last(client)
    db = client.get_database("oplog_profiled")
    db.command("profile", 2)
    try:
        db.items.insert_one({"_id": 1})
        assert db["system.profile"].count_documents({}) >= 1
        assert [(e["op"], e["ns"]) for e in _entries_after(client, mark, op="i")] == \
            [("i", "oplog_profiled.items")]
    finally:
        db.command("profile", 0)
