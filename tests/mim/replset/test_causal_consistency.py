"""Causal consistency on both faces of the one-node set: a causally consistent
session's commands carry ``readConcern.afterClusterTime`` (its ``operationTime``)
and ``$clusterTime`` exactly as pymongo sends them, and the member honours or
refuses them as ``read_concern_args.cpp`` / ``read_concern_mongod.cpp`` do."""

from __future__ import annotations

import threading
import time

import pymongo
import pytest
from bson.timestamp import Timestamp
from pymongo import monitoring
from pymongo.errors import OperationFailure
from pymongo.read_concern import ReadConcern

import mim


class Sent(monitoring.CommandListener):
    """Each started command's name and document."""

    def __init__(self) -> None:
        self.commands: list[tuple[str, dict]] = []

    def started(self, event) -> None:
        self.commands.append((event.command_name, dict(event.command)))

    def succeeded(self, event) -> None:
        pass

    def failed(self, event) -> None:
        pass


@pytest.fixture(params=["mim", "wire"])
def listened(request, wire_server):
    """A client of the shared member on each face, recording what it sends."""
    wire_server.engine.reset()
    sent = Sent()
    if request.param == "wire":
        client = pymongo.MongoClient(wire_server.uri, event_listeners=[sent],
                                     serverSelectionTimeoutMS=5000)
    else:
        client = mim.MongoClient(server=wire_server.engine, event_listeners=[sent])
    client.sent = sent
    yield client
    client.close()
    wire_server.engine.reset()


def _workload(client, session) -> list[Timestamp | None]:
    """Run reads and writes in ``session``; the session's operationTime before each."""
    coll = client.causal.c
    steps = [
        lambda: coll.insert_one({"_id": 1}, session=session),
        lambda: coll.find_one({}, session=session),
        lambda: coll.count_documents({}, session=session),
        lambda: coll.distinct("_id", session=session),
        lambda: list(coll.aggregate([{"$match": {}}], session=session)),
        lambda: coll.update_one({"_id": 1}, {"$set": {"a": 1}}, session=session),
        lambda: coll.find_one_and_update({"_id": 1}, {"$set": {"a": 2}}, session=session),
        lambda: client.causal.command("listCollections", session=session),
    ]
    before = []
    for step in steps:
        before.append(session.operation_time)
        step()
    return before


def test_a_causal_session_sends_after_cluster_time_as_pymongo_does(listened):
    with listened.start_session(causal_consistency=True) as session:
        times = _workload(listened, session)
    sent = [(name, cmd) for name, cmd in listened.sent.commands if name != "endSessions"]
    names = [name for name, _ in sent]
    assert names == ["insert", "find", "aggregate", "distinct", "aggregate", "update",
                     "findAndModify", "listCollections"]
    waits = [cmd.get("readConcern", {}).get("afterClusterTime") for _, cmd in sent]
    # the first command has nothing to wait for; listCollections takes no read concern;
    # every other read and write waits for the operationTime the session last saw
    assert waits[0] is None and waits[-1] is None
    assert waits[1:-1] == times[1:-1]
    assert all(isinstance(t, Timestamp) for t in waits[1:-1])
    assert all("$clusterTime" in cmd for _, cmd in sent)


def test_a_session_without_causal_consistency_sends_no_wait(listened):
    with listened.start_session(causal_consistency=False) as session:
        _workload(listened, session)
    assert all("readConcern" not in cmd for _, cmd in listened.sent.commands)


def test_a_causal_transaction_waits_in_its_first_statement_only(listened):
    listened.causal.c.insert_one({"_id": 0})
    with listened.start_session(causal_consistency=True) as session:
        listened.causal.c.find_one({}, session=session)
        seen = session.operation_time
        with session.start_transaction(read_concern=ReadConcern("majority")):
            listened.causal.c.find_one({}, session=session)
            listened.causal.c.insert_one({"_id": 1}, session=session)
    statements = [cmd for name, cmd in listened.sent.commands
                  if cmd.get("autocommit") is False and name != "commitTransaction"]
    assert statements[0]["startTransaction"] is True
    assert statements[0]["readConcern"] == {"level": "majority", "afterClusterTime": seen}
    assert "readConcern" not in statements[1]


def test_a_read_waits_for_a_gossiped_cluster_time(listened):
    """A session advanced to a time the member has not reached gossips it as
    ``$clusterTime``; the member's clock moves there first, so the read is served."""
    listened.causal.c.insert_one({"_id": 1})
    with listened.start_session(causal_consistency=True) as session:
        listened.causal.c.find_one({}, session=session)
        now = session.cluster_time["clusterTime"]
        future = Timestamp(now.time + 100, 1)
        session.advance_cluster_time({"clusterTime": future,
                                      "signature": session.cluster_time["signature"]})
        session.advance_operation_time(future)
        assert listened.causal.c.find_one({}, session=session) == {"_id": 1}
    find = [cmd for name, cmd in listened.sent.commands if name == "find"][-1]
    assert find["readConcern"]["afterClusterTime"] == future
    assert find["$clusterTime"]["clusterTime"] == future


# -- what the member accepts (run_command on each face) ----------------------------------

def _find_with(client, read_concern):
    return client.causal.command("find", "c", readConcern=read_concern)


def test_an_after_cluster_time_already_reached_is_served(client, engine):
    client.causal.c.insert_one({"_id": 1})
    reached = engine.clock.now()
    for level in ("local", "majority"):
        reply = _find_with(client, {"level": level, "afterClusterTime": reached})
        assert reply["cursor"]["firstBatch"] == [{"_id": 1}]
    reply = _find_with(client, {"afterClusterTime": Timestamp(1, 0)})
    assert reply["ok"] == 1.0


def test_an_after_cluster_time_ahead_of_the_member_is_refused(client):
    ahead = Timestamp(2 ** 32 - 1, 1)
    with pytest.raises(OperationFailure) as raised:
        _find_with(client, {"afterClusterTime": ahead})
    assert raised.value.code == 72
    message = raised.value.details["errmsg"]
    assert message.startswith("readConcern afterClusterTime value must not be greater than "
                              "the current clusterTime. Requested clusterTime: "
                              "{ ts: Timestamp(4294967295, 1) }; current clusterTime: { ts: ")


def _applied(client) -> Timestamp:
    """The member's last applied optime's timestamp (``rs.status()``)."""
    status = client.admin.command("replSetGetStatus")
    assert status["optimes"]["appliedOpTime"]["t"] == 1
    return status["optimes"]["appliedOpTime"]["ts"]


def test_an_after_op_time_already_applied_is_served(client):
    client.causal.c.insert_one({"_id": 1})
    applied = _applied(client)  # the insert's optime, in term 1 (the lone election)
    for level in ("local", "majority"):
        found = _find_with(client, {"level": level, "afterOpTime": {"ts": applied, "t": 1}})
        assert found["cursor"]["firstBatch"] == [{"_id": 1}]
    # optimes compare by term first: any time of an earlier term is applied
    found = _find_with(client, {"afterOpTime": {"ts": Timestamp(2 ** 32 - 1, 1), "t": 0}})
    assert found["ok"] == 1.0


def test_an_after_op_time_ahead_waits_until_max_time_ms(client):
    # waitUntilOpTime: the read waits for the optime, bounded by maxTimeMS
    # (MaxTimeMSExpired, "Error waiting for optime ...")
    ahead = {"ts": Timestamp(2 ** 32 - 1, 1), "t": 1}
    started = time.monotonic()
    with pytest.raises(OperationFailure) as raised:
        client.causal.command("find", "c", readConcern={"afterOpTime": ahead}, maxTimeMS=200)
    assert time.monotonic() - started >= 0.2
    assert raised.value.code == 50
    message = raised.value.details["errmsg"]
    assert message.startswith("Error waiting for optime { ts: Timestamp(4294967295, 1), "
                              "t: 1 }, current relevant optime is { ts: Timestamp(")
    assert message.endswith(", t: 1 }. :: caused by :: operation exceeded time limit")


def test_an_after_op_time_ahead_is_served_once_a_write_reaches_it(client):
    client.causal.c.insert_one({"_id": 1})
    applied = _applied(client)
    next_write = {"ts": Timestamp(applied.time, applied.inc + 1), "t": 1}

    def write() -> None:
        # a write's optime is the one its reply carries (``operationTime``): in process
        # a session's write takes it from the clock as the wire's reply does
        with client.start_session() as session:
            client.causal.c.insert_one({"_id": 2}, session=session)
    writer = threading.Timer(0.3, write)
    started = time.monotonic()
    writer.start()
    try:
        found = _find_with(client, {"afterOpTime": next_write})
    finally:
        writer.join()
    assert time.monotonic() - started >= 0.25  # it waited for the write
    assert found["cursor"]["firstBatch"] == [{"_id": 1}, {"_id": 2}]


@pytest.mark.parametrize("read_concern, code, message", [
    ({"level": "available", "afterClusterTime": Timestamp(1, 1)}, 72,
     "afterClusterTime field can be set only if level is equal to majority, local, or "
     "snapshot"),
    ({"level": "linearizable", "afterClusterTime": Timestamp(1, 1)}, 72,
     "afterClusterTime field can be set only if level is equal to majority, local, or "
     "snapshot"),
    ({"afterClusterTime": Timestamp(1, 1), "afterOpTime": {"ts": Timestamp(1, 1), "t": 1}},
     72, "Can not specify both afterClusterTime and afterOpTime"),
    ({"level": "snapshot", "afterClusterTime": Timestamp(1, 1),
      "atClusterTime": Timestamp(1, 1)}, 72,
     "Specifying a timestamp for readConcern snapshot in a causally consistent session is "
     "not allowed. See https://docs.mongodb.com/manual/core/read-isolation-consistency-"
     "recency/#causal-consistency"),
    ({"afterClusterTime": Timestamp(0, 0)}, 72, "afterClusterTime cannot be a null timestamp"),
    ({"level": "snapshot", "afterOpTime": {"ts": Timestamp(1, 1), "t": 1}}, 72,
     "afterOpTime field cannot be set if level is equal to snapshot"),
    ({"level": "majority", "atClusterTime": Timestamp(1, 1)}, 72,
     "atClusterTime field can be set only if level is equal to snapshot"),
    ({"afterClusterTime": "yesterday"}, 14,
     "BSON field 'readConcern.afterClusterTime' is the wrong type 'string', expected type "
     "'timestamp'"),
], ids=["available", "linearizable", "with-afterOpTime", "with-atClusterTime", "null",
        "afterOpTime-snapshot", "atClusterTime-majority", "wrong-type"])
def test_invalid_read_concern_combinations(client, read_concern, code, message):
    with pytest.raises(OperationFailure) as raised:
        _find_with(client, read_concern)
    assert raised.value.code == code
    assert raised.value.details["errmsg"] == message


def test_a_standalone_refuses_after_cluster_time():
    client = mim.MongoClient(server=mim.Server(standalone=True))
    with pytest.raises(OperationFailure) as raised:
        _find_with(client, {"afterClusterTime": Timestamp(1, 1)})
    assert raised.value.code == 20
    assert raised.value.details["errmsg"] == ("Cannot specify afterClusterTime readConcern "
                                              "without replication enabled")
    client.close()
