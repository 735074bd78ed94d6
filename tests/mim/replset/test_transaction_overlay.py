"""What a transaction reads of a collection it writes, on both faces of one engine:
its snapshot plus its own writes, whatever the read's shape (MongoDB 7.0: a
multi-document transaction reads at one point in time and sees its own uncommitted
writes — the manual's "Transactions and Read Concern"), while nobody outside sees
those writes before commit, and a write committed outside after the snapshot stays
invisible to it.  mim keeps a transaction's writes apart from the committed
collection (an overlay) rather than copying the collection; these tests pin the
read shapes down: points by ``_id``, secondary-index points and ranges, sorts,
``$or`` unions, counts, distinct, aggregation, getMore of a cursor opened inside."""

from __future__ import annotations

import pytest
from pymongo.errors import DuplicateKeyError, OperationFailure


@pytest.fixture
def coll(client):
    """``t.o``: five committed documents, an index on ``k``."""
    coll = client.t.o
    coll.insert_many([{"_id": i, "k": i * 10} for i in range(1, 6)])
    coll.create_index("k")
    return coll


def _own_writes(coll, session):
    """Insert 6 and 7, update 2, delete 3 (inside ``session``'s transaction)."""
    coll.insert_one({"_id": 6, "k": 60}, session=session)
    coll.insert_one({"_id": 7, "k": 5}, session=session)
    coll.update_one({"_id": 2}, {"$set": {"k": 25}}, session=session)
    coll.delete_one({"_id": 3}, session=session)


SEEN_INSIDE = [{"_id": 1, "k": 10}, {"_id": 2, "k": 25}, {"_id": 4, "k": 40},
               {"_id": 5, "k": 50}, {"_id": 6, "k": 60}, {"_id": 7, "k": 5}]
COMMITTED = [{"_id": i, "k": i * 10} for i in range(1, 6)]


def test_a_transaction_reads_its_own_writes_by_id(client, coll):
    with client.start_session() as session:
        with session.start_transaction():
            _own_writes(coll, session)
            assert coll.find_one({"_id": 6}, session=session) == {"_id": 6, "k": 60}
            assert coll.find_one({"_id": 2}, session=session) == {"_id": 2, "k": 25}
            assert coll.find_one({"_id": 3}, session=session) is None
            assert list(coll.find({"_id": {"$in": [3, 7, 1]}}, session=session)) == [
                {"_id": 1, "k": 10}, {"_id": 7, "k": 5}]
            assert list(coll.find({}, session=session)) == SEEN_INSIDE
            # nobody else sees them before commit
            assert list(coll.find()) == COMMITTED
            assert coll.find_one({"_id": 6}) is None
    assert list(coll.find()) == SEEN_INSIDE


def test_a_transaction_reads_its_own_writes_through_an_index(client, coll):
    with client.start_session() as session:
        with session.start_transaction():
            _own_writes(coll, session)
            assert coll.find_one({"k": 25}, session=session) == {"_id": 2, "k": 25}
            assert coll.find_one({"k": 20}, session=session) is None
            assert coll.find_one({"k": 30}, session=session) is None
            assert list(coll.find({"k": {"$lt": 30}}, session=session).sort("k", -1)) == [
                {"_id": 2, "k": 25}, {"_id": 1, "k": 10}, {"_id": 7, "k": 5}]
            assert list(coll.find({"k": {"$gte": 40}}, {"_id": 1}, session=session)
                        .hint("k_1")) == [{"_id": 4}, {"_id": 5}, {"_id": 6}]
            assert list(coll.find({"$or": [{"k": 5}, {"_id": 2}, {"k": 30}]},
                                  session=session).sort("_id", 1)) == [
                {"_id": 2, "k": 25}, {"_id": 7, "k": 5}]
            assert list(coll.find({"k": {"$gte": 30}}).hint("k_1")) == COMMITTED[2:]
    assert list(coll.find({"k": {"$lt": 30}}, {"_id": 1}).hint("k_1")) == [
        {"_id": 7}, {"_id": 1}, {"_id": 2}]


def test_counts_distinct_and_aggregation_see_the_transaction_s_writes(client, coll):
    with client.start_session() as session:
        with session.start_transaction():
            _own_writes(coll, session)
            assert coll.count_documents({}, session=session) == 6
            assert coll.count_documents({"k": {"$gt": 20}}, session=session) == 4
            assert sorted(coll.distinct("k", session=session)) == [5, 10, 25, 40, 50, 60]
            assert list(coll.aggregate([{"$match": {"k": {"$lte": 25}}},
                                        {"$group": {"_id": None, "n": {"$sum": 1},
                                                    "k": {"$sum": "$k"}}}],
                                       session=session)) == [{"_id": None, "n": 3, "k": 40}]
            assert coll.count_documents({}) == 5


def test_a_cursor_opened_in_the_transaction_is_read_by_getmore(client, coll):
    with client.start_session() as session:
        with session.start_transaction():
            _own_writes(coll, session)
            cursor = coll.find({}, session=session, batch_size=2)
            assert list(cursor) == SEEN_INSIDE


def test_an_outside_write_after_the_snapshot_stays_invisible(client, coll):
    with client.start_session() as session:
        with session.start_transaction():
            coll.insert_one({"_id": 6, "k": 60}, session=session)
            coll.insert_one({"_id": 8, "k": 80})  # committed outside, after the snapshot
            coll.update_one({"_id": 1}, {"$set": {"k": 11}})
            coll.delete_one({"_id": 5})
            assert list(coll.find({}, session=session)) == COMMITTED + [{"_id": 6, "k": 60}]
            assert coll.find_one({"k": 11}, session=session) is None
            assert coll.find_one({"_id": 5}, session=session) == {"_id": 5, "k": 50}
            assert coll.count_documents({"k": {"$gte": 50}}, session=session) == 2
    assert list(coll.find()) == [{"_id": 1, "k": 11}, {"_id": 2, "k": 20},
                                 {"_id": 3, "k": 30}, {"_id": 4, "k": 40},
                                 {"_id": 8, "k": 80}, {"_id": 6, "k": 60}]
    assert list(coll.find({"k": {"$gt": 40}}, {"_id": 1}).hint("k_1")) == [
        {"_id": 6}, {"_id": 8}]


def test_an_abort_leaves_data_and_index_entries_untouched(client, coll):
    with client.start_session() as session:
        session.start_transaction()
        _own_writes(coll, session)
        assert coll.find_one({"k": 5}, session=session) == {"_id": 7, "k": 5}
        session.abort_transaction()
    assert list(coll.find()) == COMMITTED
    assert list(coll.find({"k": {"$gte": 0}}, {"_id": 1}).hint("k_1")) == [
        {"_id": i} for i in range(1, 6)]
    assert coll.find_one({"k": 25}) is None
    assert coll.find_one({"k": 30}) == {"_id": 3, "k": 30}


def test_a_commit_applies_every_write_at_once_in_order(client, coll):
    with coll.watch() as stream:
        with client.start_session() as session:
            with session.start_transaction():
                _own_writes(coll, session)
                assert stream.try_next() is None  # nothing committed yet
        events = [stream.next() for _ in range(4)]
    assert [(e["operationType"], e["documentKey"]["_id"]) for e in events] == [
        ("insert", 6), ("insert", 7), ("update", 2), ("delete", 3)]
    assert {e["txnNumber"] for e in events} == {events[0]["txnNumber"]}
    assert all(e["lsid"] == events[0]["lsid"] for e in events)
    assert list(coll.find()) == SEEN_INSIDE


def _commit_fails_aborted(session):
    """A write error aborted the transaction (the server aborts it on any statement's
    error): its commit answers NoSuchTransaction (251)."""
    with pytest.raises(OperationFailure) as info:
        session.commit_transaction()
    assert info.value.code == 251


def test_a_duplicate_id_inside_the_transaction_aborts_it(client, coll):
    with client.start_session() as session:
        session.start_transaction()
        coll.delete_one({"_id": 2}, session=session)
        coll.insert_one({"_id": 2, "k": 21}, session=session)
        coll.update_one({"_id": 2}, {"$inc": {"k": 1}}, session=session)
        with pytest.raises(DuplicateKeyError):
            coll.insert_one({"_id": 2}, session=session)
        _commit_fails_aborted(session)
    assert list(coll.find()) == COMMITTED


def test_a_reinserted_document_commits_after_the_others(client, coll):
    with client.start_session() as session:
        with session.start_transaction():
            coll.delete_one({"_id": 2}, session=session)
            coll.insert_one({"_id": 2, "k": 21}, session=session)
            assert [d["_id"] for d in coll.find({}, session=session)] == [1, 3, 4, 5, 2]
            assert coll.count_documents({}, session=session) == 5
    assert [d["_id"] for d in coll.find()] == [1, 3, 4, 5, 2]
    assert coll.find_one({"k": 21}) == {"_id": 2, "k": 21}


def test_a_unique_index_refuses_a_duplicate_inside_the_transaction(client, coll):
    coll.create_index("u", unique=True, sparse=True)
    coll.update_one({"_id": 1}, {"$set": {"u": 1}})
    with client.start_session() as session:
        session.start_transaction()
        coll.delete_one({"_id": 1}, session=session)
        coll.insert_one({"_id": 9, "u": 1}, session=session)  # free again inside
        with pytest.raises(DuplicateKeyError) as info:
            coll.insert_one({"_id": 10, "u": 1}, session=session)
        _commit_fails_aborted(session)
    assert info.value.details["keyValue"] == {"u": 1}
    assert list(coll.find({"u": 1})) == [{"_id": 1, "k": 10, "u": 1}]


def test_a_key_error_inside_the_transaction_writes_nothing(client, coll):
    coll.create_index([("a", 1), ("b", 1)])
    with client.start_session() as session:
        session.start_transaction()
        coll.insert_one({"_id": 6, "a": 1}, session=session)
        with pytest.raises(OperationFailure) as info:
            coll.insert_one({"_id": 7, "a": [1, 2], "b": [3, 4]}, session=session)
        _commit_fails_aborted(session)
    assert info.value.code == 171  # CannotIndexParallelArrays
    assert list(coll.find()) == COMMITTED


def test_a_unique_index_lets_a_transaction_commit_what_it_freed(client, coll):
    coll.create_index("u", unique=True, sparse=True)
    coll.update_one({"_id": 1}, {"$set": {"u": 1}})
    with client.start_session() as session:
        with session.start_transaction():
            coll.update_one({"_id": 1}, {"$unset": {"u": ""}}, session=session)
            coll.insert_one({"_id": 9, "u": 1}, session=session)
            assert coll.find_one({"u": 1}, session=session) == {"_id": 9, "u": 1}
            assert coll.find_one({"u": 1}) == {"_id": 1, "k": 10, "u": 1}
    assert list(coll.find({"u": {"$exists": True}})) == [{"_id": 9, "u": 1}]
    assert list(coll.find({"u": 1}).hint("u_1")) == [{"_id": 9, "u": 1}]


def test_a_wildcard_index_serves_the_transaction_s_writes_and_the_commit(client, coll):
    coll.create_index([("$**", 1)])
    with client.start_session() as session:
        with session.start_transaction():
            coll.insert_one({"_id": 6, "k": 60, "tags": {"a": 1}}, session=session)
            coll.update_one({"_id": 1}, {"$set": {"tags": {"a": 2}}}, session=session)
            assert list(coll.find({"tags.a": {"$gte": 1}}, {"_id": 1}, session=session)
                        .sort("tags.a", 1)) == [{"_id": 6}, {"_id": 1}]
            assert coll.find_one({"tags.a": 1}) is None
    assert list(coll.find({"tags.a": {"$gte": 1}}, {"_id": 1}).sort("tags.a", -1)) == [
        {"_id": 1}, {"_id": 6}]
    assert list(coll.find({"tags.a": 2}, {"_id": 1}).hint("$**_1")) == [{"_id": 1}]
