"""``update_one({field: value}, {"$set": {…}})`` by ``_id`` and by an indexed field,
on both faces: in process it takes the point path (``Runner.update_one_point``),
over the wire the update command; MongoDB 7.0's answers on each (the update
command's ``n``/``nModified``, its write errors, the documents left)."""

from __future__ import annotations

import pytest
from pymongo.errors import DuplicateKeyError, WriteError


@pytest.fixture
def people(coll):
    coll.create_index("uid")
    coll.create_index("code", unique=True)
    coll.insert_many([{"_id": i, "uid": f"u{i}", "code": i, "name": f"n{i}"} for i in range(3)])
    return coll


def test_counts_matched_and_modified(people):
    first = people.update_one({"uid": "u1"}, {"$set": {"name": "renamed"}})
    assert (first.matched_count, first.modified_count, first.upserted_id) == (1, 1, None)
    # the same value again: matched, not modified (nModified counts real changes)
    again = people.update_one({"uid": "u1"}, {"$set": {"name": "renamed"}})
    assert (again.matched_count, again.modified_count) == (1, 0)
    # an int32 1 and a double 1.0 are different BSON: a change
    people.update_one({"_id": 2}, {"$set": {"code": 7}})
    assert people.update_one({"_id": 2}, {"$set": {"code": 7.0}}).modified_count == 1
    none = people.update_one({"uid": "absent"}, {"$set": {"name": "x"}})
    assert (none.matched_count, none.modified_count) == (0, 0)
    assert people.find_one({"uid": "u1"}) == {"_id": 1, "uid": "u1", "code": 1,
                                              "name": "renamed"}
    # an indexed field moved: found by its new value only
    people.update_one({"uid": "u0"}, {"$set": {"uid": "moved", "extra": True}})
    assert people.find_one({"uid": "moved"}) == {"_id": 0, "uid": "moved", "code": 0,
                                                 "name": "n0", "extra": True}
    assert people.find_one({"uid": "u0"}) is None


def test_an_upsert_that_matches_updates_one_that_does_not_inserts(people):
    matched = people.update_one({"uid": "u2"}, {"$set": {"name": "up"}}, upsert=True)
    assert (matched.matched_count, matched.modified_count, matched.upserted_id) == (1, 1, None)
    inserted = people.update_one({"_id": 9}, {"$set": {"name": "new"}}, upsert=True)
    assert (inserted.matched_count, inserted.upserted_id) == (0, 9)
    assert people.find_one({"_id": 9}) == {"_id": 9, "name": "new"}


def test_errors_leave_the_document_as_it_was(people):
    with pytest.raises(DuplicateKeyError) as duplicate:
        people.update_one({"uid": "u0"}, {"$set": {"code": 1}})
    assert duplicate.value.code == 11000
    with pytest.raises(WriteError) as immutable:
        people.update_one({"uid": "u0"}, {"$set": {"_id": 5}})
    assert immutable.value.code == 66  # ImmutableField
    with pytest.raises(WriteError) as too_large:
        people.update_one({"uid": "u0"}, {"$set": {"name": "x" * (16 * 1024 * 1024)}})
    assert too_large.value.code == 17419
    assert people.find_one({"_id": 0}) == {"_id": 0, "uid": "u0", "code": 0, "name": "n0"}
