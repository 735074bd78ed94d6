"""A write outside a transaction that meets the transaction's pending write waits for
the transaction to end, then applies to the committed state (MongoDB 7.0, both faces).

The manual's "In-progress Transactions and Write Conflicts": *if a transaction is in
progress and has taken a lock to modify a document, when a write outside the
transaction tries to modify the same document, the write waits until the transaction
ends*; the server's own test plan (SERVER-34650): *verify that this non-transactional
write blocks until the transaction has committed, or until maxTimeMS expires*.  The
other direction stays a conflict: a transaction writing a document that a write
outside it changed after its snapshot gets WriteConflict (112), which
``test_transactions`` covers.

Each test runs the outside write in a second thread, checks it is still blocked while
the transaction is open (and that nothing changed), then ends the transaction.

The operations that need a collection's exclusive lock — drop, dropDatabase,
renameCollection, createIndexes, dropIndexes, ``$out``'s replacement of its target —
wait the same way behind a transaction that wrote the collection, and fail with
MaxTimeMSExpired when their ``maxTimeMS`` ends first
(jstests/core/txns/transactions_block_ddl.js).  ``$merge`` writes like any write
outside a transaction; a TTL pass skips a document a transaction holds (the pass never
waits nor fails) and deletes it in a later pass."""

from __future__ import annotations

import datetime
import threading
import time

import pytest
from pymongo.errors import DuplicateKeyError, OperationFailure

#: how long a blocked write is watched before the transaction ends
BLOCKED_FOR = 0.3


class Outside:
    """A write run in its own thread: its result or the exception it raised."""

    def __init__(self, write) -> None:
        self.result = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(write,), daemon=True)
        self.thread.start()

    def _run(self, write) -> None:
        try:
            self.result = write()
        except BaseException as exc:  # handed to the test
            self.error = exc

    def still_blocked(self) -> bool:
        self.thread.join(BLOCKED_FOR)
        return self.thread.is_alive()

    def outcome(self):
        self.thread.join(30)
        assert not self.thread.is_alive(), "the outside write never ended"
        if self.error is not None:
            raise self.error
        return self.result


@pytest.fixture
def coll(client):
    """The collection every test works on."""
    return client.t.c


@pytest.fixture
def session(client):
    """A session whose transaction is started: it begins (takes its snapshot) with the
    first statement sent with the session, and is aborted if the test leaves it open."""
    with client.start_session() as session:
        session.start_transaction()
        yield session


def test_an_outside_update_waits_for_the_commit_and_applies_to_the_committed_document(
        coll, session):
    coll.insert_one({"_id": 1, "n": 1})
    coll.update_one({"_id": 1}, {"$set": {"n": 5}}, session=session)
    outside = Outside(lambda: coll.update_one({"_id": 1}, {"$inc": {"n": 10}}))
    assert outside.still_blocked()
    assert coll.find_one() == {"_id": 1, "n": 1}  # nothing of either write is seen yet
    session.commit_transaction()
    result = outside.outcome()
    assert (result.matched_count, result.modified_count) == (1, 1)
    assert coll.find_one() == {"_id": 1, "n": 15}  # $inc applied to the committed 5


def test_an_outside_update_waits_for_the_abort_and_applies_to_the_original(coll, session):
    coll.insert_one({"_id": 1, "n": 1})
    coll.update_one({"_id": 1}, {"$set": {"n": 5}}, session=session)
    outside = Outside(lambda: coll.update_one({"_id": 1}, {"$inc": {"n": 10}}))
    assert outside.still_blocked()
    session.abort_transaction()
    assert outside.outcome().modified_count == 1
    assert coll.find_one() == {"_id": 1, "n": 11}


def test_an_outside_update_no_longer_matching_after_the_commit_matches_nothing(coll, session):
    coll.insert_one({"_id": 1, "state": "new"})
    coll.update_one({"_id": 1}, {"$set": {"state": "done"}}, session=session)
    outside = Outside(lambda: coll.update_one({"_id": 1, "state": "new"},
                                              {"$set": {"state": "taken"}}))
    assert outside.still_blocked()
    session.commit_transaction()
    assert outside.outcome().matched_count == 0
    assert coll.find_one() == {"_id": 1, "state": "done"}


def test_an_outside_delete_waits_for_the_commit_and_deletes_the_committed_document(
        coll, session):
    coll.insert_many([{"_id": 1, "n": 1}, {"_id": 2, "n": 2}])
    coll.update_one({"_id": 1}, {"$set": {"n": 5}}, session=session)
    outside = Outside(lambda: coll.find_one_and_delete({"_id": 1}))
    assert outside.still_blocked()
    assert coll.count_documents({}) == 2
    session.commit_transaction()
    assert outside.outcome() == {"_id": 1, "n": 5}  # the committed version was deleted
    assert list(coll.find()) == [{"_id": 2, "n": 2}]


def test_an_outside_insert_of_a_pending_id_gets_duplicate_key_after_the_commit(coll, session):
    coll.insert_one({"_id": 0})  # the collection exists before the transaction
    coll.insert_one({"_id": 1, "by": "transaction"}, session=session)
    outside = Outside(lambda: coll.insert_one({"_id": 1, "by": "outside"}))
    assert outside.still_blocked()
    session.commit_transaction()
    with pytest.raises(DuplicateKeyError):
        outside.outcome()
    assert coll.find_one({"_id": 1}) == {"_id": 1, "by": "transaction"}


def test_an_outside_insert_of_a_pending_id_lands_after_the_abort(coll, session):
    coll.insert_one({"_id": 0})
    coll.insert_one({"_id": 1, "by": "transaction"}, session=session)
    outside = Outside(lambda: coll.insert_one({"_id": 1, "by": "outside"}))
    assert outside.still_blocked()
    session.abort_transaction()
    assert outside.outcome().inserted_id == 1
    assert coll.find_one({"_id": 1}) == {"_id": 1, "by": "outside"}


def test_an_outside_update_many_updates_the_free_documents_and_waits_for_the_held_one(
        coll, session):
    coll.insert_many([{"_id": 1, "n": 0}, {"_id": 2, "n": 0}, {"_id": 3, "n": 0}])
    coll.update_one({"_id": 2}, {"$set": {"n": 100}}, session=session)
    outside = Outside(lambda: coll.update_many({}, {"$inc": {"n": 1}}))
    assert outside.still_blocked()
    session.commit_transaction()
    result = outside.outcome()
    assert (result.matched_count, result.modified_count) == (3, 3)
    assert list(coll.find()) == [{"_id": 1, "n": 1}, {"_id": 2, "n": 101}, {"_id": 3, "n": 1}]


def test_the_wait_is_bounded_by_max_time_ms_and_changes_nothing(client, coll, session):
    coll.insert_many([{"_id": 1, "n": 1}, {"_id": 2, "n": 2}])
    coll.delete_one({"_id": 1}, session=session)
    started = time.monotonic()
    with pytest.raises(OperationFailure) as info:
        coll.find_one_and_update({"_id": 1}, {"$set": {"n": 9}}, maxTimeMS=100)
    assert info.value.code == 50
    assert time.monotonic() - started >= 0.1
    # a multi-document write fails as a whole (an interruption is not a write error)
    with pytest.raises(OperationFailure) as info:
        client.t.command("delete", "c", deletes=[{"q": {"_id": 1}, "limit": 1}],
                         maxTimeMS=50)
    assert info.value.code == 50
    assert list(coll.find()) == [{"_id": 1, "n": 1}, {"_id": 2, "n": 2}]
    session.commit_transaction()
    assert list(coll.find()) == [{"_id": 2, "n": 2}]


def test_the_lifetime_limit_aborts_the_transaction_and_releases_the_waiting_write(
        client, coll, session):
    coll.insert_one({"_id": 1, "n": 1})
    client.admin.command("setParameter", 1, transactionLifetimeLimitSeconds=1)
    try:
        started = time.monotonic()  # the transaction starts after this
        coll.update_one({"_id": 1}, {"$set": {"n": 5}}, session=session)
        outside = Outside(lambda: coll.update_one({"_id": 1}, {"$inc": {"n": 10}}))
        assert outside.still_blocked()
        assert outside.outcome().modified_count == 1
        assert time.monotonic() - started >= 0.99  # released by the limit, not before
        with pytest.raises(OperationFailure) as info:
            session.commit_transaction()
        assert info.value.code == 251  # NoSuchTransaction: it was aborted
    finally:
        client.admin.command("setParameter", 1, transactionLifetimeLimitSeconds=60)
    assert coll.find_one() == {"_id": 1, "n": 11}


def test_a_transaction_meeting_another_transactions_write_still_conflicts_at_once(
        client, coll, session):
    coll.insert_one({"_id": 1, "n": 1})
    coll.update_one({"_id": 1}, {"$set": {"n": 5}}, session=session)
    with client.start_session() as second:
        second.start_transaction()
        with pytest.raises(OperationFailure) as info:
            coll.update_one({"_id": 1}, {"$set": {"n": 6}}, session=second)
        assert info.value.code == 112
        assert info.value.has_error_label("TransientTransactionError")
    session.commit_transaction()
    assert coll.find_one() == {"_id": 1, "n": 5}


# -- operations that need the collection's exclusive lock -----------------------------

#: each DDL command on the collection the transaction wrote (``t.c``, with an index
#: ``b_1``), run against its database, and what it leaves once it went through
DDL_COMMANDS = {
    "drop": ("t", {"drop": "c"}),
    "dropDatabase": ("t", {"dropDatabase": 1}),
    "renameCollection": ("admin", {"renameCollection": "t.c", "to": "t.other"}),
    "createIndexes": ("t", {"createIndexes": "c", "indexes": [{"key": {"a": 1},
                                                               "name": "a_1"}]}),
    "dropIndexes": ("t", {"dropIndexes": "c", "index": "b_1"}),
    # collMod takes the collection's exclusive lock (coll_mod.cpp), convertToCapped its
    # database's (capped_utils.cpp)
    "collMod": ("t", {"collMod": "c", "validator": {"a": {"$exists": True}}}),
    "convertToCapped": ("t", {"convertToCapped": "c", "size": 100000}),
}


def _held_by_a_transaction(coll, session) -> None:
    """``t.c`` with an index ``b_1``, and a transaction that inserted into it."""
    coll.create_index("b", name="b_1")
    coll.insert_one({"_id": 0, "a": 0, "b": 0})
    coll.insert_one({"_id": 1, "a": 5, "b": 6}, session=session)


def _state(client) -> dict:
    """What the DDL commands change: the collections of ``t`` and ``t.c``'s indexes."""
    names = sorted(client.t.list_collection_names())
    indexes = sorted(client.t.c.index_information()) if "c" in names else None
    return {"collections": names, "indexes": indexes}


#: what each DDL command leaves of ``t`` once it ran
DDL_RESULTS = {
    "drop": {"collections": [], "indexes": None},
    "dropDatabase": {"collections": [], "indexes": None},
    "renameCollection": {"collections": ["other"], "indexes": None},
    "createIndexes": {"collections": ["c"], "indexes": ["_id_", "a_1", "b_1"]},
    "dropIndexes": {"collections": ["c"], "indexes": ["_id_"]},
    "collMod": {"collections": ["c"], "indexes": ["_id_", "b_1"]},
    "convertToCapped": {"collections": ["c"], "indexes": ["_id_"]},  # a capped copy
}


def _ddl_times_out(client, command: str) -> None:
    """``command`` with a maxTimeMS fails with MaxTimeMSExpired, nothing changed."""
    db_name, document = DDL_COMMANDS[command]
    started = time.monotonic()
    with pytest.raises(OperationFailure) as info:
        client[db_name].command({**document, "maxTimeMS": 200})
    assert info.value.code == 50  # MaxTimeMSExpired
    assert time.monotonic() - started >= 0.2
    assert _state(client) == {"collections": ["c"], "indexes": ["_id_", "b_1"]}


def _ddl_waits_for(client, command: str, end_transaction) -> None:
    """``command`` waits, nothing changed, until ``end_transaction()``; then it runs."""
    db_name, document = DDL_COMMANDS[command]
    outside = Outside(lambda: client[db_name].command(document))
    assert outside.still_blocked()
    assert _state(client) == {"collections": ["c"], "indexes": ["_id_", "b_1"]}
    end_transaction()
    assert outside.outcome()["ok"] == 1.0
    assert _state(client) == DDL_RESULTS[command]


@pytest.mark.parametrize("command", list(DDL_COMMANDS))
def test_a_ddl_command_on_a_collection_a_transaction_wrote_times_out_with_max_time_ms(
        client, coll, session, command):
    _held_by_a_transaction(coll, session)
    _ddl_times_out(client, command)
    session.commit_transaction()
    assert coll.count_documents({}) == 2


@pytest.mark.parametrize("command", list(DDL_COMMANDS))
def test_a_ddl_command_on_a_collection_a_transaction_wrote_waits_for_the_commit(
        client, coll, session, command):
    _held_by_a_transaction(coll, session)
    _ddl_waits_for(client, command, session.commit_transaction)
    if command == "renameCollection":  # the committed insert moved with the collection
        assert client.t.other.count_documents({}) == 2


def test_a_ddl_command_on_another_collection_does_not_wait(client, coll, session):
    # jstests/core/txns/drop_collection_not_blocked_by_txn.js
    client.t.b.insert_one({"x": 1})
    coll.insert_one({"_id": 1}, session=session)
    started = time.monotonic()
    client.t.b.drop()
    client.t.d.create_index("x")
    assert time.monotonic() - started < BLOCKED_FOR
    session.commit_transaction()
    assert sorted(client.t.list_collection_names()) == ["c", "d"]


def test_out_to_a_collection_a_transaction_wrote_waits_for_the_commit(client, coll, session):
    client.t.source.insert_many([{"_id": 10}, {"_id": 11}])
    coll.insert_one({"_id": 0})
    coll.insert_one({"_id": 1}, session=session)
    outside = Outside(lambda: list(client.t.source.aggregate([{"$out": "c"}])))
    assert outside.still_blocked()
    assert list(coll.find()) == [{"_id": 0}]
    session.commit_transaction()
    assert outside.outcome() == []
    assert list(coll.find()) == [{"_id": 10}, {"_id": 11}]  # the target replaced after


def test_out_waiting_for_a_transaction_is_bounded_by_max_time_ms(client, coll, session):
    client.t.source.insert_one({"_id": 10})
    coll.insert_one({"_id": 0})
    coll.insert_one({"_id": 1}, session=session)
    with pytest.raises(OperationFailure) as info:
        list(client.t.source.aggregate([{"$out": "c"}], maxTimeMS=100))
    assert info.value.code == 50
    assert list(coll.find()) == [{"_id": 0}]
    session.commit_transaction()
    assert list(coll.find()) == [{"_id": 0}, {"_id": 1}]


def test_merge_waits_for_the_held_document_and_merges_into_the_committed_one(
        client, coll, session):
    client.t.source.insert_many([{"_id": 1, "from": "merge"}, {"_id": 2, "from": "merge"}])
    coll.insert_one({"_id": 1, "n": 1})
    coll.update_one({"_id": 1}, {"$set": {"n": 5}}, session=session)
    outside = Outside(lambda: list(client.t.source.aggregate([{"$merge": {"into": "c"}}])))
    assert outside.still_blocked()
    session.commit_transaction()
    assert outside.outcome() == []
    assert list(coll.find()) == [{"_id": 1, "n": 5, "from": "merge"},
                                 {"_id": 2, "from": "merge"}]


def test_merge_meeting_a_pending_insert_updates_it_after_the_commit(client, coll, session):
    # the transaction's insert is not seen, so $merge inserts; that insert waits, and
    # once the transaction committed the document is there: merged into it
    client.t.source.insert_one({"_id": 1, "from": "merge"})
    coll.insert_one({"_id": 0})
    coll.insert_one({"_id": 1, "by": "transaction"}, session=session)
    outside = Outside(lambda: list(client.t.source.aggregate([{"$merge": {"into": "c"}}])))
    assert outside.still_blocked()
    session.commit_transaction()
    assert outside.outcome() == []
    assert coll.find_one({"_id": 1}) == {"_id": 1, "by": "transaction", "from": "merge"}


def test_a_ttl_pass_skips_a_document_a_transaction_holds_and_deletes_it_later(
        engine, coll, session):
    expired = datetime.datetime(2000, 1, 1)
    coll.create_index("at", expireAfterSeconds=0)
    coll.insert_many([{"_id": 1, "at": expired}, {"_id": 2, "at": expired}])
    coll.update_one({"_id": 1}, {"$set": {"n": 1}}, session=session)
    assert engine.expire_ttl() == 1  # _id 2 only; the pass neither waits nor fails
    assert list(coll.find()) == [{"_id": 1, "at": expired}]
    session.commit_transaction()
    assert engine.expire_ttl() == 1  # the next pass finds it free (and still expired)
    assert list(coll.find()) == []


def test_a_transaction_may_not_write_a_capped_collection(client, session):
    # so no transaction ever holds a document a capped roll-over would delete
    # (write_ops_exec.cpp checkIfTransactionOnCappedColl: 263)
    client.t.create_collection("capped", capped=True, size=4096, max=2)
    client.t.capped.insert_one({"_id": 1})
    message = ("Collection 't.capped' is a capped collection. Writes in transactions are "
               "not allowed on capped collections.")
    with pytest.raises(OperationFailure) as info:
        client.t.capped.insert_one({"_id": 2}, session=session)
    assert (info.value.code, info.value.details["errmsg"]) == (263, message)
    with pytest.raises(OperationFailure) as info:
        session.commit_transaction()
    assert info.value.code == 251  # the statement's error aborted the transaction
    assert list(client.t.capped.find()) == [{"_id": 1}]


def test_a_reset_server_aborts_the_transactions_holding_its_documents(engine, coll, session):
    # Server.reset() wipes every database, as a restart of an in-memory server would:
    # a transaction writing there is gone too (NoSuchTransaction at its commit), and
    # no write waits for it any more
    coll.insert_one({"_id": 1, "n": 1})
    coll.update_one({"_id": 1}, {"$set": {"n": 5}}, session=session)
    engine.reset()
    coll.insert_one({"_id": 1, "n": 2})
    started = time.monotonic()
    coll.update_one({"_id": 1}, {"$inc": {"n": 1}})
    assert time.monotonic() - started < BLOCKED_FOR
    with pytest.raises(OperationFailure) as info:
        session.commit_transaction()
    assert info.value.code == 251
    assert coll.find_one() == {"_id": 1, "n": 3}


# -- a transaction that only read a collection holds it too ---------------------------------
#
# A transaction's reads take no lock-free path (db_raii.cpp ``supportsLockFreeRead``: "not
# supported in multi-document transactions"): each keeps the collection's intent lock,
# and its database's, until the transaction ends, so the DDL commands above wait behind
# a transaction that only read the collection as behind one that wrote it.

def _read_by_a_transaction(coll, session) -> None:
    """``t.c`` with an index ``b_1`` and one document, read by the open transaction."""
    coll.create_index("b", name="b_1")
    coll.insert_one({"_id": 0, "a": 0, "b": 0})
    assert coll.find_one({"_id": 0}, session=session) == {"_id": 0, "a": 0, "b": 0}


@pytest.mark.parametrize("command", list(DDL_COMMANDS))
def test_a_ddl_command_on_a_collection_a_transaction_only_read_times_out_with_max_time_ms(
        client, coll, session, command):
    _read_by_a_transaction(coll, session)
    _ddl_times_out(client, command)
    session.commit_transaction()
    assert coll.count_documents({}) == 1


@pytest.mark.parametrize("end", ["commit_transaction", "abort_transaction"])
@pytest.mark.parametrize("command", list(DDL_COMMANDS))
def test_a_ddl_command_on_a_collection_a_transaction_only_read_waits_for_its_end(
        client, coll, session, command, end):
    _read_by_a_transaction(coll, session)

    def read_then_end() -> None:
        # the transaction still reads its snapshot of the collection meanwhile
        assert coll.find_one({"_id": 0}, session=session) == {"_id": 0, "a": 0, "b": 0}
        getattr(session, end)()
    _ddl_waits_for(client, command, read_then_end)


def test_a_read_of_a_missing_document_holds_the_collection_too(client, coll, session):
    # the intent lock is the collection's, whatever the read found
    coll.insert_one({"_id": 0})
    assert coll.find_one({"_id": 99}, session=session) is None
    with pytest.raises(OperationFailure) as info:
        client.t.command({"drop": "c", "maxTimeMS": 100})
    assert info.value.code == 50
    session.abort_transaction()
    client.t.command({"drop": "c"})
    assert client.t.list_collection_names() == []


def test_a_ddl_command_on_a_collection_the_transaction_did_not_read_does_not_wait(
        client, coll, session):
    # the transaction's snapshot covers t.b, but it never touched it: no lock there
    client.t.b.insert_one({"x": 1})
    coll.insert_one({"_id": 0})
    coll.find_one({}, session=session)
    started = time.monotonic()
    client.t.b.create_index("x")
    client.t.b.drop()
    assert time.monotonic() - started < BLOCKED_FOR
    session.commit_transaction()
    assert client.t.list_collection_names() == ["c"]


def test_an_outside_write_to_a_collection_a_transaction_only_read_does_not_wait(
        client, coll, session):
    # a write takes the collection's intent lock too: intent locks do not conflict
    coll.insert_one({"_id": 0, "n": 0})
    coll.find_one({}, session=session)
    started = time.monotonic()
    coll.insert_one({"_id": 1})
    coll.update_one({"_id": 0}, {"$set": {"n": 1}})
    assert time.monotonic() - started < BLOCKED_FOR
    assert coll.find_one({"_id": 0}, session=session) == {"_id": 0, "n": 0}  # its snapshot
    session.commit_transaction()
    assert list(coll.find()) == [{"_id": 0, "n": 1}, {"_id": 1}]


def test_a_read_only_transaction_past_its_lifetime_releases_the_waiting_drop(
        client, coll, session):
    coll.insert_one({"_id": 0})
    client.admin.command("setParameter", 1, transactionLifetimeLimitSeconds=1)
    try:
        coll.find_one({}, session=session)
        started = time.monotonic()
        client.t.command({"drop": "c"})  # waits until the limit aborts the transaction
        assert time.monotonic() - started >= 0.5
    finally:
        client.admin.command("setParameter", 1, transactionLifetimeLimitSeconds=60)
    with pytest.raises(OperationFailure) as info:
        session.commit_transaction()
    assert info.value.code == 251  # NoSuchTransaction: the limit aborted it
    assert client.t.list_collection_names() == []


#: how the open transaction holds ``t.c``: it wrote there, or only read it
HOLDERS = {"wrote": _held_by_a_transaction, "read": _read_by_a_transaction}
CLONE_AS_CAPPED = {"cloneCollectionAsCapped": "c", "toCollection": "capped", "size": 100000}


@pytest.mark.parametrize("held", list(HOLDERS))
def test_clone_collection_as_capped_of_a_held_collection_times_out_with_max_time_ms(
        client, coll, session, held):
    # cloneCollectionAsCapped takes the source's and the target's exclusive locks
    # (capped_utils.cpp)
    HOLDERS[held](coll, session)
    with pytest.raises(OperationFailure) as info:
        client.t.command({**CLONE_AS_CAPPED, "maxTimeMS": 200})
    assert info.value.code == 50
    assert _state(client) == {"collections": ["c"], "indexes": ["_id_", "b_1"]}
    session.commit_transaction()


@pytest.mark.parametrize("held", list(HOLDERS))
def test_clone_collection_as_capped_of_a_held_collection_waits_for_the_commit(
        client, coll, session, held):
    HOLDERS[held](coll, session)
    outside = Outside(lambda: client.t.command(CLONE_AS_CAPPED))
    assert outside.still_blocked()
    assert sorted(client.t.list_collection_names()) == ["c"]
    session.commit_transaction()
    assert outside.outcome()["ok"] == 1.0
    # the copy has what the commit left in the source
    assert client.t.capped.count_documents({}) == coll.count_documents({})
    assert client.t.capped.options()["capped"] is True
