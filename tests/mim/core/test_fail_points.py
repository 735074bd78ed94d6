"""The failCommand fail point on the in-process face: the same fail points as
over the wire, raised as pymongo raises the server's replies."""

from __future__ import annotations

import threading
import time

import pytest
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


def test_shutdown_code_raises_not_primary_error_and_writes_nothing(coll, client):
    arm(client, {"times": 1}, failCommands=["insert"], errorCode=91,
        errorLabels=["RetryableWriteError"])
    with pytest.raises(NotPrimaryError) as info:
        coll.insert_one({"_id": 1})
    assert info.value.has_error_label("RetryableWriteError")
    assert coll.count_documents({}) == 0


def test_database_command_with_check_false_returns_the_error(client, db):
    arm(client, {"times": 1}, failCommands=["ping"], errorCode=8)
    assert db.command("ping", check=False)["errmsg"] == FAIL_MESSAGE


def test_close_connection_raises_a_network_error(coll, client):
    arm(client, {"times": 1}, failCommands=["insert"], closeConnection=True)
    with pytest.raises(AutoReconnect):
        coll.insert_one({"_id": 1})
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
