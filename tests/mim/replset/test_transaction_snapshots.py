"""A transaction's snapshot covers every collection from its first statement on, on
both faces of one engine, even the collections it touches only later: MongoDB 7.0
reads a multi-document transaction at one point in time (read concern "snapshot"
for the whole transaction, the manual's "Transactions and Read Concern"), so a
collection first read after another client wrote to it still shows the state at
that point, and a write the transaction makes there meets that client's commit as
a write-write conflict (WriteConflict, 112, TransientTransactionError) only where
both wrote the same document.  mim copies a collection at the first touch (or just
before an outside write reaches it first); these tests pin that down."""

from __future__ import annotations

import pytest
from pymongo.errors import OperationFailure


@pytest.fixture
def colls(client):
    """``t.a`` (touched first) and ``t.b`` (touched late), both committed."""
    client.t.a.insert_one({"_id": 1})
    client.t.b.insert_many([{"_id": 1, "n": 1}, {"_id": 2, "n": 2}, {"_id": 3, "n": 3}])
    client.t.b.create_index("n")
    return client.t.a, client.t.b


def test_a_collection_first_read_after_an_outside_write_shows_the_snapshot(client, colls):
    a, b = colls
    with client.start_session() as session:
        with session.start_transaction():
            a.find_one({}, session=session)  # the snapshot is taken
            b.insert_one({"_id": 4, "n": 4})  # committed outside, to a collection
            b.update_one({"_id": 1}, {"$set": {"n": 10}})  # not touched yet
            b.delete_one({"_id": 2})
            assert list(b.find({}, session=session)) == [
                {"_id": 1, "n": 1}, {"_id": 2, "n": 2}, {"_id": 3, "n": 3}]
            assert b.find_one({"n": 2}, session=session) == {"_id": 2, "n": 2}  # (index)
            assert b.count_documents({"n": {"$gte": 3}}, session=session) == 1
            assert list(b.find({}, session=None)) == [
                {"_id": 1, "n": 10}, {"_id": 3, "n": 3}, {"_id": 4, "n": 4}]
    assert b.count_documents({}) == 3


def test_a_late_first_write_merges_with_the_outside_writes_at_commit(client, colls):
    a, b = colls
    with client.start_session() as session:
        with session.start_transaction():
            a.insert_one({"_id": 2}, session=session)
            b.update_one({"_id": 1}, {"$set": {"n": 10}})  # outside, another document
            b.insert_one({"_id": 5, "n": 5}, session=session)
            b.update_one({"_id": 3}, {"$set": {"n": 30}}, session=session)
            assert list(b.find({}, session=session)) == [
                {"_id": 1, "n": 1}, {"_id": 2, "n": 2}, {"_id": 3, "n": 30},
                {"_id": 5, "n": 5}]
    assert list(b.find()) == [{"_id": 1, "n": 10}, {"_id": 2, "n": 2}, {"_id": 3, "n": 30},
                              {"_id": 5, "n": 5}]
    assert list(b.find({"n": {"$gte": 5}}, {"_id": 1}).hint("n_1")) == [
        {"_id": 5}, {"_id": 1}, {"_id": 3}]
    assert a.count_documents({}) == 2


def test_a_late_first_write_to_a_document_changed_after_the_snapshot_conflicts(client, colls):
    a, b = colls
    with client.start_session() as session:
        session.start_transaction()
        a.find_one({}, session=session)
        b.update_one({"_id": 1}, {"$set": {"n": 10}})  # outside, after the snapshot
        with pytest.raises(OperationFailure) as info:
            b.update_one({"_id": 1}, {"$set": {"n": 20}}, session=session)
        assert info.value.code == 112
        assert info.value.has_error_label("TransientTransactionError")
    assert b.find_one({"_id": 1}) == {"_id": 1, "n": 10}


def test_another_transactions_commit_is_not_seen_by_a_late_first_read(client, colls):
    a, b = colls
    with client.start_session() as reader, client.start_session() as writer:
        reader.start_transaction()
        a.find_one({}, session=reader)
        with writer.start_transaction():
            b.insert_one({"_id": 4, "n": 4}, session=writer)
            b.delete_one({"_id": 3}, session=writer)
        assert [doc["_id"] for doc in b.find({}, session=reader)] == [1, 2, 3]
        reader.commit_transaction()
    assert [doc["_id"] for doc in b.find()] == [1, 2, 4]


def test_two_open_transactions_each_keep_their_own_snapshot(client, colls):
    a, b = colls
    with client.start_session() as first, client.start_session() as second:
        first.start_transaction()
        a.find_one({}, session=first)
        b.update_one({"_id": 1}, {"$set": {"n": 10}})
        second.start_transaction()
        a.find_one({}, session=second)
        b.update_one({"_id": 1}, {"$set": {"n": 100}})
        assert b.find_one({"_id": 1}, session=first) == {"_id": 1, "n": 1}
        assert b.find_one({"_id": 1}, session=second) == {"_id": 1, "n": 10}
        first.abort_transaction()
        second.abort_transaction()
    assert b.find_one({"_id": 1}) == {"_id": 1, "n": 100}


def test_a_collection_dropped_after_the_snapshot_is_still_read_in_it(client, colls):
    a, b = colls
    with client.start_session() as session:
        with session.start_transaction():
            a.find_one({}, session=session)
            b.drop()
            assert b.count_documents({}, session=session) == 3
    assert "b" not in client.t.list_collection_names()


def test_a_snapshot_session_reads_a_late_collection_at_its_first_reads_time(client, colls):
    a, b = colls
    with client.start_session(snapshot=True) as session:
        assert a.find_one({}, session=session) == {"_id": 1}  # the point in time
        b.delete_many({})
        b.insert_one({"_id": 9, "n": 9})
        assert [doc["_id"] for doc in b.find({}, session=session)] == [1, 2, 3]
        assert b.distinct("n", session=session) == [1, 2, 3]


def test_no_collection_keeps_state_for_a_transaction_that_ended(client, engine, colls):
    a, b = colls
    for end in ("commit_transaction", "abort_transaction"):
        with client.start_session() as session:
            session.start_transaction()
            a.insert_one({"_id": end}, session=session)
            assert engine.get_collection("t", "b").snapshot_keepers  # not touched yet
            getattr(session, end)()
        assert engine.get_collection("t", "a").snapshot_keepers is None
        assert engine.get_collection("t", "b").snapshot_keepers is None


def test_a_fork_has_every_attribute_a_new_collection_has(engine):
    """``CollectionData.fork`` builds its copy without ``__init__``: it must set what
    ``__init__`` sets, or a transaction's statement meets an AttributeError."""
    database = engine.get_database("t", create=True)
    fresh = database.create_collection("fresh", {"collation": {"locale": "fr"}})
    fresh.indexes.create({"key": {"n": 1}, "name": "n_1"})
    forked = fresh.fork(database, "fresh")

    def attributes(obj):
        return set(getattr(obj, "__dict__", {})) | {
            name for cls in type(obj).__mro__ for name in getattr(cls, "__slots__", ())
            if hasattr(obj, name)}

    assert attributes(fresh) <= attributes(forked)
    assert attributes(fresh.indexes) <= attributes(forked.indexes)
    assert attributes(fresh.indexes.secondary["n_1"]) <= \
        attributes(forked.indexes.secondary["n_1"])
    assert attributes(fresh.indexes.id_index) <= attributes(forked.indexes.id_index)


def test_a_write_to_a_collection_dropped_after_the_snapshot_is_a_write_conflict(client, colls):
    # jstests/core/txns/concurrent_drops_and_creates.js: the transaction still reads the
    # dropped collection as its snapshot had it, but a write there is a WriteConflict
    # (and aborts the transaction)
    a, b = colls
    with client.start_session() as session:
        session.start_transaction()
        a.find_one({}, session=session)
        b.drop()  # not touched by the transaction yet: nothing to wait for
        assert b.count_documents({}, session=session) == 3
        with pytest.raises(OperationFailure) as info:
            client.t.command({"findAndModify": "b", "update": {"a": 1}, "upsert": True},
                             session=session)
        assert info.value.code == 112
        assert info.value.details["errmsg"] == (
            "Caused by :: Unable to write to collection 't.b' due to catalog changes; "
            "please retry the operation :: Please retry your operation or multi-document "
            "transaction.")  # shard_role.cpp, write_conflict_exception.h
        assert info.value.has_error_label("TransientTransactionError")
        with pytest.raises(OperationFailure) as info:
            session.commit_transaction()
        assert info.value.code == 251  # NoSuchTransaction: the conflict aborted it
    assert "b" not in client.t.list_collection_names()


def test_a_collection_created_after_the_snapshot_fails_the_commit_of_one_created_in_it(
        client, colls):
    # jstests/core/txns/concurrent_drops_and_creates.js: the transaction has no
    # collection there, so its insert creates one; the commit meets the other creation
    # as a WriteConflict
    a, _ = colls
    with client.start_session() as session:
        session.start_transaction()
        a.find_one({}, session=session)
        client.t.create_collection("late")
        client.t.late.insert_one({"_id": 1, "outside": True}, session=session)
        with pytest.raises(OperationFailure) as info:
            session.commit_transaction()
        assert info.value.code == 112
    assert list(client.t.late.find()) == []
