"""Reads of one ``_id`` (the server's IDHACK path): the same answers as any plan."""

import pytest

import mim


@pytest.fixture
def coll():
    client = mim.MongoClient()
    collection = client.db.get_collection("idhack")
    collection.drop()
    collection.insert_many([{"_id": 1, "a": 1, "b": [1, 2]}, {"_id": "x", "a": 2},
                            {"_id": {"k": 1}, "a": 3}])
    yield collection
    collection.drop()


def test_equal_numbers_of_another_type_find_the_document(coll):
    assert coll.find_one({"_id": 1.0}) == {"_id": 1, "a": 1, "b": [1, 2]}
    assert coll.find_one({"_id": {"k": 1}})["a"] == 3


def test_skip_past_the_one_match_returns_nothing(coll):
    assert list(coll.find({"_id": 1}).skip(1)) == []
    assert list(coll.find({"_id": 1}).skip(0)) == [{"_id": 1, "a": 1, "b": [1, 2]}]


def test_projection_applies(coll):
    assert coll.find_one({"_id": 1}, {"a": 1}) == {"_id": 1, "a": 1}
    assert list(coll.find({"_id": "x"}, {"_id": 0})) == [{"a": 2}]


def test_missing_id_and_returned_copies(coll):
    assert coll.find_one({"_id": 2}) is None
    found = coll.find_one({"_id": 1})
    found["b"].append(3)
    assert coll.find_one({"_id": 1})["b"] == [1, 2]


def test_a_secondary_index_on_id_still_answers(coll):
    coll.create_index([("_id", -1)])
    assert coll.find_one({"_id": "x"}) == {"_id": "x", "a": 2}
