"""A transaction does not wait behind DDL (MongoDB 7.0, both faces).

A DDL operation (drop, dropDatabase, renameCollection, createIndexes…) needs the
collection's exclusive lock (or its database's), so it waits behind a transaction that
touched the collection (``test_transaction_waits``).  Meanwhile its exclusive request is
queued: another transaction's first touch of that collection — or of any collection of
a database whose exclusive lock is queued, unless the transaction already holds that
database — queues its intent lock behind it and gives up after
``maxTransactionLockRequestTimeoutMillis`` (default 5 ms, ``setParameter`` /
``getParameter``) with LockTimeout (24), labelled TransientTransactionError
(``LockerImpl::_lockComplete``: the wait is bounded by the locker's
``_maxLockTimeout``, which a multi-document transaction sets from that parameter; the
server's words: ``Unable to acquire <mode> lock on '<resource>' within <timeout>.``);
the failed statement aborts its transaction.

Reading a collection that does not exist takes nothing that a later create or DDL
operation there would wait for."""

from __future__ import annotations

import time

import pytest
from pymongo.errors import OperationFailure

#: Background: a command run in its own thread, its result or the exception it raised
from .test_transaction_waits import BLOCKED_FOR, Outside as Background


@pytest.fixture
def coll(client):
    return client.t.c


@pytest.fixture
def holder(client, coll):
    """A transaction that read ``t.c`` (one document): it holds the collection."""
    coll.insert_one({"_id": 0})
    client.t.d.insert_one({"_id": 0})
    with client.start_session() as session:
        session.start_transaction()
        assert coll.find_one({}, session=session) == {"_id": 0}
        yield session


@pytest.fixture
def other(client):
    """A second session, its transaction started."""
    with client.start_session() as session:
        session.start_transaction()
        yield session


def _queued(client, db_name: str, command: dict) -> Background:
    """``command`` sent in a thread, checked to wait (behind the holder)."""
    waiting = Background(lambda: client[db_name].command(command))
    assert waiting.still_blocked()
    return waiting


def _lock_timeout(call) -> OperationFailure:
    with pytest.raises(OperationFailure) as info:
        call()
    assert info.value.code == 24  # LockTimeout
    assert info.value.details["codeName"] == "LockTimeout"
    assert info.value.has_error_label("TransientTransactionError")
    return info.value


def test_a_transaction_reading_a_collection_whose_drop_is_queued_gets_lock_timeout(
        client, coll, holder, other):
    drop = _queued(client, "t", {"drop": "c"})
    started = time.monotonic()
    error = _lock_timeout(lambda: coll.find_one({}, session=other))
    assert time.monotonic() - started < BLOCKED_FOR  # 5 ms, not the drop's wait
    message = error.details["errmsg"]
    assert message.startswith("Unable to acquire IS lock on '{")
    assert message.endswith(": Collection, " + message.split(", ")[1] + ", t.c}' within 5ms.")
    # the failed statement aborted the transaction
    with pytest.raises(OperationFailure) as info:
        other.commit_transaction()
    assert info.value.code == 251  # NoSuchTransaction
    assert drop.thread.is_alive()  # the drop still waits for the holder
    holder.commit_transaction()
    assert drop.outcome()["ok"] == 1.0
    assert client.t.list_collection_names() == ["d"]


def test_a_transaction_writing_a_collection_whose_index_build_is_queued_gets_lock_timeout(
        client, coll, holder, other):
    build = _queued(client, "t", {"createIndexes": "c",
                                  "indexes": [{"key": {"a": 1}, "name": "a_1"}]})
    error = _lock_timeout(lambda: coll.insert_one({"_id": 1}, session=other))
    assert error.details["errmsg"].startswith("Unable to acquire IX lock on '{")
    holder.abort_transaction()
    assert build.outcome()["ok"] == 1.0
    assert list(coll.find()) == [{"_id": 0}]  # the failed insert left nothing
    assert sorted(index["name"] for index in coll.list_indexes()) == ["_id_", "a_1"]


def test_a_queued_drop_database_times_out_another_transactions_touch_of_the_database(
        client, holder, other):
    drop = _queued(client, "t", {"dropDatabase": 1})
    # t.d: the holder never touched it, but its database's exclusive lock is queued
    error = _lock_timeout(lambda: client.t.d.find_one({}, session=other))
    message = error.details["errmsg"]
    assert message.startswith("Unable to acquire IS lock on '{")
    assert message.endswith(": Database, " + message.split(", ")[1] + ", t}' within 5ms.")
    holder.abort_transaction()
    assert drop.outcome()["ok"] == 1.0
    assert "t" not in client.list_database_names()


def test_the_transaction_holding_the_database_touches_its_other_collections(
        client, holder):
    # the holder has the database's intent lock already: a queued dropDatabase does
    # not stop it (it is what the drop waits for)
    drop = _queued(client, "t", {"dropDatabase": 1})
    assert client.t.d.find_one({}, session=holder) == {"_id": 0}
    holder.commit_transaction()
    assert drop.outcome()["ok"] == 1.0


def test_a_queued_drop_does_not_stop_another_collection(client, coll, holder, other):
    drop = _queued(client, "t", {"drop": "c"})
    assert client.t.d.find_one({}, session=other) == {"_id": 0}
    other.commit_transaction()
    holder.commit_transaction()
    assert drop.outcome()["ok"] == 1.0


def test_max_transaction_lock_request_timeout_millis_is_a_parameter(client, coll, holder,
                                                                      other):
    admin = client.admin
    assert admin.command("getParameter", 1, maxTransactionLockRequestTimeoutMillis=1)[
        "maxTransactionLockRequestTimeoutMillis"] == 5
    assert "maxTransactionLockRequestTimeoutMillis" in admin.command("getParameter", "*")
    assert admin.command("setParameter", 1, maxTransactionLockRequestTimeoutMillis=400)[
        "was"] == 5
    try:
        drop = _queued(client, "t", {"drop": "c"})
        started = time.monotonic()
        error = _lock_timeout(lambda: coll.find_one({}, session=other))
        assert time.monotonic() - started >= 0.4
        assert error.details["errmsg"].endswith("' within 400ms.")
    finally:
        assert admin.command("setParameter", 1, maxTransactionLockRequestTimeoutMillis=5)[
            "was"] == 400
    holder.commit_transaction()
    assert drop.outcome()["ok"] == 1.0


def test_max_time_ms_bounds_a_wait_with_no_lock_timeout_of_its_own(client, coll, holder,
                                                                    other):
    admin = client.admin
    admin.command("setParameter", 1, maxTransactionLockRequestTimeoutMillis=-1)
    try:
        drop = _queued(client, "t", {"drop": "c"})
        started = time.monotonic()
        with pytest.raises(OperationFailure) as info:
            client.t.command("find", "c", maxTimeMS=300, session=other)
        assert info.value.code == 50  # MaxTimeMSExpired: no lock timeout of its own
        assert time.monotonic() - started >= 0.3
    finally:
        admin.command("setParameter", 1, maxTransactionLockRequestTimeoutMillis=5)
    holder.commit_transaction()
    assert drop.outcome()["ok"] == 1.0


def test_reading_a_missing_collection_does_not_hold_its_later_creation(client):
    client.t.d.insert_one({"_id": 0})  # the database exists, the collection not
    with client.start_session() as session:
        with session.start_transaction():
            assert client.t.missing.find_one({}, session=session) is None
            assert list(client.t.missing.aggregate([], session=session)) == []
            started = time.monotonic()
            client.t.create_collection("missing")
            client.t.missing.create_index("x")
            client.t.missing.insert_one({"_id": 1})
            client.t.missing.drop_index("x_1")
            client.t.missing.drop()
            assert time.monotonic() - started < BLOCKED_FOR
    assert "missing" not in client.t.list_collection_names()


# -- operations outside transactions behind a queued DDL operation ---------------------------
#
# A write outside a transaction asks for the collection's intent lock, which the lock
# manager does not grant while a conflicting (exclusive) request waits: it runs once the
# DDL operation is done (no lock timeout of its own; maxTimeMS bounds it: 50).  Reads
# take no collection lock in 7.0 (lock-free reads): a queued DDL operation does not
# stop them.


def test_an_outside_insert_waits_behind_a_queued_drop_and_lands_after_it(client, coll,
                                                                          holder):
    drop = _queued(client, "t", {"drop": "c"})
    insert = Background(lambda: coll.insert_one({"_id": 1}))
    assert insert.still_blocked()
    assert drop.thread.is_alive()
    holder.commit_transaction()
    assert drop.outcome()["ok"] == 1.0
    assert insert.outcome().inserted_id == 1
    # the drop ran first: the insert created the collection anew
    assert list(coll.find()) == [{"_id": 1}]


def test_outside_writes_of_every_kind_wait_behind_a_queued_index_build(client, coll, holder):
    build = _queued(client, "t", {"createIndexes": "c",
                                  "indexes": [{"key": {"a": 1}, "name": "a_1"}]})
    writes = [Background(lambda: coll.update_one({"_id": 0}, {"$set": {"a": 1}})),
              Background(lambda: coll.find_one_and_update({"_id": 0}, {"$inc": {"b": 1}})),
              Background(lambda: coll.delete_many({"_id": {"$gt": 5}})),
              Background(lambda: list(client.t.d.aggregate([{"$merge": "c"}])))]
    assert all(write.still_blocked() for write in writes)
    holder.abort_transaction()
    assert build.outcome()["ok"] == 1.0
    for write in writes:
        write.outcome()
    assert coll.find_one({"_id": 0}) == {"_id": 0, "a": 1, "b": 1}


def test_an_outside_write_behind_a_queued_ddl_operation_is_bounded_by_max_time_ms(
        client, coll, holder):
    drop = _queued(client, "t", {"drop": "c"})
    started = time.monotonic()
    with pytest.raises(OperationFailure) as info:
        client.t.command("insert", "c", documents=[{"_id": 2}], maxTimeMS=150)
    assert info.value.code == 50  # MaxTimeMSExpired
    assert time.monotonic() - started >= 0.15
    holder.commit_transaction()
    assert drop.outcome()["ok"] == 1.0
    assert "c" not in client.t.list_collection_names()  # nothing was inserted


def test_outside_reads_are_not_held_behind_a_queued_ddl_operation(client, coll, holder):
    drop = _queued(client, "t", {"dropDatabase": 1})
    started = time.monotonic()
    assert coll.find_one({"_id": 0}) == {"_id": 0}
    assert coll.count_documents({}) == 1
    assert list(client.t.d.aggregate([{"$match": {}}])) == [{"_id": 0}]
    assert time.monotonic() - started < BLOCKED_FOR
    holder.commit_transaction()
    assert drop.outcome()["ok"] == 1.0


def test_a_queued_ddl_operation_holds_no_write_to_another_collection(client, coll, holder):
    drop = _queued(client, "t", {"drop": "c"})
    started = time.monotonic()
    client.t.d.insert_one({"_id": 1})
    client.u.c.insert_one({"_id": 1})
    assert time.monotonic() - started < BLOCKED_FOR
    holder.commit_transaction()
    assert drop.outcome()["ok"] == 1.0


def test_a_queued_drop_database_holds_writes_to_every_collection_of_the_database(
        client, coll, holder):
    drop = _queued(client, "t", {"dropDatabase": 1})
    insert = Background(lambda: client.t.d.insert_one({"_id": 1}))
    assert insert.still_blocked()
    holder.commit_transaction()
    assert drop.outcome()["ok"] == 1.0
    insert.outcome()
    assert list(client.t.d.find()) == [{"_id": 1}]  # written after the drop


def test_the_holding_transactions_own_writes_go_on_while_its_ddl_waits(client, coll, holder):
    drop = _queued(client, "t", {"drop": "c"})
    coll.insert_one({"_id": 5}, session=holder)
    holder.commit_transaction()
    assert drop.outcome()["ok"] == 1.0
    assert "c" not in client.t.list_collection_names()


def test_a_transaction_that_waited_behind_a_ddl_operation_still_reads_its_snapshot(
        client, coll, holder, other):
    # other's snapshot is taken on t.d before the index build is queued on t.c
    assert client.t.d.find_one({}, session=other) == {"_id": 0}
    client.admin.command("setParameter", 1, maxTransactionLockRequestTimeoutMillis=5000)
    try:
        build = _queued(client, "t", {"createIndexes": "c",
                                      "indexes": [{"key": {"a": 1}, "name": "a_1"}]})
        read = Background(lambda: list(coll.find({}, session=other)))
        assert read.still_blocked()  # its intent lock waits behind the build
        coll.update_one({"_id": 0}, {"$set": {"a": 1}}, session=holder)
        holder.commit_transaction()  # the build runs, then the read
        assert build.outcome()["ok"] == 1.0
        assert read.outcome() == [{"_id": 0}]  # the holder's commit is after its snapshot
        assert list(coll.find({"a": {"$exists": False}}, session=other)) == [{"_id": 0}]
    finally:
        client.admin.command("setParameter", 1, maxTransactionLockRequestTimeoutMillis=5)
    other.commit_transaction()
    assert coll.find_one() == {"_id": 0, "a": 1}


def test_a_create_queues_behind_a_queued_drop_database(client, coll, holder):
    # create takes the collection's intent lock (create_collection.cpp's
    # _createCollection: MODE_IX), queued behind the waiting exclusive request
    drop = _queued(client, "t", {"dropDatabase": 1})
    create = Background(lambda: client.t.create_collection("fresh"))
    assert create.still_blocked()
    holder.commit_transaction()
    assert drop.outcome()["ok"] == 1.0
    create.outcome()
    assert client.t.list_collection_names() == ["fresh"]  # created after the drop
