"""The Stable API on the in-process face: ``MongoClient(server_api=ServerApi(...))``
sends the API parameters with every command and the server checks them
(manual: "Stable API"; server: ``initialize_api_parameters.cpp``)."""

from __future__ import annotations

import pytest
from pymongo.errors import OperationFailure
from pymongo.server_api import ServerApi

import mim

STRICT_MESSAGE = ("Provided apiStrict:true, but the command distinct is not in API Version 1. "
                  "Information on supported commands and migrations in API Version 1 can be "
                  "found at https://dochub.mongodb.org/core/manual-versioned-api")


@pytest.fixture
def strict_db():
    client = mim.MongoClient(server=mim.Server(), server_api=ServerApi("1", strict=True))
    yield client.stableapi
    client.close()


def test_strict_refuses_distinct_helper(strict_db):
    strict_db.things.insert_one({"a": 1})
    with pytest.raises(OperationFailure) as info:
        strict_db.things.distinct("a")
    assert info.value.code == 323
    assert info.value.details["codeName"] == "APIStrictError"
    assert info.value.details["errmsg"] == STRICT_MESSAGE


def test_strict_refuses_distinct_command(strict_db):
    with pytest.raises(OperationFailure) as info:
        strict_db.command("distinct", "things", key="a")
    assert info.value.code == 323


def test_strict_runs_version_1_commands(strict_db):
    strict_db.things.insert_many([{"a": 1}, {"a": 2}])
    assert strict_db.things.count_documents({}) == 2
    assert strict_db.things.estimated_document_count() == 2   # count: in API V1 since 6.0
    assert strict_db.command("count", "things")["n"] == 2
    assert [d["a"] for d in strict_db.things.find({}, {"_id": 0}).sort("a", 1)] == [1, 2]


def test_non_strict_allows_commands_outside_version_1():
    client = mim.MongoClient(server=mim.Server(), server_api=ServerApi("1"))
    client.stableapi.things.insert_one({"a": 1})
    assert client.stableapi.things.distinct("a") == [1]


def test_api_version_2_refused(db):
    with pytest.raises(OperationFailure) as info:
        db.command({"ping": 1, "apiVersion": "2"})
    assert info.value.code == 322
    assert info.value.details["codeName"] == "APIVersionError"
    assert info.value.details["errmsg"] == 'API version must be "1"'


@pytest.mark.parametrize("flag", ["apiStrict", "apiDeprecationErrors"])
def test_flags_without_api_version_refused(db, flag):
    with pytest.raises(OperationFailure) as info:
        db.command({"ping": 1, flag: False})
    assert info.value.code == 4886600
    assert info.value.details["errmsg"] == ("Provided apiStrict and/or apiDeprecationErrors "
                                            "without passing apiVersion")


def test_deprecation_errors_accepted_when_nothing_is_deprecated():
    client = mim.MongoClient(server=mim.Server(),
                             server_api=ServerApi("1", deprecation_errors=True))
    assert client.stableapi.command("ping")["ok"] == 1.0


def test_api_version_must_be_a_string(db):
    with pytest.raises(OperationFailure) as info:
        db.command({"ping": 1, "apiVersion": 1})
    assert info.value.code == 14


def test_strict_refuses_stage_outside_version_1(strict_db):
    with pytest.raises(OperationFailure) as info:
        list(strict_db.things.aggregate([{"$listLocalSessions": {}}]))
    assert info.value.code == 323
    assert info.value.details["errmsg"] == ("$listLocalSessions is not allowed with "
                                            "'apiStrict: true' in API Version 1")


def test_strict_refuses_stage_in_sub_pipeline(strict_db):
    with pytest.raises(OperationFailure) as info:
        list(strict_db.things.aggregate([{"$facet": {"s": [{"$listLocalSessions": {}}]}}]))
    assert info.value.code == 323


def test_strict_runs_version_1_stages(strict_db):
    strict_db.things.insert_many([{"a": 1}, {"a": 2}])
    assert list(strict_db.things.aggregate([{"$group": {"_id": None, "n": {"$sum": "$a"}}}])) \
        == [{"_id": None, "n": 3}]


def test_get_more_with_other_api_parameters_refused(db):
    db.things.insert_many([{"a": i} for i in range(3)])
    cursor_id = db.command({"find": "things", "batchSize": 1, "apiVersion": "1"})["cursor"]["id"]
    with pytest.raises(OperationFailure) as info:
        db.command({"getMore": cursor_id, "collection": "things", "apiVersion": "1",
                    "apiStrict": True})
    assert info.value.code == 325
    assert info.value.details["errmsg"] == (
        'API parameter mismatch: getMore used params { apiVersion: "1", apiStrict: true }, '
        'the cursor-creating command used { apiVersion: "1" }')
    again = db.command({"getMore": cursor_id, "collection": "things", "apiVersion": "1"})
    assert [d["a"] for d in again["cursor"]["nextBatch"]] == [1, 2]


@pytest.mark.parametrize("command, code_name, contains", [
    # the versioned-api spec's test-commands-strict-mode.json
    ("testVersion2", "APIStrictError", "command testVersion2 is not in API Version 1"),
    ("testDeprecation", "APIDeprecationError", "command testDeprecation is deprecated in API "
                                               "Version 1"),
])
def test_stable_api_test_commands(command, code_name, contains):
    client = mim.MongoClient(server=mim.Server(),
                             server_api=ServerApi("1", strict=True, deprecation_errors=True))
    assert client.test.command("testVersion1") == {"ok": 1.0}
    with pytest.raises(OperationFailure) as failed:
        client.test.command(command)
    assert failed.value.details["codeName"] == code_name
    assert contains in failed.value.details["errmsg"]
    # without the Stable API they simply run
    assert mim.MongoClient(server=client.server).test.command(command) == {"ok": 1.0}
