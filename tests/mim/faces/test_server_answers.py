"""Find projections evaluate aggregation expressions (MongoDB 4.4+), listDatabases
shows the system databases a fresh 7.0 replica-set member holds, and
``$currentOp``/``currentOp`` report the operation in progress."""

from __future__ import annotations

import pytest
from pymongo.errors import OperationFailure


def test_find_projection_evaluates_field_paths(coll):
    coll.insert_one({"_id": 1, "nested": {"integer": 7}, "a": [1, 2]})
    assert coll.find_one({}, {"i": "$nested.integer"}) == {"_id": 1, "i": 7}
    assert coll.find_one({}, {"_id": 0, "pair": ["$nested.integer", "$a"]}) == \
        {"pair": [7, [1, 2]]}
    assert coll.find_one({}, {"_id": 0, "s": "plain", "sum": {"$add": ["$nested.integer", 1]}}) \
        == {"s": "plain", "sum": 8}
    assert coll.find_one({}, {"_id": 0, "lit": {"$literal": "$a"}}) == {"lit": "$a"}


def test_find_one_and_update_projection_evaluates_expressions(coll):
    coll.insert_one({"_id": 1, "x": 2})
    assert coll.find_one_and_update({}, {"$inc": {"x": 1}}, {"_id": 0, "y": "$x"}) == {"y": 2}


def test_expression_in_an_exclusion_projection_is_refused(coll):
    coll.insert_one({"_id": 1})
    with pytest.raises(OperationFailure) as info:
        coll.find_one({}, {"a": 0, "i": "$b"})
    assert info.value.code == 31310


def test_list_databases_shows_the_system_databases(client):
    assert client.list_database_names() == ["admin", "config", "local"]
    client.app.c.insert_one({})
    assert client.list_database_names() == ["admin", "app", "config", "local"]
    infos = {d["name"]: d for d in client.list_databases()}
    assert all(infos[name]["sizeOnDisk"] > 0 and infos[name]["empty"] is False
               for name in ("admin", "config", "local"))
    reply = client.admin.command("listDatabases", nameOnly=True)
    assert [d["name"] for d in reply["databases"]] == ["admin", "app", "config", "local"]


def test_current_op_stage_lists_the_running_aggregate(client):
    ops = list(client.admin.aggregate([{"$currentOp": {"allUsers": True}}]))
    assert len(ops) == 1
    op = ops[0]
    assert op["active"] is True and op["op"] == "command"
    assert op["ns"] == "admin.$cmd.aggregate"
    assert "$currentOp" in op["command"]["pipeline"][0]
    matched = list(client.admin.aggregate([{"$currentOp": {}}, {"$match": {"op": "query"}}]))
    assert matched == []


def test_current_op_stage_errors(client):
    with pytest.raises(OperationFailure) as info:
        list(client.app.aggregate([{"$currentOp": {}}]))
    assert info.value.code == 73
    assert "$currentOp must be run against the 'admin' database with {aggregate: 1}" in \
        str(info.value)
    with pytest.raises(OperationFailure) as info:
        list(client.admin.aggregate([{"$currentOp": {"bogus": True}}]))
    assert info.value.code == 9
    assert "Unrecognized option 'bogus' in $currentOp stage." in str(info.value)
    with pytest.raises(OperationFailure) as info:
        list(client.admin.aggregate([{"$currentOp": {"idleConnections": 1}}]))
    assert info.value.code == 9
    with pytest.raises(OperationFailure) as info:
        list(client.admin.aggregate([{"$currentOp": {}}, {"$currentOp": {}}]))
    assert info.value.code == 40602


def test_current_op_command(client):
    reply = client.admin.command("currentOp")
    assert reply["ok"] == 1.0
    assert len(reply["inprog"]) == 1 and reply["inprog"][0]["active"] is True
    assert client.admin.command("currentOp", 1, op="insert")["inprog"] == []
