"""Server-side cursors: firstBatch/getMore/killCursors as pymongo drives them."""

from __future__ import annotations

import bson
import pytest
from pymongo import monitoring
from pymongo.errors import CursorNotFound, OperationFailure


class CommandLog(monitoring.CommandListener):
    def __init__(self) -> None:
        self.started_events: list[monitoring.CommandStartedEvent] = []
        self.replies: list[monitoring.CommandSucceededEvent] = []

    def started(self, event):
        self.started_events.append(event)

    def succeeded(self, event):
        self.replies.append(event)

    def failed(self, event):
        pass

    def names(self) -> list[str]:
        return [e.command_name for e in self.started_events]


@pytest.fixture
def logged(server, client):
    import pymongo
    log = CommandLog()
    watched = pymongo.MongoClient(server.uri, event_listeners=[log])
    yield watched, log
    watched.close()


def test_find_spans_several_get_mores(logged, coll):
    coll.insert_many([{"_id": i} for i in range(250)])
    watched, log = logged
    docs = list(watched[coll.database.name][coll.name].find().batch_size(60))
    assert [d["_id"] for d in docs] == list(range(250))
    assert log.names().count("getMore") == 4  # 60 + 60 + 60 + 60 + 10
    first = log.replies[0].reply["cursor"]
    assert len(first["firstBatch"]) == 60 and first["id"] != 0
    assert log.replies[-1].reply["cursor"]["id"] == 0


def test_default_first_batch_is_101(logged, coll):
    coll.insert_many([{"_id": i} for i in range(150)])
    watched, log = logged
    assert len(list(watched[coll.database.name][coll.name].find())) == 150
    assert len(log.replies[0].reply["cursor"]["firstBatch"]) == 101
    assert log.names() == ["find", "getMore"]


def test_limit_and_batch_size(logged, coll):
    coll.insert_many([{"_id": i} for i in range(50)])
    watched, log = logged
    docs = list(watched[coll.database.name][coll.name].find().batch_size(7).limit(20))
    assert len(docs) == 20
    assert log.names().count("getMore") == 2  # 7 + 7 + 6
    assert "killCursors" not in log.names()


def test_closing_a_cursor_kills_it(logged, coll):
    coll.insert_many([{"_id": i} for i in range(30)])
    watched, log = logged
    cursor = watched[coll.database.name][coll.name].find().batch_size(5)
    next(cursor)
    cursor_id = cursor.cursor_id
    cursor.close()
    assert log.names()[-1] == "killCursors"
    assert log.replies[-1].reply["cursorsKilled"] == [cursor_id]
    with pytest.raises(CursorNotFound):
        coll.database.command({"getMore": bson.Int64(cursor_id), "collection": coll.name})


def test_get_more_errors(db, coll):
    coll.insert_many([{"_id": i} for i in range(10)])
    reply = db.command({"find": coll.name, "batchSize": 2})
    cursor_id = reply["cursor"]["id"]
    with pytest.raises(OperationFailure) as info:
        db.command({"getMore": cursor_id, "collection": "other"})
    assert info.value.code == 13
    with pytest.raises(CursorNotFound) as info:
        db.command({"getMore": bson.Int64(12345), "collection": coll.name})
    assert info.value.code == 43
    more = db.command({"getMore": cursor_id, "collection": coll.name, "batchSize": 3})
    assert [d["_id"] for d in more["cursor"]["nextBatch"]] == [2, 3, 4]
    killed = db.command({"killCursors": coll.name, "cursors": [cursor_id, bson.Int64(9)]})
    assert killed["cursorsKilled"] == [cursor_id] and killed["cursorsNotFound"] == [9]


def test_batch_size_zero_first_batch_is_empty(db, coll):
    coll.insert_many([{"_id": i} for i in range(3)])
    reply = db.command({"aggregate": coll.name, "pipeline": [], "cursor": {"batchSize": 0}})
    assert reply["cursor"]["firstBatch"] == [] and reply["cursor"]["id"] != 0
    more = db.command({"getMore": reply["cursor"]["id"], "collection": coll.name})
    assert len(more["cursor"]["nextBatch"]) == 3 and more["cursor"]["id"] == 0


def test_single_batch(db, coll):
    coll.insert_many([{"_id": i} for i in range(10)])
    reply = db.command({"find": coll.name, "batchSize": 4, "singleBatch": True})
    assert len(reply["cursor"]["firstBatch"]) == 4 and reply["cursor"]["id"] == 0


def test_aggregate_cursor_spans_get_mores(logged, coll):
    coll.insert_many([{"_id": i} for i in range(40)])
    watched, log = logged
    docs = list(watched[coll.database.name][coll.name].aggregate(
        [{"$sort": {"_id": -1}}], batchSize=15))
    assert [d["_id"] for d in docs] == list(range(39, -1, -1))
    assert log.names().count("getMore") == 2


def test_list_collections_and_indexes_batches(db):
    for i in range(12):
        db[f"c{i:02d}"].insert_one({})
    reply = db.command({"listCollections": 1, "cursor": {"batchSize": 5}, "nameOnly": True})
    assert len(reply["cursor"]["firstBatch"]) == 5
    assert reply["cursor"]["ns"] == f"{db.name}.$cmd.listCollections"
    assert len(db.list_collection_names()) == 12
    for i in range(6):
        db.c00.create_index(f"f{i}")
    reply = db.command({"listIndexes": "c00", "cursor": {"batchSize": 2}})
    assert len(reply["cursor"]["firstBatch"]) == 2 and reply["cursor"]["id"] != 0
    assert len(list(db.c00.list_indexes())) == 7


def test_bad_batch_size(db, coll):
    with pytest.raises(OperationFailure) as info:
        db.command({"find": coll.name, "batchSize": -1})
    assert info.value.code == 51024
    with pytest.raises(OperationFailure) as info:
        db.command({"find": coll.name, "filter": 3})
    assert info.value.code == 14
    with pytest.raises(OperationFailure) as info:
        db.command({"aggregate": coll.name, "pipeline": []})
    assert info.value.code == 9
