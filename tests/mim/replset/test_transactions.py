"""Multi-document transactions (MongoDB 7.0 semantics) on both faces of one engine:
snapshot isolation, own writes, atomic commit, abort (explicit, by error, by the
lifetime limit) restoring everything, write-write conflicts, the server's codes for
forbidden operations, ``with_transaction``, and the events the change-stream hook
receives at commit.  Expected codes and labels are the server's
(``transaction_participant.cpp``, the transactions spec)."""

from __future__ import annotations

import threading
import time

import bson
import pytest
from pymongo import WriteConcern
from pymongo.errors import OperationFailure, WriteConcernError

import mim


def test_reads_see_the_snapshot_and_own_writes_others_see_nothing(client):
    coll = client.t.c
    coll.insert_many([{"_id": 1, "n": 1}, {"_id": 2, "n": 2}])
    with client.start_session() as session:
        session.start_transaction()
        coll.insert_one({"_id": 3, "n": 3}, session=session)
        coll.update_one({"_id": 1}, {"$set": {"n": 10}}, session=session)
        coll.delete_one({"_id": 2}, session=session)
        coll.insert_one({"_id": 4})  # outside, after the snapshot: not seen inside
        assert list(coll.find({}, session=session)) == [{"_id": 1, "n": 10}, {"_id": 3, "n": 3}]
        assert coll.count_documents({}, session=session) == 2
        assert list(coll.find()) == [{"_id": 1, "n": 1}, {"_id": 2, "n": 2}, {"_id": 4}]
        session.commit_transaction()
    assert list(coll.find()) == [{"_id": 1, "n": 10}, {"_id": 4}, {"_id": 3, "n": 3}]


def test_abort_restores_everything_including_new_collections_and_indexes(client, engine):
    client.t.c.insert_one({"_id": 1})
    with client.start_session() as session:
        session.start_transaction()
        client.t.c.insert_one({"_id": 2}, session=session)
        client.t.fresh.insert_one({"_id": 1}, session=session)
        client.t.fresh.create_index("x", session=session)
        assert "fresh" not in client.t.list_collection_names()
        session.abort_transaction()
    assert list(client.t.c.find()) == [{"_id": 1}]
    assert "fresh" not in client.t.list_collection_names()
    assert engine.get_collection("t", "c").txn_owned is None


def test_commit_creates_collections_and_indexes_atomically(client):
    with client.start_session() as session:
        with session.start_transaction():
            client.t.fresh.insert_one({"_id": 1, "x": 5}, session=session)
            client.t.fresh.create_index("x", session=session)
    assert list(client.t.fresh.find()) == [{"_id": 1, "x": 5}]
    assert "x_1" in client.t.fresh.index_information()


def test_conflicting_transactions_the_second_writer_gets_write_conflict(client):
    coll = client.t.c
    coll.insert_one({"_id": 1, "n": 0})
    first, second = client.start_session(), client.start_session()
    first.start_transaction()
    second.start_transaction()
    coll.update_one({"_id": 1}, {"$inc": {"n": 1}}, session=first)
    with pytest.raises(OperationFailure) as info:
        coll.update_one({"_id": 1}, {"$inc": {"n": 1}}, session=second)
    assert info.value.code == 112
    assert info.value.has_error_label("TransientTransactionError")
    first.commit_transaction()
    with pytest.raises(OperationFailure) as info:
        second.commit_transaction()  # the conflict aborted it
    assert info.value.code == 251
    assert info.value.has_error_label("TransientTransactionError")
    assert coll.find_one() == {"_id": 1, "n": 1}
    first.end_session()
    second.end_session()


def test_a_commit_after_the_snapshot_is_a_conflict(client):
    coll = client.t.c
    coll.insert_one({"_id": 1, "n": 0})
    with client.start_session() as session:
        session.start_transaction()
        coll.find_one({}, session=session)  # the snapshot is taken
        coll.update_one({"_id": 1}, {"$set": {"n": 5}})  # committed outside
        with pytest.raises(OperationFailure) as info:
            coll.update_one({"_id": 1}, {"$set": {"n": 6}}, session=session)
        assert info.value.code == 112
    assert coll.find_one() == {"_id": 1, "n": 5}


def test_a_plain_write_to_a_document_a_transaction_wrote_waits_until_its_max_time(client):
    # the write outside waits for the transaction to end (SERVER-34650): here nothing
    # ends it, so the write's maxTimeMS does: MaxTimeMSExpired, nothing written
    coll = client.t.c
    coll.insert_one({"_id": 1, "n": 0})
    with client.start_session() as session:
        session.start_transaction()
        coll.update_one({"_id": 1}, {"$set": {"n": 1}}, session=session)
        with pytest.raises(OperationFailure) as info:
            client.t.command("update", "c", updates=[{"q": {"_id": 1}, "u": {"$set": {"n": 2}}}],
                             maxTimeMS=50)
        assert info.value.code == 50
        session.commit_transaction()
    assert coll.find_one() == {"_id": 1, "n": 1}


def test_with_transaction_commits_and_aborts_on_error(client):
    coll = client.t.c

    def transfer(session):
        coll.insert_one({"_id": "a"}, session=session)
        coll.insert_one({"_id": "b"}, session=session)
        return "done"

    with client.start_session() as session:
        assert session.with_transaction(transfer) == "done"
    assert coll.count_documents({}) == 2

    def failing(session):
        coll.insert_one({"_id": "c"}, session=session)
        raise ValueError("callback failed")

    with client.start_session() as session:
        with pytest.raises(ValueError):
            session.with_transaction(failing)
    assert coll.find_one({"_id": "c"}) is None


@pytest.mark.parametrize("command, code", [
    ({"count": "c"}, 263), ({"listCollections": 1}, 263), ({"drop": "c"}, 263),
])
def test_operations_the_server_forbids_in_a_transaction(client, command, code):
    client.t.c.insert_one({"_id": 1})
    with client.start_session() as session:
        session.start_transaction()
        client.t.c.find_one({}, session=session)
        with pytest.raises(OperationFailure) as info:
            client.t.command(command, session=session)
        assert info.value.code == code
        assert info.value.details["errmsg"] == \
            f"Cannot run '{next(iter(command))}' in a multi-document transaction."
        session.abort_transaction()


def test_transaction_numbers_follow_the_server_rules(client):
    lsid = {"id": bson.Binary(b"\x02" * 16, 4)}
    run = client.admin.command
    client.t.command({"insert": "c", "documents": [{"_id": 1}], "lsid": lsid,
                      "txnNumber": bson.Int64(5), "startTransaction": True, "autocommit": False})
    with pytest.raises(OperationFailure) as info:
        client.t.command({"insert": "c", "documents": [{"_id": 2}], "lsid": lsid,
                          "txnNumber": bson.Int64(4), "startTransaction": True,
                          "autocommit": False})
    assert info.value.code == 225
    with pytest.raises(OperationFailure) as info:
        client.t.command({"find": "c", "lsid": lsid, "txnNumber": bson.Int64(6),
                          "autocommit": False})
    assert info.value.code == 251
    assert run({"commitTransaction": 1, "lsid": lsid, "txnNumber": bson.Int64(5),
                "autocommit": False})["ok"] == 1.0
    # a retried commit of a committed transaction succeeds; abort then refuses
    assert run({"commitTransaction": 1, "lsid": lsid, "txnNumber": bson.Int64(5),
                "autocommit": False})["ok"] == 1.0
    with pytest.raises(OperationFailure) as info:
        run({"abortTransaction": 1, "lsid": lsid, "txnNumber": bson.Int64(5),
             "autocommit": False})
    assert info.value.code == 256
    assert client.t.c.find_one() == {"_id": 1}


def test_the_lifetime_limit_aborts_a_transaction(client, engine):
    client.admin.command("setParameter", 1, transactionLifetimeLimitSeconds=1)
    try:
        assert client.admin.command("getParameter", 1, transactionLifetimeLimitSeconds=1)[
            "transactionLifetimeLimitSeconds"] == 1
        client.t.c.insert_one({"_id": 1, "n": 0})
        with client.start_session() as session:
            session.start_transaction()
            client.t.c.update_one({"_id": 1}, {"$set": {"n": 1}}, session=session)
            time.sleep(1.2)
            # another writer meets the expired owner: it is aborted, the write goes on
            client.t.c.update_one({"_id": 1}, {"$set": {"n": 2}})
            with pytest.raises(OperationFailure) as info:
                session.commit_transaction()
            assert info.value.code == 251
    finally:
        client.admin.command("setParameter", 1, transactionLifetimeLimitSeconds=60)
    assert client.t.c.find_one() == {"_id": 1, "n": 2}


def test_set_parameter_checks_its_input(client):
    with pytest.raises(OperationFailure) as info:
        client.admin.command("setParameter", 1, transactionLifetimeLimitSeconds=0)
    assert (info.value.code, info.value.details["errmsg"]) == (
        2, "transactionLifetimeLimitSeconds must be greater than or equal to 1s")
    with pytest.raises(OperationFailure) as info:
        client.admin.command("setParameter", 1, noSuchParameter=1)
    assert info.value.code == 72


def test_threads_two_conflicting_transactions_one_commits(client):
    coll = client.t.c
    coll.insert_one({"_id": 1, "n": 0})
    barrier = threading.Barrier(2)
    outcomes: list = []

    def worker():
        with client.start_session() as session:
            session.start_transaction()
            coll.find_one({"_id": 1}, session=session)
            barrier.wait()
            try:
                coll.update_one({"_id": 1}, {"$inc": {"n": 1}}, session=session)
                barrier.wait()
                session.commit_transaction()
                outcomes.append("committed")
            except OperationFailure as exc:
                barrier.wait()
                outcomes.append(exc.code)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes, key=str) == [112, "committed"]
    assert coll.find_one() == {"_id": 1, "n": 1}


def test_committed_events_reach_the_listeners_in_order_with_the_session(client, engine):
    seen = []
    engine.add_listener(seen.append)
    try:
        with client.start_session() as session:
            session.start_transaction()
            client.t.c.insert_one({"_id": 1}, session=session)
            client.t.c.update_one({"_id": 1}, {"$set": {"x": 1}}, session=session)
            assert seen == []  # nothing before commit
            session.commit_transaction()
            lsid = session.session_id
    finally:
        engine.remove_listener(seen.append)
    documents = [e for e in seen if e.operation in ("insert", "update")]
    assert [e.operation for e in documents] == ["insert", "update"]
    assert all(e.lsid == {"id": lsid["id"]} and e.txn_number == 1 for e in documents)


def test_a_standalone_refuses_transactions():
    client = mim.MongoClient(server=mim.Server(standalone=True))
    with client.start_session() as session:
        session.start_transaction()
        with pytest.raises(OperationFailure) as info:
            client.t.c.insert_one({}, session=session)
        assert info.value.code == 20


def test_a_new_index_on_a_committed_collection_is_refused_in_a_transaction(client):
    # create_indexes.cpp: only a collection created in the same transaction may get new
    # indexes; an index that already exists is a no-op (pymongo's
    # test_unsupported_write_operations)
    coll = client.t.c
    coll.insert_one({"_id": 1})
    coll.create_index("b")
    with client.start_session() as session:
        session.start_transaction()
        assert coll.create_index("b", session=session) == "b_1"
        with pytest.raises(OperationFailure) as caught:
            coll.create_index("a", session=session)
        assert caught.value.code == 263
        assert str(caught.value).startswith("Cannot create new indexes on existing collection "
                                            "t.c in a multi-document transaction.")
    assert sorted(coll.index_information()) == ["_id_", "b_1"]


@pytest.mark.parametrize("pipeline, stage", [
    ([{"$out": "aggout"}], "$out"),
    ([{"$merge": {"into": "aggout"}}], "$merge"),
    ([{"$collStats": {}}], "$collStats"),
    ([{"$indexStats": {}}], "$indexStats"),
    ([{"$lookup": {"from": "o", "pipeline": [{"$out": "x"}], "as": "j"}}], "$out"),
    ([{"$facet": {"f": [{"$collStats": {}}]}}], "$collStats"),
])
def test_aggregation_stages_the_server_refuses_in_a_transaction(client, pipeline, stage):
    # document_source.h transactionNotSupported: OperationNotSupportedInTransaction
    client.t.c.insert_one({"_id": 1})
    with client.start_session() as session:
        session.start_transaction()
        with pytest.raises(OperationFailure) as caught:
            list(client.t.c.aggregate(pipeline, session=session))
        assert caught.value.code == 263
        assert str(caught.value).startswith(
            f"Operation not permitted in transaction :: caused by :: Aggregation stage "
            f"{stage} cannot run within a multi-document transaction.")
    assert "aggout" not in client.t.list_collection_names()


@pytest.mark.parametrize("stage", [{"$out": "copy"}, {"$merge": {"into": "copy"}}])
def test_out_and_merge_refuse_a_linearizable_read(client, stage):
    # document_source_out.h / _merge.h supportsReadConcern: InvalidOptions (crud spec
    # aggregate-out-readConcern "readConcern linearizable with out stage")
    client.t.c.insert_one({"_id": 1})
    name = next(iter(stage))
    with pytest.raises(OperationFailure) as caught:
        client.t.command({"aggregate": "c", "pipeline": [stage], "cursor": {},
                          "readConcern": {"level": "linearizable"}})
    assert caught.value.code == 72
    assert f"{name} cannot be used with a 'linearizable' read concern level" \
        in str(caught.value)
    assert "copy" not in client.t.list_collection_names()


def test_a_failed_command_still_reports_its_unmet_write_concern(client):
    # RunCommandAndWaitForWriteConcern::_handleError: the write concern is waited for
    # on error too, and pymongo's rename raises the writeConcernError first
    # (pymongo's test_raise_write_concern_error renames onto an existing collection)
    client.t.a.insert_one({})
    client.t.b.insert_one({})
    with pytest.raises(WriteConcernError) as caught:
        client.t.get_collection("a", write_concern=WriteConcern(w=2)).rename("b")
    assert caught.value.code == 100
    with pytest.raises(OperationFailure) as failed:
        client.admin.command({"renameCollection": "t.a", "to": "t.b",
                              "writeConcern": {"w": 2}})
    assert failed.value.code == 48
    assert failed.value.details["writeConcernError"]["code"] == 100
    with pytest.raises(OperationFailure) as plain:
        client.admin.command({"renameCollection": "t.a", "to": "t.b"})
    assert "writeConcernError" not in plain.value.details
