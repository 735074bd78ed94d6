"""The async ODM session: the same mapper, unit of work and rules, awaited.

:class:`AsyncODMSession` is an :class:`~odm.orm.session.ODMSession` (its
``sync_session``) over a :class:`~odm.blocking.Blocking` view of an async
database - ``pymongo.AsyncMongoClient``'s or ``mim.AsyncMongoClient``'s.
Each awaited method runs the sync session's method of the same name in a
worker thread (``asyncio.to_thread``); the driver's coroutines it needs run
back on the event loop, so the loop keeps serving other tasks meanwhile.
Mapping, validation, identity map, flush order, delete rules, events,
signals and transactions are therefore those of the sync session, exactly.

What touches no database stays synchronous: creating objects, changing
them, ``obj.delete()`` (marking), ``session.expunge``/``clear``.  A query is
an :class:`AsyncODMCursor` (chain ``sort``/``limit``/``options`` ...,
then ``await cursor.all()`` or ``async for``).  A relation read on attribute
access cannot wait inside the loop: load it with the query
(``.options(odm.selectinload("author"))``), otherwise reading it raises
:class:`~odm.exc.BlockingCallInEventLoop` (an object the identity map holds
already is returned without a query).

One task at a time uses a session (as with SQLAlchemy's ``AsyncSession``):
give concurrent tasks their own sessions.
"""
from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
from collections import deque
from typing import TYPE_CHECKING, Any, AsyncIterator, Awaitable, Callable, Generic, Iterable, Optional, TypeVar

from ..blocking import blocking_datastore, run, unwrap, use_loop
from ..cursor import ResultShortcuts
from ..datastore import DataStore
from ..exc import MingException
from ..session import Session
from .expressions import ExpressionQuery, KeysetPage, Pagination
from .loading import check_options, selectinload
from .mapper import Mapper, Query, mapper
from .session import ODMSession

__all__ = ["AsyncODMSession", "AsyncODMCursor", "AsyncQuery", "AsyncExpressionQuery", "ASYNC_BATCH_SIZE"]

T = TypeVar("T")

#: The async sessions whose work the current context is inside (a ``run_in_transaction`` callback's
#: queries are part of that call, not a second task using the session at once).
_INSIDE: contextvars.ContextVar[frozenset] = contextvars.ContextVar("odm_async_sessions_inside", default=frozenset())

#: How many objects ``async for`` reads per trip to the worker thread.
ASYNC_BATCH_SIZE = 100

_DONE = object()  # a cursor's end, returned (not raised) from the worker thread: a Future cannot carry StopIteration


def _awaited_sync(name: str, doc: str) -> Callable[..., Awaitable[Any]]:
    """An awaitable method running ``ODMSession.<name>`` in a worker thread; async driver objects it returns
    (``aggregate``'s cursor, ``command``'s reply) come back as the async driver's own."""
    async def method(self: "AsyncODMSession", *args: Any, **kwargs: Any) -> Any:
        return unwrap(await self._call(getattr(self.sync_session, name), *args, **kwargs))

    method.__name__ = method.__qualname__ = name
    method.__doc__ = doc
    return method


def _delegated(name: str) -> Callable[..., Any]:
    """A method that touches no database: ``ODMSession.<name>`` itself."""
    def method(self: "AsyncODMSession", *args: Any, **kwargs: Any) -> Any:
        return getattr(self.sync_session, name)(*args, **kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = getattr(ODMSession, name).__doc__
    return method


class AsyncODMSession:
    """The ODM session for asyncio code: ``AsyncODMSession(AsyncMongoClient(...)["db"])``.

    ``extensions`` and ``autoflush`` are :class:`ODMSession`'s; ``bind=`` takes
    a :class:`DataStore` whose database is already a blocking view
    (:func:`odm.blocking.blocking_datastore`).  Map classes to it as to any
    session (``__mongometa__.session = async_session``); then
    ``await Model.query.get(i)``, ``await Model.query.find(f).all()``,
    ``async for obj in Model.query.find(f)``, ``await session.flush()``.
    """

    def __init__(self, database: Any = None, *, bind: Optional[DataStore] = None,
                 extensions: Optional[Iterable[Any]] = None, autoflush: bool = False) -> None:
        if database is not None:
            if bind is not None:
                raise MingException("AsyncODMSession takes an async database or bind=, not both")
            bind = blocking_datastore(database)
        #: the sync session doing the work, in worker threads
        self.sync_session = ODMSession(bind=bind, extensions=extensions, autoflush=autoflush)
        self.sync_session.facade = self
        self._busy = False

    # -- running the sync session's work ------------------------------------------
    async def _call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``function(*args, **kwargs)`` in a worker thread, the async driver's coroutines running on this loop."""
        inside = _INSIDE.get()
        nested = self in inside
        if not nested and self._busy:
            raise MingException("this AsyncODMSession is in use by another task: one task at a time uses a "
                                "session (give each task its own)")
        loop = asyncio.get_running_loop()
        use_loop(loop)
        token = _INSIDE.set(inside | {self})
        try:
            context = contextvars.copy_context()  # the worker sees the loop and this call (as asyncio.to_thread does)
            work = loop.run_in_executor(None, functools.partial(context.run, function, *args, **kwargs))
        finally:
            _INSIDE.reset(token)
        self._busy = True  # no other task runs before the await below: nothing can come in between
        try:
            # shielded: a cancelled caller leaves the worker to finish; the session stays busy until it has
            return await asyncio.shield(work)
        finally:
            if not nested:
                if work.done():
                    self._busy = False
                else:
                    work.add_done_callback(self._idle)

    def _idle(self, _work: Any) -> None:
        self._busy = False

    # -- what touches no database --------------------------------------------------
    save = _delegated("save")
    untrack = _delegated("untrack")
    expunge = _delegated("expunge")
    delete = _delegated("delete")
    clear = _delegated("clear")
    close = _delegated("close")
    register_extension = _delegated("register_extension")

    @property
    def impl(self) -> Session:
        return self.sync_session.impl

    @property
    def uow(self) -> Any:
        return self.sync_session.uow

    @property
    def imap(self) -> Any:
        return self.sync_session.imap

    @property
    def bind(self) -> Optional[DataStore]:
        return self.sync_session.bind

    @property
    def extensions(self) -> list:
        return self.sync_session.extensions

    @property
    def autoflush(self) -> bool:
        return self.sync_session.autoflush

    @property
    def flush_count(self) -> int:
        return self.sync_session.flush_count

    @property
    def client_session(self) -> Any:
        """The driver's async ``ClientSession`` of the open transaction, if any."""
        return unwrap(self.sync_session.client_session)

    @property
    def db(self) -> Any:
        """The async database below the ODM (the driver's own object)."""
        return unwrap(self.sync_session.db)

    def mapper(self, cls: type, collection: Any, **kwargs: Any) -> Mapper:
        """Map ``cls`` imperatively onto ``collection`` with this session (see :meth:`ODMSession.mapper`)."""
        return mapper(cls, collection=collection, session=self, **kwargs)

    # -- awaited work ------------------------------------------------------------------
    get = _awaited_sync("get", "``await session.get(cls, _id)``: from the identity map, else queried.")
    refresh = _awaited_sync("refresh", "``await session.refresh(obj)``: reload ``obj`` (unsaved changes are lost).")
    flush = _awaited_sync("flush", "``await session.flush(obj=None)``: write the new, dirty and deleted objects.")
    remove = _awaited_sync("remove", "``await session.remove(cls, filter)``: delete matching documents now "
                                     "(delete rules applied).")
    count = _awaited_sync("count", "``await session.count(cls, filter)``.")
    distinct = _awaited_sync("distinct", "``await session.distinct(cls, key, filter)``.")
    aggregate = _awaited_sync("aggregate", "``await session.aggregate(cls, pipeline)``: the driver's async "
                                           "command cursor of raw documents.")
    command = _awaited_sync("command", "``await session.command(name, ...)`` on the session's database.")
    find_and_modify = _awaited_sync("find_and_modify", "``await session.find_and_modify(cls, query, update, ...)``.")
    find_one_and_update = _awaited_sync("find_one_and_update", "``await session.find_one_and_update(cls, f, u)``.")
    find_one_and_replace = _awaited_sync("find_one_and_replace", "``await session.find_one_and_replace(cls, f, r)``.")
    find_one_and_delete = _awaited_sync("find_one_and_delete", "``await session.find_one_and_delete(cls, f)``.")
    update = _awaited_sync("update", "``await session.update(cls, spec, fields, multi=False, upsert=False)``.")
    update_if_not_modified = _awaited_sync("update_if_not_modified",
                                           "``await session.update_if_not_modified(obj, fields)``.")
    ensure_indexes = _awaited_sync("ensure_indexes", "``await session.ensure_indexes(cls)``.")
    drop_indexes = _awaited_sync("drop_indexes", "``await session.drop_indexes(cls)``.")

    async def load(self, objects: Any, *paths: str) -> None:
        """``await session.load(book, "author", "tags")``: load relations of an object (or a list of them)
        with one query per relation, as ``selectinload`` does for a query's results; reading them then
        sends no query."""
        group = list(objects) if isinstance(objects, (list, tuple)) else [objects]
        loaders = [selectinload(path) for path in paths]

        def load_all() -> None:
            for loader in loaders:
                loader.apply(group)

        await self._call(load_all)

    def find(self, cls: type[T], *args: Any, **kwargs: Any) -> "AsyncODMCursor[T]":
        """The query ``ODMSession.find(cls, ...)`` makes, as an :class:`AsyncODMCursor` (run when first read)."""
        return AsyncODMCursor(self, lambda: self.sync_session.find(cls, *args, **kwargs), cls)

    def find_by(self, cls: type[T], **kwargs: Any) -> "AsyncODMCursor[T]":
        return self.find(cls, kwargs)

    # -- transactions ----------------------------------------------------------------
    def transaction(self, **options: Any) -> "_AsyncTransaction":
        """``async with session.transaction(): ...``: :meth:`ODMSession.transaction`, awaited.

        Queries in the block read inside the transaction; the unit of work is
        flushed into it and committed when the block ends; an exception
        aborts it and puts the session back as it was.  Yields the driver's
        async ``ClientSession``.
        """
        return _AsyncTransaction(self, options)

    async def run_in_transaction(self, callback: Callable[["AsyncODMSession"], Awaitable[T]], **options: Any) -> T:
        """``await callback(session)`` and a flush in one transaction, retried as pymongo's
        ``with_transaction`` retries (see :meth:`ODMSession.run_in_transaction`)."""
        def in_thread(_sync: ODMSession) -> T:
            result = callback(self)
            return run(result) if inspect.isawaitable(result) else result  # a plain function is welcome too

        return await self._call(self.sync_session.run_in_transaction, in_thread, **options)

    def __repr__(self) -> str:
        return "<AsyncODMSession>\n" + repr(self.sync_session)


class _AsyncTransaction:
    """``ODMSession.transaction()``'s context manager, entered and left in worker threads."""

    def __init__(self, session: AsyncODMSession, options: dict) -> None:
        self._session = session
        self._context = session.sync_session.transaction(**options)

    async def __aenter__(self) -> Any:
        return unwrap(await self._session._call(self._context.__enter__))

    async def __aexit__(self, *exc: Any) -> Optional[bool]:
        return await self._session._call(self._context.__exit__, *exc)


def _chained(name: str) -> Callable[..., Any]:
    """A cursor modifier (``sort``, ``limit`` ...): kept for the query and applied to it, now or when it runs."""
    def method(self: "AsyncODMCursor[T]", *args: Any, **kwargs: Any) -> "AsyncODMCursor[T]":
        self._modifiers.append((name, args, kwargs))
        if self._cursor is not None:
            getattr(self._cursor, name)(*args, **kwargs)
        return self

    method.__name__ = method.__qualname__ = name
    return method


def _read(name: str) -> Callable[..., Awaitable[Any]]:
    """An awaitable read of the cursor: ``ODMCursor.<name>`` in a worker thread."""
    async def method(self: "AsyncODMCursor[T]", *args: Any, **kwargs: Any) -> Any:
        return await self._session._call(self._in_thread, name, args, kwargs)

    method.__name__ = method.__qualname__ = name
    return method


class AsyncODMCursor(Generic[T]):
    """The results of an async ODM query: ``await cursor.all()``, ``first()``, ``one()``, ``count()``,
    ``distinct(key)``, ``next()``, or ``async for obj in cursor``.

    It is the sync :class:`~odm.orm.loading.ODMCursor`, made (and its
    modifiers applied) in a worker thread when first read; ``rewind()``
    starts the query again.
    """

    def __init__(self, session: AsyncODMSession, make: Callable[[], Any], cls: type[T]) -> None:
        self._session = session
        self._make = make
        self.cls = cls
        self._cursor: Any = None
        self._modifiers: list[tuple[str, tuple, dict]] = []
        self._ahead: deque = deque()  # read by ``async for`` and not handed out yet

    sort: Callable[..., "AsyncODMCursor[T]"] = _chained("sort")
    limit: Callable[..., "AsyncODMCursor[T]"] = _chained("limit")
    skip: Callable[..., "AsyncODMCursor[T]"] = _chained("skip")
    hint: Callable[..., "AsyncODMCursor[T]"] = _chained("hint")
    _options: Callable[..., "AsyncODMCursor[T]"] = _chained("options")

    def options(self, *loaders: Any, **options: Any) -> "AsyncODMCursor[T]":
        """``ODMCursor.options``: ``selectinload(...)`` loaders, ``refresh=`` / ``instrument=``."""
        check_options(loaders, options)
        return self._options(*loaders, **options)

    def rewind(self) -> "AsyncODMCursor[T]":
        """Start again: the next read runs the query anew (with the same modifiers)."""
        self._cursor = None
        self._ahead.clear()
        return self

    def _in_thread(self, name: str, args: tuple, kwargs: dict) -> Any:
        if self._cursor is None:
            cursor = self._make()
            for modifier, m_args, m_kwargs in self._modifiers:
                getattr(cursor, modifier)(*m_args, **m_kwargs)
            self._cursor = cursor
        try:
            return getattr(self._cursor, name)(*args, **kwargs)
        except StopIteration:
            return _DONE

    count: Callable[..., Awaitable[int]] = _read("count")
    distinct: Callable[..., Awaitable[list]] = _read("distinct")
    close: Callable[[], Awaitable[None]] = _read("close")
    paginate: Callable[..., Awaitable["Pagination[T]"]] = _read("paginate")  # the page's items and total, read now

    def _take(self, count: int) -> list:
        """Up to ``count`` next objects (in the worker thread)."""
        taken = []
        for _ in range(count):
            obj = self._in_thread("next", (), {})
            if obj is _DONE:
                break
            taken.append(obj)
        return taken

    async def next(self) -> T:
        """The next object; ``StopAsyncIteration`` at the end.  Objects are read
        :data:`ASYNC_BATCH_SIZE` at a time (one trip to the worker thread each)."""
        if not self._ahead:
            self._ahead.extend(await self._session._call(self._take, ASYNC_BATCH_SIZE))
            if not self._ahead:
                raise StopAsyncIteration
        return self._ahead.popleft()

    async def all(self) -> list[T]:
        """All (remaining) objects."""
        ahead = list(self._ahead)
        self._ahead.clear()
        return ahead + await self._session._call(self._in_thread, "all", (), {})

    async def first(self) -> Optional[T]:
        """The next object, or ``None``."""
        if self._ahead:
            return self._ahead.popleft()
        return await self._session._call(self._in_thread, "first", (), {})

    async def one(self) -> T:
        """The only (remaining) object; ``ValueError`` when there are none or more than one."""
        if not self._ahead:
            return await self._session._call(self._in_thread, "one", (), {})
        ahead = list(self._ahead)
        self._ahead.clear()
        return await self._session._call(_Replay(ahead, self._cursor).one)

    __anext__ = next

    def __aiter__(self) -> AsyncIterator[T]:
        return self  # type: ignore[return-value]

    def __bool__(self) -> bool:
        raise MingException("Cannot evaluate an AsyncODMCursor to a boolean: use await first() or await count()")

    def __iter__(self) -> Any:
        raise TypeError("an AsyncODMCursor is read with 'async for' or 'await cursor.all()'")

    def __repr__(self) -> str:
        return f"<AsyncODMCursor of {getattr(self.cls, '__name__', self.cls)}>"



class _Replay(ResultShortcuts):
    """Objects read ahead, then the rest of the cursor: what :meth:`ResultShortcuts.one` reads from."""

    def __init__(self, ahead: list, cursor: Any) -> None:
        self._ahead = deque(ahead)
        self._cursor = cursor

    def next(self) -> Any:
        return self._ahead.popleft() if self._ahead else next(self._cursor)


# -- what type checkers see of the queries of a class mapped to an AsyncODMSession ----------------------
if TYPE_CHECKING:
    class AsyncExpressionQuery(Generic[T]):
        """:class:`ExpressionQuery` on an async session: the same builder, awaited reads."""

        def filter(self, *expressions: dict, **equal_to: Any) -> "AsyncExpressionQuery[T]": ...
        def order_by(self, *keys: Any) -> "AsyncExpressionQuery[T]": ...
        def fields(self, *fields: Any) -> "AsyncExpressionQuery[T]": ...
        def skip(self, n: int) -> "AsyncExpressionQuery[T]": ...
        def limit(self, n: int) -> "AsyncExpressionQuery[T]": ...
        def options(self, *loaders: Any) -> "AsyncExpressionQuery[T]": ...
        def cursor(self) -> AsyncODMCursor[T]: ...
        def __aiter__(self) -> AsyncIterator[T]: ...
        async def all(self) -> list[T]: ...
        async def first(self) -> Optional[T]: ...
        async def one(self) -> T: ...
        async def first_or_404(self) -> T: ...
        async def count(self) -> int: ...
        async def paginate(self, page: int = 1, per_page: int = 20) -> Pagination[T]: ...
        async def keyset(self, per_page: int = 20, after: Optional[str] = None) -> KeysetPage[T]: ...

    class AsyncQuery(Generic[T]):
        """:class:`Query` on an async session: ``await Model.query.get(i)``, ``Model.query.find(f)`` an
        :class:`AsyncODMCursor` (see :class:`odm.AsyncMappedClass`)."""

        def with_options(self, **options: Any) -> "AsyncQuery[T]": ...
        async def get(self, _id: Any = ..., **kwargs: Any) -> Optional[T]: ...
        async def get_or_404(self, _id: Any) -> T: ...
        async def first_or_404(self) -> T: ...
        def find(self, *args: Any, **kwargs: Any) -> AsyncODMCursor[T]: ...
        def find_by(self, *args: Any, **kwargs: Any) -> AsyncODMCursor[T]: ...
        def filter(self, *expressions: dict, **equal_to: Any) -> AsyncExpressionQuery[T]: ...
        def order_by(self, *keys: Any) -> AsyncExpressionQuery[T]: ...
        def fields(self, *fields: Any) -> AsyncExpressionQuery[T]: ...
        async def paginate(self, page: int = 1, per_page: int = 20) -> Pagination[T]: ...
        async def keyset(self, per_page: int = 20, after: Optional[str] = None) -> KeysetPage[T]: ...
        def document_keys(self, values: Any) -> dict[str, Any]: ...
        async def find_and_modify(self, *args: Any, **kwargs: Any) -> Optional[T]: ...
        async def find_one_and_update(self, *args: Any, **kwargs: Any) -> Optional[T]: ...
        async def find_one_and_replace(self, *args: Any, **kwargs: Any) -> Optional[T]: ...
        async def find_one_and_delete(self, *args: Any, **kwargs: Any) -> Optional[T]: ...
        async def update(self, *args: Any, **kwargs: Any) -> Any: ...
        async def remove(self, *args: Any, **kwargs: Any) -> Any: ...
        async def count(self, *args: Any, **kwargs: Any) -> int: ...
        async def distinct(self, *args: Any, **kwargs: Any) -> list: ...
        async def aggregate(self, *args: Any, **kwargs: Any) -> Any: ...
else:
    # at run time they are the classes themselves: what the session returns is what makes them awaitable
    AsyncQuery = Query
    AsyncExpressionQuery = ExpressionQuery
