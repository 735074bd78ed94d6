"""The failCommand fail point over the wire, seen by a real pymongo client
(mongod started with ``--setParameter enableTestCommands=1``)."""

from __future__ import annotations

import threading
import time

import pymongo
import pytest
from pymongo import monitoring
from pymongo.errors import AutoReconnect, NotPrimaryError, OperationFailure, WriteConcernError

FAIL_MESSAGE = "Failing command via 'failCommand' failpoint"


class StartedCommands(monitoring.CommandListener):
    def __init__(self) -> None:
        self.names: list[str] = []

    def started(self, event):
        self.names.append(event.command_name)

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


@pytest.fixture
def listener():
    return StartedCommands()


@pytest.fixture
def watched(server, listener):
    client = pymongo.MongoClient(server.uri, event_listeners=[listener], appname="watched",
                                 serverSelectionTimeoutMS=5000)
    yield client
    client.close()


@pytest.fixture(autouse=True)
def fail_point_off(client):
    yield
    client.admin.command("configureFailPoint", "failCommand", mode="off")


def arm(client, mode, **data):
    return client.admin.command("configureFailPoint", "failCommand", mode=mode, data=data)


def test_get_parameter_reports_test_commands_enabled(client):
    assert client.admin.command("getParameter", "*")["enableTestCommands"] is True
    assert client.admin.command({"getParameter": 1, "enableTestCommands": 1}) == \
        {"enableTestCommands": True, "ok": 1.0}


def test_error_code_fails_the_named_command_once(client, db):
    arm(client, {"times": 1}, failCommands=["insert"], errorCode=8)
    with pytest.raises(OperationFailure) as info:
        db.c.insert_one({"_id": 1})
    assert info.value.details == {"ok": 0.0, "errmsg": FAIL_MESSAGE, "code": 8,
                                  "codeName": "UnknownError"}
    db.c.insert_one({"_id": 1})
    assert db.c.count_documents({}) == 1


def test_shutdown_code_is_a_not_primary_error(client, watched):
    # a separate client: pymongo marks the server Unknown after a shutdown error
    arm(client, {"times": 1}, failCommands=["insert"], errorCode=91)
    with pytest.raises(NotPrimaryError) as info:
        watched.wiretest.c.insert_one({})
    assert info.value.details == {"ok": 0.0, "errmsg": FAIL_MESSAGE, "code": 91,
                                  "codeName": "ShutdownInProgress"}
    assert not info.value.has_error_label("RetryableWriteError")  # standalone: no txnNumber


def test_retryable_read_is_retried_after_one_failure(client, db, watched, listener):
    # HostUnreachable: retryable, and not a state change that makes pymongo
    # rediscover the server (91 would be retried too, after the monitor's next hello)
    db.c.insert_one({"_id": 1})
    arm(client, {"times": 1}, failCommands=["find"], errorCode=6)
    assert watched.wiretest.c.find_one() == {"_id": 1}
    assert listener.names.count("find") == 2


def test_error_labels_are_added(client, db):
    arm(client, {"times": 1}, failCommands=["insert"], errorCode=112,
        errorLabels=["TransientTransactionError"])
    with pytest.raises(OperationFailure) as info:
        db.c.insert_one({})
    assert info.value.has_error_label("TransientTransactionError")


def test_close_connection_gives_a_network_error(client, db):
    arm(client, {"times": 1}, failCommands=["insert"], closeConnection=True)
    with pytest.raises(AutoReconnect):
        db.c.insert_one({"_id": 1})
    assert db.c.count_documents({}) == 0  # the command never ran


def test_write_concern_error_comes_with_a_successful_write(client, db):
    arm(client, {"times": 1}, failCommands=["insert"],
        writeConcernError={"code": 100, "errmsg": "Not enough data-bearing nodes"})
    with pytest.raises(WriteConcernError) as info:
        db.c.insert_one({"_id": 1})
    assert info.value.code == 100
    assert db.c.count_documents({}) == 1


def test_block_connection_delays_without_holding_the_server(client, db, watched):
    arm(client, {"times": 1}, failCommands=["insert"], blockConnection=True, blockTimeMS=3000,
        appName="watched")
    blocked = threading.Thread(target=watched.wiretest.c.insert_one, args=({"_id": 1},))
    started = time.monotonic()
    blocked.start()
    time.sleep(0.1)
    db.c.insert_one({"_id": 2})
    assert blocked.is_alive()  # another client is served while the first one waits
    blocked.join()
    assert time.monotonic() - started >= 3.0
    assert db.c.count_documents({}) == 2


def test_app_name_filter(client, db, watched):
    arm(client, "alwaysOn", failCommands=["insert"], errorCode=8, appName="watched")
    db.c.insert_one({"_id": 1})
    with pytest.raises(OperationFailure):
        watched.wiretest.c.insert_one({"_id": 2})


def test_skip_then_always(client, db):
    arm(client, {"skip": 2}, failCommands=["insert"], errorCode=8)
    db.c.insert_one({"_id": 1})
    db.c.insert_one({"_id": 2})
    for _id in (3, 4):
        with pytest.raises(OperationFailure):
            db.c.insert_one({"_id": _id})


def test_times_counts_only_matching_commands_and_reports_entries(client, db):
    before = arm(client, {"times": 2}, failCommands=["insert"], errorCode=8)["count"]
    db.c.find_one()
    for _ in range(2):
        with pytest.raises(OperationFailure):
            db.c.insert_one({})
    db.c.insert_one({})
    assert arm(client, "off")["count"] == before + 2


def test_activation_probability_zero_and_one(client, db):
    arm(client, {"activationProbability": 0}, failCommands=["insert"], errorCode=8)
    db.c.insert_one({})
    arm(client, {"activationProbability": 1}, failCommands=["insert"], errorCode=8)
    with pytest.raises(OperationFailure):
        db.c.insert_one({})


def test_configure_fail_point_itself_is_never_failed(client):
    arm(client, "alwaysOn", failCommands=["configureFailPoint"], errorCode=8)
    assert arm(client, "off")["ok"] == 1.0


@pytest.mark.parametrize("command, code, message", [
    ({"configureFailPoint": "noSuchPoint", "mode": "off"}, 266, "noSuchPoint not found"),
    ({"configureFailPoint": "failCommand"}, 20,
     "When setting a failpoint, you must supply a 'mode'"),
    ({"configureFailPoint": "failCommand", "mode": "sometimes"}, 2, "unknown mode: sometimes"),
    ({"configureFailPoint": "failCommand", "mode": {"times": -1}}, 2,
     "'times' option to 'mode' must be positive"),
    ({"configureFailPoint": "failCommand", "mode": {"activationProbability": 2}}, 2,
     "activationProbability must be between 0.0 and 1.0; found 2"),
    ({"configureFailPoint": "failCommand", "mode": {"often": 1}}, 2,
     "'mode' must be one of 'off', 'alwaysOn', '{times:n}', '{skip:n}' or "
     "'{activationProbability:p}'"),
    ({"configureFailPoint": "failCommand", "mode": 1}, 14,
     "'mode' must be a string or JSON object"),
    ({"configureFailPoint": "failCommand", "mode": "alwaysOn", "data": 1}, 14,
     "the 'data' option must be a JSON object"),
])
def test_configure_fail_point_errors(client, command, code, message):
    with pytest.raises(OperationFailure) as info:
        client.admin.command(command)
    assert (info.value.code, info.value.details["errmsg"]) == (code, message)


def test_wait_for_fail_point(client, db):
    arm(client, {"times": 1}, failCommands=["insert"], errorCode=8)
    with pytest.raises(OperationFailure):
        db.c.insert_one({})
    assert client.admin.command({"waitForFailPoint": "failCommand", "timesEntered": 1,
                                 "maxTimeMS": 1000})["ok"] == 1.0
