"""The failCommand fail point on the in-process face: the same fail points as
over the wire, raised as pymongo raises the server's replies."""

from __future__ import annotations

import threading
import time

import pytest
from pymongo import CursorType
from pymongo.errors import AutoReconnect, NotPrimaryError, OperationFailure, WriteConcernError

import mim

FAIL_MESSAGE = "Failing command via 'failCommand' failpoint"


def arm(client, mode, **data):
    return client.admin.command("configureFailPoint", "failCommand", mode=mode, data=data)


def test_get_parameter_reports_test_commands_enabled(client):
    assert client.admin.command({"getParameter": 1, "enableTestCommands": 1}) == \
        {"enableTestCommands": True, "ok": 1.0}
    assert client.admin.command("getParameter", "*")["enableTestCommands"] is True


def test_get_parameter_without_a_known_name_fails(client):
    with pytest.raises(OperationFailure) as info:
        client.admin.command({"getParameter": 1, "noSuchParameter": 1})
    assert (info.value.code, str(info.value.details["errmsg"])) == (72, "no option found to get")


@pytest.mark.parametrize("operation, command", [
    (lambda c: c.insert_one({"_id": 1}), "insert"),
    (lambda c: c.update_one({}, {"$set": {"x": 1}}), "update"),
    (lambda c: c.delete_many({}), "delete"),
])
def test_error_code_fails_each_write_once(coll, client, operation, command):
    arm(client, {"times": 1}, failCommands=[command], errorCode=8)
    with pytest.raises(OperationFailure) as info:
        operation(coll)
    assert info.value.details == {"ok": 0.0, "errmsg": FAIL_MESSAGE, "code": 8,
                                  "codeName": "UnknownError"}
    operation(coll)


@pytest.fixture
def no_retry_coll(client):
    """``coll`` on a client with ``retryWrites=false``: pymongo (and mim, a replica
    set) would otherwise retry a write after a retryable error once."""
    no_retry = mim.MongoClient(server=client.server, retryWrites=False)
    yield no_retry.testdb.coll
    no_retry.close()


def test_shutdown_code_raises_not_primary_error_and_writes_nothing(coll, client,
                                                                   no_retry_coll):
    arm(client, {"times": 1}, failCommands=["insert"], errorCode=91,
        errorLabels=["RetryableWriteError"])
    with pytest.raises(NotPrimaryError) as info:
        no_retry_coll.insert_one({"_id": 1})
    assert info.value.has_error_label("RetryableWriteError")
    assert coll.count_documents({}) == 0


def test_database_command_with_check_false_returns_the_error(client, db):
    arm(client, {"times": 1}, failCommands=["ping"], errorCode=8)
    assert db.command("ping", check=False)["errmsg"] == FAIL_MESSAGE


def test_close_connection_raises_a_network_error(coll, client, no_retry_coll):
    arm(client, {"times": 1}, failCommands=["insert"], closeConnection=True)
    with pytest.raises(AutoReconnect):
        no_retry_coll.insert_one({"_id": 1})
    assert coll.count_documents({}) == 0


def test_write_concern_error(coll, client):
    arm(client, {"times": 1}, failCommands=["insert"],
        writeConcernError={"code": 64, "errmsg": "waiting for replication timed out"})
    with pytest.raises(WriteConcernError) as info:
        coll.insert_one({"_id": 1})
    assert info.value.code == 64
    assert coll.count_documents({}) == 1


def test_app_name_filter_matches_the_client_appname(client):
    server = client.server
    named = mim.MongoClient(server=server, appname="suite")
    try:
        arm(client, "alwaysOn", failCommands=["insert"], errorCode=8, appName="suite")
        client.testdb.coll.insert_one({"_id": 1})
        with pytest.raises(OperationFailure):
            named.testdb.coll.insert_one({"_id": 2})
    finally:
        arm(client, "off")
        named.close()


def test_block_connection_does_not_hold_the_server(client, coll):
    named = mim.MongoClient(server=client.server, appname="slow")
    arm(client, {"times": 1}, failCommands=["insert"], blockConnection=True, blockTimeMS=3000,
        appName="slow")
    started = time.monotonic()
    blocked = threading.Thread(target=named.testdb.coll.insert_one, args=({"_id": 1},))
    blocked.start()
    time.sleep(0.05)
    coll.insert_one({"_id": 2})
    assert blocked.is_alive()  # served while the other client waits
    blocked.join()
    assert time.monotonic() - started >= 3.0
    assert coll.count_documents({}) == 2
    named.close()


def test_fail_points_are_per_server(client):
    arm(client, "alwaysOn", failCommands=["insert"], errorCode=8)
    other = mim.MongoClient(server=mim.Server())
    other.testdb.coll.insert_one({})
    other.close()


# -- reads and findAndModify: every command pymongo sends consults the fail point ----

@pytest.mark.parametrize("operation, command", [
    (lambda c: list(c.aggregate([{"$match": {}}])), "aggregate"),
    (lambda c: c.count_documents({}), "aggregate"),  # pymongo counts with an aggregate
    (lambda c: c.distinct("x"), "distinct"),
])
def test_error_code_fails_each_read(coll, client, operation, command):
    """A non-retryable code fails the read once (pymongo retries only retryable codes)."""
    arm(client, {"times": 1}, failCommands=[command], errorCode=8)
    with pytest.raises(OperationFailure) as info:
        operation(coll)
    assert info.value.details["errmsg"] == FAIL_MESSAGE
    operation(coll)


@pytest.mark.parametrize("operation, command", [
    (lambda c: list(c.aggregate([{"$match": {}}])), "aggregate"),
    (lambda c: c.distinct("x"), "distinct"),
])
def test_retryable_read_is_retried_once(coll, client, operation, command):
    """pymongo retries a read once after a retryable code (91 ShutdownInProgress)."""
    arm(client, {"times": 1}, failCommands=[command], errorCode=91)
    operation(coll)
    arm(client, {"times": 2}, failCommands=[command], errorCode=91)
    with pytest.raises(NotPrimaryError):
        operation(coll)


def test_aggregate_with_out_is_not_retried(coll, client):
    arm(client, {"times": 1}, failCommands=["aggregate"], errorCode=91)
    with pytest.raises(NotPrimaryError):
        coll.aggregate([{"$match": {}}, {"$out": "copy"}])
    assert "copy" not in coll.database.list_collection_names()


@pytest.mark.parametrize("operation", [
    lambda c: c.find_one_and_update({"_id": 1}, {"$set": {"x": 2}}),
    lambda c: c.find_one_and_replace({"_id": 1}, {"x": 2}),
    lambda c: c.find_one_and_delete({"_id": 1}),
])
def test_find_and_modify_fails_and_writes_nothing(coll, client, operation):
    coll.insert_one({"_id": 1, "x": 1})
    arm(client, {"times": 1}, failCommands=["findAndModify"], errorCode=8)
    with pytest.raises(OperationFailure) as info:
        operation(coll)
    assert info.value.details["errmsg"] == FAIL_MESSAGE
    assert coll.find_one({"_id": 1}) == {"_id": 1, "x": 1}


def test_find_and_modify_write_concern_error_after_the_write(coll, client):
    coll.insert_one({"_id": 1, "x": 1})
    arm(client, {"times": 1}, failCommands=["findAndModify"],
        writeConcernError={"code": 64, "errmsg": "waiting for replication timed out"})
    with pytest.raises(WriteConcernError) as info:
        coll.find_one_and_update({"_id": 1}, {"$set": {"x": 2}})
    assert info.value.code == 64
    assert coll.find_one({"_id": 1}) == {"_id": 1, "x": 2}


def test_tailable_get_more_fails(db, client):
    db.create_collection("capped", capped=True, size=4096)
    db.capped.insert_one({"_id": 1})
    cursor = db.capped.find(cursor_type=CursorType.TAILABLE)
    assert next(cursor) == {"_id": 1}
    arm(client, {"times": 1}, failCommands=["getMore"], errorCode=8)
    with pytest.raises(OperationFailure) as info:
        next(cursor)
    assert info.value.details["errmsg"] == FAIL_MESSAGE


def test_change_stream_resumes_once_after_a_resumable_get_more_error(coll, client):
    """pymongo's change stream resumes after a resumable error on getMore
    (the spec's "change stream resumes after ..."): no event is lost."""
    with coll.watch(max_await_time_ms=50) as stream:
        coll.insert_one({"_id": 1})
        assert stream.next()["documentKey"] == {"_id": 1}
        arm(client, {"times": 1}, failCommands=["getMore"], errorCode=6,
            errorLabels=["ResumableChangeStreamError"])
        coll.insert_one({"_id": 2})
        assert stream.next()["documentKey"] == {"_id": 2}


def test_change_stream_aggregate_fails(coll, client):
    arm(client, {"times": 1}, failCommands=["aggregate"], errorCode=8)
    with pytest.raises(OperationFailure) as info:
        coll.watch()
    assert info.value.details["errmsg"] == FAIL_MESSAGE
