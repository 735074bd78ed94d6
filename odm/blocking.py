"""A blocking view of pymongo's async API: how one (sync) ODM serves asyncio code too.

The mapper - validation, identity map, unit of work, delete rules,
transactions - exists once, written against pymongo's sync API.  For asyncio,
:class:`odm.AsyncODMSession` runs that same code in a worker thread
(``asyncio.to_thread``) and gives it, instead of a sync database, a
:class:`Blocking` view of an async one (``pymongo.AsyncMongoClient``'s or
``mim.AsyncMongoClient``'s): every coroutine the async driver returns is run
on the event loop (``asyncio.run_coroutine_threadsafe``) while the worker
waits, so the loop stays free and the driver's objects are only ever used on
it.  The I/O layer is what is parametrised; nothing above it is written twice.

Only the public async API is used: awaitable methods, ``__aiter__`` /
``__anext__`` for cursors, ``__aenter__`` / ``__aexit__`` for sessions and
transactions, and ``with_transaction`` taking a coroutine function.
"""
from __future__ import annotations

import asyncio
import contextvars
import inspect
from typing import Any, Callable

from .datastore import DataStore, Engine
from .exc import BlockingCallInEventLoop, MingException

__all__ = ["Blocking", "blocking", "unwrap", "run", "use_loop", "blocking_datastore"]

#: The event loop the async driver's coroutines run on, set by the awaited ODM call that started the work
#: (copied into the worker thread with the rest of the context).
_LOOP: contextvars.ContextVar[asyncio.AbstractEventLoop] = contextvars.ContextVar("odm_event_loop")


def use_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Make ``loop`` the one :func:`run` sends coroutines to, in the current context (and the threads it starts)."""
    _LOOP.set(loop)


def _in_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


def run(awaitable: Any) -> Any:
    """Wait for ``awaitable`` on the event loop from a worker thread; its result, or its exception.

    Refused (:class:`BlockingCallInEventLoop`) on the loop's own thread, which
    would wait for itself, and where no awaited ODM call set a loop.
    """
    if _in_event_loop():
        _discard(awaitable)
        raise BlockingCallInEventLoop(
            "this would wait for the database inside the event loop: await the AsyncODMSession's method "
            "(await session.get(...), await Model.query.find(...).all()), or load the relation with the "
            "query (.options(odm.selectinload(...)))")
    loop = _LOOP.get(None)
    if loop is None or loop.is_closed():
        _discard(awaitable)
        raise MingException("an async database is used outside an AsyncODMSession call: await the session's methods")
    return asyncio.run_coroutine_threadsafe(_awaited(awaitable), loop).result()


def _discard(awaitable: Any) -> None:
    close = getattr(awaitable, "close", None)  # a coroutine never run: no "was never awaited" warning
    if close is not None:
        close()


def _is_async_face(value: Any) -> bool:
    """Whether ``value`` is an object of an async API (a client, database, collection, cursor, session ...)."""
    cls = type(value)
    return cls.__name__.startswith("Async") or hasattr(cls, "__aiter__") or hasattr(cls, "__aenter__")


def blocking(value: Any) -> Any:
    """``value`` as the sync code sees it: async API objects behind a :class:`Blocking` view, others as they are."""
    return Blocking(value) if _is_async_face(value) and not isinstance(value, Blocking) else value


def unwrap(value: Any) -> Any:
    """The async object behind a :class:`Blocking` view (anything else as it is)."""
    return object.__getattribute__(value, "_target") if isinstance(value, Blocking) else value


def _call_blocking(method: Callable[..., Any], name: str) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        args = tuple(unwrap(a) for a in args)
        kwargs = {k: unwrap(v) for k, v in kwargs.items()}
        if name == "with_transaction" and args:
            args = (_coroutine_callback(args[0]),) + args[1:]
        result = method(*args, **kwargs)
        if inspect.isawaitable(result):
            result = run(result)
        return blocking(result)

    call.__name__ = name
    return call


def _coroutine_callback(callback: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``with_transaction``'s callback for the async driver: the sync ``callback`` in a worker thread."""
    async def in_thread(session: Any) -> Any:
        return await asyncio.to_thread(callback, blocking(session))

    return in_thread


class Blocking:
    """A sync view of an async driver object: its coroutines are awaited on the event loop, its results viewed alike.

    ``Blocking(async_db)["page"].insert_one(doc)`` inserts and returns the
    result; iterating a viewed cursor reads it; ``with`` a viewed session or
    transaction enters it (``__aenter__``).  Objects passed back in
    (``session=``) are unwrapped.
    """

    __slots__ = ("_target",)

    def __init__(self, target: Any) -> None:
        object.__setattr__(self, "_target", target)

    def __getattr__(self, name: str) -> Any:
        value = getattr(object.__getattribute__(self, "_target"), name)
        if _is_async_face(value):
            return Blocking(value)
        if callable(value) and not isinstance(value, type):
            return _call_blocking(value, name)
        return value

    def __getitem__(self, key: Any) -> Any:
        return blocking(self._target[key])

    def __iter__(self) -> "Blocking":
        return self

    def __next__(self) -> Any:
        try:
            return blocking(run(self._target.__anext__()))
        except StopAsyncIteration:
            raise StopIteration from None

    def __bool__(self) -> bool:
        return bool(self._target)  # what the object itself answers (pymongo's collections and cursors refuse)

    def __enter__(self) -> Any:
        return blocking(run(self._target.__aenter__()))

    def __exit__(self, *exc: Any) -> Any:
        return run(self._target.__aexit__(*exc))

    def __repr__(self) -> str:
        return f"Blocking({self._target!r})"


def blocking_datastore(database: Any) -> DataStore:
    """A :class:`DataStore` over an async database (``AsyncMongoClient(...)["name"]``), seen through :class:`Blocking`."""
    client = database.client
    store = DataStore(Engine(lambda: Blocking(client)), database.name)
    store._db = Blocking(database)
    return store
