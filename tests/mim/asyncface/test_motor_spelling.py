"""Motor's API on mim's async face (``mim.asynchronous.AsyncIOMotorClient``, which
``mim.patch()`` returns for ``motor.motor_asyncio.AsyncIOMotorClient(...)``).

Expected behaviour is Motor 3.7's documented API, where it differs from pymongo's
async one: ``aggregate()``/``list_indexes()``/``watch()`` return a cursor or
change stream *without* ``await`` ("the cursor is returned immediately without an
await"), and the aggregate command runs lazily "when first iterated" — "in order to
run an aggregation with $out or $merge the application needs to iterate the
cursor"; ``await client.start_session()``; ``s.start_transaction()`` used as
``async with s.start_transaction():`` ("Use await for start_session, but not for
start_transaction"); ``session.with_transaction(coro)`` awaits ``coro(session)``.
"""

from __future__ import annotations

import asyncio

import pytest
from pymongo.errors import OperationFailure

import mim
from mim import Server


def run(coroutine):
    return asyncio.run(coroutine)


@pytest.fixture
def client():
    client = mim.asynchronous.AsyncIOMotorClient(server=Server())
    yield client
    client.close()


def test_collection_aggregate_returns_a_cursor_without_await(client):
    async def main():
        await client.db.c.insert_many([{"_id": 1, "x": 2}, {"_id": 2, "x": 5}])
        pipeline = [{"$match": {"x": {"$gt": 3}}}]
        by_to_list = await client.db.c.aggregate(pipeline).to_list(None)
        by_async_for = [doc async for doc in client.db.c.aggregate(pipeline)]
        return by_to_list, by_async_for
    assert run(main()) == ([{"_id": 2, "x": 5}], [{"_id": 2, "x": 5}])


def test_aggregate_runs_when_first_iterated(client):
    async def main():
        coll = client.db.c
        await coll.insert_one({"_id": 1})
        never_iterated = coll.aggregate([{"$out": "never"}])
        iterated = coll.aggregate([{"$out": "out"}])
        await iterated.to_list(length=None)
        names = await client.db.list_collection_names()
        del never_iterated
        return sorted(names)
    assert run(main()) == ["c", "out"]


def test_aggregate_sees_writes_made_before_its_first_iteration(client):
    async def main():
        cursor = client.db.c.aggregate([{"$count": "n"}])
        await client.db.c.insert_one({"_id": 1})
        return await cursor.to_list(None)
    assert run(main()) == [{"n": 1}]


def test_a_bad_pipeline_fails_at_the_first_iteration_not_at_the_call(client):
    async def main():
        cursor = client.db.c.aggregate([{"$nope": {}}])
        with pytest.raises(OperationFailure) as info:
            await cursor.to_list(None)
        return info.value.code
    assert run(main()) == 40324  # Unrecognized pipeline stage name


def test_latent_cursor_batch_size_chains_before_iteration(client):
    async def main():
        await client.db.c.insert_many([{"_id": i} for i in range(5)])
        cursor = client.db.c.aggregate([{"$sort": {"_id": 1}}]).batch_size(2)
        return [doc["_id"] async for doc in cursor]
    assert run(main()) == [0, 1, 2, 3, 4]


def test_database_aggregate_returns_a_cursor_without_await(client):
    async def main():
        return await client.admin.aggregate([{"$documents": [{"a": 1}]}]).to_list(None)
    assert run(main()) == [{"a": 1}]


def test_list_indexes_returns_a_cursor_without_await(client):
    async def main():
        await client.db.c.create_index("x")
        return [index["name"] async for index in client.db.c.list_indexes()]
    assert run(main()) == ["_id_", "x_1"]


def test_collections_and_databases_keep_motor_spelling(client):
    db = client.get_database("db")
    assert isinstance(db, mim.asynchronous.AsyncIOMotorDatabase)
    assert isinstance(db.c, mim.asynchronous.AsyncIOMotorCollection)
    assert isinstance(db.get_collection("c").with_options(), mim.asynchronous.AsyncIOMotorCollection)
    assert isinstance(db.c.sub, mim.asynchronous.AsyncIOMotorCollection)
    assert db.c.database is db


def test_watch_returns_a_change_stream_without_await(client):
    async def main():
        coll = client.db.c
        async with coll.watch() as stream:
            await coll.insert_one({"_id": 1})
            change = await stream.next()
        return change["operationType"], change["documentKey"]
    assert run(main()) == ("insert", {"_id": 1})


def test_start_transaction_is_a_plain_call_used_with_async_with(client):
    async def main():
        coll = client.db.c
        await coll.insert_one({"_id": 0})
        async with await client.start_session() as s:
            async with s.start_transaction():
                await coll.insert_one({"_id": 1}, session=s)
            committed = await coll.count_documents({})
            with pytest.raises(ZeroDivisionError):
                async with s.start_transaction():
                    await coll.insert_one({"_id": 2}, session=s)
                    1 / 0
        return committed, await coll.count_documents({})
    assert run(main()) == (2, 2)


def test_with_transaction_awaits_the_coroutine_with_the_motor_session(client):
    async def main():
        coll = client.db.c
        await coll.insert_one({"_id": 0})
        seen = []

        async def insert(session):
            seen.append(session)
            await coll.insert_one({"_id": 1}, session=session)
            return "done"

        async with await client.start_session() as s:
            result = await s.with_transaction(insert)
        return result, seen == [s], await coll.count_documents({})
    assert run(main()) == ("done", True, 2)


def test_a_motor_session_is_not_a_sync_context_manager(client):
    async def main():
        s = await client.start_session()
        with pytest.raises(AttributeError, match="async with await client.start_session"):
            with s:
                pass
        await s.end_session()
        return s.has_ended
    assert run(main())


def test_io_loop_option_is_the_loop_get_io_loop_answers():
    # Motor: "io_loop (optional): Special event loop instance to use instead of default"
    loop = asyncio.new_event_loop()
    try:
        client = mim.asynchronous.AsyncIOMotorClient(server=Server(), io_loop=loop)
        assert client.get_io_loop() is loop and client.io_loop is loop
        client.close()
    finally:
        loop.close()


def test_io_loop_must_be_an_event_loop():
    with pytest.raises(TypeError, match="io_loop must be instance of asyncio-compatible event "
                                        "loop, not 'nope'"):
        mim.asynchronous.AsyncIOMotorClient(server=Server(), io_loop="nope")
