"""The async face: a transaction does not wait behind DDL (MongoDB 7.0) — a drop
waiting for a transaction that read the collection has its exclusive request queued,
and another transaction's first touch of that collection fails after
``maxTransactionLockRequestTimeoutMillis`` (5 ms) with LockTimeout (24),
TransientTransactionError, while the event loop keeps serving the other tasks (see
``replset/test_transaction_lock_requests.py``).  pymongo's async spelling, Motor's and
pymongo's own ``AsyncMongoClient`` over the in-process transport."""

from __future__ import annotations

import asyncio
import time

import pytest
from pymongo.errors import OperationFailure

from .test_transaction_waits import (BLOCKED_FOR, awaited, client, run,  # noqa: F401
                                     start_session, still_blocked)


async def transaction_reading(client, coll):
    """A session whose open transaction read ``coll``."""
    session = await start_session(client)
    await awaited(session.start_transaction())
    await coll.find_one({}, session=session)
    return session


def test_a_transaction_touching_a_collection_whose_drop_is_queued_gets_lock_timeout(client):
    async def main():
        coll = client.t.c
        await coll.insert_one({"_id": 0})
        holder = await transaction_reading(client, coll)
        drop = asyncio.ensure_future(client.t.command({"drop": "c"}))
        blocked = await still_blocked(drop)
        other = await start_session(client)
        await awaited(other.start_transaction())
        started = time.monotonic()
        with pytest.raises(OperationFailure) as info:
            await coll.insert_one({"_id": 1}, session=other)
        waited = time.monotonic() - started
        with pytest.raises(OperationFailure) as aborted:
            await other.commit_transaction()
        still_waiting = not drop.done()
        await holder.commit_transaction()
        dropped = await drop
        for session in (holder, other):
            await session.end_session()
        return (blocked, info.value, waited, aborted.value.code, still_waiting, dropped,
                await client.t.list_collection_names())
    blocked, error, waited, aborted, still_waiting, dropped, names = run(main())
    assert blocked
    assert error.code == 24  # LockTimeout
    assert error.has_error_label("TransientTransactionError")
    assert error.details["errmsg"].startswith("Unable to acquire IX lock on '{")
    assert error.details["errmsg"].endswith(", t.c}' within 5ms.")
    assert waited < BLOCKED_FOR
    assert aborted == 251  # the failed statement aborted its transaction
    assert still_waiting
    assert dropped["ok"] == 1.0
    assert names == []


def test_an_outside_insert_waits_behind_a_queued_drop_while_the_loop_runs(client):
    # a write outside any transaction queues behind the drop (no lock timeout of its
    # own) in a worker thread: the task that ends the holder still runs
    async def main():
        coll = client.t.c
        await coll.insert_one({"_id": 0})
        holder = await transaction_reading(client, coll)
        drop = asyncio.ensure_future(client.t.command({"drop": "c"}))
        drop_blocked = await still_blocked(drop)
        insert = asyncio.ensure_future(coll.insert_one({"_id": 1}))
        insert_blocked = await still_blocked(insert)
        started = time.monotonic()
        assert await coll.find_one({"_id": 0}) == {"_id": 0}  # reads are not held
        read_took = time.monotonic() - started
        await holder.commit_transaction()
        dropped = await drop
        inserted = await insert
        await holder.end_session()
        return (drop_blocked, insert_blocked, read_took, dropped, inserted.inserted_id,
                await coll.find().to_list(None))
    drop_blocked, insert_blocked, read_took, dropped, inserted, left = run(main())
    assert drop_blocked and insert_blocked
    assert read_took < BLOCKED_FOR
    assert dropped["ok"] == 1.0
    assert inserted == 1
    assert left == [{"_id": 1}]  # the insert ran after the drop
