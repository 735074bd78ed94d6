"""The database profiler (issue 20): the ``profile`` command and
``<db>.system.profile``, in process (``mim.MongoClient``), over the wire
(pymongo on a socket) and through the in-process driver transport (pymongo on
mim's dispatcher, no socket).

Expected values from the server: ``profile_common.cpp`` (the reply holds the
*old* settings; ``sampleRate`` outside [0, 1] is BadValue; ``filter`` is an
object or ``"unset"``), ``curop.cpp`` (level 2 keeps everything, level 1 its
filter or ``slowms``), the manual's "Database Profiler Output" (document shape)
and mongoengine's ``query_counter`` (what ODM test suites rely on)."""

from __future__ import annotations

import datetime

import pymongo
import pytest
from pymongo.errors import OperationFailure

import mim


@pytest.fixture(params=["in-process", "wire", "driver"])
def pdb(request, server, module_client):
    if request.param == "in-process":
        client = mim.MongoClient(server=mim.Server(), appname="profiled-app")
        yield client.proftest
        client.close()
    elif request.param == "wire":
        server.engine.reset()
        client = pymongo.MongoClient(server.uri, appname="profiled-app",
                                     serverSelectionTimeoutMS=5000)
        yield client.proftest
        client.close()
        server.engine.reset()
    else:
        with mim.driver_client(server=mim.Server(), appname="profiled-app") as client:
            yield client.proftest


def _settings(reply: dict) -> dict:
    """The profile command's own fields (a replica-set member adds $clusterTime…)."""
    return {k: v for k, v in reply.items() if not k.startswith("$") and k != "operationTime"}


def test_the_profile_command_answers_the_old_settings(pdb):
    assert _settings(pdb.command("profile", -1)) == {"was": 0, "slowms": 100,
                                                     "sampleRate": 1.0, "ok": 1.0}
    assert pdb.command("profile", 1, slowms=20, sampleRate=0.5)["was"] == 0
    reply = pdb.command("profile", -1)
    assert (reply["was"], reply["slowms"], reply["sampleRate"]) == (1, 20, 0.5)
    # levels outside 0-2 only read; the capped system.profile was made
    assert pdb.command("profile", 7)["was"] == 1
    assert pdb.system.profile.options() == {"capped": True, "size": 1024 * 1024}
    reply = pdb.command("profile", 0, filter={"millis": {"$gt": 5}})
    assert reply["note"] == ("When a filter expression is set, slowms and sampleRate are not "
                             "used for profiling and slow-query log lines.")
    reply = pdb.command("profile", 0, filter="unset")
    assert reply["filter"] == {"millis": {"$gt": 5}}
    assert "filter" not in pdb.command("profile", -1)
    pdb.command("profile", 0, slowms=100, sampleRate=1.0)


def test_bad_profile_arguments(pdb):
    with pytest.raises(OperationFailure) as caught:
        pdb.command("profile", 1, sampleRate=1.5)
    assert caught.value.code == 2
    assert caught.value.details["errmsg"] == "'sampleRate' must be between 0.0 and 1.0 inclusive"
    for bad in (None, "everything"):
        with pytest.raises(OperationFailure) as caught:
            pdb.command("profile", 0, filter=bad)
        assert caught.value.code == 2
        assert caught.value.details["errmsg"] == "Expected an object, or the string 'unset'."
    with pytest.raises(OperationFailure) as caught:
        pdb.command("profile", 0, filter={"nreturned": {"$invalidOperator": 1}})
    assert caught.value.details["errmsg"] == "unknown operator: $invalidOperator"
    # nothing was changed by the failed calls
    assert _settings(pdb.command("profile", -1)) == {"was": 0, "slowms": 100,
                                                     "sampleRate": 1.0, "ok": 1.0}


def test_level_two_records_every_operation_in_the_servers_shape(pdb):
    pdb.things.insert_many([{"_id": i, "x": i % 3} for i in range(6)])
    pdb.things.create_index("x")
    assert pdb.command("profile", 2)["was"] == 0
    pdb.things.insert_one({"_id": 10, "x": 1})
    assert len(list(pdb.things.find({"x": 1}))) == 3
    assert pdb.things.find_one({"_id": 10})["x"] == 1
    pdb.things.update_one({"_id": 1}, {"$set": {"y": 1}})
    pdb.things.delete_many({"x": 2})
    assert pdb.things.count_documents({}) == 5
    entries = list(pdb.system.profile.find())
    assert [e["op"] for e in entries] == ["insert", "query", "query", "update", "remove",
                                          "command"]
    insert, query, by_id, update, remove, count = entries
    for entry in entries:
        assert entry["ns"] == "proftest.things"
        assert "_id" not in entry  # mongod's profile documents have none
        assert isinstance(entry["millis"], int) and isinstance(entry["ts"], datetime.datetime)
        assert entry["client"] == "127.0.0.1" and entry["appName"] == "profiled-app"
        assert entry["allUsers"] == [] and entry["user"] == ""
    assert insert["ninserted"] == 1 and insert["command"]["documents"] == [{"_id": 10, "x": 1}]
    assert query["command"]["filter"] == {"x": 1}
    assert (query["keysExamined"], query["docsExamined"], query["nreturned"]) == (3, 3, 3)
    assert query["planSummary"] == "IXSCAN { x: 1 }" and query["cursorExhausted"] is True
    assert by_id["planSummary"] == "IDHACK" and by_id["nreturned"] == 1
    assert update["command"]["q"] == {"_id": 1} and update["nMatched"] == 1 \
        and update["nModified"] == 1
    assert remove["command"] == {"q": {"x": 2}, "limit": 0} and remove["ndeleted"] == 2
    assert count["command"]["aggregate"] == "things" and count["nreturned"] == 1
    # a failed operation is recorded with its error
    with pytest.raises(OperationFailure):
        pdb.things.find_one({"$bad": 1})
    failed = list(pdb.system.profile.find({"ok": 0}))
    assert len(failed) == 1 and failed[0]["errCode"] == 2 and failed[0]["errName"] == "BadValue"


def test_level_one_keeps_slow_operations_or_what_the_filter_selects(pdb):
    pdb.things.insert_many([{"_id": i} for i in range(3)])
    pdb.command("profile", 1, slowms=60000)
    list(pdb.things.find())
    assert pdb.system.profile.count_documents({}) == 0
    pdb.command("profile", 1, slowms=0)
    list(pdb.things.find())
    assert pdb.system.profile.count_documents({"op": "query"}) == 1
    # with a filter, slowms and sampleRate no longer decide
    pdb.command("profile", 0)
    pdb.system.profile.drop()
    pdb.command("profile", 1, slowms=60000, sampleRate=0.0, filter={"op": "query"})
    list(pdb.things.find())
    pdb.things.insert_one({"_id": 9})
    assert [e["op"] for e in pdb.system.profile.find()] == ["query"]
    pdb.command("profile", 0, slowms=100, sampleRate=1.0, filter="unset")


def test_system_profile_cannot_be_dropped_while_profiling(pdb):
    pdb.command("profile", 2)
    with pytest.raises(OperationFailure) as caught:
        pdb.system.profile.drop()
    assert caught.value.code == 20
    assert caught.value.details["errmsg"] == ("turn off profiling before dropping "
                                              "system.profile collection")
    pdb.command("profile", 0)
    pdb.system.profile.drop()
    assert "system.profile" not in pdb.list_collection_names()


def test_mongoengines_query_counter_recipe(pdb):
    # mongoengine.context_managers.query_counter: profile 0, drop system.profile,
    # profile 2; count entries minus its own counting queries
    ignored = {"ns": {"$ne": "proftest.system.indexes"}, "op": {"$ne": "killcursors"},
               "command.killCursors": {"$exists": False}}
    initial = pdb.command({"profile": 0})["was"]
    pdb.system.profile.drop()
    pdb.command({"profile": 2})
    own_queries = 0

    def count() -> int:
        nonlocal own_queries
        n = pdb.system.profile.count_documents(ignored) - own_queries
        own_queries += 1
        return n

    assert count() == 0
    pdb.users.insert_one({"name": "a"})
    assert count() == 1
    list(pdb.users.find())
    pdb.users.find_one({"name": "a"})
    assert count() == 3
    pdb.command({"profile": initial})


def test_profiling_a_database_leaves_others_alone(pdb):
    pdb.command("profile", 2)
    other = pdb.client.get_database("proftest_other")
    other.things.insert_one({})
    list(other.things.find())
    assert "system.profile" not in other.list_collection_names()
    assert pdb.system.profile.count_documents({"ns": {"$regex": "^proftest_other"}}) == 0
    pdb.command("profile", 0)


def test_a_write_commands_comment_is_on_each_statements_entry(pdb):
    """MongoEngine's ``test_{update,delete}_propagates_hint_collation_and_comment``: the
    profile entry of a delete/update statement carries the command's ``comment``."""
    pdb.things.insert_many([{"_id": i} for i in range(3)])
    pdb.command("profile", 2)
    pdb.things.delete_many({"_id": {"$gte": 1}}, comment="test_comment")
    pdb.things.update_many({}, {"$set": {"y": 1}}, comment={"why": "test"})
    remove, update = list(pdb.system.profile.find({"op": {"$in": ["remove", "update"]}}))
    assert remove["command"]["comment"] == "test_comment"
    assert remove["command"]["q"] == {"_id": {"$gte": 1}}
    assert update["command"]["comment"] == {"why": "test"}


def test_a_statements_index_name_hint_is_shown_as_the_server_serialises_it(pdb):
    """MongoEngine's propagates_hint tests: a string hint appears as ``{"$hint": name}``."""
    pdb.things.insert_many([{"_id": i, "name": str(i)} for i in range(3)])
    pdb.things.create_index("name")
    pdb.command("profile", 2)
    pdb.things.delete_many({"name": "1"}, hint="name_1")
    pdb.things.update_many({}, {"$set": {"y": 1}}, hint=[("name", 1)])
    remove, update = list(pdb.system.profile.find({"op": {"$in": ["remove", "update"]}}))
    assert remove["command"]["hint"] == {"$hint": "name_1"}
    assert update["command"]["hint"] == {"name": 1}
