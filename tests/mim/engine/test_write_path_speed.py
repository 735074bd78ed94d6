"""The write path's shortcuts keep MongoDB's answers.

An update keeps the index entries of every index whose keys it did not change
(and skips the indexes on fields it did not touch); a single-document write
stops at its first match; stored documents share their field names.  Each test
asserts the documented result (the manual's ``updateOne``: "updates the first
document that matches the filter", in natural order for a collection scan;
unique indexes refuse duplicate keys with E11000), the planner's index use
(``explain``) and that no returned document aliases stored state.
"""

from __future__ import annotations

import pytest
from pymongo.errors import DuplicateKeyError


@pytest.fixture
def indexed(coll):
    coll.create_index("uid", unique=True)
    coll.create_index("age")
    coll.insert_many([{"_id": i, "uid": f"u{i}", "age": i % 3, "name": f"n{i}"}
                      for i in range(9)])
    return coll


def ids(cursor) -> list:
    return [doc["_id"] for doc in cursor]


def test_an_update_of_unindexed_fields_keeps_every_index_answering(indexed):
    result = indexed.update_many({"age": 1}, {"$set": {"name": "renamed"}, "$inc": {"n": 1}})
    assert (result.matched_count, result.modified_count) == (3, 3)
    assert ids(indexed.find({"age": 1}).hint("age_1")) == [1, 4, 7]
    assert indexed.find_one({"uid": "u4"}, hint="uid_1") == {
        "_id": 4, "uid": "u4", "age": 1, "name": "renamed", "n": 1}
    assert indexed.count_documents({"name": "renamed"}) == 3


def test_an_update_of_an_indexed_field_moves_its_entries(indexed):
    indexed.update_one({"uid": "u4"}, {"$set": {"age": 2, "uid": "v4"}})
    assert ids(indexed.find({"age": 1}).hint("age_1")) == [1, 7]
    assert ids(indexed.find({"age": 2}).hint("age_1")) == [2, 4, 5, 8]
    assert indexed.find_one({"uid": "u4"}, hint="uid_1") is None
    assert indexed.find_one({"uid": "v4"}, hint="uid_1")["_id"] == 4


def test_a_duplicate_key_from_an_update_is_refused_and_nothing_changes(indexed):
    with pytest.raises(DuplicateKeyError) as caught:
        indexed.update_one({"_id": 1}, {"$set": {"uid": "u2", "name": "x"}})
    assert caught.value.code == 11000
    assert indexed.find_one({"_id": 1}) == {"_id": 1, "uid": "u1", "age": 1, "name": "n1"}
    assert ids(indexed.find({"uid": {"$in": ["u1", "u2"]}}).hint("uid_1")) == [1, 2]


def test_a_dotted_update_of_an_indexed_subfield_is_seen_by_its_index(coll):
    coll.create_index("address.zip")
    coll.insert_many([{"_id": 1, "address": {"zip": "a"}}, {"_id": 2, "address": {"zip": "b"}}])
    coll.update_one({"_id": 1}, {"$set": {"address.zip": "c"}})
    assert ids(coll.find({"address.zip": "c"}).hint("address.zip_1")) == [1]
    assert ids(coll.find({"address.zip": "a"}).hint("address.zip_1")) == []
    coll.update_one({"_id": 2}, {"$rename": {"address": "where"}})
    assert ids(coll.find({"address.zip": None}).hint("address.zip_1")) == [2]


def test_update_one_and_delete_one_take_the_first_match_in_natural_order(coll):
    coll.insert_many([{"_id": 5, "k": 1}, {"_id": 2, "k": 1}, {"_id": 9, "k": 1}])
    result = coll.update_one({"k": 1}, {"$set": {"hit": True}})
    assert (result.matched_count, result.modified_count) == (1, 1)
    assert ids(coll.find({"hit": True})) == [5]
    assert coll.delete_one({"k": 1}).deleted_count == 1
    assert ids(coll.find()) == [2, 9]


def test_stored_documents_never_alias_what_a_reader_gets(indexed):
    first = indexed.find_one({"uid": "u3"})
    first["name"] = "mutated"
    first["extra"] = [1]
    assert indexed.find_one({"uid": "u3"}) == {"_id": 3, "uid": "u3", "age": 0, "name": "n3"}
    rows = list(indexed.aggregate([{"$match": {"age": 0}}, {"$unwind": "$name"},
                                   {"$group": {"_id": "$age", "n": {"$sum": 1},
                                               "total": {"$sum": "$_id"}}}]))
    assert rows == [{"_id": 0, "n": 3, "total": 9}]
