"""Motor's spelling of the async face, for code not yet moved to ``AsyncMongoClient``.

Motor 3 (deprecated in favour of pymongo's async API) wraps pymongo's sync
driver, and its API differs from pymongo's async one where a call returns a
cursor or a session:

- ``aggregate()``, ``aggregate_raw_batches()``, ``list_indexes()``,
  ``list_search_indexes()`` and ``watch()`` are plain calls returning a cursor or
  change stream at once (``async for doc in coll.aggregate(p)``,
  ``await coll.aggregate(p).to_list(None)``).  Motor sends the command only when
  the cursor is first iterated (its *latent* cursor), so an error in the
  pipeline is raised by that first step, and a ``$out`` pipeline that is never
  iterated writes nothing.  A change stream is opened by its first ``next``,
  ``try_next`` or ``async with``.
- ``await client.start_session()`` is a coroutine; ``session.start_transaction()``
  is a plain call whose result is used with ``async with``.
- ``client.close()`` is a plain call.

Everything else (``find``, ``insert_one`` …) is pymongo's async API, which is
the same in Motor, so those methods are inherited from the pymongo-style face.

When Motor is installed, each class here is also a subclass of Motor's class of
the same name (``motor.motor_asyncio.AsyncIOMotorClient`` …), so code that checks
``isinstance(client, AsyncIOMotorClient)`` — ODMantic's engine, Motor's own
GridFS bucket — accepts mim's objects, whenever it imported the name.  Motor's
classes are bases for ``isinstance`` only: :func:`_motor_spelling` hides every
attribute they would lend (their methods drive a network client), so a name mim
does not implement behaves as it did without the base.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import warnings
from typing import Any, Callable, NoReturn, TypeVar

from pymongo import CursorType
from pymongo.errors import InvalidOperation

from ..change_stream import ChangeStream
from ..engine.storage.store import holding_transactions, transactions_hold_documents
from ..cursor import CommandCursor
from .change_stream import AsyncChangeStream
from .client import AsyncMongoClient
from .collection import AsyncCollection
from .cursor import _EXHAUSTED, AsyncCommandCursor, AsyncCursor
from .database import AsyncDatabase
from .facade import run_blocking, unwrap_all
from .gridfs import AsyncGridFSBucket, AsyncGridIn, AsyncGridOut, AsyncGridOutCursor
from .. import gridfs as _sync_gridfs
from .session import AsyncClientSession, SessionState, _AsyncTransactionContext

try:  # Motor (optional, deprecated): when installed, mim's spelling is-a Motor class
    import motor.metaprogramming as _motor_metaprogramming
    import motor.motor_asyncio as _motor_asyncio
except ImportError:  # pragma: no cover - depends on the environment
    _motor_asyncio = _motor_metaprogramming = None

__all__ = ["BUILT_BY_PATCH", "AsyncIOMotorClient", "AsyncIOMotorDatabase", "AsyncIOMotorCollection",
           "AsyncIOMotorCursor", "AsyncIOMotorCommandCursor", "AsyncIOMotorLatentCommandCursor",
           "AsyncIOMotorChangeStream", "AsyncIOMotorClientSession", "AsyncIOMotorGridFSBucket",
           "AsyncIOMotorGridIn", "AsyncIOMotorGridOut", "AsyncIOMotorGridOutCursor"]

_T = TypeVar("_T", bound=type)


def _motor_bases(name: str) -> tuple[type, ...]:
    """Motor's class ``name`` as an extra base when Motor is installed, else none."""
    return () if _motor_asyncio is None else (getattr(_motor_asyncio, name),)


def _is_motors(cls: type) -> bool:
    return cls.__module__.partition(".")[0] == "motor"


class _NotLentByMotor:
    """Stands where a Motor base would lend an attribute mim's class does not define:
    looking it up raises AttributeError (so ``__getattr__``, if the class has one,
    answers as it would without the base)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __get__(self, instance: Any, owner: type | None = None) -> NoReturn:
        cls = owner if instance is None else type(instance)
        kind = "type object" if instance is None else "object"
        raise AttributeError(f"{kind} {cls.__name__!r} has no attribute {self._name!r}")


def _no_attribute(self: Any, name: str) -> NoReturn:
    raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


_CLASS_BOOKKEEPING = frozenset({"__dict__", "__weakref__", "__module__", "__doc__",
                                "__qualname__", "__annotations__"})


def _started_at_once(coroutine_function: Callable[..., Any]) -> Callable[..., Any]:
    """The method returning, at once, a Task already running ``coroutine_function``:
    Motor's calls return a Future for an operation that has started."""
    @functools.wraps(coroutine_function)
    def method(self: Any, *args: Any, **kwargs: Any) -> "asyncio.Future[Any]":
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # called outside the loop: the object's (Motor's rule)
            loop = self.get_io_loop()
        return loop.create_task(coroutine_function(self, *args, **kwargs))
    return method


#: marks an object ``mim.patch`` built in a Motor class's ``__new__``: being an instance of
#: that class, Python then calls its ``__init__`` with Motor's arguments — a no-op then
BUILT_BY_PATCH = "_mim_built_by_patch"


def _init_once(init: Callable[..., None]) -> Callable[..., None]:
    """``__init__`` that does nothing on an object already built by ``mim.patch``."""
    @functools.wraps(init)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if self.__dict__.pop(BUILT_BY_PATCH, False):
            return
        init(self, *args, **kwargs)
    return __init__


def _motor_returns_a_future(motor_class: Any, name: str) -> bool:
    """Whether Motor's ``name`` returns a Future for an operation its call starts: it
    is made by one of Motor's ``Async*`` attribute factories, or a method Motor marks
    with its ``coroutine_annotation`` (``to_list``, ``GridOut.open``)."""
    for base in motor_class.__mro__:
        definition = vars(base).get(name)
        if isinstance(definition, _motor_metaprogramming.MotorAttributeFactory):
            return isinstance(definition, _motor_metaprogramming.Async)
        if inspect.isfunction(definition) and base.__module__ != "motor.motor_asyncio":
            return bool(getattr(definition, "coroutine_annotation", False))
    return False


def _motor_spelling(cls: _T) -> _T:
    """Class decorator: ``cls``'s Motor bases (if any) serve ``isinstance`` only.

    Every attribute a Motor class would lend ``cls`` (what ``cls``'s own MRO
    before Motor does not define) is hidden: a special method falls back to
    ``object``'s, ``__getattr__`` to plain attribute lookup, anything else
    is absent.  So no Motor method ever runs on a mim object.

    Where Motor's method returns a Future (an operation started by the call
    itself, as Motor runs it on its executor) and mim's is a coroutine function,
    mim's becomes :func:`_started_at_once`: ``loop.call_soon(coll.insert_many,
    docs)`` or a call never awaited still inserts, as with Motor."""
    lent = {name for base in cls.__mro__ if _is_motors(base) for name in vars(base)}
    motor_class = next((base for base in cls.__mro__ if _is_motors(base)), None)
    for name in sorted(lent - _CLASS_BOOKKEEPING):
        definer = next(base for base in cls.__mro__ if name in vars(base))
        if not _is_motors(definer):
            mine = vars(definer)[name]
            if inspect.iscoroutinefunction(mine) and _motor_returns_a_future(motor_class, name):
                setattr(cls, name, _started_at_once(mine))
            continue
        if name == "__getattr__":
            setattr(cls, name, _no_attribute)
        elif name.startswith("__") and name.endswith("__") and name in vars(object):
            # (object's own: hasattr(object, "__call__") is True only because object
            # is a type, and that __call__ would build an object)
            setattr(cls, name, vars(object)[name])
        else:
            setattr(cls, name, _NotLentByMotor(name))
    if motor_class is not None:
        cls.__init__ = _init_once(cls.__init__)  # type: ignore[misc]
    return cls


def _motor_repr(self: Any) -> str:
    """Motor's repr: the class name around the wrapped object's repr."""
    return f"{type(self).__name__}({self._delegate!r})"


def _latent_repr(self: Any) -> str:
    """Motor's repr of a cursor or change stream whose command has not run yet: the
    class name around the wrapped object's repr, None before it exists (``repr``
    never runs the command)."""
    return f"{type(self).__name__}({self._started!r})"


def _loop_of(owner: Any) -> asyncio.AbstractEventLoop:
    """Motor's ``get_io_loop()`` of an object made by ``owner`` (the client's loop)."""
    return owner.get_io_loop() if owner is not None else asyncio.get_event_loop()


class _MotorDeprecatedIteration:
    """Motor's deprecated ways to iterate a cursor, still in Motor 3: ``while await
    cursor.fetch_next: doc = cursor.next_object()`` and ``cursor.each(callback)``.
    ``fetch_next`` reads one document ahead; every other way to iterate takes it first."""

    _ahead: list[Any] | None = None
    #: Motor's ``closed``: whether ``close()`` was called on the cursor
    closed = False

    async def close(self) -> None:
        """Closes the cursor (Motor's ``closed`` is then True)."""
        self.closed = True
        await super().close()  # type: ignore[misc]

    async def _step(self) -> Any:
        """The document ``fetch_next`` read ahead, if any, before the cursor's next."""
        if self._ahead:
            return self._ahead.pop()
        return await super()._step()  # type: ignore[misc]

    @property
    def fetch_next(self) -> "asyncio.Future[bool]":
        """Motor's deprecated property: a Future resolving to whether a document is
        ready for :meth:`next_object`."""
        warnings.warn("The fetch_next property is deprecated and may be removed in a "
                      "future major release. Use `async for` to iterate over Cursor "
                      "objects instead.", DeprecationWarning, stacklevel=2)
        return asyncio.ensure_future(self._fetch_ahead())

    async def _fetch_ahead(self) -> bool:
        if self._ahead:
            return True
        document = await self._step()
        if document is _EXHAUSTED:
            return False
        self._ahead = [document]
        return True

    def next_object(self) -> Any:
        """Motor's deprecated call: the document ``fetch_next`` read, or None."""
        warnings.warn("The next_object method is deprecated and may be removed in a "
                      "future major release.  Use `async for` to iterate over Cursor "
                      "objects instead.", DeprecationWarning, stacklevel=2)
        return self._ahead.pop() if self._ahead else None

    def each(self, callback: Callable[[Any, Any], Any]) -> None:
        """Motor's deprecated call: ``callback(document, None)`` for each document (a
        callback returning exactly False stops), then ``callback(None, None)``;
        ``callback(None, error)`` if the cursor fails."""
        if not callable(callback):
            raise TypeError("callback must be a callable")

        async def run() -> None:
            while True:
                try:
                    document = await self._step()
                except Exception as error:  # handed to the callback, as Motor does
                    callback(None, error)
                    return
                if document is _EXHAUSTED:
                    callback(None, None)
                    return
                if callback(document, None) is False:
                    return
        asyncio.ensure_future(run())

    async def to_list(self, length: int | None = None) -> list:
        """The document ``fetch_next`` read ahead (if any), then the rest."""
        if not self._ahead or length == 0:
            return await super().to_list(length)  # type: ignore[misc]
        ahead, self._ahead = self._ahead, None
        if length is not None and length <= len(ahead):
            return ahead
        rest = await super().to_list(  # type: ignore[misc]
            None if length is None else length - len(ahead))
        return ahead + rest


@_motor_spelling
class AsyncIOMotorCursor(_MotorDeprecatedIteration, AsyncCursor,  # type: ignore[misc]
                         *_motor_bases("AsyncIOMotorCursor")):
    """``find()``'s cursor, spelled as Motor's."""

    async def to_list(self, length: int | None = None) -> list:
        """Motor refuses ``to_list`` on a tailable cursor (InvalidOperation), after
        checking ``length``."""
        if length is not None:
            if not isinstance(length, int):
                raise TypeError(f"length must be an int, not {length!r}")
            if length < 0:
                raise ValueError("length must be non-negative")
        if self._cursor_type & CursorType.TAILABLE:
            raise InvalidOperation("Can't call to_list on tailable cursor")
        return await super().to_list(length)

    @property
    def started(self) -> bool:
        """Motor's ``started``: whether the cursor has sent its query."""
        return self._delegate._started

    def add_option(self, mask: int) -> "AsyncIOMotorCursor":  # type: ignore[override]
        """Motor's ``add_option`` is a plain chaining call (pymongo's async one awaits)."""
        self._delegate.add_option(mask)
        self._follow_cursor_type()
        return self

    def rewind(self) -> "AsyncIOMotorCursor":  # type: ignore[override]
        """Motor's ``rewind()`` is a plain call answering the cursor."""
        self._delegate.rewind()
        self._ahead = None
        return self

    def get_io_loop(self) -> asyncio.AbstractEventLoop:
        return _loop_of(self._collection)

    __repr__ = _motor_repr


@_motor_spelling
class AsyncIOMotorCommandCursor(_MotorDeprecatedIteration, AsyncCommandCursor,  # type: ignore[misc]
                                *_motor_bases("AsyncIOMotorCommandCursor")):
    """A command's cursor (``list_collections`` …), spelled as Motor's."""

    _owner: Any = None

    @classmethod
    def _lifted(cls, owner: Any, delegate: CommandCursor) -> "AsyncIOMotorCommandCursor":
        self = cls(delegate)
        self._owner = owner
        return self

    def get_io_loop(self) -> asyncio.AbstractEventLoop:
        return _loop_of(self._owner)

    __repr__ = _motor_repr


@_motor_spelling
class AsyncIOMotorLatentCommandCursor(AsyncIOMotorCommandCursor,  # type: ignore[misc]
                                      *_motor_bases("AsyncIOMotorLatentCommandCursor")):
    """Motor's cursor over a command that has not run yet: the command runs at
    the cursor's first ``next``/``to_list``/``try_next`` (``async for`` included)."""

    def __init__(self, start: Callable[..., CommandCursor], owner: Any = None,
                 command_takes_batch_size: bool = False) -> None:
        self._start: Callable[..., CommandCursor] | None = start
        self._started: CommandCursor | None = None
        self._batch_size: int | None = None
        self._owner = owner
        #: whether ``batch_size()`` before the start goes into the command itself
        #: (``aggregate``'s ``batchSize``, as Motor passes it), not only its getMores
        self._command_takes_batch_size = command_takes_batch_size

    @property  # type: ignore[override]
    def _delegate(self) -> CommandCursor:
        """The sync cursor, running the command on first use."""
        if self._started is None:
            assert self._start is not None
            self._begin(self._start())
        return self._started  # type: ignore[return-value]

    def _begin(self, cursor: CommandCursor) -> None:
        self._started = cursor
        self._start = None
        if self._batch_size is not None:
            cursor.batch_size(self._batch_size)

    async def _run_command(self) -> None:
        """Send the latent command now, in a worker thread while some transaction holds
        documents (a ``$merge``/``$out`` meeting one waits for it to end, which must not
        freeze the loop); otherwise the first step sends it on the loop."""
        if self._started is None and self._start is not None and holding_transactions \
                and transactions_hold_documents():
            self._begin(await run_blocking(self._start))

    @property
    def _closed_before_start(self) -> bool:
        return self._started is None and self._start is None

    def batch_size(self, batch_size: int) -> "AsyncIOMotorLatentCommandCursor":
        """The size of the batches later ``getMore``s ask for."""
        if self._started is not None:
            self._started.batch_size(batch_size)
            return self
        if not isinstance(batch_size, int):
            raise TypeError("batch_size must be an integer")
        if batch_size < 0:
            raise ValueError("batch_size must be >= 0")
        if self._command_takes_batch_size and self._start is not None:
            self._start = functools.partial(self._start, batchSize=batch_size)
        else:
            self._batch_size = batch_size
        return self

    async def _step(self) -> Any:
        if self._closed_before_start:
            return _EXHAUSTED
        await self._run_command()
        return await super()._step()

    async def to_list(self, length: int | None = None) -> list:
        if self._closed_before_start:
            return []
        await self._run_command()
        return await super().to_list(length)

    async def try_next(self) -> Any:
        if self._closed_before_start:
            return None
        await self._run_command()
        return await super().try_next()

    @property
    def started(self) -> bool:
        """Motor's ``started``: whether the command has run."""
        return self._started is not None

    async def close(self) -> None:
        """Closes the cursor; one closed before its first step never runs its command."""
        self.closed = True
        if self._started is None:
            self._start = None
        else:
            self._started.close()

    @property
    def alive(self) -> bool:
        if self._started is None:
            return self._start is not None
        return self._started.alive

    @property
    def cursor_id(self) -> int | None:
        return None if self._started is None else self._started.cursor_id

    __repr__ = _latent_repr


@_motor_spelling
class AsyncIOMotorChangeStream(AsyncChangeStream,  # type: ignore[misc]
                               *_motor_bases("AsyncIOMotorChangeStream")):
    """Motor's change stream: ``watch()`` returns it at once; the stream opens at
    its first ``next``/``try_next`` or ``async with``."""

    def __init__(self, start: Callable[[], ChangeStream], owner: Any = None) -> None:
        self._start: Callable[[], ChangeStream] | None = start
        self._started: ChangeStream | None = None
        self._owner = owner

    def get_io_loop(self) -> asyncio.AbstractEventLoop:
        return _loop_of(self._owner)

    @property  # type: ignore[override]
    def _delegate(self) -> ChangeStream:
        if self._started is None:
            assert self._start is not None
            self._started = self._start()
            self._start = None
        return self._started

    @property
    def delegate(self) -> ChangeStream | None:
        """The sync change stream once the stream has opened; None before (Motor's
        ``delegate``, which code such as Motor's own tests polls to know the stream
        is open)."""
        return self._started

    @property
    def resume_token(self) -> Any:
        return None if self._started is None else self._started.resume_token

    @property
    def alive(self) -> bool:
        if self._started is None:
            return self._start is not None
        return self._started.alive

    async def next(self) -> Any:
        if self._started is None and self._start is None:
            raise StopAsyncIteration
        return await super().next()

    __anext__ = next

    async def try_next(self) -> Any:
        if self._started is None and self._start is None:
            return None
        return await super().try_next()

    async def close(self) -> None:
        """Stops any ``async for`` over the stream (one never opened stays unopened)."""
        if self._started is None:
            self._start = None
        else:
            await super().close()

    def __enter__(self) -> NoReturn:
        raise RuntimeError('Use a change stream in "async with", not "with"')

    def __exit__(self, *exc: Any) -> None:
        pass

    async def __aenter__(self) -> "AsyncIOMotorChangeStream":
        if self._started is None and self._start is not None:
            self._started = self._start()
            self._start = None
        return self

    __repr__ = _latent_repr


def _latent(method_name: str, command_takes_batch_size: bool = False
            ) -> Callable[..., AsyncIOMotorLatentCommandCursor]:
    """A Motor method returning, at once, a latent cursor over the sync face's
    ``method_name`` (run at the cursor's first step); ``command_takes_batch_size``:
    the cursor's ``batch_size()`` before its start is the command's ``batchSize``."""
    def method(self: Any, *args: Any, **kwargs: Any) -> AsyncIOMotorLatentCommandCursor:
        args, kwargs = unwrap_all(args, kwargs)
        return AsyncIOMotorLatentCommandCursor(
            functools.partial(getattr(self._delegate, method_name), *args, **kwargs), self,
            command_takes_batch_size)
    method.__name__ = method_name
    method.__doc__ = (f"Motor's ``{method_name}``: a cursor returned at once; the command "
                      "runs when the cursor is first iterated.")
    return method


def _lazy_watch(self: Any, *args: Any, **kwargs: Any) -> AsyncIOMotorChangeStream:
    """Motor's ``watch``: a change stream returned at once, opened by its first
    ``next``/``try_next`` or ``async with``."""
    args, kwargs = unwrap_all(args, kwargs)
    return AsyncIOMotorChangeStream(functools.partial(self._delegate.watch, *args, **kwargs),
                                    self)


@_motor_spelling
class AsyncIOMotorCollection(AsyncCollection,  # type: ignore[misc]
                             *_motor_bases("AsyncIOMotorCollection")):
    """A collection with Motor's API (see the module docstring)."""

    _cursor_class = AsyncIOMotorCursor
    _command_cursor_class = AsyncIOMotorCommandCursor

    @classmethod
    def _motor_constructed(cls, database: Any, name: str, codec_options: Any = None,
                           read_preference: Any = None, write_concern: Any = None,
                           read_concern: Any = None,
                           _delegate: Any = None) -> "AsyncIOMotorCollection":
        """What Motor's ``AsyncIOMotorCollection(database, name, ...)`` builds, on a mim
        database (``mim.patch()`` hands it out)."""
        if _delegate is None:
            _delegate = database._delegate.get_collection(
                name, codec_options, read_preference, write_concern, read_concern)
        return cls(database, _delegate)

    def get_io_loop(self) -> asyncio.AbstractEventLoop:
        return _loop_of(self._database)

    def __call__(self, *args: Any, **kwargs: Any) -> NoReturn:
        """Motor's error for ``db.no_such_method()`` (``db.no_such_method`` is a collection)."""
        raise TypeError(
            "MotorCollection object is not callable. If you meant to call the "
            f"'{self._delegate.name}' method on a MotorCollection object it is failing "
            "because no such method exists.")

    __repr__ = _motor_repr

    aggregate = _latent("aggregate", True)  # type: ignore[assignment]
    aggregate_raw_batches = _latent("aggregate_raw_batches", True)  # type: ignore[assignment]
    list_indexes = _latent("list_indexes")  # type: ignore[assignment]
    list_search_indexes = _latent("list_search_indexes")  # type: ignore[assignment]
    watch = _lazy_watch  # type: ignore[assignment]


@_motor_spelling
class AsyncIOMotorDatabase(AsyncDatabase, *_motor_bases("AsyncIOMotorDatabase")):  # type: ignore[misc]
    """A database with Motor's API (see the module docstring)."""

    _collection_class = AsyncIOMotorCollection
    _command_cursor_class = AsyncIOMotorCommandCursor

    @classmethod
    def _motor_constructed(cls, client: Any, name: str,
                           **kwargs: Any) -> "AsyncIOMotorDatabase":
        """What Motor's ``AsyncIOMotorDatabase(client, name, **options)`` builds, on a
        mim client (``mim.patch()`` hands it out)."""
        delegate = kwargs.pop("_delegate", None)
        if delegate is None:
            delegate = client._delegate.get_database(name, **kwargs)
        return cls(client, delegate)

    def get_io_loop(self) -> asyncio.AbstractEventLoop:
        return _loop_of(self._client)

    def __call__(self, *args: Any, **kwargs: Any) -> NoReturn:
        """Motor's error for ``client.no_such_method()`` (``client.no_such_method`` is a
        database)."""
        database_name = self._delegate.name
        client_class_name = type(self._client).__name__
        if database_name == "open_sync":
            raise TypeError(f"{client_class_name}.open_sync() is unnecessary Motor 0.2, "
                            "see changelog for details.")
        raise TypeError(
            "MotorDatabase object is not callable. If you meant to call the "
            f"'{database_name}' method on a {client_class_name} object it is failing because "
            "no such method exists.")

    __repr__ = _motor_repr
    aggregate = _latent("aggregate", True)  # type: ignore[assignment]
    watch = _lazy_watch  # type: ignore[assignment]


@_motor_spelling
class AsyncIOMotorClientSession(SessionState,  # type: ignore[misc]
                                *_motor_bases("AsyncIOMotorClientSession")):
    """A session with Motor's API: ``start_transaction()`` is a plain call whose
    result is used with ``async with``; ``with_transaction(coro)`` awaits
    ``coro(session)`` inside pymongo's retry loop."""

    def __init__(self, client: "AsyncIOMotorClient", session: AsyncClientSession) -> None:
        self._session = session
        self._delegate = session._delegate
        self._client = client
        self._delegate._async_face = self  # a cursor's .session is this face

    @property
    def client(self) -> "AsyncIOMotorClient":
        return self._client

    def get_io_loop(self) -> asyncio.AbstractEventLoop:
        return self._client.get_io_loop()

    def start_transaction(self, read_concern: Any = None, write_concern: Any = None,
                          read_preference: Any = None,
                          max_commit_time_ms: int | None = None) -> _AsyncTransactionContext:
        """Starts a transaction: ``async with s.start_transaction(): ...`` commits on
        success and aborts on error (no ``await``, as in Motor)."""
        self._delegate.start_transaction(read_concern, write_concern, read_preference,
                                         max_commit_time_ms)
        return _AsyncTransactionContext(self)  # type: ignore[arg-type]

    async def with_transaction(self, coro: Callable[[Any], Any], read_concern: Any = None,
                               write_concern: Any = None, read_preference: Any = None,
                               max_commit_time_ms: int | None = None) -> Any:
        """Awaits ``coro(session)`` in a transaction, retried as pymongo's
        ``with_transaction`` retries it."""
        return await self._session.with_transaction(
            lambda _session: coro(self), read_concern, write_concern, read_preference,
            max_commit_time_ms)

    async def commit_transaction(self) -> None:
        self._delegate.commit_transaction()

    async def abort_transaction(self) -> None:
        self._delegate.abort_transaction()

    async def end_session(self) -> None:
        self._delegate.end_session()

    async def __aenter__(self) -> "AsyncIOMotorClientSession":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self._delegate.end_session()

    def __enter__(self) -> NoReturn:
        raise AttributeError(
            "Use Motor sessions like 'async with await client.start_session()', not 'with'")

    def __exit__(self, *exc: Any) -> None:
        pass

    __repr__ = _motor_repr


@_motor_spelling
class AsyncIOMotorClient(AsyncMongoClient, *_motor_bases("AsyncIOMotorClient")):  # type: ignore[misc]
    """A mim async client spelled as Motor's ``AsyncIOMotorClient``; it also takes
    Motor's ``io_loop=`` (the event loop :meth:`get_io_loop` answers)."""

    _database_class = AsyncIOMotorDatabase
    _command_cursor_class = AsyncIOMotorCommandCursor
    _io_loop: asyncio.AbstractEventLoop | None = None
    watch = _lazy_watch  # type: ignore[assignment]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        face_options = self._face_options(kwargs)
        super().__init__(*args, **kwargs)
        self._io_loop = face_options.get("io_loop")

    @classmethod
    def _wrapping(cls, client: Any, **face_options: Any) -> "AsyncIOMotorClient":
        self = super()._wrapping(client)
        self._io_loop = face_options.get("io_loop")
        return self  # type: ignore[return-value]

    @classmethod
    def _face_options(cls, kwargs: dict[str, Any]) -> dict[str, Any]:
        """Motor's ``io_loop``, checked as Motor checks it."""
        if "io_loop" not in kwargs:
            return {}
        io_loop = kwargs.pop("io_loop")
        if not isinstance(io_loop, asyncio.AbstractEventLoop):
            raise TypeError(
                "io_loop must be instance of asyncio-compatible event loop, not %r" % io_loop)
        return {"io_loop": io_loop}

    @property
    def io_loop(self) -> asyncio.AbstractEventLoop:
        """The ``io_loop=`` given, else asyncio's current event loop (Motor's rule)."""
        if self._io_loop is None:
            self._io_loop = asyncio.get_event_loop()
        return self._io_loop

    def get_io_loop(self) -> asyncio.AbstractEventLoop:
        return self.io_loop

    async def start_session(self, causal_consistency: bool | None = None,  # type: ignore[override]
                            default_transaction_options: Any = None,
                            snapshot: bool | None = False) -> AsyncIOMotorClientSession:
        """``await client.start_session()``, as in Motor."""
        return AsyncIOMotorClientSession(self, self._start_session(
            causal_consistency, default_transaction_options, snapshot))

    def close(self) -> None:  # type: ignore[override]
        """Motor's ``close()`` is a plain call."""
        self._delegate.close()

    async def __aexit__(self, *exc: Any) -> None:
        self.close()

    __repr__ = _motor_repr


# -- GridFS -----------------------------------------------------------------------------------

def _file_field(self: Any, name: str) -> Any:
    """Motor's GridIn/GridOut answer any other name from the file's document
    (``grid_in.aliases``, a custom field set with ``set``) as pymongo's do."""
    if name.startswith("_"):
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
    return getattr(self._delegate, name)


def _unopened(name: str) -> InvalidOperation:
    """Motor's error for a GridOut's file field read before the file document is loaded
    (``open()``, or a first ``read``/``readchunk``/``readline``)."""
    return InvalidOperation(f"You must call MotorGridOut.open() before accessing the {name} "
                            f"property")


def _opened_file_field(name: str) -> property:
    """A GridOut file field as Motor's: InvalidOperation until the file is open (Motor's
    GridOut, unlike pymongo's, never loads the file document to answer a property)."""
    def get(self: Any) -> Any:
        if not self._delegate._file:
            raise _unopened(name)
        return getattr(self._delegate, name)
    return property(get, doc=f"The file's ``{name}``, once the GridOut is open.")


#: sync gridfs class -> Motor's spelling of its async class
_MOTOR_GRIDFS_LIFTS: dict[type, Any] = {}


@_motor_spelling
class AsyncIOMotorGridIn(AsyncGridIn, *_motor_bases("AsyncIOMotorGridIn")):  # type: ignore[misc]
    """A file being written (``bucket.open_upload_stream()``), spelled as Motor's."""

    _lifts = _MOTOR_GRIDFS_LIFTS

    def __init__(self, root_collection: Any, delegate: Any = None, session: Any = None,
                 **kwargs: Any) -> None:
        """Motor's constructor: a new file in ``root_collection`` (``db.fs``)."""
        (root_collection, session), kwargs = unwrap_all((root_collection, session), kwargs)
        self._delegate = delegate if delegate is not None else \
            _sync_gridfs.GridIn(root_collection, session=session, **kwargs)

    __getattr__ = _file_field

    async def set(self, name: str, value: Any) -> None:
        """Motor's ``set`` is ``setattr`` on the file: ``set("content_type", v)`` goes
        through the property (the document's ``contentType``), another name is a
        field of the file document (written at once once the file is closed)."""
        setattr(self._delegate, name, value)


@_motor_spelling
class AsyncIOMotorGridOut(AsyncGridOut, *_motor_bases("AsyncIOMotorGridOut")):  # type: ignore[misc]
    """A stored file being read (``await bucket.open_download_stream()``), spelled as Motor's."""

    _lifts = _MOTOR_GRIDFS_LIFTS

    def __init__(self, root_collection: Any, file_id: Any = None, file_document: Any = None,
                 delegate: Any = None, session: Any = None) -> None:
        """Motor's constructor: the file ``file_id`` (or ``file_document``) of
        ``root_collection`` (``db.fs``)."""
        (root_collection, session), _ = unwrap_all((root_collection, session), {})
        self._delegate = delegate if delegate is not None else \
            _sync_gridfs.GridOut(root_collection, file_id, file_document, session)

    def __getattr__(self, name: str) -> Any:
        if not name.startswith("_") and not self._delegate._file:
            raise _unopened(name)
        return _file_field(self, name)

    async def open(self) -> "AsyncIOMotorGridOut":
        """Reads the file's document; Motor's ``open()`` answers the GridOut itself."""
        await AsyncGridOut.open(self)
        return self


#: the file fields Motor's GridOut answers only once open (its ``MotorGridOutProperty``s)
for _name in ("_id", "aliases", "chunk_size", "content_type", "filename", "length", "metadata",
              "name", "upload_date"):
    setattr(AsyncIOMotorGridOut, _name, _opened_file_field(_name))
del _name


@_motor_spelling
class AsyncIOMotorGridOutCursor(_MotorDeprecatedIteration, AsyncGridOutCursor,  # type: ignore[misc]
                                *_motor_bases("AsyncIOMotorGridOutCursor")):
    """``bucket.find()``'s cursor, spelled as Motor's (a Motor cursor: its deprecated
    ``fetch_next``/``next_object``/``each`` too)."""

    _lifts = _MOTOR_GRIDFS_LIFTS

    async def _step(self) -> Any:
        """The next file (a GridOut), the one ``fetch_next`` read ahead first."""
        if self._ahead:
            return self._ahead.pop()
        try:
            return await AsyncGridOutCursor.__anext__(self)
        except StopAsyncIteration:
            return _EXHAUSTED

    async def __anext__(self) -> Any:
        grid_out = await self._step()
        if grid_out is _EXHAUSTED:
            raise StopAsyncIteration
        return grid_out


@_motor_spelling
class AsyncIOMotorGridFSBucket(AsyncGridFSBucket,  # type: ignore[misc]
                               *_motor_bases("AsyncIOMotorGridFSBucket")):
    """Motor's ``AsyncIOMotorGridFSBucket`` over a mim database (``mim.patch()`` hands
    it out for ``motor.motor_asyncio.AsyncIOMotorGridFSBucket(mim_database)``)."""

    _lifts = _MOTOR_GRIDFS_LIFTS

    def __init__(self, database: Any, bucket_name: str = "fs",
                 chunk_size_bytes: int = _sync_gridfs.DEFAULT_CHUNK_SIZE,
                 write_concern: Any = None, read_preference: Any = None,
                 collection: str | None = None) -> None:
        """Motor's constructor: ``collection`` is its deprecated alias of ``bucket_name``;
        ``database`` must be a Motor database."""
        if collection is not None:
            warnings.warn('the "collection" parameter is deprecated, use "bucket_name" '
                          'instead', DeprecationWarning, stacklevel=2)
            bucket_name = collection
        if not isinstance(database, AsyncIOMotorDatabase):
            raise TypeError(f"First argument to {type(self)} must be  MotorDatabase, not "
                            f"{database!r}")
        #: Motor's ``bucket.collection``: the bucket's root collection (``db.fs``)
        self.collection = database.get_collection(bucket_name, write_concern=write_concern,
                                                  read_preference=read_preference)
        self._delegate = _sync_gridfs.GridFSBucket(
            database._delegate, bucket_name, chunk_size_bytes=chunk_size_bytes,
            write_concern=write_concern, read_preference=read_preference)

    @property
    def delegate(self) -> _sync_gridfs.GridFSBucket:
        """Motor's ``delegate``: the sync bucket this one runs."""
        return self._delegate


_MOTOR_GRIDFS_LIFTS.update({_sync_gridfs.GridIn: AsyncIOMotorGridIn,
                            _sync_gridfs.GridOut: AsyncIOMotorGridOut,
                            _sync_gridfs.GridOutCursor: AsyncIOMotorGridOutCursor})
