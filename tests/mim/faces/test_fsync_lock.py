"""``db.fsyncLock()`` / ``db.fsyncUnlock()`` as mongod 7.0's ``fsync.cpp`` answers:
a counted lock (``lockCount`` an Int64), writes wait until the count is back to 0
while reads go on, a waiting write with ``maxTimeMS`` gives up with 50
MaxTimeMSExpired, ``currentOp`` reports ``fsyncLock: true`` with its ``info``,
and unlocking with nothing locked is 20 "fsyncUnlock called when not locked"."""

from __future__ import annotations

import threading

import pymongo
import pytest
from bson.int64 import Int64
from pymongo.errors import ExecutionTimeout, OperationFailure

import mim

SEE_ALSO = "http://dochub.mongodb.org/core/fsynccommand"


@pytest.fixture(autouse=True)
def unlocked(client):
    """No test leaves the (shared, on the wire face) server locked."""
    yield
    while client.admin.command("currentOp").get("fsyncLock"):
        client.admin.command("fsyncUnlock")


def test_lock_and_unlock_replies_count_the_locks(client):
    first = client.admin.command("fsync", lock=True)
    assert {k: first[k] for k in ("info", "lockCount", "seeAlso", "ok")} == {
        "info": "now locked against writes, use db.fsyncUnlock() to unlock",
        "lockCount": Int64(1), "seeAlso": SEE_ALSO, "ok": 1.0}
    assert isinstance(first["lockCount"], Int64)
    assert client.admin.command("fsync", lock=True)["lockCount"] == 2
    unlocked = client.admin.command("fsyncUnlock")
    assert {k: unlocked[k] for k in ("info", "lockCount", "ok")} == {
        "info": "fsyncUnlock completed", "lockCount": Int64(1), "ok": 1.0}
    assert client.admin.command("fsyncUnlock")["lockCount"] == 0
    with pytest.raises(OperationFailure) as raised:
        client.admin.command("fsyncUnlock")
    assert (raised.value.code, raised.value.details["errmsg"]) == (
        20, "fsyncUnlock called when not locked")


def test_current_op_shows_the_lock(client):
    assert "fsyncLock" not in client.admin.command("currentOp")
    client.admin.command("fsync", lock=True)
    reply = client.admin.command("currentOp")
    assert reply["fsyncLock"] is True
    assert reply["info"] == "use db.fsyncUnlock() to terminate the fsync write/snapshot lock"


def test_writes_wait_for_the_unlock_and_reads_go_on(client):
    coll = client.db.things
    coll.insert_one({"_id": 1})
    client.admin.command("fsync", lock=True)
    done = threading.Event()
    writer = threading.Thread(target=lambda: (coll.insert_one({"_id": 2}), done.set()))
    writer.start()
    assert not done.wait(0.3)  # the insert waits
    assert coll.find_one({"_id": 1}) == {"_id": 1}  # a read does not
    # currentOp lists it (the filter jstests/noPassthrough/fsync_lock uses)
    waiting = client.admin.command("currentOp", op="insert", ns=f"{coll.full_name}",
                                   waitingForLock=True)["inprog"]
    assert len(waiting) == 1 and waiting[0]["active"] is True
    assert waiting[0]["command"]["insert"] == coll.name
    staged = list(client.admin.aggregate([{"$currentOp": {}},
                                          {"$match": {"waitingForLock": True}}]))
    assert [op["op"] for op in staged] == ["insert"]
    assert coll.count_documents({}) == 1
    client.admin.command("fsyncUnlock")
    writer.join(5)
    assert done.is_set()
    assert coll.count_documents({}) == 2


def test_an_update_one_by_a_point_waits_for_the_unlock(client):
    """``update_one({_id: …}, {$set: …})`` (in process: the point path) is a write
    like any other: it waits, shown in currentOp as an update."""
    coll = client.db.things
    coll.insert_one({"_id": 1, "name": "a"})
    client.admin.command("fsync", lock=True)
    done = threading.Event()
    writer = threading.Thread(target=lambda: (
        coll.update_one({"_id": 1}, {"$set": {"name": "b"}}), done.set()))
    writer.start()
    assert not done.wait(0.3)
    waiting = client.admin.command("currentOp", op="update", waitingForLock=True)["inprog"]
    assert len(waiting) == 1 and waiting[0]["command"]["update"] == coll.name
    assert coll.find_one({"_id": 1}) == {"_id": 1, "name": "a"}
    client.admin.command("fsyncUnlock")
    writer.join(5)
    assert done.is_set()
    assert coll.find_one({"_id": 1}) == {"_id": 1, "name": "b"}


def test_a_waiting_write_honours_max_time_ms(client):
    client.admin.command("fsync", lock=True)
    with pytest.raises(ExecutionTimeout) as raised:
        client.db.command("insert", "things", documents=[{"_id": 1}], maxTimeMS=100)
    assert raised.value.code == 50
    client.admin.command("fsyncUnlock")
    assert client.db.things.count_documents({}) == 0


def test_over_the_wire_another_connection_unlocks():
    """As with mongod: one client locks, another's write waits until it unlocks."""
    with mim.serve(port=0) as running:
        locker = pymongo.MongoClient(running.uri, serverSelectionTimeoutMS=5000)
        writer = pymongo.MongoClient(running.uri, serverSelectionTimeoutMS=5000)
        try:
            assert locker.admin.command("fsync", lock=True)["lockCount"] == 1
            done = threading.Event()
            thread = threading.Thread(
                target=lambda: (writer.db.things.insert_one({"_id": 1}), done.set()))
            thread.start()
            assert not done.wait(0.3)
            assert locker.admin.command("currentOp")["fsyncLock"] is True
            assert locker.admin.command("fsyncUnlock")["lockCount"] == 0
            thread.join(5)
            assert done.is_set()
            assert writer.db.things.find_one() == {"_id": 1}
        finally:
            locker.close()
            writer.close()
