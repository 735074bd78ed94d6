"""The unit of work in a multi-document transaction: ``ODMSession.transaction()`` and ``run_in_transaction()``.

Transactions need a replica-set member or a mongos.  The refusals run on a mim
started as a standalone (``standalone_session``), the transactional behaviour
on the backends, which run transactions (mim answers as a one-node replica
set; a ``MONGODB_URI`` standalone skips them).
"""
from __future__ import annotations

import pytest
from pymongo.errors import DuplicateKeyError, OperationFailure

from odm.exc import MingException
from odm.odm import state

from .models import declare_accounts as declare


@pytest.fixture
def standalone(standalone_session):
    assert not standalone_session.bind.supports_transactions
    return standalone_session


@pytest.fixture
def replica_set(odm_session):
    if not odm_session.bind.supports_transactions:
        pytest.skip("this backend answers as a standalone: it runs no transactions")
    return odm_session


def test_a_standalone_refuses_a_transaction_before_anything_is_written(standalone):
    Account, Entry = declare(standalone)
    Account(_id="a", balance=1)
    with pytest.raises(MingException, match="this server runs no multi-document transactions"):
        with standalone.transaction():
            pass
    with pytest.raises(MingException, match="runs no multi-document transactions"):
        standalone.run_in_transaction(lambda sess: None)
    assert standalone.db.account.count_documents({}) == 0 and len(standalone.uow.new) == 1


def test_the_block_and_its_flush_commit_together_and_reads_see_their_own_writes(replica_set):
    Account, Entry = declare(replica_set)
    Account(_id="a", balance=10)
    replica_set.flush()
    with replica_set.transaction():
        a = Account.query.get("a")
        a.balance -= 3
        Entry(account_id="a", amount=-3)
        replica_set.flush()
        assert Entry.query.find({"account_id": "a"}).count() == 1  # inside: its own write
        assert replica_set.db.entry.count_documents({}) == 0  # outside: not committed yet
    assert replica_set.db.account.find_one()["balance"] == 7 and replica_set.db.entry.count_documents({}) == 1


def test_an_error_aborts_and_leaves_the_objects_to_flush_again(replica_set):
    Account, Entry = declare(replica_set)
    Account(_id="a", balance=10)
    replica_set.flush()
    Account(_id="b", balance=1)
    with pytest.raises(DuplicateKeyError):
        with replica_set.transaction():
            Account(_id="c", balance=2)
            Account(_id="a", balance=3)  # the flush's third insert fails
    # the database and the session are as they were when the block began: b is still to insert
    assert sorted(d["_id"] for d in replica_set.db.account.find()) == ["a"]
    assert [(o._id, state(o).status) for o in replica_set.uow.new] == [("b", "new")]
    with pytest.raises(ZeroDivisionError):
        with replica_set.transaction():
            replica_set.uow.new[0].balance = 5
            replica_set.flush()  # written inside the transaction ...
            1 / 0  # ... and aborted with it
    assert replica_set.db.account.count_documents({}) == 1
    assert [(o._id, o.balance, state(o).status) for o in replica_set.uow.new] == [("b", 1, "new")]
    replica_set.flush()
    assert sorted(d["_id"] for d in replica_set.db.account.find()) == ["a", "b"]


def test_delete_rules_are_all_or_nothing_in_a_transaction(replica_set):
    Account, Entry = declare(replica_set)
    a = Account(_id="a", balance=0)
    Entry(account_id="a", amount=1)
    Entry(account_id="a", amount=2)
    replica_set.flush()
    db = replica_set.db
    a.delete()
    db.client.admin.command("configureFailPoint", "failCommand", mode={"times": 1},
                            data={"failCommands": ["delete"], "errorCode": 2})
    try:
        with pytest.raises(OperationFailure):
            replica_set.flush()
    finally:
        db.client.admin.command("configureFailPoint", "failCommand", mode="off")
    assert db.account.count_documents({}) == 1 and db.entry.count_documents({}) == 2


def test_run_in_transaction_retries_a_transient_error_from_the_state_it_started_with(replica_set):
    Account, Entry = declare(replica_set)
    Account(_id="a", balance=10)
    replica_set.flush()
    calls = []

    def withdraw(sess):
        calls.append(1)
        account = Account.query.get("a")
        account.balance -= 4
        Entry(account_id="a", amount=-4)
        return account.balance

    db = replica_set.db
    db.client.admin.command("configureFailPoint", "failCommand", mode={"times": 1},
                            data={"failCommands": ["insert"], "errorCode": 112,
                                  "errorLabels": ["TransientTransactionError"]})
    try:
        assert replica_set.run_in_transaction(withdraw) == 6
    finally:
        db.client.admin.command("configureFailPoint", "failCommand", mode="off")
    assert len(calls) == 2
    assert db.account.find_one()["balance"] == 6 and db.entry.count_documents({}) == 1


def test_a_flush_the_server_refuses_in_a_transaction_leaves_the_objects_as_they_were(standalone, monkeypatch):
    """Told the server runs transactions, the ODM starts one: the server refuses its first write
    (IllegalOperation, code 20, on a standalone; NotImplemented, 238, where a replica set does not run
    them), the transaction is aborted and the session is as it was when the block began."""
    Account, Entry = declare(standalone)
    kept = Account(_id="kept", balance=1)
    standalone.flush()
    kept.balance = 2
    Account(_id="new", balance=3)
    monkeypatch.setattr(standalone.bind.bind, "_transactions", True)
    with pytest.raises(OperationFailure) as info:
        with standalone.transaction():
            assert standalone.client_session is not None
    assert info.value.code in (20, 238)
    assert standalone.client_session is None
    assert standalone.db.account.find_one({"_id": "kept"})["balance"] == 1
    assert standalone.db.account.count_documents({}) == 1
    assert state(kept).status == "dirty" and [o._id for o in standalone.uow.new] == ["new"]
    monkeypatch.undo()
    standalone.flush()  # outside a transaction the same unit of work goes through
    assert sorted((d["_id"], d["balance"]) for d in standalone.db.account.find()) == [("kept", 2), ("new", 3)]
