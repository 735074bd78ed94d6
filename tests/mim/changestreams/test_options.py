"""``watch()`` options and ``$changeStream`` checks, on both faces.

Expected behaviour: the MongoDB 7.0 manual ("Change Streams", "Change Streams
with Document Pre- and Post-Images", "Resume a Change Stream") and the server's
errors (``document_source_change_stream.cpp`` ``assertIsLegalSpecification``,
``Pipeline::validateCommon``, the pre-/post-image stages, the resume checks).
"""

from __future__ import annotations

import time

import pytest
from bson.timestamp import Timestamp
from pymongo.errors import OperationFailure
from pymongo.read_concern import ReadConcern

from .test_events import next_event


def code_of(call) -> int:
    with pytest.raises(OperationFailure) as info:
        call()
    return info.value.code


# -- fullDocument / fullDocumentBeforeChange -------------------------------------------

def test_update_lookup_gives_the_current_document(coll):
    coll.insert_one({"_id": 1, "n": 1})
    with coll.watch(full_document="updateLookup", max_await_time_ms=50) as stream:
        coll.update_one({"_id": 1}, {"$inc": {"n": 1}})
        coll.update_one({"_id": 1}, {"$inc": {"n": 1}})
        first = next_event(stream)
    # looked up when the event is read: the latest version
    assert first["fullDocument"] == {"_id": 1, "n": 3}


def test_update_lookup_of_a_deleted_document_is_null(coll):
    coll.insert_one({"_id": 1})
    with coll.watch(full_document="updateLookup", max_await_time_ms=50) as stream:
        coll.update_one({"_id": 1}, {"$set": {"a": 1}})
        coll.delete_one({"_id": 1})
        assert next_event(stream)["fullDocument"] is None


def test_post_and_pre_images_with_change_stream_pre_and_post_images(db, coll):
    db.command("collMod", "events", changeStreamPreAndPostImages={"enabled": True})
    coll.insert_one({"_id": 1, "n": 1})
    with coll.watch(full_document="required", full_document_before_change="required",
                    max_await_time_ms=50) as stream:
        coll.update_one({"_id": 1}, {"$inc": {"n": 1}})
        coll.update_one({"_id": 1}, {"$inc": {"n": 1}})
        coll.delete_one({"_id": 1})
        first, second, deleted = (next_event(stream) for _ in range(3))
    # the post-image of each update is the document right after it (not the latest)
    assert first["fullDocument"] == {"_id": 1, "n": 2}
    assert first["fullDocumentBeforeChange"] == {"_id": 1, "n": 1}
    assert second["fullDocument"] == {"_id": 1, "n": 3}
    assert deleted["fullDocumentBeforeChange"] == {"_id": 1, "n": 3}


def test_when_available_gives_null_without_images(coll):
    coll.insert_one({"_id": 1})
    with coll.watch(full_document="whenAvailable",
                    full_document_before_change="whenAvailable",
                    max_await_time_ms=50) as stream:
        coll.update_one({"_id": 1}, {"$set": {"a": 1}})
        event = next_event(stream)
    assert event["fullDocument"] is None
    assert event["fullDocumentBeforeChange"] is None


@pytest.mark.parametrize("option", ["full_document", "full_document_before_change"])
def test_required_images_missing_is_no_matching_document(coll, option):
    coll.insert_one({"_id": 1})
    with coll.watch(max_await_time_ms=50, **{option: "required"}) as stream:
        coll.update_one({"_id": 1}, {"$set": {"a": 1}})
        assert code_of(lambda: next_event(stream)) == 47


def test_bad_full_document_value_is_bad_value(coll):
    assert code_of(lambda: coll.watch(full_document="sometimes")) == 2


# -- following stages ------------------------------------------------------------------

def test_allowed_stages_shape_the_events(coll):
    pipeline = [{"$match": {"operationType": "insert", "fullDocument.keep": True}},
                {"$project": {"fullDocument.keep": 0}},
                {"$addFields": {"seen": True}}]
    with coll.watch(pipeline, max_await_time_ms=50) as stream:
        coll.insert_many([{"_id": 1, "keep": False}, {"_id": 2, "keep": True, "x": 1}])
        event = next_event(stream)
    assert event["fullDocument"] == {"_id": 2, "x": 1}
    assert event["seen"] is True


@pytest.mark.parametrize("stage", [{"$group": {"_id": None}}, {"$sort": {"x": 1}},
                                   {"$limit": 1}, {"$lookup": {"from": "a", "as": "b",
                                                               "pipeline": []}}])
def test_other_stages_are_illegal_operation(coll, stage):
    assert code_of(lambda: coll.watch([stage])) == 20


def test_unknown_stage_is_refused_first(coll):
    assert code_of(lambda: coll.watch([{"$nope": {}}])) == 40324


def test_removing_the_resume_token_is_change_stream_fatal_error(coll):
    with coll.watch([{"$project": {"_id": 0}}], max_await_time_ms=50) as stream:
        coll.insert_one({"_id": 1})
        assert code_of(lambda: next_event(stream)) == 280


def test_change_stream_must_be_the_first_stage(db, coll):
    assert code_of(lambda: coll.aggregate([{"$match": {}}, {"$changeStream": {}}])) == 40602


# -- namespace and option checks -------------------------------------------------------

def test_spec_checks(client, db):
    command = db.command
    assert code_of(lambda: command("aggregate", "events", pipeline=[
        {"$changeStream": {"bogus": 1}}], cursor={})) == 40415
    assert code_of(lambda: command("aggregate", "events", pipeline=[
        {"$changeStream": {"fullDocument": 1}}], cursor={})) == 14
    assert code_of(lambda: command("aggregate", "events", pipeline=[
        {"$changeStream": {"allChangesForCluster": True}}], cursor={})) == 72
    assert code_of(lambda: client.admin.watch()) == 73
    assert code_of(lambda: client.local.watch()) == 73
    assert code_of(lambda: db["system.views"].watch()) == 73
    token = {"_data": "826B162B95000000012B0429296E1404"}
    assert code_of(lambda: command("aggregate", "events", pipeline=[
        {"$changeStream": {"resumeAfter": token, "startAfter": token}}], cursor={})) == 50865
    assert code_of(lambda: command("aggregate", "events", pipeline=[
        {"$changeStream": {"resumeAfter": token, "startAtOperationTime": Timestamp(1, 1)}}],
        cursor={})) == 40674
    assert code_of(lambda: db.events.watch(resume_after={"_data": 1})) == 40647
    assert code_of(lambda: db.events.watch(resume_after={"_data": "zz"})) == 9


# -- resuming ---------------------------------------------------------------------------

def test_resume_after_continues_after_the_token(coll):
    with coll.watch(max_await_time_ms=50) as stream:
        coll.insert_many([{"_id": 1}, {"_id": 2}, {"_id": 3}])
        first = next_event(stream)
    with coll.watch(resume_after=first["_id"], max_await_time_ms=50) as resumed:
        assert [next_event(resumed)["documentKey"] for _ in range(2)] == [{"_id": 2},
                                                                           {"_id": 3}]


def test_resume_token_of_a_stream_survives_its_close(coll):
    with coll.watch(max_await_time_ms=50) as stream:
        coll.insert_one({"_id": 1})
        next_event(stream)
        token = stream.resume_token
    coll.insert_one({"_id": 2})  # written while no stream is open
    with coll.watch(resume_after=token, max_await_time_ms=50) as resumed:
        assert next_event(resumed)["documentKey"] == {"_id": 2}


def test_start_after_an_invalidate_opens_a_new_stream(db, coll):
    with coll.watch(max_await_time_ms=50) as stream:
        coll.drop()
        next_event(stream)
        invalidate = next_event(stream)
    assert code_of(lambda: db.events.watch(resume_after=invalidate["_id"])) == 260
    with db.events.watch(start_after=invalidate["_id"], max_await_time_ms=50) as fresh:
        db.events.insert_one({"_id": 9})
        assert next_event(fresh)["documentKey"] == {"_id": 9}


def test_start_at_operation_time_includes_that_time(coll):
    with coll.watch(max_await_time_ms=50) as stream:
        coll.insert_one({"_id": 1})
        coll.insert_one({"_id": 2})
        next_event(stream)
        second = next_event(stream)
    with coll.watch(start_at_operation_time=second["clusterTime"],
                    max_await_time_ms=50) as replay:
        assert next_event(replay)["documentKey"] == {"_id": 2}


def test_try_next_returns_none_and_advances_the_token(coll):
    with coll.watch(max_await_time_ms=10) as stream:
        assert stream.try_next() is None
        assert stream.resume_token is not None
        assert stream.alive


def test_max_await_time_ms_bounds_the_wait(coll):
    with coll.watch(max_await_time_ms=200) as stream:
        started = time.monotonic()
        assert stream.try_next() is None
        waited = time.monotonic() - started
    assert waited >= 0.15


def test_batch_size_limits_each_batch(db, coll):
    reply = db.command("aggregate", "events", pipeline=[{"$changeStream": {}}],
                       cursor={"batchSize": 2})
    coll.insert_many([{"_id": i} for i in range(5)])
    more = db.command("getMore", reply["cursor"]["id"], collection="events", batchSize=2)
    batch = more["cursor"]["nextBatch"]
    assert [e["documentKey"]["_id"] for e in batch] == [0, 1]
    # the postBatchResumeToken is the last returned event's token
    assert more["cursor"]["postBatchResumeToken"] == batch[-1]["_id"]
    rest = db.command("getMore", reply["cursor"]["id"], collection="events", batchSize=10)
    assert [e["documentKey"]["_id"] for e in rest["cursor"]["nextBatch"]] == [2, 3, 4]



@pytest.mark.parametrize("level", ["local", "linearizable", "available"])
def test_a_change_stream_reads_at_majority_only(db, coll, level):
    # server jstest change_stream_require_majority_read_concern: InvalidOptions
    with pytest.raises(OperationFailure) as caught:
        db.command({"aggregate": coll.name, "pipeline": [{"$changeStream": {}}],
                    "cursor": {}, "readConcern": {"level": level}})
    assert caught.value.code == 72
    assert "Aggregation stage $changeStream cannot run with a readConcern other than " \
           "'majority'. Current readConcern: " + level in str(caught.value)
    reply = db.command({"aggregate": coll.name, "pipeline": [{"$changeStream": {}}],
                        "cursor": {}, "readConcern": {"level": "majority"}})
    db.command({"killCursors": coll.name, "cursors": [reply["cursor"]["id"]]})


def test_watch_sends_the_collections_read_concern(wire_server, wire_client):
    # pymongo's own test_read_concern: the driver leaves the check to the server
    coll = wire_client.streams.events
    with pytest.raises(OperationFailure) as caught:
        coll.with_options(read_concern=ReadConcern("local")).watch()
    assert caught.value.code == 72
    with coll.with_options(read_concern=ReadConcern("majority")).watch():
        pass
