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
the transaction is open (and that nothing changed), then ends the transaction."""

from __future__ import annotations

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


def test_an_outside_update_waits_for_the_commit_and_applies_to_the_committed_document(client):
    coll = client.t.c
    coll.insert_one({"_id": 1, "n": 1})
    with client.start_session() as session:
        session.start_transaction()
        coll.update_one({"_id": 1}, {"$set": {"n": 5}}, session=session)
        outside = Outside(lambda: coll.update_one({"_id": 1}, {"$inc": {"n": 10}}))
        assert outside.still_blocked()
        assert coll.find_one() == {"_id": 1, "n": 1}  # nothing of either write is seen yet
        session.commit_transaction()
    result = outside.outcome()
    assert (result.matched_count, result.modified_count) == (1, 1)
    assert coll.find_one() == {"_id": 1, "n": 15}  # $inc applied to the committed 5


def test_an_outside_update_waits_for_the_abort_and_applies_to_the_original(client):
    coll = client.t.c
    coll.insert_one({"_id": 1, "n": 1})
    with client.start_session() as session:
        session.start_transaction()
        coll.update_one({"_id": 1}, {"$set": {"n": 5}}, session=session)
        outside = Outside(lambda: coll.update_one({"_id": 1}, {"$inc": {"n": 10}}))
        assert outside.still_blocked()
        session.abort_transaction()
    assert outside.outcome().modified_count == 1
    assert coll.find_one() == {"_id": 1, "n": 11}


def test_an_outside_update_no_longer_matching_after_the_commit_matches_nothing(client):
    coll = client.t.c
    coll.insert_one({"_id": 1, "state": "new"})
    with client.start_session() as session:
        session.start_transaction()
        coll.update_one({"_id": 1}, {"$set": {"state": "done"}}, session=session)
        outside = Outside(lambda: coll.update_one({"_id": 1, "state": "new"},
                                                  {"$set": {"state": "taken"}}))
        assert outside.still_blocked()
        session.commit_transaction()
    assert outside.outcome().matched_count == 0
    assert coll.find_one() == {"_id": 1, "state": "done"}


def test_an_outside_delete_waits_for_the_commit_and_deletes_the_committed_document(client):
    coll = client.t.c
    coll.insert_many([{"_id": 1, "n": 1}, {"_id": 2, "n": 2}])
    with client.start_session() as session:
        session.start_transaction()
        coll.update_one({"_id": 1}, {"$set": {"n": 5}}, session=session)
        outside = Outside(lambda: coll.find_one_and_delete({"_id": 1}))
        assert outside.still_blocked()
        assert coll.count_documents({}) == 2
        session.commit_transaction()
    assert outside.outcome() == {"_id": 1, "n": 5}  # the committed version was deleted
    assert list(coll.find()) == [{"_id": 2, "n": 2}]


def test_an_outside_insert_of_a_pending_id_gets_duplicate_key_after_the_commit(client):
    coll = client.t.c
    coll.insert_one({"_id": 0})  # the collection exists before the transaction
    with client.start_session() as session:
        session.start_transaction()
        coll.insert_one({"_id": 1, "by": "transaction"}, session=session)
        outside = Outside(lambda: coll.insert_one({"_id": 1, "by": "outside"}))
        assert outside.still_blocked()
        session.commit_transaction()
    with pytest.raises(DuplicateKeyError):
        outside.outcome()
    assert coll.find_one({"_id": 1}) == {"_id": 1, "by": "transaction"}


def test_an_outside_insert_of_a_pending_id_lands_after_the_abort(client):
    coll = client.t.c
    coll.insert_one({"_id": 0})
    with client.start_session() as session:
        session.start_transaction()
        coll.insert_one({"_id": 1, "by": "transaction"}, session=session)
        outside = Outside(lambda: coll.insert_one({"_id": 1, "by": "outside"}))
        assert outside.still_blocked()
        session.abort_transaction()
    assert outside.outcome().inserted_id == 1
    assert coll.find_one({"_id": 1}) == {"_id": 1, "by": "outside"}


def test_an_outside_update_many_updates_the_free_documents_and_waits_for_the_held_one(client):
    coll = client.t.c
    coll.insert_many([{"_id": 1, "n": 0}, {"_id": 2, "n": 0}, {"_id": 3, "n": 0}])
    with client.start_session() as session:
        session.start_transaction()
        coll.update_one({"_id": 2}, {"$set": {"n": 100}}, session=session)
        outside = Outside(lambda: coll.update_many({}, {"$inc": {"n": 1}}))
        assert outside.still_blocked()
        session.commit_transaction()
    result = outside.outcome()
    assert (result.matched_count, result.modified_count) == (3, 3)
    assert list(coll.find()) == [{"_id": 1, "n": 1}, {"_id": 2, "n": 101}, {"_id": 3, "n": 1}]


def test_the_wait_is_bounded_by_max_time_ms_and_changes_nothing(client):
    coll = client.t.c
    coll.insert_many([{"_id": 1, "n": 1}, {"_id": 2, "n": 2}])
    with client.start_session() as session:
        session.start_transaction()
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


def test_the_lifetime_limit_aborts_the_transaction_and_releases_the_waiting_write(client):
    coll = client.t.c
    coll.insert_one({"_id": 1, "n": 1})
    client.admin.command("setParameter", 1, transactionLifetimeLimitSeconds=1)
    try:
        with client.start_session() as session:
            started = time.monotonic()  # the transaction starts after this
            session.start_transaction()
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


def test_a_transaction_meeting_another_transactions_write_still_conflicts_at_once(client):
    coll = client.t.c
    coll.insert_one({"_id": 1, "n": 1})
    with client.start_session() as first, client.start_session() as second:
        first.start_transaction()
        coll.update_one({"_id": 1}, {"$set": {"n": 5}}, session=first)
        second.start_transaction()
        with pytest.raises(OperationFailure) as info:
            coll.update_one({"_id": 1}, {"$set": {"n": 6}}, session=second)
        assert info.value.code == 112
        assert info.value.has_error_label("TransientTransactionError")
        first.commit_transaction()
    assert coll.find_one() == {"_id": 1, "n": 5}
