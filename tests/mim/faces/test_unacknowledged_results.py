"""What an unacknowledged (``w: 0``) write returns: pymongo's ``update_*``/``replace_one``
return an ``UpdateResult`` whose ``raw_result`` is None (``Collection._update`` returns
nothing when ``not acknowledged``); ``delete_*`` return a ``DeleteResult`` over the
``{"ok": 1}`` reply pymongo fakes for a fire-and-forget command.  ODMs branch on it
(MongoEngine's ``QuerySet.update`` returns ``raw_result["n"]`` only when there is one)."""

from __future__ import annotations

import pytest
from pymongo import WriteConcern
from pymongo.errors import InvalidOperation


@pytest.fixture
def unacknowledged(coll):
    coll.insert_many([{"_id": 1}, {"_id": 2}])
    return coll.with_options(write_concern=WriteConcern(w=0))


@pytest.mark.parametrize("write", [
    lambda c: c.update_many({}, {"$set": {"a": 1}}),
    lambda c: c.update_one({"_id": 1}, {"$set": {"a": 1}}),
    lambda c: c.replace_one({"_id": 1}, {"a": 1}),
], ids=["update_many", "update_one", "replace_one"])
def test_unacknowledged_update_has_no_raw_result(unacknowledged, write):
    result = write(unacknowledged)
    assert result.acknowledged is False
    assert result.raw_result is None
    with pytest.raises(InvalidOperation):
        result.matched_count


@pytest.mark.parametrize("write", [
    lambda c: c.delete_many({"_id": 3}),
    lambda c: c.delete_one({"_id": 3}),
], ids=["delete_many", "delete_one"])
def test_unacknowledged_delete_raw_result_is_ok_only(unacknowledged, write):
    result = write(unacknowledged)
    assert result.acknowledged is False
    assert result.raw_result == {"ok": 1}
    with pytest.raises(InvalidOperation):
        result.deleted_count
