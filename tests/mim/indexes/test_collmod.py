"""``collMod`` on indexes: hidden, expireAfterSeconds, prepareUnique and the
conversion to unique (CannotConvertIndexToUnique, 359, with ``violations``),
as the 7.0 manual's "Convert an Existing Index to a Unique Index" shows."""

from __future__ import annotations

import pytest
from pymongo.errors import DuplicateKeyError, OperationFailure


@pytest.fixture
def apples(db):
    db.apples.insert_many([{"_id": 1, "type": "Delicious"}, {"_id": 2, "type": "Macintosh"},
                           {"_id": 3, "type": "Delicious"}, {"_id": 4, "type": "Fuji"}])
    db.apples.create_index("type")
    return db.apples


def test_convert_to_unique_as_in_the_manual(db, apples):
    reply = db.command("collMod", "apples",
                       index={"keyPattern": {"type": 1}, "prepareUnique": True})
    assert reply == {"prepareUnique_old": False, "prepareUnique_new": True, "ok": 1.0}
    with pytest.raises(DuplicateKeyError):
        apples.insert_one({"type": "Delicious"})
    with pytest.raises(OperationFailure) as info:
        db.command("collMod", "apples", index={"keyPattern": {"type": 1}, "unique": True},
                   dryRun=True)
    assert info.value.code == 359
    assert info.value.details["codeName"] == "CannotConvertIndexToUnique"
    assert info.value.details["errmsg"] == ("Cannot convert the index to unique. Please resolve "
                                            "conflicting documents before running collMod "
                                            "again.")
    assert info.value.details["violations"] == [{"ids": [1, 3]}]
    with pytest.raises(OperationFailure) as info:
        db.command("collMod", "apples", index={"keyPattern": {"type": 1}, "unique": True})
    assert info.value.code == 359
    apples.delete_one({"_id": 3})
    assert db.command("collMod", "apples", index={"keyPattern": {"type": 1}, "unique": True},
                      dryRun=True) == {"ok": 1.0}
    reply = db.command("collMod", "apples", index={"name": "type_1", "unique": True})
    assert reply == {"unique_new": True, "ok": 1.0}
    info = apples.index_information()["type_1"]
    assert info["unique"] is True and "prepareUnique" not in info
    with pytest.raises(DuplicateKeyError):
        apples.insert_one({"type": "Fuji"})


def test_hide_and_unhide(db, apples):
    reply = db.command("collMod", "apples", index={"name": "type_1", "hidden": True})
    assert reply == {"hidden_old": False, "hidden_new": True, "ok": 1.0}
    assert apples.index_information()["type_1"]["hidden"] is True
    plan = apples.find({"type": "Fuji"}).explain()["queryPlanner"]["winningPlan"]
    assert plan["stage"] == "COLLSCAN"
    assert db.command("collMod", "apples", index={"name": "type_1", "hidden": True}) == \
        {"ok": 1.0}  # already hidden: a no-op
    db.command("collMod", "apples", index={"name": "type_1", "hidden": False})
    assert "hidden" not in apples.index_information()["type_1"]
    plan = apples.find({"type": "Fuji"}).explain()["queryPlanner"]["winningPlan"]
    assert plan["inputStage"]["indexName"] == "type_1"


def test_expire_after_seconds(db, client, apples):
    apples.create_index("at", expireAfterSeconds=3600)
    reply = db.command("collMod", "apples", index={"keyPattern": {"at": 1},
                                                   "expireAfterSeconds": 10})
    assert reply == {"expireAfterSeconds_old": 3600, "expireAfterSeconds_new": 10, "ok": 1.0}
    assert apples.index_information()["at_1"]["expireAfterSeconds"] == 10
    # a non-TTL single-field index becomes a TTL index (5.1+)
    reply = db.command("collMod", "apples", index={"name": "type_1", "expireAfterSeconds": 5})
    assert reply == {"expireAfterSeconds_new": 5, "ok": 1.0}


@pytest.mark.parametrize("arguments, code", [
    ({"index": {"name": "nope", "hidden": True}}, 27),
    ({"index": {"keyPattern": {"nope": 1}, "hidden": True}}, 27),
    ({"index": {"name": "_id_", "hidden": True}}, 2),
    ({"index": {"name": "type_1"}}, 72),
    ({"index": {"name": "type_1", "keyPattern": {"type": 1}, "hidden": True}}, 72),
    ({"index": {"hidden": True}}, 72),
    ({"index": {"name": "type_1", "hidden": 1}}, 14),
    ({"index": {"name": "type_1", "bogus": 1}}, 40415),
    ({"index": {"name": "type_1", "expireAfterSeconds": -5}}, 72),
    ({"bogus": 1}, 40415),
])
def test_errors(db, apples, arguments, code):
    with pytest.raises(OperationFailure) as info:
        db.command("collMod", "apples", **arguments)
    assert info.value.code == code


def test_missing_collection(db):
    with pytest.raises(OperationFailure) as info:
        db.command("collMod", "nothere", index={"name": "x_1", "hidden": True})
    assert info.value.code == 26


def test_change_stream_pre_and_post_images_accepted(db, apples):
    assert db.command("collMod", "apples",
                      changeStreamPreAndPostImages={"enabled": True}) == {"ok": 1.0}
