"""Issue 16 item 4: deep input within the server's limits works, beyond them it
is refused with the server's code; a RecursionError never escapes.

Limits (server source): stored documents 100 levels
(``getMaxDepthForUserStorage``, 15 Overflow), any BSON object 200 levels
(``BSONDepth::kDefaultMaxAllowableDepth``, 15 Overflow "BSONObj exceeds maximum
nested object depth"), query trees 100 levels (``kMaximumTreeDepth``, 2
BadValue), pipelines 1,000 stages (7749501).
"""

from __future__ import annotations

import struct

import pytest
from bson.raw_bson import RawBSONDocument
from pymongo.errors import OperationFailure, WriteError

import mim


def nested_document(levels: int, leaf=1) -> dict:
    """``levels`` documents, each the only field of the one outside it."""
    value = leaf
    for _ in range(levels):
        value = {"a": value}
    return value


def nested_array(levels: int) -> list:
    value: object = 1
    for _ in range(levels):
        value = [value]
    return value


def raw_nested_bson(levels: int) -> RawBSONDocument:
    """A document nested ``levels`` deep, built as bytes (no encoder recursion)."""
    raw = struct.pack("<i", 5) + b"\x00"
    for _ in range(levels - 1):
        body = b"\x03a\x00" + raw + b"\x00"
        raw = struct.pack("<i", 4 + len(body)) + body
    return RawBSONDocument(raw)


def _overflow(info, message: str = "BSONObj exceeds maximum nested object depth") -> None:
    assert info.value.code == 15
    assert message in str(info.value)


@pytest.fixture
def coll(client):
    coll = client.deep.things
    coll.insert_one({"_id": 0, "a": 1})
    return coll


def test_documents_up_to_100_levels_are_stored(coll):
    coll.insert_one({"_id": 1, **nested_document(99)})  # 100 levels with the top one
    coll.insert_one({"_id": 2, "x": nested_array(99)})
    coll.insert_one({"_id": 3, **nested_document(100, leaf={})})  # empty ones do not count
    assert coll.count_documents({}) == 4
    assert coll.find_one({"_id": 1}) == {"_id": 1, **nested_document(99)}


@pytest.mark.parametrize("document", [nested_document(101), {"x": nested_array(100)},
                                      nested_document(150), nested_document(3000)])
def test_deeper_documents_are_refused_at_insert(coll, document):
    with pytest.raises((WriteError, OperationFailure)) as info:
        coll.insert_one(document)
    assert info.value.code == 15
    assert coll.count_documents({}) == 1


def test_an_update_cannot_make_a_document_too_deep(coll):
    coll.update_one({"_id": 0}, {"$set": {"b": nested_document(99)}})  # 100 levels: fine
    with pytest.raises(WriteError) as info:
        coll.update_one({"_id": 0}, {"$set": {"b": nested_document(100)}})
    _overflow(info, "Document exceeds maximum nesting depth of 100")
    assert coll.find_one()["b"] == nested_document(99)


def _nested_add(levels: int) -> dict:
    expression: object = 1
    for _ in range(levels):
        expression = {"$add": [expression, 1]}
    return expression


def test_expressions_within_the_bson_depth_work(coll):
    assert coll.find_one({"$expr": {"$eq": [_nested_add(95), 96]}}) == {"_id": 0, "a": 1}
    assert list(coll.aggregate([{"$project": {"_id": 0, "x": _nested_add(95)}}])) == [{"x": 96}]


@pytest.mark.parametrize("levels", [101, 150, 2000])
def test_deeper_expressions_are_refused(coll, levels):
    with pytest.raises(OperationFailure) as info:
        coll.find_one({"$expr": _nested_add(levels)})
    _overflow(info)
    with pytest.raises(OperationFailure) as info:
        list(coll.aggregate([{"$project": {"x": _nested_add(levels)}}]))
    _overflow(info)


def _nested_and(levels: int) -> dict:
    query: dict = {"a": 1}
    for _ in range(levels):
        query = {"$and": [query]}
    return query


def _nested_elem_match(levels: int) -> dict:
    operand: dict = {"$gte": 0}
    for _ in range(levels):
        operand = {"$elemMatch": operand}
    return {"m": operand}


def test_query_trees_within_the_limits_work(coll):
    coll.insert_one({"_id": 9, "m": nested_array(90)})
    assert coll.find_one(_nested_and(95)) == {"_id": 0, "a": 1}
    assert coll.find_one(_nested_elem_match(90), {"_id": 1}) == {"_id": 9}
    assert coll.find_one({"a": nested_array(190)}) is None


def test_query_trees_beyond_the_limits_are_refused(coll):
    with pytest.raises(OperationFailure) as info:
        coll.find_one(_nested_elem_match(120))
    assert info.value.code == 2
    assert "exceeded maximum query tree depth of 100 at " in str(info.value)
    for deep in (_nested_and(400), {"a": nested_array(600)},
                 {"a": {"$not": _nested_elem_match(200)["m"]}}):
        with pytest.raises(OperationFailure) as info:
            coll.find_one(deep)
        _overflow(info)


def test_pipelines_of_up_to_1000_stages_work(coll):
    stages = [{"$set": {"n": {"$add": [{"$ifNull": ["$n", 0]}, 1]}}}] * 999
    assert list(coll.aggregate(stages)) == [{"_id": 0, "a": 1, "n": 999}]
    assert list(coll.aggregate(stages + [{"$unset": "a"}])) == [{"_id": 0, "n": 999}]
    with pytest.raises(OperationFailure) as info:
        list(coll.aggregate(stages + [{"$unset": "a"}, {"$unset": "n"}]))
    assert info.value.code == 7749501
    assert "Pipeline length must be no longer than 1000 stages." in str(info.value)


def test_bson_too_deep_to_decode_is_an_error_not_a_crash(client, coll):
    deep = raw_nested_bson(20000)
    with pytest.raises(OperationFailure) as info:
        client.deep.command({"find": "things", "filter": deep})
    _overflow(info)
    assert coll.find_one() == {"_id": 0, "a": 1}  # the connection still works


def test_mims_own_encoding_never_raises_recursion_error():
    # (pymongo's encoder raises RecursionError itself; mim's face answers as a server would)
    coll = mim.MongoClient(server=mim.Server()).deep.things
    for call in (lambda: coll.find_one(nested_document(20000)),
                 lambda: coll.insert_one(nested_document(20000)),
                 lambda: coll.insert_many([nested_document(20000)])):
        with pytest.raises(OperationFailure) as info:
            call()
        _overflow(info)
