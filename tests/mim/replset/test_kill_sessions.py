"""killSessions, killAllSessions and killAllSessionsByPattern on both faces: killing a
session aborts its transaction in progress (``killSessionsLocal`` ->
``killSessionsAbortUnpreparedTransactions``), so what it held is released at once, and
the transaction's commit then fails with NoSuchTransaction (251); a session the
command does not select keeps its transaction.  pymongo's unified test runner runs
``killAllSessions: []`` after every transaction test for exactly this."""

from __future__ import annotations

import pytest
from pymongo.errors import OperationFailure

from mim.engine.ops.sessions import user_digest


def _open_transaction(client, _id):
    session = client.start_session()
    session.start_transaction()
    client.t.c.insert_one({"_id": _id}, session=session)
    return session


def _commit_fails_as_aborted(session):
    with pytest.raises(OperationFailure) as info:
        session.commit_transaction()
    assert info.value.code == 251 and info.value.has_error_label("TransientTransactionError")


def test_kill_all_sessions_aborts_every_open_transaction(client):
    client.t.create_collection("c")
    first, second = _open_transaction(client, 1), _open_transaction(client, 2)
    assert client.admin.command("killAllSessions", [])["ok"] == 1.0
    # the transactions' writes are gone and nothing they held blocks a write
    client.t.c.insert_many([{"_id": 1}, {"_id": 2}])
    _commit_fails_as_aborted(first)
    _commit_fails_as_aborted(second)
    assert sorted(d["_id"] for d in client.t.c.find()) == [1, 2]
    first.end_session()
    second.end_session()


def test_kill_all_sessions_of_other_users_keeps_the_transaction(client):
    client.t.create_collection("c")
    session = _open_transaction(client, 1)
    client.admin.command("killAllSessions", [{"user": "someone", "db": "admin"}])
    session.commit_transaction()
    assert client.t.c.find_one() == {"_id": 1}
    session.end_session()


def test_kill_all_sessions_user_needs_user_and_db(client):
    with pytest.raises(OperationFailure) as info:
        client.admin.command("killAllSessions", [{"user": "someone"}])
    assert info.value.code == 40414


def test_kill_sessions_aborts_only_the_listed_sessions(client):
    client.t.create_collection("c")
    killed, kept = _open_transaction(client, 1), _open_transaction(client, 2)
    client.admin.command("killSessions", [killed.session_id])
    _commit_fails_as_aborted(killed)
    kept.commit_transaction()
    assert [d["_id"] for d in client.t.c.find()] == [2]
    killed.end_session()
    kept.end_session()


def test_a_killed_session_can_run_a_new_transaction(client):
    client.t.create_collection("c")
    session = _open_transaction(client, 1)
    client.admin.command("killSessions", [])
    _commit_fails_as_aborted(session)
    session.start_transaction()
    client.t.c.insert_one({"_id": 2}, session=session)
    session.commit_transaction()
    assert [d["_id"] for d in client.t.c.find()] == [2]
    session.end_session()


def test_kill_all_sessions_by_pattern_selects_by_lsid(client):
    client.t.create_collection("c")
    killed, kept = _open_transaction(client, 1), _open_transaction(client, 2)
    pattern = {"lsid": {"id": killed.session_id["id"], "uid": user_digest("", "")}}
    client.admin.command("killAllSessionsByPattern", [pattern])
    _commit_fails_as_aborted(killed)
    kept.commit_transaction()
    client.admin.command("killAllSessionsByPattern", [])
    assert [d["_id"] for d in client.t.c.find()] == [2]
    killed.end_session()
    kept.end_session()
