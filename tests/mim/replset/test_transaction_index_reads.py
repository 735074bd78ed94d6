"""A transaction's reads through secondary indexes while it writes and while others
commit (both faces): it reads its snapshot plus its own writes, whatever index plan
answers (MongoDB 7.0's snapshot isolation, the manual's "Transactions and Read
Concern").  mim answers these reads from merged indexes over the transaction's
overlay (``mim/engine/index/merged.py``) without copying the collection; these tests
pin down the orders in which the merge is made and kept: read, write, read again;
an outside commit between two reads (the overlay then keeps its own copy of the
snapshot); ranges and sorts in both directions; a reinserted document."""

from __future__ import annotations

import pytest


@pytest.fixture
def coll(client):
    coll = client.t.r
    coll.insert_many([{"_id": i, "k": i % 4, "tags": [i, i + 10]} for i in range(12)])
    coll.create_index("k")
    coll.create_index([("tags", 1), ("k", -1)])
    return coll


def _ids(cursor):
    return [doc["_id"] for doc in cursor]


def test_reads_between_writes_follow_each_write(client, coll):
    with client.start_session() as session:
        with session.start_transaction():
            assert _ids(coll.find({"k": 1}, session=session)) == [1, 5, 9]
            coll.insert_one({"_id": 20, "k": 1, "tags": [3]}, session=session)
            assert _ids(coll.find({"k": 1}, session=session)) == [1, 5, 9, 20]
            coll.update_one({"_id": 5}, {"$set": {"k": 2}}, session=session)
            assert _ids(coll.find({"k": 1}, session=session)) == [1, 9, 20]
            # (a backward scan of {k: 1}: equal keys in reverse record order, as the
            # server's backward IXSCAN returns them)
            assert _ids(coll.find({"k": {"$gte": 2}}, session=session).sort("k", -1)) == [
                11, 7, 3, 10, 6, 5, 2]
            coll.delete_one({"_id": 9}, session=session)
            assert _ids(coll.find({"tags": 3}, session=session)) == [3, 20]
            assert _ids(coll.find({"tags": {"$gt": 15}}, session=session)) == [
                6, 7, 8, 10, 11]  # multikey: each document once
            assert coll.count_documents({"k": 1}, session=session) == 2
            assert _ids(coll.find({"_id": {"$gte": 9}}, session=session).sort("_id", -1)) == [
                20, 11, 10]
    assert _ids(coll.find({"k": 1})) == [1, 20]


def test_a_deleted_then_reinserted_document_is_read_once_with_its_new_keys(client, coll):
    with client.start_session() as session:
        with session.start_transaction():
            assert _ids(coll.find({"k": 2}, session=session)) == [2, 6, 10]
            coll.delete_one({"_id": 2}, session=session)
            coll.insert_one({"_id": 2, "k": 3, "tags": []}, session=session)
            assert _ids(coll.find({"k": 2}, session=session)) == [6, 10]
            assert _ids(coll.find({"k": 3}, session=session)) == [2, 3, 7, 11]
            assert _ids(coll.find({"_id": {"$lte": 2}}, session=session)) == [0, 1, 2]
            coll.delete_one({"_id": 2}, session=session)
            assert _ids(coll.find({"_id": {"$lte": 2}}, session=session)) == [0, 1]
            assert _ids(coll.find({"k": 3}, session=session)) == [3, 7, 11]
    assert coll.find_one({"_id": 2}) is None


def test_an_outside_commit_between_two_index_reads_stays_invisible(client, coll):
    with client.start_session() as session:
        with session.start_transaction():
            coll.update_one({"_id": 0}, {"$set": {"k": 1}}, session=session)
            assert _ids(coll.find({"k": 1}, session=session)) == [0, 1, 5, 9]
            # committed outside, after the snapshot: the overlay copies its snapshot
            coll.insert_one({"_id": 30, "k": 1, "tags": [1]})
            coll.update_one({"_id": 1}, {"$set": {"k": 0}})
            coll.delete_one({"_id": 5})
            assert _ids(coll.find({"k": 1}, session=session)) == [0, 1, 5, 9]
            assert _ids(coll.find({"tags": 1}, session=session)) == [1]
            assert _ids(coll.find({"k": {"$lt": 1}}, session=session)) == [4, 8]
            coll.insert_one({"_id": 31, "k": 1, "tags": [1]}, session=session)
            assert _ids(coll.find({"k": 1}, session=session)) == [0, 1, 5, 9, 31]
    assert _ids(coll.find({"k": 1})) == [0, 9, 30, 31]
