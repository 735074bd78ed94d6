"""mim's async face on a real event loop: what pymongo's async API adds or changes
compared with the sync one (the sync behaviour itself is covered by the twins).

Expected behaviour is pymongo's ``pymongo.asynchronous`` API (4.20): names and
reprs, ``AsyncCursor`` without indexing, ``to_list(length=None)``,
``StopAsyncIteration``, ``async with`` on clients, cursors and sessions.
"""

from __future__ import annotations

import asyncio
import inspect
import threading

import gridfs
import pymongo
import pymongo.asynchronous.collection
import pymongo.asynchronous.command_cursor
import pymongo.asynchronous.cursor
import pymongo.asynchronous.database
import pymongo.asynchronous.mongo_client
import pytest
from pymongo import InsertOne, UpdateOne
from pymongo.driver_info import DriverInfo
from pymongo.asynchronous.client_session import AsyncClientSession as PyMongoAsyncSession
from pymongo.errors import BulkWriteError, ExecutionTimeout, InvalidOperation, OperationFailure

import mim
from mim import Server
from mim.asynchronous.gridfs import AsyncGridFS, AsyncGridFSBucket
from sessions.test_faces_agree import scenario

from .adapter import Runner


def run(coroutine):
    return asyncio.run(coroutine)


@pytest.fixture
def client():
    return mim.AsyncMongoClient(server=Server())


def test_names_and_reprs(client):
    db = client.shop
    coll = db.items
    assert isinstance(db, mim.AsyncDatabase) and isinstance(coll, mim.AsyncCollection)
    assert coll.database is db and db.client is client
    assert repr(coll) == f"AsyncCollection({db!r}, 'items')"
    assert repr(db) == f"AsyncDatabase({client!r}, 'shop')"
    assert repr(client).startswith("AsyncMongoClient(host=['localhost:27017']")
    assert coll.full_name == "shop.items" and coll["sub"].name == "items.sub"
    with pytest.raises(TypeError, match="'AsyncCollection' object is not iterable"):
        next(coll)
    with pytest.raises(NotImplementedError, match="AsyncDatabase objects do not implement"):
        bool(db)
    with pytest.raises(AttributeError, match="AsyncMongoClient has no attribute '_x'"):
        client._x


def test_crud_cursor_and_aggregate(client):
    async def main():
        coll = client.db.c
        await coll.insert_many([{"_id": i, "g": i % 2} for i in range(6)])
        assert await coll.find_one({"_id": 4}) == {"_id": 4, "g": 0}
        assert [d["_id"] async for d in coll.find({"g": 1}).sort("_id", -1)] == [5, 3, 1]
        assert len(await coll.find().to_list()) == 6
        assert len(await coll.find().to_list(length=None)) == 6
        assert [d["_id"] for d in await coll.find().sort("_id").to_list(2)] == [0, 1]
        cursor = coll.find({"_id": 0})
        assert await cursor.next() == {"_id": 0, "g": 0}
        with pytest.raises(StopAsyncIteration):
            await cursor.next()
        groups = await coll.aggregate([{"$group": {"_id": "$g", "n": {"$sum": 1}}},
                                       {"$sort": {"_id": 1}}])
        assert await groups.to_list() == [{"_id": 0, "n": 3}, {"_id": 1, "n": 3}]
        assert await coll.count_documents({"g": 0}) == 3
        assert await coll.distinct("g") == [0, 1]
        assert await coll.find({"g": 1}).distinct("_id") == [1, 3, 5]
        return True
    assert run(main())


def test_max_time_ms_reaches_the_engine(client):
    # the async face delegates to the sync one: maxTimeMS must arrive and stop
    # the operation with 50 MaxTimeMSExpired, as on mongod
    slow = {"$expr": {"$lt": [{"$size": {"$range": [0, 3000]}}, 5]}}

    async def main():
        coll = client.db.slow
        await coll.insert_many([{"_id": i} for i in range(3000)])
        for call in (lambda: coll.find_one_and_update(slow, {"$set": {"x": 1}}, maxTimeMS=50),
                     lambda: coll.find_one_and_replace(slow, {"x": 1}, maxTimeMS=50),
                     lambda: coll.find_one_and_delete(slow, maxTimeMS=50),
                     lambda: coll.count_documents(slow, maxTimeMS=50),
                     lambda: coll.distinct("_id", slow, maxTimeMS=50)):
            with pytest.raises(ExecutionTimeout) as info:
                await call()
            assert info.value.code == 50
        with pytest.raises(OperationFailure) as info:
            await coll.estimated_document_count(maxTimeMS="x")
        assert info.value.details["errmsg"] == "maxTimeMS must be a number"
        assert await coll.estimated_document_count(maxTimeMS=60000) == 3000
        return True
    assert run(main())


def test_async_cursor_has_no_indexing(client):
    with pytest.raises(IndexError, match="AsyncCursor does not support indexing"):
        client.db.c.find()[0]


def test_async_with_cursor_and_client(client):
    async def main():
        coll = client.db.c
        await coll.insert_many([{}, {}])
        async with coll.find() as cursor:
            await cursor.next()
        assert not cursor.alive
        async with client:
            pass
        with pytest.raises(InvalidOperation, match="^Cannot use AsyncMongoClient after close$"):
            await coll.find_one()
        with pytest.raises(InvalidOperation, match="^Cannot use AsyncMongoClient after close$"):
            await coll.find().to_list()
    run(main())


def test_bulk_write_and_indexes(client):
    async def main():
        coll = client.db.c
        result = await coll.bulk_write([InsertOne({"_id": 1}), UpdateOne({"_id": 1},
                                                                         {"$set": {"a": 1}})])
        assert (result.inserted_count, result.modified_count) == (1, 1)
        with pytest.raises(BulkWriteError) as info:
            await coll.bulk_write([InsertOne({"_id": 1})])
        assert info.value.details["writeErrors"][0]["code"] == 11000
        assert await coll.create_index([("a", 1)], unique=True) == "a_1"
        names = [ix["name"] async for ix in await coll.list_indexes()]
        assert names == ["_id_", "a_1"]
        await coll.drop_index("a_1")
        assert list(await coll.index_information()) == ["_id_"]
        collections = await client.db.list_collections()
        assert [c["name"] async for c in collections] == ["c"]
        assert [n for n in await client.list_database_names() if n not in ("admin", "config", "local")] == ["db"]
    run(main())


def test_watch_gives_an_async_change_stream(client):
    """watch() on every async target returns an async change stream whose waits
    run off the event loop: a coroutine waiting for a change does not stop the
    coroutine that makes it."""
    async def main():
        coll = client.db.c
        async with await coll.watch(max_await_time_ms=2000) as stream:
            assert isinstance(stream, mim.AsyncChangeStream)

            async def write_later():
                await asyncio.sleep(0.05)
                await coll.insert_one({"_id": 1})

            writer = asyncio.ensure_future(write_later())
            change = await stream.next()
            await writer
        async with await client.db.watch(max_await_time_ms=10) as db_stream:
            assert await db_stream.try_next() is None
            assert db_stream.alive
        async with await client.watch(max_await_time_ms=10) as client_stream:
            await client.other.x.insert_one({"_id": 2})
            events = [event async for event in _take(client_stream, 1)]
        return change, events
    change, events = run(main())
    assert change["operationType"] == "insert" and change["documentKey"] == {"_id": 1}
    assert events[0]["ns"] == {"db": "other", "coll": "x"}


async def _take(stream, count):
    async for event in stream:
        yield event
        count -= 1
        if not count:
            return


def test_sessions_are_pymongo_async_sessions(client):
    async def main():
        coll = client.db.c
        async with client.start_session() as session:
            assert isinstance(session, PyMongoAsyncSession)
            assert session.client is client
            await coll.insert_one({"_id": 1}, session=session)
            assert coll.find({}, session=session).session is session
            async with session.bind():
                assert await coll.find_one() == {"_id": 1}
        assert session.has_ended
        with pytest.raises(InvalidOperation, match="Cannot use ended session"):
            await coll.find_one({}, session=session)
        other = mim.AsyncMongoClient(server=Server())
        async with other.start_session() as foreign:
            with pytest.raises(InvalidOperation, match="^Can only use session with the "
                                                       "AsyncMongoClient that started it$"):
                await coll.insert_one({}, session=foreign)
    run(main())


def test_transaction_on_a_standalone_fails_as_the_sync_face():
    """A 7.0 standalone refuses transaction numbers (IllegalOperation, code 20)."""
    client = mim.AsyncMongoClient(server=Server(standalone=True))

    async def main():
        async with client.start_session() as session:
            await session.start_transaction()
            assert session.in_transaction
            with pytest.raises(OperationFailure) as info:
                await client.db.c.insert_one({}, session=session)
            await session.abort_transaction()
            assert not session.in_transaction
            return info.value.code
    assert run(main()) == 20


def test_with_transaction_runs_an_async_callback(client):
    async def main():
        async with client.start_session() as session:
            async def callback(s):
                assert s is session
                return "done"
            return await session.with_transaction(callback)
    assert run(main()) == "done"


def test_session_scenario_agrees_with_sync_face():
    """``sessions/test_faces_agree.py``'s scenario, sync face vs async face: the same
    observations, except that pymongo's async API names its own client class."""
    runner = Runner()
    async_client = runner.proxy(mim.AsyncMongoClient(server=Server()))
    try:
        on_async = scenario(async_client)
    finally:
        runner.close()
    on_sync = scenario(mim.MongoClient(server=Server()))
    assert [repr(o).replace("AsyncMongoClient", "MongoClient") for o in on_async] == \
        [repr(o) for o in on_sync]
    assert "AsyncMongoClient that started it" in repr(on_async)


def test_sync_and_async_clients_share_an_address():
    sync = mim.MongoClient("mongodb://async-shared:27017")
    sync.reset()
    sync.db.c.insert_one({"_id": "seeded"})
    async_client = mim.AsyncMongoClient("mongodb://async-shared:27017")
    assert run(async_client.db.c.find_one()) == {"_id": "seeded"}
    sync.reset()


class _ThreadRecordingDict(dict):
    threads: set[int] = set()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _ThreadRecordingDict.threads.add(threading.get_ident())


def test_await_data_cursor_steps_off_the_event_loop():
    """An awaitData cursor may wait for documents: it must not block the loop."""
    client = mim.AsyncMongoClient(server=Server(), document_class=_ThreadRecordingDict)

    async def main():
        # tailable cursors need a capped collection (MongoDB refuses others)
        coll = await client.db.create_collection("c", capped=True, size=100000)
        await coll.insert_many([{}, {}])
        _ThreadRecordingDict.threads.clear()
        await coll.find().to_list()
        on_loop = set(_ThreadRecordingDict.threads)
        _ThreadRecordingDict.threads.clear()
        tailing = coll.find(cursor_type=pymongo.CursorType.TAILABLE_AWAIT)
        await tailing.next()
        await tailing.to_list()
        return on_loop, set(_ThreadRecordingDict.threads)

    on_loop, tailing = run(main())
    assert on_loop == {threading.get_ident()}
    assert tailing and threading.get_ident() not in tailing


def test_motor_spelling():
    async def main():
        client = mim.asynchronous.AsyncIOMotorClient(server=Server())
        session = await client.start_session()
        await client.db.c.insert_one({"_id": 1}, session=session)
        await session.end_session()
        client.close()
        return session.has_ended
    assert run(main())


# -- the pytest fixtures, under pytest-asyncio and anyio ---------------------------------------

@pytest.mark.asyncio
async def test_fixtures_under_pytest_asyncio(mim_async_db, mim_db):
    await mim_async_db.c.insert_one({"_id": 1})
    assert mim_db.c.find_one() == {"_id": 1}
    assert isinstance(mim_async_db, mim.AsyncDatabase)


@pytest.mark.anyio
async def test_fixtures_under_anyio(mim_async_client, mim_client):
    mim_client.test.c.insert_one({"_id": 2})
    assert await mim_async_client.test.c.find_one() == {"_id": 2}


def test_next_on_a_closed_change_stream_raises_stop_async_iteration(client):
    # pymongo: AsyncChangeStream.next "Raises StopAsyncIteration if this change stream
    # is closed"
    async def main():
        stream = await client.db.c.watch()
        await stream.close()
        with pytest.raises(StopAsyncIteration):
            await stream.next()
        return [change async for change in stream]
    assert run(main()) == []


# -- cooperative multitasking ------------------------------------------------------------------

def test_each_operation_lets_the_other_tasks_run(client):
    """asyncio multitasking is cooperative and a driver suspends while it awaits the
    server's reply, so a task looping over writes does not starve the task that tells
    it to stop (Motor's own change-stream example runs such a loop beside a watcher)."""
    async def main():
        stop = False

        async def writer():
            written = 0
            while not stop and written < 1000:
                await client.db.c.insert_one({"n": written})
                written += 1
            return written

        task = asyncio.ensure_future(writer())
        await asyncio.sleep(0)  # the writer starts
        assert await client.db.c.find_one({"n": -1}) is None
        stop = True
        written = await task
        return written, await client.db.c.count_documents({})
    written, stored = run(main())
    assert written < 1000 and stored == written


def test_to_list_lets_the_other_tasks_run(client):
    async def main():
        order = []

        async def other():
            order.append("other")

        await client.db.c.insert_one({"_id": 1})
        task = asyncio.ensure_future(other())
        docs = await client.db.c.find().to_list()
        order.append("to_list")
        await task
        return docs, order
    assert run(main()) == ([{"_id": 1}], ["other", "to_list"])


# -- mim.patch ---------------------------------------------------------------------------------

def test_patch_redirects_pymongo_async_client():
    with mim.patch(server=Server()):
        client = pymongo.AsyncMongoClient("mongodb://db.example:27017")
        assert isinstance(client, mim.AsyncMongoClient)
        assert isinstance(client, pymongo.AsyncMongoClient)
        sync = pymongo.MongoClient("mongodb://db.example:27017")
        sync.db.c.insert_one({"_id": "from sync"})
        assert run(client.db.c.find_one()) == {"_id": "from sync"}
    assert pymongo.AsyncMongoClient.__name__ == "AsyncMongoClient"
    real = pymongo.AsyncMongoClient("mongodb://db.example:27017", connect=False)
    assert not isinstance(real, mim.AsyncMongoClient)
    run(real.close())


def test_patch_redirects_motor_when_installed():
    motor_asyncio = pytest.importorskip(
        "motor.motor_asyncio", reason="Motor is an optional, deprecated driver")
    with mim.patch(server=Server()):
        client = motor_asyncio.AsyncIOMotorClient("mongodb://db.example:27017")
        assert isinstance(client, mim.asynchronous.AsyncIOMotorClient)

        async def main():
            await client.db.c.insert_one({"_id": 1})
            session = await client.start_session()
            await session.end_session()
            return await client.db.c.find_one()
        assert run(main()) == {"_id": 1}


# -- the public surface is pymongo.asynchronous's ---------------------------------------------

# What neither face has yet: Atlas search indexes, max_scan, topology introspection.
_NOT_ON_EITHER_FACE: set[str] = set()  # the sync face now has every pymongo name (silent)


@pytest.mark.parametrize("theirs, ours", [
    (pymongo.asynchronous.mongo_client.AsyncMongoClient, mim.AsyncMongoClient),
    (pymongo.asynchronous.database.AsyncDatabase, mim.AsyncDatabase),
    (pymongo.asynchronous.collection.AsyncCollection, mim.AsyncCollection),
    (pymongo.asynchronous.cursor.AsyncCursor, mim.AsyncCursor),
    (pymongo.asynchronous.command_cursor.AsyncCommandCursor, mim.AsyncCommandCursor),
    (PyMongoAsyncSession, mim.AsyncClientSession),
], ids=lambda c: c.__name__)
def test_same_names_and_awaitability_as_pymongo(theirs, ours):
    for name in dir(theirs):
        if name.startswith("_") and name not in ("__aiter__", "__anext__", "__aenter__",
                                                 "__aexit__"):
            continue
        if name in _NOT_ON_EITHER_FACE:
            assert not hasattr(mim.MongoClient, name) and not hasattr(mim.Collection, name) \
                and not hasattr(mim.Cursor, name)
            continue
        assert hasattr(ours, name), name
        assert inspect.iscoroutinefunction(getattr(ours, name)) == \
            inspect.iscoroutinefunction(getattr(theirs, name)), name


# -- GridFS ----------------------------------------------------------------------------------

def test_async_gridfs_bucket_and_legacy_api(client):
    async def main():
        bucket = AsyncGridFSBucket(client.files)
        file_id = await bucket.upload_from_stream("a.txt", b"hello world")
        stream = await bucket.open_download_stream(file_id)
        assert (await stream.read(), stream.filename, stream.length) == \
            (b"hello world", "a.txt", 11)
        async with bucket.open_upload_stream("b.txt", chunk_size_bytes=4) as grid_in:
            await grid_in.write(b"0123456789")
        chunks = [c async for c in await bucket.open_download_stream_by_name("b.txt")]
        assert chunks == [b"0123", b"4567", b"89"]
        assert [f.filename async for f in bucket.find({}).sort("filename", -1)] == \
            ["b.txt", "a.txt"]
        await bucket.delete(file_id)
        with pytest.raises(gridfs.errors.NoFile):
            await bucket.open_download_stream(file_id)
        legacy = AsyncGridFS(client.files)
        legacy_id = await legacy.put(b"legacy", filename="l")
        assert await (await legacy.get(legacy_id)).read() == b"legacy"
        assert sorted(await legacy.list()) == ["b.txt", "l"]
        stored = client.delegate.files
        assert stored.fs.chunks.count_documents({"files_id": grid_in._id}) == 3
    run(main())


def test_patch_hands_out_async_gridfs_for_a_mim_database(client):
    with mim.patch(servers=[]):
        assert type(gridfs.AsyncGridFSBucket(client.files)) is AsyncGridFSBucket
        assert type(gridfs.AsyncGridFS(client.files)) is AsyncGridFS


# -- awaitable topology properties --------------------------------------------------------------

_TOPOLOGY_PROPERTIES = ("address", "primary", "secondaries", "arbiters", "is_primary", "is_mongos")


@pytest.mark.parametrize("name", _TOPOLOGY_PROPERTIES)
def test_topology_properties_are_awaitable_as_in_pymongo(name):
    theirs = getattr(pymongo.asynchronous.mongo_client.AsyncMongoClient, name)
    ours = getattr(mim.AsyncMongoClient, name)
    assert isinstance(ours, property)
    assert inspect.iscoroutinefunction(ours.fget) == inspect.iscoroutinefunction(theirs.fget)


def test_await_is_mongos_and_is_primary(client):
    """pymongo: is_primary is True for a standalone, a mongos or a replica-set primary;
    is_mongos only for a mongos, which mim never is.  Beanie's migration tests run
    ``await db.client.is_mongos``."""
    async def main():
        return await client.is_mongos, await client.is_primary
    assert run(main()) == (False, True)


def test_append_metadata_brands_the_async_client(client):
    client.append_metadata(DriverInfo("beanie", "2.1.0"))
    assert client.options.pool_options.metadata["driver"]["name"].endswith("|beanie")



def test_find_raw_batches_is_iterated_with_async_for(client):
    # pymongo's AsyncCollection.find_raw_batches returns an AsyncRawBatchCursor: each
    # item of ``async for`` is one batch's documents as BSON bytes (bson.decode_all)
    import bson

    async def main():
        coll = client.db.c
        await coll.insert_many([{"_id": i} for i in range(5)])
        batches = [[doc["_id"] for doc in bson.decode_all(batch)]
                   async for batch in coll.find_raw_batches({}, sort=[("_id", 1)], batch_size=2)]
        whole = await coll.find_raw_batches({"_id": {"$gte": 3}}).to_list()
        return batches, [bson.decode_all(batch) for batch in whole]
    assert run(main()) == ([[0, 1], [2, 3], [4]], [[{"_id": 3}, {"_id": 4}]])


def test_gridfs_bucket_cursor_closes_and_serves_async_with(client):
    # pymongo's AsyncGridOutCursor is an AsyncCursor: close() and async with
    async def main():
        bucket = AsyncGridFSBucket(client.db)
        await bucket.upload_from_stream("a.txt", b"x")
        await bucket.upload_from_stream("b.txt", b"y")
        async with bucket.find({}).sort("filename", 1) as cursor:
            names = [grid_out.filename async for grid_out in cursor]
        cursor = bucket.find({})
        await cursor.close()
        return names, await cursor.to_list()
    assert run(main()) == (["a.txt", "b.txt"], [])
