"""Client sessions as a MongoDB 7.0 standalone provides them, checked on both faces
(in-process ``mim.MongoClient`` and real pymongo over ``mim.serve``): pymongo's
ClientSession API, no transactions (code 20 on their first operation), no snapshot
reads (NotAReplicaSet 123), and the server's session cache."""

from __future__ import annotations

import pymongo
import pytest
from bson.binary import Binary
from bson.timestamp import Timestamp
from pymongo.client_session import ClientSession, SessionOptions, TransactionOptions
from pymongo.errors import ConfigurationError, InvalidOperation, OperationFailure
from pymongo.read_concern import ReadConcern

import mim
from mim.engine.ops import sessions as engine_sessions
from mim.engine.storage.store import Server

TXN_MESSAGE = "Transaction numbers are only allowed on a replica set member or mongos"


def local_session_ids(client) -> set:
    return {bytes(d["_id"]["id"]) for d in client.admin.aggregate([{"$listLocalSessions": {}}])}


# -- the object --------------------------------------------------------------------------

def test_start_session_is_a_pymongo_client_session(client):
    with client.start_session() as s:
        assert isinstance(s, ClientSession)
        assert s.client is client
        assert isinstance(s.options, SessionOptions)
        assert s.options.causal_consistency is True
        assert s.options.snapshot is False
        assert s.options.default_transaction_options is None
        assert not s.has_ended and not s.in_transaction
        lsid = s.session_id
        assert set(lsid) == {"id"}
        assert isinstance(lsid["id"], Binary) and lsid["id"].subtype == 4
        assert s.session_id == lsid  # stable
    assert s.has_ended


def test_options_are_pymongo_session_options(client):
    opts = TransactionOptions(read_concern=ReadConcern("majority"), max_commit_time_ms=5)
    s = client.start_session(causal_consistency=False, default_transaction_options=opts)
    assert s.options.causal_consistency is False
    assert s.options.default_transaction_options is opts
    assert client.start_session(snapshot=True).options.causal_consistency is False
    with pytest.raises(ConfigurationError, match="snapshot reads do not support "
                                                 "causal_consistency=True"):
        client.start_session(snapshot=True, causal_consistency=True)
    with pytest.raises(TypeError):
        client.start_session(default_transaction_options={"readConcern": "x"})


def test_a_standalone_gossips_no_cluster_or_operation_time(client):
    with client.start_session() as s:
        client.db.c.insert_one({"x": 1}, session=s)
        client.db.c.find_one({}, session=s)
        assert s.cluster_time is None and s.operation_time is None
        s.advance_operation_time(Timestamp(5, 1))
        assert s.operation_time == Timestamp(5, 1)
        s.advance_cluster_time({"clusterTime": Timestamp(7, 1)})
        assert s.cluster_time == {"clusterTime": Timestamp(7, 1)}
        with pytest.raises(TypeError):
            s.advance_operation_time(5)
        with pytest.raises(TypeError, match="Invalid cluster_time"):
            s.advance_cluster_time({"clusterTime": 5})


def test_operations_with_a_session_run_normally(client):
    coll = client.db.c
    with client.start_session() as s:
        coll.insert_one({"_id": 1, "x": 1}, session=s)
        coll.insert_many([{"_id": 2}, {"_id": 3}], session=s)
        coll.update_one({"_id": 1}, {"$inc": {"x": 1}}, session=s)
        coll.replace_one({"_id": 2}, {"y": 1}, session=s)
        coll.update_many({}, {"$set": {"z": 1}}, session=s)
        assert coll.find_one_and_update({"_id": 1}, {"$inc": {"x": 1}}, session=s)["x"] == 2
        assert coll.count_documents({}, session=s) == 3
        assert coll.distinct("z", session=s) == [1]
        assert [d["_id"] for d in coll.find({}, session=s).sort("_id", 1)] == [1, 2, 3]
        assert len(list(coll.aggregate([{"$match": {}}], session=s))) == 3
        coll.create_index("x", session=s)
        assert "x_1" in coll.index_information(session=s)
        coll.drop_index("x_1", session=s)
        coll.bulk_write([pymongo.DeleteOne({"_id": 3})], session=s)
        coll.delete_one({"_id": 2}, session=s)
        assert client.db.list_collection_names(session=s) == ["c"]
        assert client.db.command("ping", session=s)["ok"] == 1.0
        assert "db" in client.list_database_names(session=s)
        coll.delete_many({}, session=s)
        coll.drop(session=s)


# -- validation --------------------------------------------------------------------------

@pytest.mark.parametrize("op", [
    lambda c, s: c.db.c.insert_one({}, session=s),
    lambda c, s: c.db.c.find_one({}, session=s),
    lambda c, s: list(c.db.c.find({}, session=s)),
    lambda c, s: c.db.c.update_one({}, {"$set": {"a": 1}}, session=s),
    lambda c, s: c.db.c.delete_many({}, session=s),
    lambda c, s: c.db.c.count_documents({}, session=s),
    lambda c, s: c.db.c.distinct("a", session=s),
    lambda c, s: list(c.db.c.aggregate([], session=s)),
    lambda c, s: c.db.c.find_one_and_delete({}, session=s),
    lambda c, s: c.db.c.create_index("a", session=s),
    lambda c, s: c.db.list_collection_names(session=s),
    lambda c, s: c.db.command("ping", session=s),
    lambda c, s: c.list_database_names(session=s),
])
def test_ended_session_cannot_be_used(client, op):
    s = client.start_session()
    s.end_session()
    with pytest.raises(InvalidOperation, match="^Cannot use ended session$"):
        op(client, s)


def test_ended_session_methods(client):
    s = client.start_session()
    s.end_session()
    s.end_session()  # idempotent
    for call in (lambda: s.session_id, s.start_transaction, s.commit_transaction,
                 s.abort_transaction):
        with pytest.raises(InvalidOperation, match="^Cannot use ended session$"):
            call()


@pytest.mark.parametrize("op", [
    lambda c, s: c.db.c.insert_one({}, session=s),
    lambda c, s: c.db.c.find_one({}, session=s),
    lambda c, s: list(c.db.c.aggregate([], session=s)),
    lambda c, s: c.db.command("ping", session=s),
])
def test_session_of_another_client(client, op):
    other = mim.MongoClient(server=Server())
    s = other.start_session()
    with pytest.raises(InvalidOperation,
                       match="^Can only use session with the MongoClient that started it$"):
        op(client, s)


def test_explicit_session_with_unacknowledged_write_concern(client):
    w0 = client.db.c.with_options(write_concern=pymongo.WriteConcern(w=0))
    with client.start_session() as s:
        with pytest.raises(ConfigurationError, match="Explicit sessions are incompatible with "
                                                     "unacknowledged write concern"):
            w0.insert_one({}, session=s)


def test_bound_session(client):
    with client.start_session() as s:
        with s.bind(end_session=False):
            client.db.c.insert_one({"a": 1})
            s.start_transaction()
            with pytest.raises(OperationFailure) as info:
                client.db.c.find_one()
            assert info.value.code == 20
            s.abort_transaction()
        assert not s.has_ended


# -- transactions: client-side until the first operation, refused by a standalone ------

def test_first_operation_of_a_transaction_fails_with_illegal_operation(client):
    coll = client.db.c
    with client.start_session() as s:
        s.start_transaction()
        assert s.in_transaction
        with pytest.raises(OperationFailure) as info:
            coll.insert_one({"x": 1}, session=s)
        assert info.value.code == 20
        assert info.value.details["errmsg"] == TXN_MESSAGE
        assert info.value.details["codeName"] == "IllegalOperation"
        assert not info.value.has_error_label("TransientTransactionError")
        assert s.in_transaction  # in progress, as far as pymongo knows
        with pytest.raises(OperationFailure) as info:
            s.commit_transaction()  # sent with txnNumber: refused the same way
        assert info.value.code == 20
        assert not s.in_transaction
    assert coll.count_documents({}) == 0


def test_empty_transactions_commit_and_abort_client_side(client):
    with client.start_session() as s:
        with s.start_transaction():
            pass
        s.start_transaction()
        s.abort_transaction()
        with pytest.raises(InvalidOperation, match="Cannot call abortTransaction twice"):
            s.abort_transaction()
        with pytest.raises(InvalidOperation, match="No transaction started"):
            client.start_session().commit_transaction()
        s.start_transaction()
        with pytest.raises(InvalidOperation, match="Transaction already in progress"):
            s.start_transaction()
        s.abort_transaction()


def test_with_transaction_raises_the_servers_error(client):
    calls = []

    def callback(session):
        calls.append(1)
        return session.client.db.c.insert_one({"x": 1}, session=session)

    with client.start_session() as s:
        with pytest.raises(OperationFailure) as info:
            s.with_transaction(callback)
        assert info.value.code == 20
        assert calls == [1]  # no TransientTransactionError label: no retry
        assert not s.in_transaction
        assert s.with_transaction(lambda session: "nothing sent") == "nothing sent"


def test_ending_a_session_aborts_its_transaction(client):
    s = client.start_session()
    s.start_transaction()
    s.end_session()
    assert s.has_ended and not s.in_transaction


def test_snapshot_sessions_refuse_transactions(client):
    with client.start_session(snapshot=True) as s:
        with pytest.raises(InvalidOperation,
                           match="Transactions are not supported in snapshot sessions"):
            s.start_transaction()


# -- snapshot reads need a replica set --------------------------------------------------

@pytest.mark.parametrize("op", [
    lambda c, s: c.db.c.find_one({}, session=s),
    lambda c, s: list(c.db.c.aggregate([], session=s)),
    lambda c, s: c.db.c.distinct("x", session=s),
    lambda c, s: c.db.c.count_documents({}, session=s),
])
def test_snapshot_reads_fail_on_a_standalone(client, op):
    client.db.c.insert_one({"x": 1})
    with client.start_session(snapshot=True) as s:
        with pytest.raises(OperationFailure) as info:
            op(client, s)
        assert info.value.code == 123
        assert info.value.details["codeName"] == "NotAReplicaSet"
        assert info.value.details["errmsg"] == ("node needs to be a replica set member to use "
                                                "readConcern: snapshot")


def test_snapshot_session_other_commands_refuse_the_read_concern(client):
    with client.start_session(snapshot=True) as s:
        with pytest.raises(OperationFailure) as info:
            client.db.c.insert_one({}, session=s)
        assert info.value.code == 72


# -- the server's session cache ---------------------------------------------------------

def test_sessions_used_are_listed_by_list_local_sessions(client):
    with client.start_session() as s:
        client.db.c.insert_one({}, session=s)
        records = list(client.admin.aggregate([{"$listLocalSessions": {}}]))
        assert bytes(s.session_id["id"]) in {bytes(r["_id"]["id"]) for r in records}
        record = records[0]
        assert set(record) == {"_id", "lastUse"} and set(record["_id"]) == {"id", "uid"}
        assert record["_id"]["uid"] == bytes(engine_sessions.NO_AUTH_UID)  # SHA-256 of ""
        assert list(client.admin.aggregate([{"$listLocalSessions": {"allUsers": True}}]))
        assert list(client.admin.aggregate(
            [{"$listLocalSessions": {"users": [{"user": "u", "db": "admin"}]}}])) == []


def test_list_local_sessions_spec_tests_shape(client):
    # crud/db-aggregate: any database with {aggregate: 1}; the command's own implicit
    # session is in the cache before the pipeline runs
    result = list(client.get_database("admin").aggregate([
        {"$listLocalSessions": {}}, {"$limit": 1}, {"$addFields": {"dummy": "dummy field"}},
        {"$project": {"_id": 0, "dummy": 1}}]))
    assert result == [{"dummy": "dummy field"}]


@pytest.mark.parametrize("pipeline, code", [
    ([{"$listLocalSessions": 1}], 14),
    ([{"$listLocalSessions": {"bogus": 1}}], 40415),
    ([{"$listLocalSessions": {"allUsers": True, "users": [{"user": "a", "db": "b"}]}}], 11),
    ([{"$limit": 1}, {"$listLocalSessions": {}}], 73),
])
def test_list_local_sessions_errors(client, pipeline, code):
    with pytest.raises(OperationFailure) as info:
        list(client.admin.aggregate(pipeline))
    assert info.value.code == code


def test_list_local_sessions_needs_aggregate_1(client):
    with pytest.raises(OperationFailure) as info:
        list(client.db.c.aggregate([{"$listLocalSessions": {}}]))
    assert info.value.code == 73
    assert "must be run against the database with {aggregate: 1}" in str(info.value)


def test_session_commands(client, engine):
    reply = client.admin.command("startSession")
    assert set(reply) == {"id", "timeoutMinutes", "ok"} and reply["timeoutMinutes"] == 30
    lsid = reply["id"]
    assert bytes(lsid["id"]) in local_session_ids(client)
    assert client.admin.command("refreshSessions", [lsid])["ok"] == 1.0
    assert client.admin.command("killSessions", [lsid])["ok"] == 1.0
    assert client.admin.command("endSessions", [lsid])["ok"] == 1.0
    assert lsid["id"] not in engine_sessions.registry(engine)
    assert client.admin.command("killAllSessions", [])["ok"] == 1.0
    with pytest.raises(OperationFailure) as info:
        client.admin.command("endSessions", 5)
    assert info.value.code == 14


def test_server_sessions_are_pooled_and_ended_on_close(client, engine):
    s = client.start_session()
    lsid = s.session_id
    client.db.c.insert_one({}, session=s)
    s.end_session()
    with client.start_session() as again:
        assert again.session_id == lsid  # pymongo reuses a pooled server session
    assert lsid["id"] in engine_sessions.registry(engine)
    client.close()
    assert lsid["id"] not in engine_sessions.registry(engine)


def test_commit_transaction_command_outside_a_transaction(client):
    with pytest.raises(OperationFailure) as info:
        client.admin.command("commitTransaction")
    assert info.value.code == 125


def test_lsid_is_validated(client):
    with pytest.raises(OperationFailure) as info:
        client.admin.command("endSessions", [{"id": 5}])
    assert info.value.code == 14
