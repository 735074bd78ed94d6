"""The ``maxTimeAlwaysTimeOut`` and ``maxTimeNeverTimeOut`` fail points (both faces).

pymongo's own tests (``test_database.test_command_max_time_ms``,
``test_cursor.test_max_time_ms[_getmore]``) turn ``maxTimeAlwaysTimeOut`` on to
see MaxTimeMSExpired (50) without waiting: every operation sent with a
``maxTimeMS`` fails, including the getMores of a cursor opened with one;
operations without a time limit are untouched.
"""

from __future__ import annotations

import pymongo
import pytest
from pymongo.errors import ExecutionTimeout

import mim


@pytest.fixture(scope="module")
def wire_server():
    with mim.serve(port=0) as running:
        yield running


@pytest.fixture(params=["inprocess", "wire"])
def client(request):
    if request.param == "inprocess":
        client = mim.MongoClient(server=mim.Server())
    else:
        client = pymongo.MongoClient(request.getfixturevalue("wire_server").uri)
    yield client
    for name in ("maxTimeAlwaysTimeOut", "maxTimeNeverTimeOut"):
        client.admin.command("configureFailPoint", name, mode="off")
    client.drop_database("maxtime")
    client.close()


def _always(client, mode="alwaysOn"):
    client.admin.command("configureFailPoint", "maxTimeAlwaysTimeOut", mode=mode)


def test_commands_with_a_time_limit_expire(client):
    db = client.maxtime
    db.test.insert_one({"name": "a"})
    _always(client)
    assert db.command("count", "test")["n"] == 1  # no maxTimeMS: untouched
    with pytest.raises(ExecutionTimeout) as failed:
        db.command("count", "test", maxTimeMS=1)
    assert failed.value.code == 50
    pipeline = [{"$project": {"name": 1}}]
    assert len(list(db.test.aggregate(pipeline))) == 1
    with pytest.raises(ExecutionTimeout):
        list(db.test.aggregate(pipeline, maxTimeMS=1))
    with pytest.raises(ExecutionTimeout):
        list(db.test.find().max_time_ms(1000))


def test_getmores_of_a_timed_cursor_expire(client):
    coll = client.maxtime.test
    coll.insert_many([{} for _ in range(200)])
    cursor = coll.find().max_time_ms(100)
    next(cursor)  # the first batch, before the fail point
    _always(client)
    with pytest.raises(ExecutionTimeout):
        cursor.to_list()
    # a cursor opened without a limit keeps working
    client.admin.command("configureFailPoint", "maxTimeAlwaysTimeOut", mode="off")
    untimed = coll.find().batch_size(10)
    next(untimed)
    _always(client)
    assert len(untimed.to_list()) == 199


def test_times_mode_and_times_entered(client):
    db = client.maxtime
    db.test.insert_one({})
    # timesEntered counts for the server's life (as mongod's): compare before and after
    before = client.admin.command("configureFailPoint", "maxTimeAlwaysTimeOut",
                                  mode="off")["count"]
    _always(client, {"times": 1})
    with pytest.raises(ExecutionTimeout):
        db.command("count", "test", maxTimeMS=5)
    assert db.command("count", "test", maxTimeMS=5)["n"] == 1
    reply = client.admin.command("configureFailPoint", "maxTimeAlwaysTimeOut", mode="off")
    assert reply["count"] == before + 1


def test_never_time_out_lifts_the_limit(client):
    db = client.maxtime
    db.test.insert_many([{"i": i} for i in range(50)])
    client.admin.command("configureFailPoint", "maxTimeNeverTimeOut", mode="alwaysOn")
    # $function-free slow work is not needed: the limit is simply not enforced
    assert db.command("count", "test", maxTimeMS=1)["n"] == 50
