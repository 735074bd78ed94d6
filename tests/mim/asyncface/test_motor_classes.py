"""mim's Motor spelling *is-a* Motor class when Motor is installed.

Code written for Motor checks its objects with Motor's classes: ODMantic's own
suite asserts ``isinstance(AIOEngine().client, AsyncIOMotorClient)``, Motor's
``AsyncIOMotorGridFSBucket(db)`` refuses a database that is not an
``AsyncIOMotorDatabase``.  Under ``mim.patch()`` those checks must pass however
the name was bound (this module imports Motor's classes before any patch starts),
and Motor's API as documented must keep working on the objects mim hands out:
``get_io_loop()`` answers the client's event loop; a GridFS bucket made with
``AsyncIOMotorGridFSBucket(database)`` stores and reads files.
"""

from __future__ import annotations

import asyncio
import inspect

import pytest

import mim
from mim import Server

motor_asyncio = pytest.importorskip("motor.motor_asyncio",
                                    reason="Motor is an optional, deprecated driver")
from motor.motor_asyncio import (AsyncIOMotorChangeStream, AsyncIOMotorClient,  # noqa: E402
                                 AsyncIOMotorClientSession, AsyncIOMotorCollection,
                                 AsyncIOMotorCommandCursor, AsyncIOMotorCursor,
                                 AsyncIOMotorDatabase, AsyncIOMotorGridFSBucket,
                                 AsyncIOMotorGridIn, AsyncIOMotorGridOut,
                                 AsyncIOMotorGridOutCursor, AsyncIOMotorLatentCommandCursor)


def run(coroutine):
    return asyncio.run(coroutine)


def test_every_object_of_a_patched_motor_client_passes_motors_isinstance():
    with mim.patch(server=Server()):
        client = AsyncIOMotorClient("mongodb://db.example:27017")

        async def main():
            db = client.shop
            coll = db.items
            await coll.insert_one({"_id": 1})
            session = await client.start_session()
            bucket = AsyncIOMotorGridFSBucket(db)
            file_id = await bucket.upload_from_stream("a.txt", b"hi")
            grid_in = bucket.open_upload_stream("b.txt")
            objects = {
                AsyncIOMotorClient: client,
                AsyncIOMotorDatabase: db,
                AsyncIOMotorCollection: coll,
                AsyncIOMotorCursor: coll.find(),
                AsyncIOMotorCommandCursor: await db.list_collections(),
                AsyncIOMotorLatentCommandCursor: coll.aggregate([]),
                AsyncIOMotorChangeStream: coll.watch(),
                AsyncIOMotorClientSession: session,
                AsyncIOMotorGridFSBucket: bucket,
                AsyncIOMotorGridIn: grid_in,
                AsyncIOMotorGridOut: await bucket.open_download_stream(file_id),
                AsyncIOMotorGridOutCursor: bucket.find({}),
            }
            await grid_in.close()
            await session.end_session()
            return objects
        objects = run(main())
        client.close()
    for motor_class, obj in objects.items():
        assert isinstance(obj, motor_class), motor_class.__name__


def test_patched_motor_gridfs_bucket_stores_and_reads_files():
    with mim.patch(server=Server()):
        client = AsyncIOMotorClient()

        async def main():
            bucket = AsyncIOMotorGridFSBucket(client.files, bucket_name="photos")
            file_id = await bucket.upload_from_stream("a.txt", b"hello world")
            grid_out = await bucket.open_download_stream(file_id)
            names = await client.files.list_collection_names()
            return await grid_out.read(), grid_out.filename, sorted(names)
        assert run(main()) == (b"hello world", "a.txt", ["photos.chunks", "photos.files"])
        client.close()


def test_get_io_loop_is_the_clients_loop_everywhere():
    # Motor: a database's, collection's, cursor's and session's get_io_loop() is
    # their client's, which is the io_loop= given to the client
    loop = asyncio.new_event_loop()
    try:
        client = mim.asynchronous.AsyncIOMotorClient(server=Server(), io_loop=loop)
        coll = client.db.c
        session = loop.run_until_complete(client.start_session())
        loops = [client.db.get_io_loop(), coll.get_io_loop(), coll.find().get_io_loop(),
                 coll.aggregate([]).get_io_loop(), coll.watch().get_io_loop(),
                 session.get_io_loop(),
                 loop.run_until_complete(client.db.list_collections()).get_io_loop()]
        assert all(each is loop for each in loops)
        loop.run_until_complete(session.end_session())
        client.close()
    finally:
        loop.close()


_MOTOR_SPELLINGS = [mim.asynchronous.AsyncIOMotorClient, mim.asynchronous.AsyncIOMotorDatabase,
                    mim.asynchronous.AsyncIOMotorCollection, mim.asynchronous.AsyncIOMotorCursor,
                    mim.asynchronous.AsyncIOMotorCommandCursor,
                    mim.asynchronous.AsyncIOMotorLatentCommandCursor,
                    mim.asynchronous.AsyncIOMotorChangeStream,
                    mim.asynchronous.AsyncIOMotorClientSession,
                    mim.asynchronous.AsyncIOMotorGridFSBucket, mim.asynchronous.AsyncIOMotorGridIn,
                    mim.asynchronous.AsyncIOMotorGridOut,
                    mim.asynchronous.AsyncIOMotorGridOutCursor]


@pytest.mark.parametrize("cls", _MOTOR_SPELLINGS, ids=lambda c: c.__name__)
def test_motor_bases_lend_no_method(cls):
    """Motor's methods drive a pymongo network client through ``self.delegate``:
    none of them may run on a mim object, so every name resolves to mim's code."""
    motor_bases = [base for base in cls.__mro__ if base.__module__.startswith("motor.")]
    assert motor_bases, "Motor's class is a base"
    for name in {name for base in motor_bases for name in vars(base)}:
        definer = next(base for base in cls.__mro__ if name in vars(base))
        value = vars(definer)[name]
        # (mim.patch installs its own __new__ on Motor's client and bucket classes)
        assert not definer.__module__.startswith("motor.") or \
            getattr(value, "__module__", "").startswith("mim."), name


def test_a_motor_name_mim_lacks_is_missing_not_motors():
    # Motor's _refresh would reach into a pymongo cursor's buffer; stream_to_handler
    # serves a Tornado/aiohttp handler, which mim's GridOut does not implement
    cursor = mim.asynchronous.AsyncIOMotorClient(server=Server()).db.c.find()
    with pytest.raises(AttributeError, match="_refresh"):
        cursor._refresh
    assert not hasattr(mim.asynchronous.AsyncIOMotorGridOut, "stream_to_handler")


def test_deprecated_fetch_next_next_object_and_each():
    # Motor 3 still has them: "while await cursor.fetch_next: doc = cursor.next_object()";
    # each(callback) calls callback(doc, None) per document, then callback(None, None)
    client = mim.asynchronous.AsyncIOMotorClient(server=Server())

    async def main():
        coll = client.db.c
        await coll.insert_many([{"_id": i} for i in range(3)])
        cursor = coll.find().sort("_id")
        assert cursor.next_object() is None
        fetched = []
        while await cursor.fetch_next:
            fetched.append(cursor.next_object())
        assert await cursor.fetch_next is False
        ahead = coll.find().sort("_id")
        assert await ahead.fetch_next
        rest = await ahead.to_list(None)
        seen, done = [], asyncio.get_running_loop().create_future()
        coll.find().sort("_id").each(
            lambda doc, error: seen.append(doc) if doc is not None else done.set_result(error))
        return fetched, rest, await done, seen
    with pytest.warns(DeprecationWarning):
        fetched, rest, error, seen = run(main())
    assert fetched == rest == seen == [{"_id": 0}, {"_id": 1}, {"_id": 2}]
    assert error is None
    with pytest.raises(TypeError, match="callback must be a callable"):
        client.db.c.find().each(None)
    client.close()


def test_rewind_is_a_plain_call_as_in_motor():
    client = mim.asynchronous.AsyncIOMotorClient(server=Server())

    async def main():
        await client.db.c.insert_one({"_id": 1})
        cursor = client.db.c.find()
        first = await cursor.to_list(None)
        assert cursor.rewind() is cursor
        return first, await cursor.to_list(None)
    assert run(main()) == ([{"_id": 1}], [{"_id": 1}])
    client.close()


def test_a_motor_call_starts_the_operation_without_await():
    # Motor runs an operation on its executor when the method is called and returns a
    # Future: Motor's own tests do loop.call_soon_threadsafe(collection.insert_many, docs)
    client = mim.asynchronous.AsyncIOMotorClient(server=Server())

    async def main():
        coll = client.db.c
        future = coll.insert_one({"_id": 1})
        assert isinstance(future, asyncio.Future)
        asyncio.get_running_loop().call_soon(coll.insert_many, [{"_id": 2}, {"_id": 3}])
        await asyncio.sleep(0.01)
        assert future.done() and future.result().inserted_id == 1
        return await coll.count_documents({})
    assert run(main()) == 3
    client.close()


def test_a_motor_change_stream_has_no_delegate_until_it_opens():
    client = mim.asynchronous.AsyncIOMotorClient(server=Server())

    async def main():
        stream = client.db.c.watch()
        before = stream.delegate
        await client.db.c.insert_one({"_id": 1})
        assert await stream.try_next() is None
        return before, stream.delegate is not None
    assert run(main()) == (None, True)
    client.close()


def test_a_motor_change_stream_is_not_a_sync_context_manager():
    stream = mim.asynchronous.AsyncIOMotorClient(server=Server()).db.c.watch()
    with pytest.raises(RuntimeError, match='Use a change stream in "async with", not "with"'):
        with stream:
            pass


def test_patched_motor_grid_in_and_grid_out_built_directly():
    # Motor's GridIn(root_collection, **kwargs) / GridOut(root_collection, file_id):
    # "set" is setattr on the file; GridOut.open() answers the GridOut itself; other
    # names are the file document's fields
    from motor.motor_asyncio import AsyncIOMotorGridIn, AsyncIOMotorGridOut
    with mim.patch(server=Server()):
        client = AsyncIOMotorClient()

        async def main():
            grid_in = AsyncIOMotorGridIn(client.db.fs, filename="a.txt", aliases=["x"])
            await grid_in.write(b"hello")
            await grid_in.set("content_type", "text/plain")
            await grid_in.set("tag", "t1")
            await grid_in.close()
            grid_out = await AsyncIOMotorGridOut(client.db.fs, grid_in._id).open()
            return (isinstance(grid_in, AsyncIOMotorGridIn), grid_in.aliases, grid_in.tag,
                    isinstance(grid_out, AsyncIOMotorGridOut), await grid_out.read(),
                    grid_out.content_type, grid_out.tag)
        assert run(main()) == (True, ["x"], "t1", True, b"hello", "text/plain", "t1")
        client.close()


def test_patched_motor_database_and_collection_built_directly():
    # Motor: AsyncIOMotorDatabase(client, name, **options) and
    # AsyncIOMotorCollection(database, name, codec_options=None, ...)
    from pymongo.write_concern import WriteConcern
    with mim.patch(server=Server()):
        client = AsyncIOMotorClient()
        db = AsyncIOMotorDatabase(client, "shop", write_concern=WriteConcern(w=1))
        coll = AsyncIOMotorCollection(db, "items")

        async def main():
            await coll.insert_one({"_id": 1})
            return await client.shop.items.find_one(), db.name, coll.full_name
        assert run(main()) == ({"_id": 1}, "shop", "shop.items")
        assert isinstance(db, mim.asynchronous.AsyncIOMotorDatabase)
        assert db.write_concern == WriteConcern(w=1) and coll.write_concern == WriteConcern(w=1)
        client.close()


def test_a_patched_motor_client_talks_to_the_patchs_server():
    # the object mim.patch builds is an AsyncIOMotorClient, so Python runs __init__ on
    # it again with the caller's arguments: that second run must change nothing
    server = Server()
    with mim.patch(server=server):
        client = AsyncIOMotorClient("mongodb://db.example:27017")

        async def main():
            await client.db.c.insert_one({"_id": 1})
        run(main())
        client.close()
    assert mim.MongoClient(server=server).db.c.find_one() == {"_id": 1}


def test_motor_reprs_are_the_class_name_around_the_wrapped_object():
    # Motor's AgnosticBase.__repr__: f"{cls.__name__}({self.delegate!r})" for every
    # Motor object; a latent cursor or change stream wraps nothing until it runs
    client = mim.asynchronous.AsyncIOMotorClient(server=Server())
    coll = client.db.c

    async def main():
        session = await client.start_session()
        return (repr(coll.find()), repr(await client.db.list_collections()),
                repr(coll.aggregate([])), repr(coll.watch()), repr(session))
    cursor, command_cursor, latent, stream, session = run(main())
    assert cursor.startswith("AsyncIOMotorCursor(<") and cursor.endswith(">)")
    assert command_cursor.startswith("AsyncIOMotorCommandCursor(<")
    assert latent == "AsyncIOMotorLatentCommandCursor(None)"
    assert stream == "AsyncIOMotorChangeStream(None)"
    assert session.startswith("AsyncIOMotorClientSession(<")
    assert repr(coll).startswith("AsyncIOMotorCollection(")
    client.close()


def test_motor_grid_out_fields_need_open():
    # Motor's GridOut answers its file fields only once open() (or a read) loaded the
    # file document: before, InvalidOperation "You must call MotorGridOut.open() ..."
    from pymongo.errors import InvalidOperation
    client = mim.asynchronous.AsyncIOMotorClient(server=Server())
    fs = client.db.fs

    async def main():
        grid_in = mim.asynchronous.AsyncIOMotorGridIn(fs, filename="test", foo="bar",
                                                      content_type="text")
        await grid_in.write(b"abc")
        await grid_in.close()
        grid_out = mim.asynchronous.AsyncIOMotorGridOut(fs, grid_in._id)
        for name in ("_id", "filename", "name", "content_type", "length", "chunk_size",
                     "upload_date", "aliases", "metadata", "foo"):
            with pytest.raises(InvalidOperation, match=f"You must call MotorGridOut.open"
                                                       f"\\(\\) before accessing the {name} "
                                                       f"property"):
                getattr(grid_out, name)
        opened = await grid_out.open()
        assert opened is grid_out
        assert (grid_out._id, grid_out.filename, grid_out.content_type, grid_out.length,
                grid_out.foo) == (grid_in._id, "test", "text", 3, "bar")
        unread = mim.asynchronous.AsyncIOMotorGridOut(fs, grid_in._id)
        assert await unread.read() == b"abc"  # a read opens the file
        assert unread.filename == "test"
    run(main())
    client.close()


def test_motor_gridfs_bucket_collection_and_its_deprecated_alias():
    # Motor's AsyncIOMotorGridFSBucket(database, bucket_name="fs", chunk_size_bytes,
    # write_concern, read_preference, collection=None): ``collection`` is a deprecated
    # alias of bucket_name; ``bucket.collection`` is the root collection with the
    # bucket's write concern and read preference
    from pymongo.read_preferences import ReadPreference
    from pymongo.write_concern import WriteConcern
    client = mim.asynchronous.AsyncIOMotorClient(server=Server())
    wc = WriteConcern(w="majority", wtimeout=1000)
    bucket = mim.asynchronous.AsyncIOMotorGridFSBucket(
        client.db, "bucket", chunk_size_bytes=8, write_concern=wc,
        read_preference=ReadPreference.SECONDARY)
    assert bucket.collection.name == "bucket"
    assert bucket.collection.write_concern == wc
    assert bucket.collection.read_preference == ReadPreference.SECONDARY
    with pytest.warns(DeprecationWarning, match='the "collection" parameter is deprecated'):
        old_style = mim.asynchronous.AsyncIOMotorGridFSBucket(client.db, collection="legacy")
    assert old_style.collection.name == "legacy"

    async def main():
        file_id = await old_style.upload_from_stream("f", b"x" * 20)
        return (await client.db.legacy.files.count_documents({"_id": file_id}),
                await (await bucket.open_download_stream(
                    await bucket.upload_from_stream("g", b"y" * 20))).read(),
                await client.db.bucket.chunks.count_documents({}))
    assert run(main()) == (1, b"y" * 20, 3)  # 20 bytes in chunks of 8
    with pytest.raises(TypeError, match="must be  MotorDatabase"):
        mim.asynchronous.AsyncIOMotorGridFSBucket(client.db.fs)
    client.close()


def test_motor_latent_aggregate_batch_size_is_the_commands():
    # Motor's latent cursor: batch_size() before the first step becomes the aggregate
    # command's batchSize (cursor: {batchSize: n}), as aggregate(p, batchSize=n) does
    from pymongo import monitoring

    class Started(monitoring.CommandListener):
        def __init__(self):
            self.commands = []

        def started(self, event):
            self.commands.append(event.command)

        def succeeded(self, event):
            pass

        def failed(self, event):
            pass

    listener = Started()
    client = mim.asynchronous.AsyncIOMotorClient(server=Server(), event_listeners=[listener])
    coll = client.db.c

    async def main():
        await coll.insert_many([{"_id": i} for i in range(3)])
        listed = []
        for cursor in (coll.aggregate([{"$sort": {"_id": 1}}]).batch_size(2),
                       coll.aggregate([{"$sort": {"_id": 1}}], batchSize=2)):
            listed.append(await cursor.to_list(None))
        return listed
    assert run(main()) == [[{"_id": 0}, {"_id": 1}, {"_id": 2}]] * 2
    aggregates = [c for c in listener.commands if "aggregate" in c]
    getmores = [c for c in listener.commands if "getMore" in c]
    assert [c["cursor"] for c in aggregates] == [{"batchSize": 2}, {"batchSize": 2}]
    assert [c["batchSize"] for c in getmores] == [2, 2]
    client.close()


def test_calling_a_missing_motor_method_is_motors_type_error():
    # Motor (core.py AgnosticDatabase/AgnosticCollection.__call__): client.foo is a
    # database and db.foo a collection; calling either is a TypeError naming the method
    client = mim.asynchronous.AsyncIOMotorClient(server=Server())
    with pytest.raises(TypeError, match="^MotorDatabase object is not callable. If you meant "
                                        "to call the 'foo' method on a AsyncIOMotorClient "
                                        "object it is failing because no such method exists.$"):
        client.foo()
    with pytest.raises(TypeError, match="^MotorCollection object is not callable. If you "
                                        "meant to call the 'bar' method on a MotorCollection "
                                        "object it is failing because no such method exists.$"):
        client.db.bar()
    with pytest.raises(TypeError, match="open_sync\\(\\) is unnecessary Motor 0.2"):
        client.open_sync()
    client.close()


def test_motor_to_list_refuses_a_tailable_cursor():
    # Motor's AgnosticBaseCursor.to_list: length must be an int >= 0, and a tailable
    # cursor is refused: InvalidOperation "Can't call to_list on tailable cursor"
    from pymongo import CursorType
    from pymongo.errors import InvalidOperation
    client = mim.asynchronous.AsyncIOMotorClient(server=Server())
    coll = client.db.c

    async def main():
        await client.db.create_collection("c", capped=True, size=4096)
        await coll.insert_one({"_id": 1})
        for cursor_type in (CursorType.TAILABLE, CursorType.TAILABLE_AWAIT):
            with pytest.raises(InvalidOperation, match="Can't call to_list on tailable cursor"):
                await coll.find(cursor_type=cursor_type).to_list(10)
        with pytest.raises(TypeError, match="length must be an int, not 'x'"):
            await coll.find().to_list("x")
        with pytest.raises(ValueError, match="length must be non-negative"):
            await coll.find().to_list(-1)
        return await coll.find().to_list(None)
    assert run(main()) == [{"_id": 1}]
    client.close()


def test_motor_gridfs_cursor_has_motors_deprecated_iteration():
    # Motor's GridOutCursor is a Motor cursor: "while await cursor.fetch_next:
    # cursor.next_object()" yields GridOuts, and async for / to_list go on after the
    # file fetch_next read ahead
    import warnings
    client = mim.asynchronous.AsyncIOMotorClient(server=Server())
    bucket = mim.asynchronous.AsyncIOMotorGridFSBucket(client.db)

    async def main():
        for i in range(3):
            await bucket.upload_from_stream_with_id(i, f"f{i}", b"data%d" % i,
                                                    chunk_size_bytes=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            cursor = bucket.find({}).sort("_id", 1)
            assert await cursor.fetch_next
            first = cursor.next_object()
            assert isinstance(first, mim.asynchronous.AsyncIOMotorGridOut)
            chunks = [chunk async for chunk in first]
            rest = [grid_out._id async for grid_out in cursor]
            again = bucket.find({}).sort("_id", 1)
            assert await again.fetch_next
            listed = [grid_out._id for grid_out in await again.to_list(None)]
            empty = bucket.find({"_id": 99})
            assert not await empty.fetch_next
        return chunks, rest, listed
    assert run(main()) == ([b"d", b"a", b"t", b"a", b"0"], [1, 2], [0, 1, 2])
    client.close()


def test_motor_cursor_started_and_closed():
    # Motor's cursors: ``started`` once the query (or the latent command) was sent,
    # ``closed`` once close() was called (async with calls it); another cursor of the
    # same query stays open
    import warnings
    client = mim.asynchronous.AsyncIOMotorClient(server=Server())
    coll = client.db.c

    async def main():
        await coll.insert_many([{"_id": i} for i in range(5)])
        seen = []
        for make in (lambda: coll.find({}), lambda: coll.aggregate([{"$sort": {"_id": 1}}]),
                     lambda: coll.find_raw_batches({}),
                     lambda: coll.aggregate_raw_batches([{"$sort": {"_id": 1}}])):
            contrast = make().batch_size(2)
            async with make().batch_size(2) as cursor:
                before = cursor.started
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", DeprecationWarning)
                    await cursor.fetch_next
                    cursor.next_object()
                seen.append((before, cursor.started, cursor.closed))
            seen.append((contrast.closed, cursor.closed))
            await contrast.close()
            assert contrast.closed
        return seen
    assert run(main()) == [(False, True, False), (False, True)] * 4
    client.close()


def test_motor_add_option_is_a_chaining_call():
    # Motor's Cursor.add_option/remove_option are chaining methods (no await), with
    # pymongo's checks: exhaust after a limit is InvalidOperation; a tailable bit makes
    # to_list refuse the cursor
    from pymongo.errors import InvalidOperation
    client = mim.asynchronous.AsyncIOMotorClient(server=Server())
    coll = client.db.c
    cursor = coll.find()
    assert cursor.add_option(2) is cursor and cursor.remove_option(2) is cursor
    with pytest.raises(InvalidOperation, match="Can't use limit and exhaust together."):
        coll.find(limit=5).add_option(64)

    async def main():
        with pytest.raises(InvalidOperation, match="Can't call to_list on tailable cursor"):
            await coll.find().add_option(2).to_list(None)
        await coll.insert_one({"_id": 1})
        return await coll.find().add_option(2).remove_option(2).to_list(None)
    assert run(main()) == [{"_id": 1}]
    client.close()
