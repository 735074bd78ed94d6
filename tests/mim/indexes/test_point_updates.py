"""``update_one({field: value}, {"$set": {…}})`` with no option updates its point
without the update command (``Runner.update_one_point``) only when nothing else
could answer: its result, its errors, the documents and index entries it leaves,
the change events, the opcounters, the profiler and the journal must be the
general path's, update for update.  The general path is reached by making
``Runner.update_one_point`` answer ``NOT_A_POINT`` (the caller then sends the
update command), and the same updates run both ways on two fresh servers."""

from __future__ import annotations

import bson
from bson.errors import BSONError
import pytest
from bson import Decimal128, Int64, ObjectId
from hypothesis import HealthCheck, given, settings, strategies as st
from pymongo import monitoring
from pymongo.errors import PyMongoError

import mim
from mim.runner import NOT_A_POINT, Runner

_OID = ObjectId("64b7f0c2a1b2c3d4e5f60718")

#: filters: points on _id, on the indexed uid and the unique-indexed code, values
#: of the kinds the point path takes and others, and filters it leaves alone
_FILTERS = st.one_of(
    st.builds(lambda v: {"_id": v}, st.sampled_from([0, 1, 2, 7, "s", _OID, 2.0, Int64(1)])),
    st.builds(lambda v: {"uid": v}, st.sampled_from(["u0", "u1", "u2", "nope", 1, "é"])),
    st.builds(lambda v: {"code": v}, st.sampled_from([10, 11, 12, 99])),
    st.sampled_from([{"name": "n0"}, {"uid": {"$gt": "u0"}}, {"a.b": 1}, {}]))
#: $set values: plain scalars, values that change type only, and others
_VALUES = st.one_of(st.integers(-3, 3), st.sampled_from(
    ["n0", "x", "é", "", 1.0, -0.0, float("nan"), True, None, 2 ** 40, Int64(3),
     Decimal128("1"), [1], {"k": 1}, _OID]))
#: $set field names: unindexed, indexed (uid), unique-indexed (code), and names the
#: server refuses or reads as paths
_NAMES = st.sampled_from(["name", "n", "uid", "code", "z", "_id", "", "a.b", "$x", "a\x00"])
_UPDATES = st.one_of(
    st.dictionaries(_NAMES, _VALUES, min_size=1, max_size=3).map(lambda s: {"$set": s}),
    st.sampled_from([{"$set": {}}, {"$set": {"name": "big" * 6_000_000}},
                     {"$inc": {"code": 1}}, {"$set": {"name": 1}, "$unset": {"z": ""}}]))


def _fresh() -> tuple[mim.MongoClient, mim.Server]:
    server = mim.Server()
    client = mim.MongoClient(server=server)
    coll = client.test.c
    coll.create_index("uid")
    coll.create_index("code", unique=True)
    coll.insert_many([{"_id": i, "uid": f"u{i}", "code": 10 + i, "name": f"n{i}", "z": 0}
                      for i in range(3)])
    return client, server


def _outcome(coll, filter, update, upsert) -> tuple:
    """What one update_one gives: its raw result (an upserted ObjectId by its type),
    or its error's class, code, message and details."""
    try:
        raw = dict(coll.update_one(filter, update, upsert=upsert).raw_result)
    except PyMongoError as exc:
        details = getattr(exc, "details", None)
        return (type(exc).__name__, getattr(exc, "code", None), str(exc)[:300],
                repr(details)[:300])
    except (ValueError, TypeError, BSONError) as exc:  # the driver's own checks
        return (type(exc).__name__, str(exc)[:300])
    if type(raw.get("upserted")) is ObjectId:
        raw["upserted"] = "ObjectId"
    return ("ok", raw)


def _state(client) -> tuple:
    """The documents byte for byte (ObjectId _ids by position) and what each index finds."""
    coll = client.test.c
    docs = [bson.encode(d) if type(d["_id"]) is not ObjectId
            else bson.encode({**d, "_id": "oid"}) for d in coll.find().sort("_id", 1)]
    by_index = [sorted(map(repr, coll.find({field: {"$exists": True}}, {"_id": 0}).hint(
        hint).sort(field, 1))) for field, hint in (("uid", "uid_1"), ("code", "code_1"))]
    status = client.test.command("serverStatus")["opcounters"]
    return docs, by_index, status["update"], status["insert"]


def _events(stream) -> list:
    events = []
    while (event := stream.try_next()) is not None:
        key = event["documentKey"]["_id"]
        events.append((event["operationType"], "oid" if type(key) is ObjectId else key,
                       event.get("updateDescription")))
    return events


def _run_both(monkeypatch, operations) -> tuple[list, list]:
    """The outcomes, states and events of ``operations`` run on the point path and
    on the general path; and how many the point path answered itself."""
    answered = []
    point = Runner.update_one_point

    def spy(self, *args):
        done = point(self, *args)
        answered.append(done is not NOT_A_POINT)
        return done

    runs = []
    for general in (False, True):
        with monkeypatch.context() as patch:
            patch.setattr(Runner, "update_one_point",
                          (lambda self, *args: NOT_A_POINT) if general else spy)
            client, _ = _fresh()
            coll = client.test.c
            # (events are all in when read: a short await keeps try_next from idling 1 s)
            with coll.watch(max_await_time_ms=1) as stream:
                outcomes = [_outcome(coll, *operation) for operation in operations]
                runs.append((outcomes, _state(client), _events(stream)))
    assert repr(runs[0]) == repr(runs[1])  # (repr: a NaN set equals itself)
    return runs, answered


@settings(max_examples=60, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(operations=st.lists(st.tuples(_FILTERS, _UPDATES, st.booleans()), min_size=1,
                           max_size=6))
def test_point_updates_answer_as_the_general_path(monkeypatch, operations):
    _run_both(monkeypatch, operations)


def test_the_point_path_answers_the_plain_cases(monkeypatch):
    operations = [({"uid": "u1"}, {"$set": {"name": "renamed"}}, False),  # modified
                  ({"uid": "u1"}, {"$set": {"name": "renamed"}}, False),  # unchanged
                  ({"uid": "none"}, {"$set": {"name": "x"}}, False),  # no match
                  ({"_id": 2}, {"$set": {"code": 11}}, False),  # duplicate key: general
                  ({"_id": 2}, {"$set": {"code": 20, "name": 1.5}}, False),  # an index moves
                  ({"code": 20}, {"$set": {"name": None, "new": True}}, True),  # upsert, matched
                  ({"code": 99}, {"$set": {"name": "up"}}, True),  # upsert inserts: general
                  ({"_id": 0}, {"$set": {"name": "big" * 6_000_000}}, False)]  # too large
    runs, answered = _run_both(monkeypatch, operations)
    assert answered == [True, True, True, False, True, True, False, False]
    outcomes, (_, by_index, updates, _), events = runs[0]
    assert outcomes[0] == outcomes[5] == ("ok", {"n": 1, "nModified": 1, "ok": 1.0,
                                                 "updatedExisting": True})
    assert outcomes[1] == ("ok", {"n": 1, "nModified": 0, "ok": 1.0, "updatedExisting": True})
    assert outcomes[2] == ("ok", {"n": 0, "nModified": 0, "ok": 1.0, "updatedExisting": False})
    assert outcomes[3][:2] == ("DuplicateKeyError", 11000)
    assert outcomes[7][:2] == ("WriteError", 17419)
    assert updates == len(operations)  # one update operation counted each
    assert [e for e in events if e[0] == "update"] == [
        ("update", 1, {"updatedFields": {"name": "renamed"}, "removedFields": [],
                       "truncatedArrays": []}),
        ("update", 2, {"updatedFields": {"code": 20, "name": 1.5}, "removedFields": [],
                       "truncatedArrays": []}),
        ("update", 2, {"updatedFields": {"name": None, "new": True}, "removedFields": [],
                       "truncatedArrays": []})]
    # (set fields keep their place, a new one comes last)
    assert "{'uid': 'u2', 'code': 20, 'name': None, 'z': 0, 'new': True}" in by_index[1]


def test_a_validator_a_view_and_a_time_series_collection_take_the_command(monkeypatch):
    client = mim.MongoClient(server=mim.Server())
    db = client.test
    db.create_collection("v", validator={"name": {"$type": "string"}})
    db.v.insert_one({"_id": 1, "name": "a"})
    db.create_collection("view", viewOn="v", pipeline=[])
    db.create_collection("ts", timeseries={"timeField": "t"})
    with pytest.raises(PyMongoError) as refused:
        db.v.update_one({"_id": 1}, {"$set": {"name": 5}})
    assert refused.value.code == 121  # DocumentValidationFailure, as a write error
    assert db.v.find_one() == {"_id": 1, "name": "a"}
    with pytest.raises(PyMongoError) as on_view:
        db.view.update_one({"_id": 1}, {"$set": {"name": "b"}})
    assert on_view.value.code == 166  # CommandNotSupportedOnView
    with pytest.raises(PyMongoError) as on_time_series:
        db.ts.update_one({"_id": 1}, {"$set": {"name": "b"}})
    assert on_time_series.value.code == 72  # 7.0: arbitrary updates need multi: true


def test_listeners_a_session_the_profiler_and_fail_points_see_the_command():
    class Listener(monitoring.CommandListener):
        def __init__(self):
            self.names = []

        def started(self, event):
            self.names.append(event.command_name)

        def succeeded(self, event):
            pass

        def failed(self, event):
            pass

    listener = Listener()
    server = mim.Server()
    watched = mim.MongoClient(server=server, event_listeners=[listener])
    watched.test.c.insert_one({"_id": 1, "name": "a"})
    watched.test.c.update_one({"_id": 1}, {"$set": {"name": "b"}})
    assert listener.names[-1] == "update"
    client = mim.MongoClient(server=server)
    client.test.command("profile", 2)
    client.test.c.update_one({"_id": 1}, {"$set": {"name": "c"}})
    profiled = list(client.test.system.profile.find({"op": "update"}))
    assert len(profiled) == 1 and profiled[0]["command"]["q"] == {"_id": 1}
    client.test.command("profile", 0)
    with client.start_session() as session:
        with session.start_transaction():
            client.test.c.update_one({"_id": 1}, {"$set": {"name": "in txn"}}, session=session)
            session.abort_transaction()
    assert client.test.c.find_one() == {"_id": 1, "name": "c"}
    client.admin.command("configureFailPoint", "failCommand", mode={"times": 1},
                         data={"failCommands": ["update"], "errorCode": 2})
    with pytest.raises(PyMongoError) as failed:
        client.test.c.update_one({"_id": 1}, {"$set": {"name": "d"}})
    assert failed.value.code == 2
    assert client.test.c.find_one() == {"_id": 1, "name": "c"}


def test_a_durable_server_journals_a_point_update(tmp_path):
    server = mim.Server(dbpath=str(tmp_path))
    client = mim.MongoClient(server=server)
    client.test.c.create_index("uid")
    client.test.c.insert_one({"_id": 1, "uid": "a", "name": "old"})
    assert client.test.c.update_one({"uid": "a"}, {"$set": {"name": "new"}}).modified_count == 1
    client.close()
    server.close()
    again = mim.MongoClient(server=mim.Server(dbpath=str(tmp_path)))
    assert again.test.c.find_one() == {"_id": 1, "uid": "a", "name": "new"}
