"""``event_listeners=`` on the in-process client: pymongo's command monitoring
events, with the command documents and replies the wire face's events show for
the same calls (a real pymongo client on ``mim serve``)."""

from __future__ import annotations

from typing import Any

import pymongo
import pytest
from pymongo import monitoring
from pymongo.errors import DuplicateKeyError, OperationFailure

import mim


#: what pymongo adds for a replica set (``mim serve`` is a one-node one): retryable
#: writes' transaction numbers, cluster time gossip and the read preference of a direct
#: connection (left to the replica-set work)
_REPLICA_SET_FIELDS = ("lsid", "txnNumber", "$clusterTime", "operationTime", "$readPreference")


class Recorder(monitoring.CommandListener):
    def __init__(self) -> None:
        self.events: list[tuple] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        command = {k: v for k, v in event.command.items() if k not in _REPLICA_SET_FIELDS}
        self.events.append(("started", event.command_name, event.database_name, command,
                            "lsid" in event.command))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        self.events.append(("succeeded", event.command_name, event.database_name,
                            {k: v for k, v in event.reply.items()
                             if k not in _REPLICA_SET_FIELDS}))

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self.events.append(("failed", event.command_name, event.database_name,
                            event.failure.get("code"), event.failure.get("errmsg")))


def _workload(client: Any) -> None:
    coll = client.events.items
    coll.insert_one({"_id": 1, "a": 1})
    coll.insert_many([{"_id": 2}, {"_id": 3}])
    coll.find_one({"_id": 1})
    list(coll.find().sort("_id", 1).batch_size(2))
    coll.update_one({"_id": 1}, {"$set": {"b": 2}})
    coll.delete_one({"_id": 3})
    with pytest.raises(DuplicateKeyError):
        coll.insert_one({"_id": 1})
    with pytest.raises(OperationFailure):
        list(coll.find({"a": {"$frob": 1}}))
    coll.count_documents({})
    list(coll.aggregate([{"$match": {"a": 1}}]))
    coll.find_one_and_update({"_id": 2}, {"$set": {"c": 1}})
    coll.create_index("a")
    client.events.command("ping")


@pytest.fixture(scope="module")
def wire_server():
    # compared on a standalone: pymongo sends no txnNumber/$clusterTime to one
    with mim.serve(port=0, engine=mim.Server(standalone=True)) as running:
        yield running


def test_in_process_events_match_the_wire_face(wire_server: Any) -> None:
    remote, local = Recorder(), Recorder()
    wire = pymongo.MongoClient(wire_server.uri, event_listeners=[remote])
    in_process = mim.MongoClient(server=mim.Server(standalone=True), event_listeners=[local])
    try:
        _workload(wire)
        _workload(in_process)
    finally:
        wire.close()
        in_process.close()
    # the cursor ids a getMore names are random on both faces
    for events in (remote.events, local.events):
        for event in events:
            if event[1] == "getMore" and event[0] == "started":
                event[3]["getMore"] = "<id>"
            if event[0] == "succeeded" and "cursor" in event[3] and event[3]["cursor"]["id"]:
                event[3]["cursor"]["id"] = "<id>"
    # closing ends the pooled sessions (their ids differ)
    assert [e for e in local.events if e[1] != "endSessions"] == \
        [e for e in remote.events if e[1] != "endSessions"]


def test_listeners_cost_nothing_when_absent() -> None:
    client = mim.MongoClient(server=mim.Server())
    assert client._runner.monitor is None and client._runner.plain


