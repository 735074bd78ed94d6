"""Writes that used to answer wrongly: ``let`` on deletes, a bad update pipeline
stage (fails the whole command), ``$merge`` of results without ``_id``."""

from __future__ import annotations

import pytest
from bson.objectid import ObjectId
from pymongo import DeleteOne
from pymongo.errors import OperationFailure, WriteError


@pytest.fixture
def ten(coll):
    coll.insert_many([{"_id": i, "j": i} for i in range(10)])
    return coll


def test_delete_one_honours_let_in_expr(ten):
    result = ten.delete_one({"$expr": {"$eq": ["$j", "$$x"]}}, let={"x": 3})
    assert result.deleted_count == 1
    assert ten.find_one({"j": 3}) is None


def test_delete_many_honours_let_in_expr(ten):
    result = ten.delete_many({"$expr": {"$gte": ["$j", "$$low"]}}, let={"low": 7})
    assert result.deleted_count == 3
    assert ten.count_documents({}) == 7


def test_bulk_delete_honours_let(ten):
    result = ten.bulk_write([DeleteOne({"$expr": {"$eq": ["$j", "$$x"]}})], let={"x": 4})
    assert result.deleted_count == 1


def test_delete_with_an_undefined_variable_still_fails(ten):
    with pytest.raises(WriteError) as info:
        ten.delete_one({"$expr": {"$eq": ["$j", "$$nope"]}})
    assert info.value.code == 17276


def test_update_pipeline_with_an_unknown_stage_fails_the_whole_command(ten):
    with pytest.raises(OperationFailure) as info:
        ten.update_one({}, [{"$invalidOperator": True}])
    assert not isinstance(info.value, WriteError)
    assert info.value.code == 40324
    assert "Unrecognized pipeline stage name: '$invalidOperator'" in str(info.value)
    assert ten.find_one({"_id": 0}) == {"_id": 0, "j": 0}


def test_update_pipeline_with_a_known_but_forbidden_stage_is_a_write_error(ten):
    with pytest.raises(WriteError) as info:
        ten.update_one({}, [{"$group": {"_id": None}}])
    assert info.value.code == 72


def test_merge_generates_missing_ids(ten, db):
    list(ten.aggregate([{"$project": {"_id": 0, "j": 1}}, {"$merge": "out"}]))
    docs = list(db.out.find())
    assert sorted(d["j"] for d in docs) == list(range(10))
    assert all(isinstance(d["_id"], ObjectId) for d in docs)


def test_merge_on_another_field_still_requires_it(ten, db):
    db.out.create_index("j", unique=True)
    with pytest.raises(OperationFailure) as info:
        list(ten.aggregate([{"$project": {"_id": 0, "k": "$j"}},
                            {"$merge": {"into": "out", "on": "j"}}]))
    assert info.value.code == 51132
