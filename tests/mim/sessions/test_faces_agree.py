"""``mim.MongoClient().start_session()`` behaves as real pymongo's session against
mim's wire server: one scenario, both faces, the same observations."""

from __future__ import annotations

import pymongo
from pymongo.errors import PyMongoError

import mim
from mim.engine.storage.store import Server


def scenario(client) -> list:
    out: list = []
    coll = client.db.c

    def attempt(label, fn):
        try:
            out.append((label, "ok", fn()))
        except PyMongoError as exc:
            out.append((label, type(exc).__name__, getattr(exc, "code", None), str(exc)))

    s = client.start_session()
    out.append(("fresh", s.has_ended, s.in_transaction, s.options.causal_consistency,
                s.cluster_time, s.operation_time, sorted(s.session_id)))
    attempt("insert", lambda: coll.insert_one({"_id": 1}, session=s).inserted_id)
    s.start_transaction()
    attempt("txn insert", lambda: coll.insert_one({"_id": 2}, session=s).inserted_id)
    attempt("txn commit", s.commit_transaction)
    attempt("with_transaction", lambda: s.with_transaction(
        lambda ss: coll.find_one({}, session=ss)))
    out.append(("state", s._transaction.state, s.in_transaction))
    lsid = s.session_id
    s.end_session()
    attempt("ended find", lambda: coll.find_one({}, session=s))
    attempt("ended insert", lambda: coll.insert_one({}, session=s))
    out.append(("reused lsid", client.start_session().session_id == lsid))
    snap = client.start_session(snapshot=True)
    attempt("snapshot find", lambda: coll.find_one({}, session=snap))
    attempt("snapshot distinct", lambda: coll.distinct("x", session=snap))
    attempt("snapshot insert", lambda: coll.insert_one({}, session=snap))
    attempt("snapshot txn", snap.start_transaction)
    other = mim.MongoClient(server=Server(standalone=True)).start_session()
    attempt("other client", lambda: coll.find_one({}, session=other))
    attempt("listLocalSessions", lambda: len(list(client.admin.aggregate(
        [{"$listLocalSessions": {}}, {"$limit": 1}]))))
    attempt("documents", lambda: list(coll.find({}, {"_id": 1})))
    return out


def test_faces_agree():
    in_process = scenario(mim.MongoClient(server=Server(standalone=True)))
    with mim.serve(port=0, engine=Server(standalone=True)) as server:
        client = pymongo.MongoClient(server.uri, serverSelectionTimeoutMS=5000)
        try:
            over_the_wire = scenario(client)
        finally:
            client.close()
    assert in_process == over_the_wire
