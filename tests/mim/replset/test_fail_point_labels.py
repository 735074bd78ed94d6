"""The error labels mongod adds to a failCommand error when the fail point's data
names none (``error_labels.cpp`` ``getErrorLabels``): drivers retry a transaction
on TransientTransactionError and a write on RetryableWriteError.  pymongo's own
``test_3_2_callback_not_retried_after_commit_timeout`` needs the first on a
commitTransaction failed with NoSuchTransaction (251)."""

from __future__ import annotations

import time

import pymongo
import pytest
from pymongo.errors import OperationFailure

from mim.engine.ops.error_labels import error_labels


@pytest.fixture
def listened(listened_client):
    return listened_client, listened_client.listener


def _arm(client, **data):
    client.admin.command("configureFailPoint", "failCommand", mode={"times": 1}, data=data)


def test_a_commit_failing_with_no_such_transaction_is_transient(listened):
    client, commands = listened
    coll = client.t.c
    coll.insert_one({"_id": 0})
    _arm(client, failCommands=["commitTransaction"], errorCode=251)
    commands.names.clear()
    with client.start_session() as session:
        session.with_transaction(lambda s: coll.insert_one({}, session=s))
    # the first commit failed as transient: with_transaction ran the callback again
    assert commands.names == ["insert", "commitTransaction", "insert", "commitTransaction"]
    assert coll.count_documents({}) == 2


def test_a_retryable_write_failing_with_a_retriable_code_is_retried(listened):
    client, commands = listened
    _arm(client, failCommands=["insert"], errorCode=91)  # ShutdownInProgress
    commands.names.clear()
    client.t.c.insert_one({"_id": 1})  # retryWrites is pymongo's default
    assert commands.names == ["insert", "insert"]
    assert client.t.c.find_one() == {"_id": 1}


def test_the_data_s_labels_replace_the_server_s(listened):
    client, commands = listened
    _arm(client, failCommands=["insert"], errorCode=262, errorLabels=[])  # ExceededTimeLimit
    commands.names.clear()
    with pytest.raises(OperationFailure) as caught:
        client.t.c.insert_one({"_id": 1})
    assert caught.value.code == 262 and not caught.value.details.get("errorLabels")
    assert commands.names == ["insert"]  # not retried


@pytest.mark.parametrize("name, cmd, code, concern_code, labels", [
    # a transaction's statement: retriable codes and NoSuchTransaction are transient
    ("insert", {"txnNumber": 1, "autocommit": False}, 91, None, ["TransientTransactionError"]),
    ("find", {"txnNumber": 1, "autocommit": False}, 251, None, ["TransientTransactionError"]),
    # commit: NoSuchTransaction is transient unless a write concern error came too
    ("commitTransaction", {"txnNumber": 1, "autocommit": False}, 251, None,
     ["TransientTransactionError"]),
    ("commitTransaction", {"txnNumber": 1, "autocommit": False}, 251, 64, []),
    # commit with a retriable code: retried as a write, not the whole transaction
    ("commitTransaction", {"txnNumber": 1, "autocommit": False}, 189, None,
     ["RetryableWriteError"]),
    ("update", {"txnNumber": 1}, 10107, None, ["RetryableWriteError"]),
    ("update", {"txnNumber": 1}, None, 91, ["RetryableWriteError"]),
    ("update", {"txnNumber": 1}, 8, None, []),
    ("insert", {}, 91, None, []),  # no txnNumber: not a retryable write
])
def test_server_error_labels_follow_error_labels_cpp(name, cmd, code, concern_code, labels):
    assert error_labels(cmd, name, code, concern_code) == labels


@pytest.mark.parametrize("code, name", [(11601, "Interrupted"), (24, "LockTimeout"),
                                        (246, "SnapshotUnavailable"), (13388, "StaleConfig"),
                                        (267, "PreparedTransactionInProgress")])
def test_a_fail_point_error_is_named_as_error_codes_yml_names_it(listened, code, name):
    # transactions spec retryable-commit "commitTransaction fails after Interrupted"
    # expects the codeName the server gives the code
    client, _ = listened
    _arm(client, failCommands=["insert"], errorCode=code)
    with pytest.raises(OperationFailure) as caught:
        client.t.c.insert_one({"_id": 1})
    assert caught.value.details["codeName"] == name


def test_fail_command_matches_the_app_name_of_a_connection_s_first_hello(wire_server):
    # SDAM spec "monitors sleep at least minHeartbeatFrequencyMS between checks": the
    # handshake of a new connection fails by appName; the monitor retries every 500 ms
    wire_server.engine.reset()
    with pymongo.MongoClient(wire_server.uri) as admin:
        before = admin.admin.command("configureFailPoint", "failCommand", mode={"times": 2},
                            data={"failCommands": ["hello", "ismaster"], "errorCode": 1234,
                                  "appName": "firstHelloTest"})["count"]
        started = time.monotonic()
        with pymongo.MongoClient(wire_server.uri, appName="firstHelloTest",
                                 serverSelectionTimeoutMS=5000) as client:
            client.admin.command("ping")
        assert time.monotonic() - started >= 0.9  # two failed checks, 500 ms apart
        after = admin.admin.command("configureFailPoint", "failCommand", mode="off")["count"]
        assert after - before == 2  # timesEntered


@pytest.mark.parametrize("listed, sent", [("buildinfo", "buildInfo"), ("buildInfo", "buildinfo"),
                                          ("findandmodify", "findAndModify")])
def test_fail_commands_match_a_command_by_any_of_its_names(listened, listed, sent):
    # Command::hasAlias: the CMAP spec fails "isMaster" handshakes drivers send as
    # "ismaster" (a handshake is not used here: a new pooled connection's own
    # handshake could take the one failure)
    client, _ = listened
    _arm(client, failCommands=[listed], errorCode=8)
    with pytest.raises(OperationFailure) as caught:
        client.t.command({sent: "c", "query": {}, "remove": True} if "find" in sent
                         else {sent: 1})
    assert caught.value.code == 8
