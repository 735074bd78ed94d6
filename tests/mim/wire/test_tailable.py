"""Tailable cursors on capped collections, on both faces (in-process
``mim.MongoClient`` and real pymongo over the wire).

Expected behaviour is the MongoDB 7.0 manual's ("Tailable Cursors": the cursor
stays open after the last result, returns documents inserted later in natural
order, is dead at once when the first scan finds no document; awaitData waits
up to ``maxAwaitTimeMS``) and the server's errors (``query_request_helper``,
``getMore``, ``CollectionScan``).
"""

from __future__ import annotations

import threading
import time

import pytest
from pymongo import CursorType
from pymongo.errors import OperationFailure

import mim


@pytest.fixture(params=["in-process", "wire"])
def cdb(request, server, module_client):
    """A fresh database on one face or the other, with a capped ``log``."""
    if request.param == "in-process":
        client = mim.MongoClient()
        db = client.tailtest
        db.create_collection("log", capped=True, size=100000)
        yield db
        client.drop_database("tailtest")
        client.close()
    else:
        server.engine.reset()
        db = module_client.tailtest
        db.create_collection("log", capped=True, size=100000)
        yield db
        server.engine.reset()


def test_a_tailable_cursor_stays_open_and_returns_later_inserts(cdb):
    cdb.log.insert_many([{"_id": i} for i in range(3)])
    cursor = cdb.log.find(cursor_type=CursorType.TAILABLE)
    assert [next(cursor)["_id"] for _ in range(3)] == [0, 1, 2]
    assert cursor.alive and cursor.cursor_id != 0
    with pytest.raises(StopIteration):
        next(cursor)
    assert cursor.alive
    cdb.log.insert_many([{"_id": 3}, {"_id": 4}])
    assert [next(cursor)["_id"] for _ in range(2)] == [3, 4]
    cursor.close()


def test_the_filter_applies_to_later_inserts(cdb):
    cdb.log.insert_many([{"_id": i, "x": i} for i in range(3)])
    cursor = cdb.log.find({"x": {"$gte": 2}}, {"_id": 1}, cursor_type=CursorType.TAILABLE)
    assert next(cursor) == {"_id": 2}
    cdb.log.insert_many([{"_id": 3, "x": 0}, {"_id": 4, "x": 9}])
    assert next(cursor) == {"_id": 4}
    cursor.close()


def test_the_first_scan_of_an_empty_collection_leaves_the_cursor_dead(cdb):
    cursor = cdb.log.find(cursor_type=CursorType.TAILABLE)
    with pytest.raises(StopIteration):
        next(cursor)
    assert not cursor.alive


def test_await_data_wakes_when_a_document_is_inserted(cdb):
    cdb.log.insert_one({"_id": 0})
    cursor = cdb.log.find(cursor_type=CursorType.TAILABLE_AWAIT).max_await_time_ms(5000)
    assert next(cursor) == {"_id": 0}
    writer = threading.Timer(0.2, lambda: cdb.log.insert_one({"_id": 1}))
    started = time.monotonic()
    writer.start()
    assert next(cursor) == {"_id": 1}
    elapsed = time.monotonic() - started
    writer.join()
    assert 0.1 < elapsed < 3.0
    cursor.close()


def test_await_data_waits_max_await_time_ms_when_nothing_comes(cdb):
    cdb.log.insert_one({"_id": 0})
    cursor = cdb.log.find(cursor_type=CursorType.TAILABLE_AWAIT).max_await_time_ms(300)
    assert next(cursor) == {"_id": 0}
    started = time.monotonic()
    with pytest.raises(StopIteration):
        next(cursor)
    assert time.monotonic() - started >= 0.25
    assert cursor.alive
    cursor.close()


def test_other_clients_write_while_a_cursor_awaits(cdb):
    """The wait holds no engine lock: reads and writes go on meanwhile."""
    cdb.log.insert_one({"_id": 0})
    cursor = cdb.log.find(cursor_type=CursorType.TAILABLE_AWAIT).max_await_time_ms(1500)
    next(cursor)
    waiting = threading.Thread(target=lambda: list(cursor))
    waiting.start()
    time.sleep(0.1)
    started = time.monotonic()
    cdb.other.insert_one({"x": 1})
    assert cdb.other.count_documents({}) == 1
    assert time.monotonic() - started < 1.0
    waiting.join()
    cursor.close()


def test_a_rolled_over_position_ends_the_cursor(cdb):
    """The server answers CappedPositionLost (136); pymongo's tailable cursor
    takes that as its end (alive False), and so does mim's."""
    cdb.create_collection("small", capped=True, size=100000, max=2)
    cdb.small.insert_many([{"_id": 0}, {"_id": 1}])
    cursor = cdb.small.find(cursor_type=CursorType.TAILABLE)
    assert [d["_id"] for d in (next(cursor), next(cursor))] == [0, 1]
    cdb.small.insert_many([{"_id": i} for i in range(2, 5)])
    with pytest.raises(StopIteration):
        next(cursor)
    assert not cursor.alive


def test_capped_position_lost_at_the_command_level(cdb):
    cdb.create_collection("small", capped=True, size=100000, max=2)
    cdb.small.insert_many([{"_id": 0}, {"_id": 1}])
    cursor_id = cdb.command("find", "small", tailable=True)["cursor"]["id"]
    cdb.small.insert_many([{"_id": i} for i in range(2, 5)])
    with pytest.raises(OperationFailure) as caught:
        cdb.command("getMore", cursor_id, collection="small")
    assert caught.value.code == 136
    assert "CollectionScan died due to position in capped collection being deleted" \
        in str(caught.value)
    with pytest.raises(OperationFailure) as caught:
        cdb.command("getMore", cursor_id, collection="small")
    assert caught.value.code == 43


def test_tailable_on_a_non_capped_collection_is_refused(cdb):
    cdb.plain.insert_one({})
    with pytest.raises(OperationFailure) as caught:
        next(cdb.plain.find(cursor_type=CursorType.TAILABLE))
    assert caught.value.code == 2
    assert "tailable cursor requested on non capped collection" in str(caught.value)


def test_tailable_with_a_sort_is_refused(cdb):
    cdb.log.insert_one({"_id": 0})
    with pytest.raises(OperationFailure) as caught:
        next(cdb.log.find(cursor_type=CursorType.TAILABLE, sort=[("_id", -1)]))
    assert caught.value.code == 2
    assert "cannot use tailable option with a sort other than {$natural: 1}" \
        in str(caught.value)
    assert next(cdb.log.find(cursor_type=CursorType.TAILABLE, sort=[("$natural", 1)])) \
        == {"_id": 0}


def test_command_level_errors(cdb):
    cdb.log.insert_many([{"_id": i} for i in range(3)])
    with pytest.raises(OperationFailure) as caught:
        cdb.command("find", "log", awaitData=True)
    assert caught.value.code == 9
    assert "Cannot set 'awaitData' without also setting 'tailable'" in str(caught.value)
    reply = cdb.command("find", "log", tailable=True, batchSize=1)
    cursor_id = reply["cursor"]["id"]
    assert cursor_id != 0
    with pytest.raises(OperationFailure) as caught:
        cdb.command("getMore", cursor_id, collection="log", maxTimeMS=10)
    assert caught.value.code == 2
    assert "cannot set maxTimeMS on getMore command for a non-awaitData cursor" \
        in str(caught.value)
    more = cdb.command("getMore", cursor_id, collection="log")
    assert [d["_id"] for d in more["cursor"]["nextBatch"]] == [1, 2]
    assert more["cursor"]["id"] == cursor_id
    with pytest.raises(OperationFailure) as caught:
        cdb.command("find", "log", tailable=True, singleBatch=True)
    assert caught.value.code == 2


def test_invalid_cursor_type_is_refused(cdb):
    with pytest.raises(ValueError, match="not a valid value for cursor_type"):
        cdb.log.find(cursor_type=7)


def test_a_dropped_collection_kills_the_cursor_with_query_plan_killed(cdb):
    # jstests/core/tailable_cursor_invalidation.js: a getMore after the capped
    # collection was dropped (and created again) fails with 175 QueryPlanKilled,
    # "collection dropped. UUID <the old collection's UUID>"
    cdb.log.insert_many([{"_id": i} for i in range(3)])
    old_uuid = next(cdb.list_collections(filter={"name": "log"}))["info"]["uuid"].as_uuid()
    cursor_id = cdb.command("find", "log", tailable=True, batchSize=1)["cursor"]["id"]
    cdb.log.drop()
    cdb.create_collection("log", capped=True, size=1024)
    cdb.log.insert_one({"_id": 9})
    with pytest.raises(OperationFailure) as caught:
        cdb.command("getMore", cursor_id, collection="log")
    assert caught.value.code == 175
    assert caught.value.details["codeName"] == "QueryPlanKilled"
    assert caught.value.details["errmsg"] == f"collection dropped. UUID {old_uuid}"
    with pytest.raises(OperationFailure) as caught:
        cdb.command("getMore", cursor_id, collection="log")
    assert caught.value.code == 43


def test_a_drop_ends_pymongos_tailable_cursor_quietly(cdb):
    # pymongo's tailable cursor takes QueryPlanKilled as its end (alive False)
    cdb.log.insert_one({"_id": 0})
    cursor = cdb.log.find(cursor_type=CursorType.TAILABLE)
    assert next(cursor) == {"_id": 0}
    cdb.log.drop()
    with pytest.raises(StopIteration):
        next(cursor)
    assert not cursor.alive


def test_a_renamed_collection_kills_the_cursor(cdb):
    cdb.log.insert_one({"_id": 0})
    cursor_id = cdb.command("find", "log", tailable=True)["cursor"]["id"]
    cdb.log.rename("moved")
    with pytest.raises(OperationFailure) as caught:
        cdb.command("getMore", cursor_id, collection="log")
    assert caught.value.code == 175
    assert caught.value.details["errmsg"].startswith(
        "collection renamed from 'tailtest.log' to 'tailtest.moved'. UUID ")


def test_return_key_and_show_record_id_on_a_tailable_find(cdb):
    # a tailable query is a collection scan: returnKey has no index key ({}),
    # showRecordId adds the record id; both apply to later inserts too
    cdb.log.create_index("x")
    cdb.log.insert_many([{"_id": 0, "x": 5}, {"_id": 1, "x": 6}])
    keys = cdb.log.find(cursor_type=CursorType.TAILABLE, return_key=True)
    assert [next(keys), next(keys)] == [{}, {}]
    records = cdb.log.find({"x": {"$gte": 6}}, cursor_type=CursorType.TAILABLE,
                           show_record_id=True)
    first = next(records)
    assert first["_id"] == 1 and isinstance(first["$recordId"], int)
    cdb.log.insert_one({"_id": 2, "x": 7})
    assert next(keys) == {}
    later = next(records)
    assert later["_id"] == 2 and later["$recordId"] > first["$recordId"]
    keys.close()
    records.close()


def test_hint_min_and_max_do_not_change_a_tailable_scan(cdb):
    # the server's planner gives a tailable query a collection scan before it
    # reads hint/min/max: natural order, every matching document
    cdb.log.create_index([("x", -1)])
    cdb.log.insert_many([{"_id": i, "x": i} for i in range(5)])
    cursor = cdb.log.find(cursor_type=CursorType.TAILABLE, hint=[("x", -1)],
                          min={"x": 3}, max={"x": 1})
    assert [next(cursor)["_id"] for _ in range(5)] == [0, 1, 2, 3, 4]
    cursor.close()
    reply = cdb.command("find", "log", tailable=True, hint={"x": -1}, returnKey=True,
                        showRecordId=True)
    # returnKey and showRecordId together: the key alone ({} for a collection scan)
    assert reply["cursor"]["firstBatch"] == [{}] * 5


def test_a_find_cursor_dies_with_its_collection(cdb):
    # jstests/core/getmore_invalidated_cursors.js: a getMore after the collection
    # was dropped fails with QueryPlanKilled, "collection dropped"; after a rename,
    # "collection renamed"
    cdb.plain.insert_many([{"_id": i} for i in range(5)])
    cursor = cdb.plain.find(batch_size=2)
    assert [next(cursor)["_id"] for _ in range(2)] == [0, 1]
    cdb.plain.drop()
    with pytest.raises(OperationFailure) as caught:
        next(cursor)
    assert caught.value.code == 175
    assert caught.value.details["errmsg"].startswith("collection dropped. UUID ")
    cdb.plain.insert_many([{"_id": i} for i in range(5)])
    cursor = cdb.plain.find(batch_size=2)
    next(cursor)
    cdb.plain.rename("moved")
    with pytest.raises(OperationFailure) as caught:
        list(cursor)
    assert caught.value.code == 175
    assert caught.value.details["errmsg"].startswith(
        "collection renamed from 'tailtest.plain' to 'tailtest.moved'. UUID ")
    # an untouched collection's cursor reads on
    assert len(list(cdb.moved.find(batch_size=2))) == 5
