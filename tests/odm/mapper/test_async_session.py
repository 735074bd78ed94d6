"""The async ODM session in asyncio code (plain ``asyncio.run``): awaited queries and flushes,
``async for``, async transactions, eager loading, and what cannot wait inside the loop.

Each test runs on ``mim.AsyncMongoClient`` (in process) and on ``pymongo.AsyncMongoClient``
talking to ``mim.serve`` over the wire.  The rest of the session's behaviour is checked by the
async twin of the core session tests (``*-async`` backends, see ``conftest.py``).
"""
from __future__ import annotations

import asyncio
import datetime
import threading
import uuid
from typing import Any, Awaitable, Callable

import bson
import mim
import pymongo
import pytest

import odm
from conftest import wire_uri
from odm import AsyncODMSession, schema, signals
from odm.exc import BlockingCallInEventLoop, MingException
from odm.odm import FieldProperty, Mapper, ForeignIdProperty, RelationProperty, session as session_of

from .models import model


@pytest.fixture(params=["mim", "wire"])
def run_async(request: pytest.FixtureRequest) -> Callable[[Callable[..., Awaitable[Any]]], Any]:
    """``run_async(main)``: ``asyncio.run(main(db, session, Author, Book))`` on a fresh database of the
    backend's async client, the classes of :func:`declare` mapped to an ``AsyncODMSession`` on it."""
    def runner(main: Callable[..., Awaitable[Any]]) -> Any:
        async def scenario() -> Any:
            if request.param == "mim":
                client = mim.AsyncMongoClient(f"mim://odm-async-{uuid.uuid4().hex[:12]}")
            else:
                client = pymongo.AsyncMongoClient(wire_uri())
            name = f"odm_async_{uuid.uuid4().hex[:12]}"
            try:
                db = client[name]
                sess = AsyncODMSession(db)
                return await main(db, sess, *declare(sess))
            finally:
                await client.drop_database(name)
                await client.close()

        return asyncio.run(scenario())

    return runner


def declare(sess: Any) -> tuple[type, type]:
    Author = model(sess, "Author", "author", name=FieldProperty(str), books=RelationProperty("Book"))
    Book = model(sess, "Book", "book", title=FieldProperty(str), pages=FieldProperty(int, if_missing=0),
                 author_id=ForeignIdProperty(Author, on_delete=odm.CASCADE), author=RelationProperty(Author))
    return Author, Book


async def ada_and_her_book(sess: AsyncODMSession, Author: type, Book: type) -> Any:
    """One author and one book of hers, flushed; returns the author."""
    ada = Author(name="Ada")
    Book(title="b", author_id=ada._id)
    await sess.flush()
    return ada


def test_awaited_queries_flushes_and_async_for(run_async):
    async def main(db, sess, Author, Book):
        ada = Author(name="Ada")
        for i in range(3):
            Book(title=f"b{i}", pages=i, author_id=ada._id)
        await sess.flush()
        assert await db.book.count_documents({}) == 3
        sess.clear()
        got = await Book.query.find({"pages": {"$gte": 1}}).sort("pages", -1).all()
        assert [b.title for b in got] == ["b2", "b1"]
        assert [b.pages async for b in Book.query.find().sort("pages")] == [0, 1, 2]
        assert (await Book.query.find({"title": "b1"}).one()).pages == 1
        assert await Book.query.find({"title": "nope"}).first() is None
        with pytest.raises(ValueError):
            await Book.query.find().one()
        assert await Book.query.find().count() == 3
        assert sorted(await Book.query.distinct("pages")) == [0, 1, 2]
        assert await Book.query.filter(Book.pages > 0).count() == 2
        first = await Book.query.get(got[0]._id)
        assert first is got[0] and session_of(first) is sess  # the identity map; the class's async session
        first.pages = 10
        await sess.flush()
        assert (await db.book.find_one({"_id": first._id}))["pages"] == 10
        first.delete()
        await sess.flush()
        assert await db.book.count_documents({}) == 2

    run_async(main)


def test_database_objects_are_the_async_drivers(run_async):
    async def main(db, sess, Author, Book):
        Author(name="Ada")
        await sess.flush()
        assert sess.db is db
        cursor = await Author.query.aggregate([{"$project": {"_id": 0, "name": 1}}])
        assert await cursor.to_list() == [{"name": "Ada"}]
        assert (await sess.command("ping"))["ok"] == 1.0

    run_async(main)


def test_relations_load_with_the_query_not_on_attribute_access(run_async):
    async def main(db, sess, Author, Book):
        ada = await ada_and_her_book(sess, Author, Book)
        sess.clear()
        book = await Book.query.find().first()
        with pytest.raises(BlockingCallInEventLoop, match="selectinload"):
            book.author  # a query: it cannot wait inside the event loop
        sess.clear()
        [book] = await Book.query.find().options(odm.selectinload("author")).all()
        assert book.author.name == "Ada"
        [author] = await Author.query.find().options(odm.selectinload("books")).all()
        assert [b.title for b in author.books] == ["b"]
        sess.clear()
        book = await Book.query.find().first()
        await sess.load(book, "author", "author.books")  # one object's relations, awaited
        assert book.author.name == "Ada" and book.author.books == [book]

    run_async(main)


def test_delete_rules_run_in_the_awaited_flush(run_async):
    async def main(db, sess, Author, Book):
        ada = await ada_and_her_book(sess, Author, Book)
        ada.delete()
        await sess.flush()
        assert await db.book.count_documents({}) == 0 and await db.author.count_documents({}) == 0

    run_async(main)


def test_async_transaction_commits_and_aborts(run_async):
    async def main(db, sess, Author, Book):
        async with sess.transaction() as client_session:
            assert sess.client_session is client_session
            Author(name="kept")
            await sess.flush()
            assert await Author.query.find().count() == 1  # its own write, inside
            assert await db.author.count_documents({}) == 0  # not outside yet
        assert sess.client_session is None
        assert await db.author.count_documents({}) == 1
        with pytest.raises(RuntimeError):
            async with sess.transaction():
                Author(name="dropped")
                await sess.flush()
                raise RuntimeError("abort")
        assert await db.author.count_documents({}) == 1
        assert [a.name for a in sess.uow.new] == []  # the session is as it was when the block began

        async def add(s):
            Author(name="retried")
            return await Author.query.find().count()

        assert await sess.run_in_transaction(add) == 1  # read before the flush of the callback's object
        assert await db.author.count_documents({}) == 2

    run_async(main)


def test_the_event_loop_serves_other_tasks_while_the_session_waits(run_async):
    async def main(db, sess, Author, Book):
        ticks = []

        async def ticker():
            for _ in range(3):
                ticks.append(1)
                await asyncio.sleep(0)

        for i in range(200):
            Author(name=f"a{i}")
        await asyncio.gather(sess.flush(), ticker())
        assert len(ticks) == 3 and await db.author.count_documents({}) == 200

    run_async(main)


def test_one_task_at_a_time_uses_a_session(run_async):
    async def main(db, sess, Author, Book):
        Author(name="a")
        results = await asyncio.gather(sess.flush(), Author.query.find().all(), return_exceptions=True)
        assert isinstance(results[1], MingException) and "one task at a time" in str(results[1])

    run_async(main)


def test_sync_calls_inside_the_loop_are_refused():
    async def main():
        sess = AsyncODMSession(mim.AsyncMongoClient(f"mim://odm-async-{uuid.uuid4().hex[:12]}")["db"])
        Author, _ = declare(sess)
        with pytest.raises(BlockingCallInEventLoop):
            sess.sync_session.count(Author)  # the sync API, called inside the loop

    asyncio.run(main())


def test_mongotors_tutorial_with_await(run_async):
    """Seed 004's ORM handler, ``yield gen.Task(...)`` become ``await``."""
    async def main(db, sess, Author, Book):
        User = model(sess, "User", "user", name=FieldProperty(str), active=FieldProperty(bool),
                     created=FieldProperty(schema.DateTime))
        user = User()
        user.name = "User name"
        user.active = True
        user.created = datetime.datetime(2012, 5, 1, 12, 0)
        await sess.flush()                                    # yield gen.Task(user.save)
        user.name = "New name"
        await sess.flush()                                    # yield gen.Task(user.update)
        sess.clear()
        user_found = await User.query.get(user._id)           # yield gen.Task(User.objects.find_one, user._id)
        assert user_found.name == "New name"
        User(name="new user name", active=True, created=datetime.datetime(2012, 5, 2))
        await sess.flush()
        users_actives = await User.query.find({"active": True}).sort("created").all()
        assert [u.name for u in users_actives] == ["New name", "new user name"]
        users_actives[0].active = False
        await sess.flush()                                    # yield gen.Task(users_actives[0].save)
        user_found.delete()
        await sess.flush()                                    # yield gen.Task(user_found.remove)
        assert [u.name async for u in User.query.find()] == ["new user name"]
        assert (await sess.command("count", "user", query={"active": True}))["n"] == 1

    run_async(main)


def test_pages_and_404s_are_awaited(run_async):
    async def main(db, sess, Author, Book):
        for i in range(5):
            Book(title=f"b{i}", pages=i)
        await sess.flush()
        page = await Book.query.filter(Book.pages >= 1).order_by(Book.pages).paginate(page=2, per_page=3)
        assert ([b.pages for b in page.items], page.total, page.pages, page.has_next) == ([4], 4, 2, False)
        first = await Book.query.filter(Book.pages >= 1).order_by(-Book.pages).keyset(per_page=2)
        assert [b.pages for b in first.items] == [4, 3] and first.has_next
        rest = await Book.query.filter(Book.pages >= 1).order_by(-Book.pages).keyset(per_page=2, after=first.next_after)
        assert [b.pages for b in rest.items] == [2, 1] and not rest.has_next
        assert (await Book.query.get_or_404(page.items[0]._id)) is page.items[0]
        with pytest.raises(odm.exc.NotFound):
            await Book.query.get_or_404(bson.ObjectId())
        assert (await Book.query.filter(Book.pages == 2).first_or_404()).title == "b2"
        with pytest.raises(odm.exc.NotFound):
            await Book.query.filter(Book.pages == 99).first_or_404()
        offset = await Book.query.find().sort("pages").paginate(page=1, per_page=2)
        assert [b.pages for b in offset.items] == [0, 1] and offset.total == 5

    run_async(main)


def test_session_signals_name_the_async_session(run_async):
    async def main(db, sess, Author, Book):
        log = []

        def record(sender, instance):
            log.append((sender, instance))

        other = AsyncODMSession(db)
        Author(name="Ada")
        with signals.pre_flush.connected_to(record, sender=sess), signals.post_flush.connected_to(record, other):
            await sess.flush()
        assert log == [(sess, None)]

    run_async(main)


def test_a_cancelled_call_keeps_the_session_busy_until_its_work_is_done(run_async):
    async def main(db, sess, Author, Book):
        reached, release = threading.Event(), threading.Event()

        def hold(sender, instance):  # in the worker thread, once the flush has written
            reached.set()
            release.wait(10)

        for i in range(3):
            Author(name=f"a{i}")
        with signals.post_flush.connected_to(hold):
            flushing = asyncio.ensure_future(sess.flush())
            while not reached.is_set():
                await asyncio.sleep(0.001)
            flushing.cancel()
            with pytest.raises(asyncio.CancelledError):
                await flushing
            with pytest.raises(MingException, match="one task at a time"):
                await sess.count(Author)  # its worker has not finished: not at the same time as it
            release.set()
            while sess._busy:
                await asyncio.sleep(0.001)
        assert await sess.count(Author) == 3

    run_async(main)


def test_async_for_reads_ahead_and_the_other_reads_continue_from_there(run_async):
    async def main(db, sess, Author, Book):
        for i in range(250):
            Book(title=f"b{i:03}", pages=i)
        await sess.flush()
        cursor = Book.query.find().sort("pages")
        seen = []
        async for book in cursor:
            seen.append(book.pages)
            if len(seen) == 150:
                break  # the second batch of 100 is read, half of it handed out
        assert (await cursor.first()).pages == 150
        rest = await cursor.all()
        assert [b.pages for b in rest] == list(range(151, 250))
        assert await cursor.first() is None
        cursor.rewind()
        assert [b.pages async for b in cursor] == list(range(250))
        single = Book.query.find({"pages": {"$lt": 2}}).sort("pages")
        assert (await single.next()).pages == 0
        assert (await single.one()).pages == 1  # the only one left
        several = Book.query.find().sort("pages")
        await several.next()
        with pytest.raises(ValueError, match="more than one"):
            await several.one()

    run_async(main)


def test_indexes_of_async_classes(run_async):
    async def main(db, sess, Author, Book):
        Indexed = model(sess, "Indexed", "indexed", meta={"indexes": ["code"]}, code=FieldProperty(str))
        assert await sess.ensure_indexes(Indexed) == ["code_1"]
        assert "code_1" in await db.indexed.index_information()
        with pytest.raises(BlockingCallInEventLoop):
            Mapper.ensure_all_indexes()  # sync: it cannot wait here (await session.ensure_indexes(cls))

    run_async(main)
