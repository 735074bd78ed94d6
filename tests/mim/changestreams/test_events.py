"""Change events in the server's shape, on both faces.

Expected documents follow the MongoDB 7.0 manual's "Change Events" pages
(field names and which fields each operationType carries) and the server's
``change_stream_event_transform.cpp`` (field order, ``to`` of a rename, the
``invalidate`` after a collection is dropped or renamed).
"""

from __future__ import annotations

import datetime

import pytest
from bson.timestamp import Timestamp

TIMEOUT_MS = 2000


def next_event(stream):
    """The next event (fails instead of hanging if none arrives)."""
    for _ in range(20):
        event = stream.try_next()
        if event is not None:
            return event
    raise AssertionError("no change event arrived")


def test_insert_event_has_the_manual_fields_in_server_order(coll):
    with coll.watch(max_await_time_ms=50) as stream:
        coll.insert_one({"_id": 1, "x": "a"})
        event = next_event(stream)
    assert list(event) == ["_id", "operationType", "clusterTime", "wallTime", "fullDocument",
                           "ns", "documentKey"]
    assert event["operationType"] == "insert"
    assert event["fullDocument"] == {"_id": 1, "x": "a"}
    assert event["ns"] == {"db": "streams", "coll": "events"}
    assert event["documentKey"] == {"_id": 1}
    assert isinstance(event["clusterTime"], Timestamp)
    assert isinstance(event["wallTime"], datetime.datetime)
    assert list(event["_id"]) == ["_data"]


def test_resume_token_is_the_server_keystring_hex(coll):
    """``_data`` is the uppercase hex of a KeyString that starts with the cluster
    time (CType 130 = 0x82, then seconds and increment big-endian), then the
    token version 2 (``2B04``) and the event token type 128 (``2C0100``)."""
    with coll.watch(max_await_time_ms=50) as stream:
        coll.insert_one({"_id": 1})
        event = next_event(stream)
    data = event["_id"]["_data"]
    ts = event["clusterTime"]
    assert data == data.upper()
    assert data.startswith("82" + f"{ts.time:08X}{ts.inc:08X}" + "2B04" + "2C0100" + "29" + "6E")
    assert data.endswith("04")


def test_update_replace_delete_events(coll):
    coll.insert_one({"_id": 1, "a": {"b": 1}, "gone": True, "arr": [1, 2, 3]})
    with coll.watch(max_await_time_ms=50) as stream:
        coll.update_one({"_id": 1}, {"$set": {"a.b": 2}, "$unset": {"gone": ""},
                                     "$push": {"arr": 4}})
        coll.replace_one({"_id": 1}, {"x": 1})
        coll.delete_one({"_id": 1})
        update, replace, delete = (next_event(stream) for _ in range(3))
    assert update["operationType"] == "update"
    assert "fullDocument" not in update
    assert update["updateDescription"] == {"updatedFields": {"a.b": 2, "arr.3": 4},
                                           "removedFields": ["gone"], "truncatedArrays": []}
    assert replace["operationType"] == "replace"
    assert replace["fullDocument"] == {"_id": 1, "x": 1}
    assert delete["operationType"] == "delete"
    assert delete["documentKey"] == {"_id": 1}
    assert "fullDocument" not in delete


def test_a_pipeline_update_that_shortens_an_array_reports_truncated_arrays(coll):
    """The spec test "Test array truncation": ``newSize`` of the shortened array."""
    coll.insert_one({"_id": 1, "array": ["foo", {"a": "bar"}, 1, 2, 3]})
    with coll.watch(max_await_time_ms=50) as stream:
        coll.update_one({"_id": 1}, [{"$set": {"array": ["foo", {"a": "bar"}]}}])
        event = next_event(stream)
    assert event["updateDescription"]["updatedFields"] == {}
    assert event["updateDescription"]["truncatedArrays"] == [{"field": "array", "newSize": 2}]


def test_disambiguated_paths_with_expanded_events(coll):
    """Numeric field names and array indexes make a dotted path ambiguous; with
    ``showExpandedEvents`` the update description spells such paths out."""
    coll.insert_one({"_id": 1, "a": {"1": 1}, "b": [{"1": 1}]})
    with coll.watch(max_await_time_ms=50, show_expanded_events=True) as stream:
        coll.update_one({"_id": 1}, {"$set": {"a.1": 2, "b.0.1": 3}})
        event = next_event(stream)
    assert event["updateDescription"]["disambiguatedPaths"] == {"a.1": ["a", "1"],
                                                                "b.0.1": ["b", 0, "1"]}
    with coll.watch(max_await_time_ms=50) as stream:
        coll.update_one({"_id": 1}, {"$set": {"a.1": 4}})
        assert "disambiguatedPaths" not in next_event(stream)["updateDescription"]


def test_drop_then_invalidate_closes_a_collection_stream(coll):
    with coll.watch(max_await_time_ms=50) as stream:
        coll.drop()
        drop = next_event(stream)
        invalidate = next_event(stream)
        assert drop["operationType"] == "drop"
        assert drop["ns"] == {"db": "streams", "coll": "events"}
        assert invalidate["operationType"] == "invalidate"
        assert list(invalidate) == ["_id", "operationType", "clusterTime", "wallTime"]
        assert invalidate["clusterTime"] == drop["clusterTime"]
        assert not stream.alive


def test_rename_then_invalidate(db, coll):
    with coll.watch(max_await_time_ms=50) as stream:
        coll.rename("renamed")
        rename = next_event(stream)
        assert rename["operationType"] == "rename"
        assert rename["to"] == {"db": "streams", "coll": "renamed"}
        assert rename["ns"] == {"db": "streams", "coll": "events"}
        assert next_event(stream)["operationType"] == "invalidate"


def test_database_stream_sees_every_collection_and_ends_with_drop_database(client, db):
    with db.watch(max_await_time_ms=50) as stream:
        db.one.insert_one({"_id": 1})
        db.two.insert_one({"_id": 2})
        client.other.three.insert_one({"_id": 3})  # another database: not seen
        client.drop_database("streams")
        seen = [next_event(stream) for _ in range(5)]
        assert next_event(stream)["operationType"] == "invalidate"
    assert [(e["operationType"], e["ns"]) for e in seen] == [
        ("insert", {"db": "streams", "coll": "one"}),
        ("insert", {"db": "streams", "coll": "two"}),
        ("drop", {"db": "streams", "coll": "one"}),
        ("drop", {"db": "streams", "coll": "two"}),
        ("dropDatabase", {"db": "streams"}),
    ]


def test_client_stream_sees_every_database_but_the_internal_ones(client):
    with client.watch(max_await_time_ms=50) as stream:
        client.a.x.insert_one({"_id": 1})
        client.admin.command("ping")
        client.b.y.insert_one({"_id": 2})
        first, second = next_event(stream), next_event(stream)
    assert (first["ns"], second["ns"]) == ({"db": "a", "coll": "x"}, {"db": "b", "coll": "y"})


def test_expanded_events_report_catalog_changes(db):
    with db.watch(max_await_time_ms=50, show_expanded_events=True) as stream:
        db.create_collection("made")
        db.made.create_index("x")
        db.command("collMod", "made", changeStreamPreAndPostImages={"enabled": True})
        db.made.drop_index("x_1")
        create, index, modify, dropped = (next_event(stream) for _ in range(4))
    assert create["operationType"] == "create"
    assert create["operationDescription"]["type"] == "collection"
    assert "collectionUUID" in create
    assert index["operationType"] == "createIndexes"
    assert index["operationDescription"]["indexes"][0]["name"] == "x_1"
    assert modify["operationType"] == "modify"
    assert modify["operationDescription"] == {"changeStreamPreAndPostImages": {"enabled": True}}
    assert dropped["operationType"] == "dropIndexes"


def test_catalog_events_are_not_reported_without_expanded_events(db):
    with db.watch(max_await_time_ms=50) as stream:
        db.create_collection("made")
        db.made.create_index("x")
        db.made.insert_one({"_id": 1})
        assert next_event(stream)["operationType"] == "insert"
