"""Unknown command fields fail as 7.0's IDL parsers make them fail: code 40415,
``BSON field '<command>.<field>' is an unknown field.``  An 8.0 feature (the
``sort`` of an update statement) must not leak into 7.0 behaviour."""

from __future__ import annotations

import pytest
from pymongo import UpdateOne
from pymongo.errors import BulkWriteError, OperationFailure


def unknown(info, owner_field: str) -> None:
    assert info.value.code == 40415
    assert f"BSON field '{owner_field}' is an unknown field." in str(info.value)


@pytest.fixture
def three(coll):
    coll.insert_many([{"_id": i, "j": i} for i in range(3)])
    return coll


def test_update_one_and_replace_one_sort_is_refused(three):
    with pytest.raises(OperationFailure) as info:
        three.update_one({}, {"$set": {"x": 1}}, sort={"j": -1})
    unknown(info, "update.updates.sort")
    with pytest.raises(OperationFailure) as info:
        three.replace_one({}, {"x": 1}, sort={"j": -1})
    unknown(info, "update.updates.sort")
    assert three.count_documents({"x": {"$exists": True}}) == 0


def test_bulk_update_one_sort_is_refused(three):
    with pytest.raises((OperationFailure, BulkWriteError)) as info:
        three.bulk_write([UpdateOne({}, {"$set": {"x": 1}}, sort={"j": -1})])
    assert "40415" in str(info.value) or getattr(info.value, "code", None) == 40415
    assert three.count_documents({"x": {"$exists": True}}) == 0


def test_aggregate_with_an_unknown_option_is_refused(three):
    with pytest.raises(OperationFailure) as info:
        list(three.aggregate([], wrong=True))
    unknown(info, "aggregate.wrong")


def test_unknown_fields_of_raw_commands(three, db):
    cases = [
        ({"find": "things", "wrong": 1}, "find.wrong"),
        ({"find": "things", "maxScan": 5}, "find.maxScan"),
        ({"aggregate": "things", "pipeline": [], "cursor": {}, "bogus": 1}, "aggregate.bogus"),
        ({"count": "things", "bogus": 1}, "count.bogus"),
        ({"distinct": "things", "key": "j", "bogus": 1}, "distinct.bogus"),
        ({"insert": "things", "documents": [{}], "bogus": 1}, "insert.bogus"),
        ({"delete": "things", "deletes": [{"q": {}, "limit": 0, "bogus": 1}]},
         "delete.deletes.bogus"),
        ({"findAndModify": "things", "remove": True, "bogus": 1}, "findAndModify.bogus"),
    ]
    for command, owner_field in cases:
        with pytest.raises(OperationFailure) as info:
            db.command(command)
        unknown(info, owner_field)
    assert three.count_documents({}) == 3


def test_legacy_modifiers_map_to_find_fields(three):
    # pymongo turns $maxScan into the find command's maxScan, which 7.0 no longer has
    with pytest.raises(OperationFailure) as info:
        list(three.find({"$query": {}, "$maxScan": 5}))
    unknown(info, "find.maxScan")


def test_generic_arguments_are_accepted(three, db):
    reply = db.command({"find": "things", "comment": "hi", "maxTimeMS": 1000})
    assert len(reply["cursor"]["firstBatch"]) == 3
