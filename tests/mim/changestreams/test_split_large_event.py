"""``$changeStreamSplitLargeEvent`` (MongoDB 7.0, 6.0.9) on both faces: events larger
than 16 MB are split into fragments (``splitEvent: {fragment, of}``, a resume token
per fragment, fields by size: ``change_stream_split_event_helpers.cpp``), resuming
from a fragment delivers the rest, and the stage's rules
(``document_source_change_stream_split_large_event.cpp``, ``pipeline.cpp``) refuse
it anywhere but last in a change stream pipeline."""

from __future__ import annotations

import bson
import pytest
from pymongo.errors import OperationFailure

SPLIT = [{"$changeStreamSplitLargeEvent": {}}]
#: BSONObjMaxInternalSize (16 MB + 16 KB) less 8 KB: the largest event left whole
MAX_EVENT = 16 * 1024 * 1024 + 16 * 1024 - 8 * 1024
NINE_MB = 9 * 1024 * 1024


@pytest.fixture
def images(db):
    """A collection that keeps pre- and post-images, holding one 9 MB document."""
    db.create_collection("big", changeStreamPreAndPostImages={"enabled": True})
    db.big.insert_one({"_id": 1, "payload": "a" * NINE_MB})
    return db.big


def _watch(coll, pipeline=SPLIT, **options):
    return coll.watch(pipeline, full_document="updateLookup",
                      full_document_before_change="required", max_await_time_ms=2000,
                      **options)


def _replace_large(coll):
    """A replace whose event carries two 9 MB images: about 18 MB."""
    coll.replace_one({"_id": 1}, {"payload": "b" * NINE_MB})


def test_a_large_event_arrives_in_fragments(images):
    with _watch(images) as stream:
        _replace_large(images)
        first, second = stream.next(), stream.next()
    assert first["splitEvent"] == {"fragment": 1, "of": 2}
    assert second["splitEvent"] == {"fragment": 2, "of": 2}
    # _id and splitEvent lead; the other fields follow smallest first, as many as fit
    assert list(first)[:2] == ["_id", "splitEvent"] and list(second)[:2] == ["_id",
                                                                             "splitEvent"]
    assert first["operationType"] == "replace" and first["documentKey"] == {"_id": 1}
    assert first["fullDocument"] == {"_id": 1, "payload": "b" * NINE_MB}
    assert list(first)[-1] == "fullDocument"
    assert list(second) == ["_id", "splitEvent", "fullDocumentBeforeChange"]
    assert second["fullDocumentBeforeChange"] == {"_id": 1, "payload": "a" * NINE_MB}
    assert first["_id"] != second["_id"]
    for fragment in (first, second):
        assert len(bson.encode(fragment)) <= MAX_EVENT


def test_small_events_pass_whole(images):
    with _watch(images) as stream:
        images.insert_one({"_id": 2})
        event = stream.next()
    assert "splitEvent" not in event
    assert event["operationType"] == "insert" and event["documentKey"] == {"_id": 2}


def test_resuming_from_a_fragment_delivers_the_rest(images):
    with _watch(images) as stream:
        _replace_large(images)
        images.insert_one({"_id": 2})
        first, second, after = stream.next(), stream.next(), stream.next()
    with _watch(images, resume_after=first["_id"]) as resumed:
        rest = resumed.next()
        assert rest["splitEvent"] == {"fragment": 2, "of": 2}
        assert rest["_id"] == second["_id"]
        assert resumed.next()["_id"] == after["_id"]
    with _watch(images, resume_after=second["_id"]) as resumed:
        assert resumed.next()["_id"] == after["_id"]


def test_resuming_from_a_fragment_needs_the_split_stage(images):
    with _watch(images) as stream:
        _replace_large(images)
        token = stream.next()["_id"]
    with pytest.raises(OperationFailure) as raised:
        with _watch(images, pipeline=[], resume_after=token) as resumed:
            resumed.try_next()
    assert raised.value.code == 280
    assert raised.value.details["errmsg"] == (
        "To resume from a split event, the $changeStream pipeline must include a "
        "$changeStreamSplitLargeEvent stage")


def test_resuming_from_a_fragment_of_an_event_no_longer_split(images):
    with _watch(images) as stream:
        _replace_large(images)
        token = stream.next()["_id"]
    smaller = [{"$project": {"fullDocument": 0, "fullDocumentBeforeChange": 0}}] + SPLIT
    with pytest.raises(OperationFailure) as raised:
        with _watch(images, pipeline=smaller, resume_after=token) as resumed:
            resumed.next()
    assert raised.value.code == 280
    assert raised.value.details["errmsg"] == (
        "Attempted to resume from a split event fragment, but the event in the resumed "
        "stream was not large enough to be split")


@pytest.mark.parametrize("pipeline, code, message", [
    (SPLIT + [{"$match": {}}], 7182802,
     "$changeStreamSplitLargeEvent must be the last stage in the pipeline"),
    (SPLIT + SPLIT, 7182802,
     "$changeStreamSplitLargeEvent must be the last stage in the pipeline"),
    ([{"$changeStreamSplitLargeEvent": {"x": 1}}], 7182800,
     "$changeStreamSplitLargeEvent spec should be an empty object"),
    ([{"$changeStreamSplitLargeEvent": 1}], 7182800,
     "$changeStreamSplitLargeEvent spec should be an empty object"),
], ids=["not-last", "twice", "non-empty-spec", "not-an-object"])
def test_the_stage_rules_in_a_change_stream(coll, pipeline, code, message):
    with pytest.raises(OperationFailure) as raised:
        coll.watch(pipeline)
    assert raised.value.code == code
    assert raised.value.details["errmsg"] == message


def test_the_stage_outside_a_change_stream_is_refused(coll):
    with pytest.raises(OperationFailure) as raised:
        list(coll.aggregate(SPLIT))
    assert raised.value.code == 20
    assert raised.value.details["errmsg"] == ("$changeStreamSplitLargeEvent can only be used "
                                              "in a $changeStream pipeline")
