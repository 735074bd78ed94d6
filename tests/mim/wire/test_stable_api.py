"""The Stable API over the wire: real pymongo with ``server_api=`` against ``mim serve``
gets mongod's API errors (server: ``initialize_api_parameters.cpp``)."""

from __future__ import annotations

import pymongo
import pytest
from pymongo.errors import OperationFailure
from pymongo.server_api import ServerApi

STRICT_MESSAGE = ("Provided apiStrict:true, but the command distinct is not in API Version 1. "
                  "Information on supported commands and migrations in API Version 1 can be "
                  "found at https://dochub.mongodb.org/core/manual-versioned-api")


@pytest.fixture
def strict_db(server, client):
    strict = pymongo.MongoClient(server.uri, serverSelectionTimeoutMS=5000,
                                 server_api=ServerApi("1", strict=True))
    yield strict.wiretest
    strict.close()


def test_strict_refuses_distinct(strict_db):
    strict_db.things.insert_one({"a": 1})
    with pytest.raises(OperationFailure) as info:
        strict_db.things.distinct("a")
    assert info.value.code == 323
    assert info.value.details["codeName"] == "APIStrictError"
    assert info.value.details["errmsg"] == STRICT_MESSAGE


def test_strict_runs_version_1_commands(strict_db):
    strict_db.things.insert_many([{"a": 1}, {"a": 2}])
    assert strict_db.things.count_documents({}) == 2
    assert strict_db.things.estimated_document_count() == 2
    assert [d["a"] for d in strict_db.things.find({}, {"_id": 0}).sort("a", 1)] == [1, 2]


def test_api_version_2_refused(db):
    with pytest.raises(OperationFailure) as info:
        db.command({"ping": 1, "apiVersion": "2"})
    assert info.value.code == 322
    assert info.value.details["errmsg"] == 'API version must be "1"'


@pytest.mark.parametrize("flag", ["apiStrict", "apiDeprecationErrors"])
def test_flags_without_api_version_refused(db, flag):
    with pytest.raises(OperationFailure) as info:
        db.command({"ping": 1, flag: True})
    assert info.value.code == 4886600


def test_strict_refuses_stage_outside_version_1(strict_db):
    with pytest.raises(OperationFailure) as info:
        list(strict_db.things.aggregate([{"$listLocalSessions": {}}]))
    assert info.value.code == 323
    assert info.value.details["errmsg"] == ("$listLocalSessions is not allowed with "
                                            "'apiStrict: true' in API Version 1")


def test_strict_allows_user_management(strict_db):
    strict_db.command("createUser", "stableuser", pwd="pw", roles=[])
    assert strict_db.command("dropUser", "stableuser")["ok"] == 1.0


def test_strict_client_get_more_carries_the_cursor_parameters(strict_db):
    strict_db.things.insert_many([{"a": i} for i in range(5)])
    assert [d["a"] for d in strict_db.things.find().sort("a", 1).batch_size(2)] == [0, 1, 2, 3, 4]


def test_get_more_with_other_api_parameters_refused(db):
    db.things.insert_many([{"a": i} for i in range(3)])
    cursor_id = db.command({"find": "things", "batchSize": 1, "apiVersion": "1"})["cursor"]["id"]
    with pytest.raises(OperationFailure) as info:
        db.command({"getMore": cursor_id, "collection": "things"})
    assert info.value.code == 325
    assert info.value.details["codeName"] == "APIMismatchError"
    assert info.value.details["errmsg"] == ('API parameter mismatch: getMore used params {}, '
                                            'the cursor-creating command used '
                                            '{ apiVersion: "1" }')
