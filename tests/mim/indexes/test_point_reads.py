"""``find_one({field: value})`` with no option reads its point without the find
command (``Runner.find_one_point``) only when nothing else could answer: the
answer must be the general path's, document for document, and every option,
listener, fail point, profiler, view and collation must still see or shape the
command exactly as before.  The general path is reached with a hint (the
planner's scan of the same index) or the runner's ``find`` command."""

from __future__ import annotations

import datetime

import pytest
from bson import Decimal128, Int64, ObjectId
from hypothesis import HealthCheck, given, settings, strategies as st
from pymongo import monitoring
from pymongo.errors import InvalidOperation, OperationFailure

import mim
from mim.runner import NOT_A_POINT

_OID = ObjectId("64b7f0c2a1b2c3d4e5f60718")

#: stored values: numbers of every kind (equal across kinds), strings, ObjectIds,
#: arrays (multikey), nested arrays, documents, null
_STORED = st.one_of(
    st.integers(-3, 3), st.sampled_from([1.0, 2.5, -0.0, Int64(2), Decimal128("3"),
                                         "a", "b", "A", "é", _OID, None, True,
                                         datetime.datetime(2020, 1, 1)]),
    st.lists(st.sampled_from([1, 2, "a", "b", [1], [2, "a"]]), max_size=3),
    st.sampled_from([{"x": 1}, {}]))
#: the values find_one's point path takes (int32, ASCII string, ObjectId) and a few
#: it leaves to the command
_ASKED = st.one_of(st.integers(-3, 3), st.sampled_from(["a", "b", "A", "é", _OID,
                                                        2 ** 40, 2.0, Int64(2)]))


def _general_first(coll, path, value, hint):
    """The first match through the general planner (a hinted find)."""
    return next(iter(coll.find({path: value}).hint(hint)), None)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ids=st.lists(st.one_of(st.integers(-3, 3), st.sampled_from(
           [2.5, Int64(7), "a", "b", _OID, Decimal128("9")])), max_size=8),
       values=st.lists(_STORED, max_size=8),
       unique_keys=st.booleans(), descending=st.booleans(),
       asked=st.lists(_ASKED, min_size=1, max_size=6))
def test_point_reads_answer_as_the_general_path(ids, values, unique_keys, descending, asked):
    coll = mim.MongoClient(server=mim.Server()).test.c
    coll.create_index([("uid", -1 if descending else 1)], name="uid_i")
    for i, id_value in enumerate(ids):
        doc = {"_id": id_value, "n": i}
        if values and i < len(values):
            doc["uid"] = values[i]
        coll.insert_one(doc) if coll.count_documents({"_id": id_value}) == 0 else None
    for value in asked:
        assert coll.find_one({"_id": value}) == _general_first(coll, "_id", value,
                                                                [("$natural", 1)])
        assert coll.find_one({"uid": value}) == _general_first(coll, "uid", value, "uid_i")
        assert coll.find_one({"other": value}) == _general_first(coll, "other", value,
                                                                  [("$natural", 1)])


def test_the_point_path_is_taken_and_leaves_the_rest(client, coll):
    runner = client._runner
    coll.create_index("uid")
    coll.insert_many([{"_id": 1, "uid": "a"}, {"_id": 2, "uid": "a"}, {"_id": "x"}])
    raw = runner.find_one_point("test", "c", "uid", "a")
    assert raw is not NOT_A_POINT and mim.boundary.decode(raw, coll.codec_options) == \
        {"_id": 1, "uid": "a"}
    assert runner.find_one_point("test", "c", "_id", "missing") is None
    assert runner.find_one_point("test", "nothing", "_id", 1) is NOT_A_POINT
    assert runner.find_one_point("test", "c", "n", 1) is NOT_A_POINT  # a scan: planned
    coll.create_index("n", partialFilterExpression={"n": {"$gt": 0}})
    assert runner.find_one_point("test", "c", "n", 1) is NOT_A_POINT
    coll.create_index([("uid", -1)], name="uid_desc")  # two candidates: costed
    assert runner.find_one_point("test", "c", "uid", "a") is NOT_A_POINT
    assert coll.find_one({"uid": "a"}) == {"_id": 1, "uid": "a"}


def test_catalog_changes_are_seen(db, coll):
    coll.insert_many([{"_id": i, "uid": "u%d" % (i % 3)} for i in range(9)])
    assert coll.find_one({"uid": "u1"}) == {"_id": 1, "uid": "u1"}  # scanned
    coll.create_index([("uid", -1)])
    assert coll.find_one({"uid": "u1"}) == {"_id": 7, "uid": "u1"}  # the index's order
    db.command("collMod", "c", index={"name": "uid_-1", "hidden": True})
    assert coll.find_one({"uid": "u1"}) == {"_id": 1, "uid": "u1"}
    db.command("collMod", "c", index={"name": "uid_-1", "hidden": False})
    assert coll.find_one({"uid": "u1"}) == {"_id": 7, "uid": "u1"}
    coll.drop_index("uid_-1")
    assert coll.find_one({"uid": "u1"}) == {"_id": 1, "uid": "u1"}
    coll.drop()
    assert coll.find_one({"_id": 1}) is None


def test_views_and_collations_answer_as_before(db):
    db.create_collection("people", collation={"locale": "en", "strength": 2})
    db.people.create_index("name")
    db.people.insert_many([{"_id": 1, "name": "ABC"}, {"_id": 2, "name": "x"}])
    assert db.people.find_one({"name": "abc"}) == {"_id": 1, "name": "ABC"}
    db.people.insert_one({"_id": "KEY"})
    assert db.people.find_one({"_id": "key"}) == {"_id": "KEY"}  # _id by the collation too
    db.plain.insert_one({"_id": 1, "name": "ABC"})
    assert db.plain.find_one({"name": "abc"}) is None  # binary, though another has one
    assert db.plain.find_one({"name": "ABC"}) == {"_id": 1, "name": "ABC"}
    db.create_collection("v", viewOn="plain", pipeline=[{"$set": {"seen": True}}])
    assert db.v.find_one({"_id": 1}) == {"_id": 1, "name": "ABC", "seen": True}
    db.create_collection("cv", viewOn="people", pipeline=[],
                         collation={"locale": "en", "strength": 2})
    assert db.cv.find_one({"name": "abc"}) == {"_id": 1, "name": "ABC"}


def test_counted_profiled_and_failed_as_the_find_command(client, db, coll):
    coll.insert_one({"_id": 1})

    def queries():
        return client.admin.command("serverStatus")["opcounters"]["query"]

    before = queries()
    coll.find_one({"_id": 1})
    coll.find_one({"_id": 2})
    assert queries() == before + 2
    db.command("profile", 2)
    coll.find_one({"_id": 1})
    db.command("profile", 0)
    entry = db.system.profile.find_one({"op": "query"})
    assert entry["command"]["filter"] == {"_id": 1} and entry["planSummary"] == "IDHACK"
    client.admin.command("configureFailPoint", "failCommand", mode={"times": 1},
                         data={"failCommands": ["find"], "errorCode": 2})
    with pytest.raises(OperationFailure) as info:
        coll.find_one({"_id": 1})
    assert info.value.code == 2
    assert coll.find_one({"_id": 1}) == {"_id": 1}


def test_listeners_sessions_and_transactions_see_the_command():
    started = []

    class Listener(monitoring.CommandListener):
        def started(self, event):
            started.append(event)

        def succeeded(self, event):
            pass

        def failed(self, event):
            pass

    server = mim.Server()
    watched = mim.MongoClient(server=server, event_listeners=[Listener()])
    watched.test.c.insert_one({"_id": 1})
    assert watched.test.c.find_one({"_id": 1}) == {"_id": 1}
    finds = [e for e in started if e.command_name == "find"]
    assert len(finds) == 1 and finds[0].command["filter"] == {"_id": 1}
    assert "lsid" in finds[0].command

    rs = mim.MongoClient(server=mim.Server())  # (a replica set by default)
    coll = rs.test.c
    coll.insert_one({"_id": 1, "n": 0})
    with rs.start_session() as session:
        with session.start_transaction():
            coll.update_one({"_id": 1}, {"$set": {"n": 1}}, session=session)
            assert coll.find_one({"_id": 1}, session=session) == {"_id": 1, "n": 1}
            assert coll.find_one({"_id": 1}) == {"_id": 1, "n": 0}  # outside it
    assert coll.find_one({"_id": 1}) == {"_id": 1, "n": 1}


def test_a_closed_client_refuses():
    client = mim.MongoClient(server=mim.Server())
    client.test.c.insert_one({"_id": 1})
    client.close()
    with pytest.raises(InvalidOperation):
        client.test.c.find_one({"_id": 1})


class _Key(str):
    """A ``str`` subclass as a filter key (encoded as a string all the same)."""


def test_other_keys_take_the_command(coll):
    coll.insert_many([{"_id": 1, "a": {"b": 2}, "é": 3, "k": 4}, {"_id": 2, "": 5}])
    assert coll.find_one({"a.b": 2}) == {"_id": 1, "a": {"b": 2}, "é": 3, "k": 4}
    assert coll.find_one({"é": 3})["_id"] == 1
    assert coll.find_one({"k": 4})["_id"] == 1  # accepted once (then remembered) ...
    assert coll.find_one({_Key("k"): 4})["_id"] == 1  # ... for exact strings only
    assert coll.find_one({"": 5}) == _general_first(coll, "", 5, [("$natural", 1)])
    with pytest.raises(OperationFailure) as info:
        coll.find_one({"$bad": 1})
    assert info.value.code == 2 and info.value.details["errmsg"].startswith(
        "unknown top level operator: $bad")
