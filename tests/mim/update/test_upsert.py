"""The seed document of an upsert and applying the update on insert."""

import pytest
from bson.regex import Regex

from mim.engine.values.errors import ServerError
from mim.engine.update import build_upsert_document, compile_update

from .helpers import apply


def upsert(filter_spec, update):
    doc = build_upsert_document(filter_spec)
    compile_update(update).apply(doc, is_insert=True)
    return doc


def test_equality_fields_seed_the_document():
    assert upsert({"name": "Andy"}, {"$inc": {"score": 1}}) == {"name": "Andy", "score": 1}
    assert upsert({"_id": 7, "a": {"$eq": 2}}, {"$set": {"b": 1}}) == {"_id": 7, "a": 2, "b": 1}


def test_dotted_paths_become_nested_documents():
    assert build_upsert_document({"a.b": 1, "a.c": 2}) == {"a": {"b": 1, "c": 2}}
    assert build_upsert_document({"a.0": 5}) == {"a": {"0": 5}}


def test_seed_fields_are_ordered_by_path():
    assert list(build_upsert_document({"b": 1, "a": 2, "c": 3})) == ["a", "b", "c"]


def test_and_and_single_clause_or_contribute():
    spec = {"$and": [{"a": 1}, {"$and": [{"b": 2}]}], "$or": [{"c": 3}]}
    assert build_upsert_document(spec) == {"a": 1, "b": 2, "c": 3}
    assert build_upsert_document({"$or": [{"a": 1}, {"b": 2}]}) == {}


def test_non_equality_conditions_are_ignored():
    spec = {"a": {"$gt": 1}, "b": Regex("^x"), "c": {"$in": [1, 2]}, "d": {"$ne": 1},
            "e": {"$elemMatch": {"x": 1}}, "$expr": {"$eq": ["$f", 1]}, "g": {"$exists": True}}
    assert build_upsert_document(spec) == {}


def test_single_value_in_and_all_are_equalities():
    assert build_upsert_document({"a": {"$in": [5]}, "b": {"$all": [6]}}) == {"a": 5, "b": 6}


def test_equality_with_documents_arrays_and_null():
    spec = {"a": {"x": 1}, "b": [1, 2], "c": None}
    assert build_upsert_document(spec) == {"a": {"x": 1}, "b": [1, 2], "c": None}


def test_conflicting_equalities():
    with pytest.raises(ServerError) as info:
        build_upsert_document({"a": 1, "a.b": 2})
    assert info.value.code == 54
    assert info.value.errmsg == "cannot infer query fields to set, both paths 'a.b' and 'a' are matched"
    with pytest.raises(ServerError) as info:
        build_upsert_document({"a": 1, "$and": [{"a": 2}]})
    assert info.value.errmsg == "cannot infer query fields to set, path 'a' is matched twice"


def test_replacement_upsert_takes_only_id():
    assert build_upsert_document({"_id": 3, "a": 1}, replacement=True) == {"_id": 3}
    with pytest.raises(ServerError) as info:
        build_upsert_document({"_id.x": 3}, replacement=True)
    assert info.value.code == 111


def test_insert_applies_set_on_insert_and_moves_id_first():
    doc = upsert({"b": 1, "_id": 5}, {"$set": {"c": 2}, "$setOnInsert": {"a": 0}})
    assert list(doc) == ["_id", "b", "a", "c"]
    assert doc == {"_id": 5, "b": 1, "a": 0, "c": 2}


def test_id_set_by_the_update_on_insert_goes_first():
    doc = upsert({"x": 1}, {"$set": {"_id": 9}})
    assert list(doc) == ["_id", "x"]


def test_update_cannot_change_the_id_taken_from_the_filter():
    with pytest.raises(ServerError) as info:
        upsert({"_id": 1}, {"$set": {"_id": 2}})
    assert info.value.code == 66


def test_positional_update_on_insert_fails():
    with pytest.raises(ServerError) as info:
        upsert({"a": 1}, {"$set": {"a.$": 2}})
    assert info.value.errmsg == "The positional operator did not find the match needed from the query."


def test_update_on_insert_through_seeded_scalar_fails():
    with pytest.raises(ServerError) as info:
        upsert({"a": 1}, {"$set": {"a.b": 2}})
    assert info.value.code == 28


def test_set_on_insert_alone_is_ignored_on_update():
    assert apply({"_id": 1}, {"$setOnInsert": {"a": 1}}) == {"_id": 1}
