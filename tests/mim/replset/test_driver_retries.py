"""pymongo's retries and error labels, on both faces: the in-process face runs the
decisions of pymongo's retry loop (mim.retrying), the wire face is pymongo's own.

Expected behaviour: the retryable-writes and transactions specifications (a
retryable write or a commit is retried once after a ``RetryableWriteError``; a
network error in a transaction is a ``TransientTransactionError``; a commit
whose write concern fails is an ``UnknownTransactionCommitResult``) and the
server's ``ErrorLabelBuilder`` (``src/mongo/db/error_labels.cpp``) for the labels
a fail point's error gets when its data names none."""

from __future__ import annotations

import pytest
from pymongo.errors import (AutoReconnect, ConnectionFailure, OperationFailure,
                            WriteConcernError)
from pymongo.write_concern import WriteConcern


def arm(client, mode, **data):
    client.admin.command("configureFailPoint", "failCommand", mode=mode, data=data)


@pytest.fixture(autouse=True)
def _fail_point_off(client):
    yield
    client.admin.command("configureFailPoint", "failCommand", mode="off")


def test_a_write_after_a_closed_connection_is_retried_once(client):
    arm(client, {"times": 1}, failCommands=["insert"], closeConnection=True)
    client.t.c.insert_one({"_id": 1})
    assert list(client.t.c.find()) == [{"_id": 1}]


def test_a_retried_write_after_a_write_concern_error_is_applied_once(client):
    arm(client, {"times": 1}, failCommands=["update"],
        writeConcernError={"code": 89, "errmsg": "operation timed out"})
    client.t.c.insert_one({"_id": 1, "n": 0})
    result = client.t.c.update_one({"_id": 1}, {"$inc": {"n": 1}})
    assert result.modified_count == 1
    assert client.t.c.find_one() == {"_id": 1, "n": 1}


def test_a_retryable_code_gets_the_servers_label_and_the_write_is_retried(client):
    arm(client, {"times": 1}, failCommands=["insert"], errorCode=6)  # HostUnreachable
    client.t.c.insert_one({"_id": 1})
    assert client.t.c.count_documents({}) == 1


def test_a_write_is_retried_once_only(client):
    arm(client, {"times": 2}, failCommands=["insert"], errorCode=89)  # NetworkTimeout
    with pytest.raises(OperationFailure) as info:
        client.t.c.insert_one({"_id": 1})
    assert info.value.code == 89 and info.value.has_error_label("RetryableWriteError")
    assert client.t.c.count_documents({}) == 0


def test_a_multi_document_write_is_not_retried(client):
    client.t.c.insert_one({"_id": 1})
    arm(client, {"times": 1}, failCommands=["update"], closeConnection=True)
    with pytest.raises(ConnectionFailure):
        client.t.c.update_many({}, {"$set": {"x": 1}})


def test_a_statement_of_a_transaction_gets_the_transient_label(client):
    arm(client, {"times": 1}, failCommands=["insert"], errorCode=112)  # WriteConflict
    with client.start_session() as session:
        session.start_transaction()
        with pytest.raises(OperationFailure) as info:
            client.t.c.insert_one({"_id": 1}, session=session)
        assert info.value.has_error_label("TransientTransactionError")
        assert not info.value.has_error_label("RetryableWriteError")
        session.abort_transaction()


def test_a_network_error_in_a_transaction_is_transient_and_not_retried(client):
    client.t.create_collection("c")
    arm(client, {"times": 1}, failCommands=["insert", "find"], closeConnection=True)
    with client.start_session() as session:
        session.start_transaction()
        with pytest.raises(AutoReconnect) as info:
            client.t.c.insert_one({"_id": 1}, session=session)
        assert info.value.has_error_label("TransientTransactionError")
        assert not info.value.has_error_label("RetryableWriteError")
        session.abort_transaction()
    assert client.t.c.count_documents({}) == 0


def test_a_commit_after_a_closed_connection_is_retried(client):
    client.t.create_collection("c")
    with client.start_session() as session:
        session.start_transaction()
        client.t.c.insert_one({"_id": 1}, session=session)
        arm(client, {"times": 1}, failCommands=["commitTransaction"], closeConnection=True)
        session.commit_transaction()
    assert list(client.t.c.find()) == [{"_id": 1}]


def test_a_commit_failing_twice_has_an_unknown_result(client):
    client.t.create_collection("c")
    with client.start_session() as session:
        session.start_transaction()
        client.t.c.insert_one({"_id": 1}, session=session)
        arm(client, {"times": 2}, failCommands=["commitTransaction"], closeConnection=True)
        with pytest.raises(ConnectionFailure) as info:
            session.commit_transaction()
        assert info.value.has_error_label("UnknownTransactionCommitResult")
        assert info.value.has_error_label("RetryableWriteError")
        assert not info.value.has_error_label("TransientTransactionError")


def test_a_commit_whose_write_concern_times_out_has_an_unknown_result(client):
    client.t.create_collection("c")
    with client.start_session() as session:
        session.start_transaction()
        client.t.c.insert_one({"_id": 1}, session=session)
        arm(client, {"times": 1}, failCommands=["commitTransaction"],
            writeConcernError={"code": 64, "codeName": "WriteConcernFailed",
                               "errmsg": "waiting for replication timed out",
                               "errInfo": {"wtimeout": True}})
        with pytest.raises(WriteConcernError) as info:
            session.commit_transaction()
        assert info.value.has_error_label("UnknownTransactionCommitResult")
    assert list(client.t.c.find()) == [{"_id": 1}]


def test_a_commit_with_an_unsatisfiable_write_concern_is_not_unknown(client):
    client.t.create_collection("c")
    with client.start_session() as session:
        session.start_transaction(write_concern=WriteConcern(w=10))
        client.t.c.insert_one({"_id": 1}, session=session)
        with pytest.raises(WriteConcernError) as info:
            session.commit_transaction()
        assert info.value.code == 100
        assert not info.value.has_error_label("UnknownTransactionCommitResult")
        assert not info.value.has_error_label("RetryableWriteError")


def test_with_transaction_retries_after_a_transient_commit_error(client):
    client.t.create_collection("c")
    arm(client, {"times": 1}, failCommands=["commitTransaction"], errorCode=24)  # LockTimeout
    calls = []

    def callback(session):
        calls.append(1)
        client.t.c.insert_one({"n": len(calls)}, session=session)

    with client.start_session() as session:
        session.with_transaction(callback)
    assert len(calls) == 2
    assert [d["n"] for d in client.t.c.find({}, {"_id": 0})] == [2]
