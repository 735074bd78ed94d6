"""The async face: a write outside a transaction that meets the transaction's pending
write waits for the transaction to end, then applies to the committed state — as on
the server (the manual's "In-progress Transactions and Write Conflicts": *the write
waits until the transaction ends*; SERVER-34650: *blocks until the transaction has
committed, or until maxTimeMS expires*), without freezing the event loop: the task
holding the transaction keeps running while the other task's write waits.

Each test runs two tasks on one loop: ``holder`` opens a transaction and writes, the
outside write starts in a task of its own, the holder checks (while the loop keeps
running it) that the write is still pending and changed nothing, then ends the
transaction.  pymongo's async spelling and Motor's."""

from __future__ import annotations

import asyncio
import inspect
import time

import pytest
from pymongo.errors import DuplicateKeyError, ExecutionTimeout, OperationFailure

import mim
from mim import Server

#: how long a blocked write is watched before the transaction ends
BLOCKED_FOR = 0.3


def run(coroutine):
    return asyncio.run(coroutine)


@pytest.fixture(params=["pymongo", "motor", "driver"])
def client(request):
    """A client of pymongo's async API or Motor's spelling, on a fresh server; or
    pymongo's own ``AsyncMongoClient`` over the in-process transport
    (``mim.driver_async_client``)."""
    if request.param == "pymongo":
        return mim.AsyncMongoClient(server=Server())
    if request.param == "motor":
        return mim.asynchronous.AsyncIOMotorClient(server=Server())
    return mim.driver_async_client(server=Server())


async def still_blocked(task: asyncio.Task) -> bool:
    """Whether ``task`` is still waiting after ``BLOCKED_FOR`` (the loop ran meanwhile)."""
    await asyncio.sleep(BLOCKED_FOR)
    return not task.done()


async def awaited(value):
    """``value``, awaited if it is awaitable: pymongo's async ``start_session`` is a
    plain call and its ``start_transaction`` a coroutine; Motor has it the other way."""
    return await value if inspect.isawaitable(value) else value


async def start_session(client):
    return await awaited(client.start_session())


async def transaction_writing(client, write):
    """A session whose open transaction has run ``write(session)``."""
    session = await start_session(client)
    await awaited(session.start_transaction())
    await write(session)
    return session


def test_an_outside_update_waits_for_the_commit_and_applies_to_the_committed_document(client):
    async def main():
        coll = client.t.c
        await coll.insert_one({"_id": 1, "n": 1})
        session = await transaction_writing(
            client, lambda s: coll.update_one({"_id": 1}, {"$set": {"n": 5}}, session=s))
        outside = asyncio.ensure_future(coll.update_one({"_id": 1}, {"$inc": {"n": 10}}))
        blocked = await still_blocked(outside)
        seen = await coll.find_one()  # the loop still serves other tasks
        await session.commit_transaction()
        result = await outside
        await session.end_session()
        return blocked, seen, (result.matched_count, result.modified_count), \
            await coll.find_one()
    blocked, seen, counts, final = run(main())
    assert blocked
    assert seen == {"_id": 1, "n": 1}  # nothing of either write is seen yet
    assert counts == (1, 1)
    assert final == {"_id": 1, "n": 15}  # $inc applied to the committed 5


def test_an_outside_delete_waits_for_the_abort_and_deletes_the_original(client):
    async def main():
        coll = client.t.c
        await coll.insert_many([{"_id": 1, "n": 1}, {"_id": 2, "n": 2}])
        session = await transaction_writing(
            client, lambda s: coll.update_one({"_id": 1}, {"$set": {"n": 5}}, session=s))
        outside = asyncio.ensure_future(coll.find_one_and_delete({"_id": 1}))
        blocked = await still_blocked(outside)
        await session.abort_transaction()
        deleted = await outside
        await session.end_session()
        return blocked, deleted, await coll.find({}).to_list(None)
    blocked, deleted, left = run(main())
    assert blocked
    assert deleted == {"_id": 1, "n": 1}  # the original: the transaction's write is gone
    assert left == [{"_id": 2, "n": 2}]


def test_an_outside_insert_of_a_pending_id_gets_duplicate_key_after_the_commit(client):
    async def main():
        coll = client.t.c
        await coll.insert_one({"_id": 0})
        session = await transaction_writing(
            client, lambda s: coll.insert_one({"_id": 1, "by": "transaction"}, session=s))
        outside = asyncio.ensure_future(coll.insert_one({"_id": 1, "by": "outside"}))
        blocked = await still_blocked(outside)
        await session.commit_transaction()
        await session.end_session()
        with pytest.raises(DuplicateKeyError):
            await outside
        return blocked, await coll.find_one({"_id": 1})
    blocked, document = run(main())
    assert blocked
    assert document == {"_id": 1, "by": "transaction"}


def test_the_wait_is_bounded_by_max_time_ms_and_changes_nothing(client):
    async def main():
        coll = client.t.c
        await coll.insert_many([{"_id": 1, "n": 1}, {"_id": 2, "n": 2}])
        session = await transaction_writing(
            client, lambda s: coll.delete_one({"_id": 1}, session=s))
        started = time.monotonic()
        with pytest.raises(ExecutionTimeout) as info:
            await coll.find_one_and_update({"_id": 1}, {"$set": {"n": 9}}, maxTimeMS=100)
        waited = time.monotonic() - started
        unchanged = await coll.find({}).to_list(None)
        await session.commit_transaction()
        await session.end_session()
        return info.value.code, waited, unchanged, await coll.find({}).to_list(None)
    code, waited, unchanged, final = run(main())
    assert code == 50
    assert waited >= 0.1
    assert unchanged == [{"_id": 1, "n": 1}, {"_id": 2, "n": 2}]
    assert final == [{"_id": 2, "n": 2}]


def test_the_holders_own_plain_write_waits_until_the_lifetime_limit_aborts_it(client):
    # one task, one transaction, then a write outside it to the same document: the
    # server makes that write wait until the transaction ends — here by its lifetime
    # limit, which aborts it — and the loop stays free meanwhile
    async def main():
        coll = client.t.c
        await coll.insert_one({"_id": 1, "n": 1})
        await client.admin.command("setParameter", 1, transactionLifetimeLimitSeconds=1)
        session = await transaction_writing(
            client, lambda s: coll.update_one({"_id": 1}, {"$set": {"n": 5}}, session=s))
        ticks = 0

        async def ticking():
            nonlocal ticks
            while True:
                await asyncio.sleep(0.05)
                ticks += 1
        ticker = asyncio.create_task(ticking())
        started = time.monotonic()
        result = await coll.update_one({"_id": 1}, {"$inc": {"n": 10}})
        waited = time.monotonic() - started
        ticker.cancel()
        with pytest.raises(OperationFailure) as info:
            await session.commit_transaction()
        await session.end_session()
        return result.modified_count, waited, ticks, info.value.code, await coll.find_one()
    modified, waited, ticks, code, document = run(main())
    assert modified == 1
    assert waited >= 0.9  # released by the limit (1 s after the transaction started)
    assert ticks >= 5  # the loop ran other tasks while the write waited
    assert code == 251  # NoSuchTransaction: the limit aborted it
    assert document == {"_id": 1, "n": 11}


def test_a_transaction_meeting_another_transactions_write_still_conflicts_at_once(client):
    async def main():
        coll = client.t.c
        await coll.insert_one({"_id": 1, "n": 1})
        first = await transaction_writing(
            client, lambda s: coll.update_one({"_id": 1}, {"$set": {"n": 5}}, session=s))
        second = await start_session(client)
        await awaited(second.start_transaction())
        started = time.monotonic()
        with pytest.raises(OperationFailure) as info:
            await coll.update_one({"_id": 1}, {"$set": {"n": 6}}, session=second)
        waited = time.monotonic() - started
        await first.commit_transaction()
        for session in (first, second):
            await session.end_session()
        return info.value.code, info.value.has_error_label("TransientTransactionError"), \
            waited, await coll.find_one()
    code, transient, waited, document = run(main())
    assert (code, transient) == (112, True)
    assert waited < BLOCKED_FOR
    assert document == {"_id": 1, "n": 5}


def test_a_merge_waits_for_the_commit_without_freezing_the_loop(client):
    # Motor's aggregate is latent: the $merge runs at the cursor's first step
    async def main():
        source, target = client.t.source, client.t.target
        await source.insert_one({"_id": 1, "from": "merge"})
        await target.insert_one({"_id": 1, "n": 1})
        session = await transaction_writing(
            client, lambda s: target.update_one({"_id": 1}, {"$set": {"n": 5}}, session=s))

        async def merge():
            cursor = source.aggregate([{"$merge": {"into": "target"}}])
            if not hasattr(cursor, "to_list"):
                cursor = await cursor
            return await cursor.to_list(None)
        outside = asyncio.create_task(merge())
        blocked = await still_blocked(outside)
        await session.commit_transaction()
        await outside
        await session.end_session()
        return blocked, await target.find_one()
    blocked, document = run(main())
    assert blocked
    assert document == {"_id": 1, "n": 5, "from": "merge"}  # merged into the committed one


async def drop_waiting_for(client, session, end: str = "commit_transaction"):
    """A drop of ``t.c`` with a maxTimeMS (its error), then one waiting while the loop
    runs until ``session`` ends its transaction: (error code, whether the drop was still
    pending, the collections before the end, the collections after the drop)."""
    with pytest.raises(ExecutionTimeout) as info:
        await client.t.command({"drop": "c", "maxTimeMS": 100})
    outside = asyncio.ensure_future(client.t.c.drop())
    blocked = await still_blocked(outside)
    names = await client.t.list_collection_names()
    await getattr(session, end)()
    await outside
    await session.end_session()
    return info.value.code, blocked, names, await client.t.list_collection_names()


def test_a_drop_waits_for_the_commit_without_freezing_the_loop(client):
    # drop needs the collection's exclusive lock: it waits behind the transaction that
    # wrote there (jstests/core/txns/transactions_block_ddl.js), maxTimeMS bounds it
    async def main():
        coll = client.t.c
        await coll.insert_one({"_id": 0})
        session = await transaction_writing(
            client, lambda s: coll.insert_one({"_id": 1}, session=s))
        return await drop_waiting_for(client, session)
    code, blocked, before, after = run(main())
    assert code == 50
    assert blocked
    assert before == ["c"]
    assert after == []


@pytest.mark.parametrize("end", ["commit_transaction", "abort_transaction"])
def test_a_drop_waits_for_a_transaction_that_only_read_without_freezing_the_loop(
        client, end):
    # a transaction's reads keep the collection's intent lock until it ends (no lock-free
    # reads in a transaction: db_raii.cpp supportsLockFreeRead)
    async def main():
        coll = client.t.c
        await coll.insert_one({"_id": 0})
        session = await transaction_writing(
            client, lambda s: coll.find_one({}, session=s))
        return await drop_waiting_for(client, session, end)
    code, blocked, before, after = run(main())
    assert code == 50
    assert blocked
    assert before == ["c"]
    assert after == []
