"""Issue 16 item 3: findAndModify evaluates its projection before writing, so
a projection that fails leaves the collection exactly as it was.

In 7.0 ``{x: {$slice: [1, 0]}}`` is not refused while parsing: the find()
``$slice`` parse fails (31259) and the projection parser falls back to the
aggregation ``$slice`` (``parseSubObjectAsExpression`` in
projection_parser.cpp), which then fails on the document (28724).
"""

from __future__ import annotations

import pytest
from pymongo import ReturnDocument
from pymongo.errors import OperationFailure

ADD_ON_A_STRING = ({"x": {"$add": ["$s", 1]}}, 14,
                   "$add only supports numeric or date types, not string")
SLICE_NOT_AN_ARRAY = ({"x": {"$slice": [1, 0]}}, 28724,
                      "First argument to $slice must be an array, but is of type: int")
CASES = [ADD_ON_A_STRING, SLICE_NOT_AN_ARRAY]


@pytest.fixture
def coll(client):
    coll = client.fam.things
    coll.insert_many([{"_id": 1, "s": "text", "n": 0}, {"_id": 2, "s": "more", "n": 0}])
    return coll


def _unchanged(coll) -> None:
    assert list(coll.find()) == [{"_id": 1, "s": "text", "n": 0}, {"_id": 2, "s": "more", "n": 0}]


@pytest.mark.parametrize("projection,code,message", CASES)
@pytest.mark.parametrize("return_document", [ReturnDocument.BEFORE, ReturnDocument.AFTER])
def test_update_writes_nothing_when_the_projection_fails(coll, projection, code, message,
                                                         return_document):
    with pytest.raises(OperationFailure) as info:
        coll.find_one_and_update({"_id": 1}, {"$inc": {"n": 1}}, projection=projection,
                                 return_document=return_document)
    assert info.value.code == code and message in str(info.value)
    _unchanged(coll)


@pytest.mark.parametrize("projection,code,message", CASES)
def test_replace_writes_nothing_when_the_projection_fails(coll, projection, code, message):
    with pytest.raises(OperationFailure) as info:
        coll.find_one_and_replace({"_id": 1}, {"s": "new", "n": 9}, projection=projection,
                                  return_document=ReturnDocument.AFTER)
    assert info.value.code == code
    _unchanged(coll)


@pytest.mark.parametrize("projection,code,message", CASES)
def test_delete_deletes_nothing_when_the_projection_fails(coll, projection, code, message):
    with pytest.raises(OperationFailure) as info:
        coll.find_one_and_delete({"_id": 2}, projection=projection)
    assert info.value.code == code
    _unchanged(coll)


def test_upsert_inserts_nothing_when_the_projection_fails(coll):
    with pytest.raises(OperationFailure) as info:
        coll.find_one_and_update({"_id": 3}, {"$set": {"s": "up"}}, upsert=True,
                                 projection={"x": {"$add": ["$s", 1]}},
                                 return_document=ReturnDocument.AFTER)
    assert info.value.code == 14
    _unchanged(coll)


def test_slice_errors_the_find_parser_owns_are_refused_before_anything(coll):
    # {$slice: [skip, limit, extra]} is neither find()'s form nor a valid expression
    with pytest.raises(OperationFailure):
        coll.find_one_and_update({"_id": 1}, {"$inc": {"n": 1}},
                                 projection={"x": {"$slice": [1, 2, 3, 4]}})
    _unchanged(coll)


def test_a_valid_projection_still_projects_the_written_document(coll):
    after = coll.find_one_and_update({"_id": 1}, {"$inc": {"n": 5}},
                                     projection={"_id": 0, "m": {"$add": ["$n", 1]}},
                                     return_document=ReturnDocument.AFTER)
    assert after == {"m": 6}
    assert coll.find_one({"_id": 1}) == {"_id": 1, "s": "text", "n": 5}
