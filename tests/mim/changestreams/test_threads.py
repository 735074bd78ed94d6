"""A watcher and writers in threads: every committed write is seen exactly once,
in commit order (the order the server applied the writes), on both faces."""

from __future__ import annotations

import threading

import pytest
from pymongo.errors import OperationFailure

import mim
from mim.engine.ops.changestreams import history_of

WRITERS = 4
WRITES_EACH = 50


def test_watcher_sees_every_write_once_in_commit_order(coll):
    commit_order: list = []
    order_lock = threading.Lock()

    with coll.watch(max_await_time_ms=100) as stream:
        def writer(number: int) -> None:
            for i in range(WRITES_EACH):
                document = {"_id": f"{number}-{i}", "writer": number, "i": i}
                with order_lock:  # the order the server commits them in
                    coll.insert_one(document)
                    commit_order.append(document["_id"])

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
        seen: list = []
        for thread in threads:
            thread.start()
        while len(seen) < WRITERS * WRITES_EACH:
            event = stream.try_next()
            if event is not None:
                seen.append(event["documentKey"]["_id"])
        for thread in threads:
            thread.join()
        assert stream.try_next() is None  # nothing seen twice, nothing extra
    assert seen == commit_order


def test_watcher_thread_blocked_in_next_wakes_on_a_write(coll):
    got: list = []
    with coll.watch(max_await_time_ms=5000) as stream:
        watcher = threading.Thread(target=lambda: got.append(stream.next()))
        watcher.start()
        coll.insert_one({"_id": "wake"})
        watcher.join(10)
    assert got and got[0]["documentKey"] == {"_id": "wake"}


def test_a_resume_point_older_than_the_history_is_history_lost():
    """The history is bounded like an oplog: a token that fell out of it cannot
    be resumed (ChangeStreamHistoryLost, 286)."""
    client = mim.MongoClient(server=mim.Server())
    coll = client.db.c
    with coll.watch(max_await_time_ms=10) as stream:
        coll.insert_one({"_id": 0})
        token = stream.next()["_id"]
    history_of(client._server).capacity = 5
    coll.insert_many([{"_id": i} for i in range(1, 20)])
    with pytest.raises(OperationFailure) as info:
        coll.watch(resume_after=token)
    assert info.value.code == 286
    assert info.value.details["codeName"] == "ChangeStreamHistoryLost"


def test_a_standalone_refuses_change_streams():
    """``$changeStream`` needs a replica set: a standalone answers 40573."""
    client = mim.MongoClient(server=mim.Server(standalone=True))
    with pytest.raises(OperationFailure) as info:
        client.db.c.watch()
    assert info.value.code == 40573
    assert info.value.details["errmsg"] == "The $changeStream stage is only supported on " \
                                           "replica sets"
