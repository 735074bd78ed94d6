"""How the async face is built from the sync face: one implementation, two faces.

Every ``mim.asynchronous`` object wraps the sync object it stands for (its
``_delegate``): ``AsyncCollection`` wraps a :class:`mim.Collection`, and so on.
An awaitable method of the async face is the sync method of the same name, run
inline (the engine answers in microseconds, so there is nothing to gain from a
thread) with its arguments unwrapped (an async session, database or collection
becomes its sync object) and its result wrapped (a sync cursor becomes an async
cursor).  Validation, error wording and behaviour therefore exist once.

Each awaited operation suspends its task once, as a driver awaiting the
server's reply does (:func:`yield_to_loop`): a task that loops over writes
(``while not done: await coll.insert_one(...)``) lets the other tasks run —
the ones that would set ``done`` — instead of starving the event loop.
Operations that may *wait* — an awaitData ``getMore``, a change-stream wait —
must not block the event loop; :func:`run_blocking` runs those in a worker
thread (``asyncio.to_thread``).  So does every awaitable call made outside a
transaction while some open transaction holds documents (storage's
``holding_transactions``; one read of a set otherwise): a write meeting such a
document waits for the transaction to end, as on the server, and waiting on the
loop's thread would freeze the very task that is to end it.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any, Callable

from pymongo.errors import InvalidOperation

from ..engine.storage.store import holding_transactions, transactions_hold_documents
from ..session import in_transaction

__all__ = ["AsyncFacade", "awaitable", "chained", "forwarded", "run_blocking", "unwrap_all",
           "async_wording", "yield_to_loop"]

#: suspends the awaiting task for one turn of the event loop (asyncio's bare yield)
yield_to_loop = functools.partial(asyncio.sleep, 0)

# Client-side messages that name the client class: pymongo's async API names its own.
_ASYNC_WORDING = {
    "Cannot use MongoClient after close": "Cannot use AsyncMongoClient after close",
    "Can only use session with the MongoClient that started it":
        "Can only use session with the AsyncMongoClient that started it",
}


def async_wording(exc: InvalidOperation) -> InvalidOperation:
    """``exc`` as pymongo's async API words it (the same error otherwise)."""
    wording = _ASYNC_WORDING.get(str(exc))
    return exc if wording is None else InvalidOperation(wording)


class AsyncFacade:
    """Base of every async-face class: holds the sync object it delegates to."""

    _delegate: Any

    @property
    def delegate(self) -> Any:
        """The sync-face object behind this one (mim extension)."""
        return self._delegate


def _unwrap(value: Any) -> Any:
    return value._delegate if isinstance(value, AsyncFacade) else value


def unwrap_all(args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """``args``/``kwargs`` with every async-face object replaced by its sync object
    (the common call has none: then nothing is copied)."""
    for value in args:
        if isinstance(value, AsyncFacade):
            args = tuple(_unwrap(a) for a in args)
            break
    if kwargs:
        for value in kwargs.values():
            if isinstance(value, AsyncFacade):
                kwargs = {k: _unwrap(v) for k, v in kwargs.items()}
                break
    return args, kwargs


def awaitable(sync_method: Callable[..., Any],
              lift: Callable[[Any, Any], Any] | None = None) -> Callable[..., Any]:
    """The coroutine method running ``sync_method`` on the delegate.

    ``lift(self, result)`` turns a sync result into its async-face object (a
    cursor, a collection …); the signature and docstring are the sync method's.
    """
    if lift is None:
        @functools.wraps(sync_method)
        async def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            await yield_to_loop()
            args, kwargs = unwrap_all(args, kwargs)
            try:
                if holding_transactions and _may_wait(kwargs):
                    return await run_blocking(sync_method, self._delegate, *args, **kwargs)
                return sync_method(self._delegate, *args, **kwargs)
            except InvalidOperation as exc:
                raise async_wording(exc) from None
    else:
        @functools.wraps(sync_method)
        async def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            await yield_to_loop()
            args, kwargs = unwrap_all(args, kwargs)
            try:
                if holding_transactions and _may_wait(kwargs):
                    return lift(self, await run_blocking(sync_method, self._delegate, *args,
                                                         **kwargs))
                return lift(self, sync_method(self._delegate, *args, **kwargs))
            except InvalidOperation as exc:
                raise async_wording(exc) from None
    return method


def _may_wait(kwargs: dict) -> bool:
    """Whether a call made while some transaction holds documents may have to wait for
    one: any call but a statement of a transaction (which meets another transaction's
    write as a WriteConflict at once), unless every holder was past its lifetime."""
    return not in_transaction(kwargs.get("session")) and transactions_hold_documents()


def forwarded(sync_method: Callable[..., Any],
              lift: Callable[[Any, Any], Any] | None = None) -> Callable[..., Any]:
    """A plain (non-awaitable) method running ``sync_method`` on the delegate,
    for what pymongo's async API keeps synchronous (``find``, ``get_collection`` …)."""
    name = sync_method.__name__

    @functools.wraps(sync_method)
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        args, kwargs = unwrap_all(args, kwargs)
        result = getattr(self._delegate, name)(*args, **kwargs)
        return result if lift is None else lift(self, result)
    return method


def chained(sync_method: Callable[..., Any]) -> Callable[..., Any]:
    """A cursor modifier (``sort``, ``limit`` …): runs on the delegate, returns self."""
    name = sync_method.__name__

    @functools.wraps(sync_method)
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        getattr(self._delegate, name)(*args, **kwargs)
        return self
    return method


def delegated_property(name: str) -> property:
    """A read-only property answered by the delegate's property of the same name."""
    return property(lambda self: getattr(self._delegate, name),
                    doc=f"The sync face's ``{name}``.")


def awaited_property(name: str) -> property:
    """A property pymongo's async client makes awaitable (``await client.is_mongos``):
    its coroutine answers with the delegate's sync property of the same name."""
    async def get(self: Any) -> Any:
        return getattr(self._delegate, name)
    return property(get, doc=f"Awaitable: the sync face's ``{name}``.")


async def run_blocking(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a call that may wait (awaitData getMore, change-stream wait, a write meeting
    a transaction's document) in a thread, so the event loop keeps running other tasks
    meanwhile.  (A statement of a transaction never waits: it meets another
    transaction's write as a WriteConflict at once, so it stays on the loop.)"""
    return await asyncio.to_thread(fn, *args, **kwargs)
