"""A blocking adapter over mim's async face, so the sync suite can drive it.

``blocking(mim.AsyncMongoClient(...))`` looks like a sync client to a test:
``coll.insert_one(doc)`` calls ``AsyncCollection.insert_one`` and runs the
coroutine to completion on an event loop; ``for doc in coll.find()`` steps the
``AsyncCursor`` with ``__anext__``; ``with session:`` runs ``__aenter__`` and
``__aexit__``; a ``with_transaction`` callback is handed to the async session as
a coroutine function.  Every operation therefore goes through the async
classes — their signatures, their lifting of results, their cursor iteration
and their session state — and must give what the sync face gives.

All coroutines run on one loop, in one :class:`contextvars.Context` kept by the
adapter, so a ``session.bind()`` made by one call is seen by the next, as it is
within one task of real async code.  A coroutine started while the loop is
already running (inside a ``with_transaction`` callback) is stepped directly in
the running task's context: the async face never suspends except to wait in a
thread, which those nested calls do not do.
"""

from __future__ import annotations

import asyncio
import contextvars
import copy
import threading
import types
from typing import Any

import mim.asynchronous
from mim.asynchronous.facade import AsyncFacade

__all__ = ["Runner", "Blocking", "TwinMim", "unwrap"]


class Runner:
    """Runs the async face's coroutines for a sync caller: one loop and one context
    per thread (the thread-safety tests call from several threads at once)."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._loops: list[asyncio.AbstractEventLoop] = []
        self._proxies: dict[int, tuple[Any, Blocking]] = {}

    def proxy(self, target: Any) -> "Blocking":
        """The one proxy of ``target`` (so ``db.client is client`` holds as in the sync face)."""
        known = self._proxies.get(id(target))
        if known is None:
            known = self._proxies.setdefault(id(target), (target, Blocking(target, self)))
        return known[1]

    def _loop(self) -> tuple[asyncio.AbstractEventLoop, contextvars.Context]:
        local = self._local
        if not hasattr(local, "loop"):
            local.loop = asyncio.new_event_loop()
            local.context = contextvars.copy_context()
            self._loops.append(local.loop)
        return local.loop, local.context

    def run(self, awaitable: Any) -> Any:
        loop, context = self._loop()
        if loop.is_running():
            return _step(awaitable)
        task = loop.create_task(_as_coroutine(awaitable), context=context)
        return loop.run_until_complete(task)

    def close(self) -> None:
        for loop in self._loops:
            loop.close()


async def _as_coroutine(awaitable: Any) -> Any:
    return await awaitable


def _step(awaitable: Any) -> Any:
    """Run a coroutine that never waits, without a loop (a bare yield — the one turn of
    the loop each operation gives the other tasks — is simply resumed)."""
    iterator = awaitable.__await__()
    try:
        yielded = iterator.send(None)
        while yielded is None:
            yielded = iterator.send(None)
    except StopIteration as done:
        return done.value
    iterator.close()
    raise RuntimeError(f"the async face suspended on {yielded!r} inside a running loop")


def _is_async_face(value: Any) -> bool:
    return isinstance(value, AsyncFacade) or type(value).__module__.startswith("mim.asynchronous")


def unwrap(value: Any) -> Any:
    return value._target if isinstance(value, Blocking) else value


class Blocking:
    """A sync-looking proxy of one async-face object."""

    __slots__ = ("_target", "_runner")

    def __init__(self, target: Any, runner: Runner) -> None:
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_runner", runner)

    # -- results and arguments ---------------------------------------------------------------

    def _lift(self, value: Any) -> Any:
        if _is_async_face(value):
            return self._runner.proxy(value)
        return value

    def _argument(self, value: Any) -> Any:
        if isinstance(value, Blocking):
            return value._target
        if isinstance(value, (types.FunctionType, types.MethodType)):
            return self._callback(value)
        return value

    def _callback(self, function: Any) -> Any:
        """A sync callback (``with_transaction``'s) as the coroutine function async code passes."""
        lift = self._lift

        async def callback(*args: Any, **kwargs: Any) -> Any:
            return function(*(lift(a) for a in args), **kwargs)
        return callback

    def _call(self, method: Any, args: tuple, kwargs: dict) -> Any:
        args = tuple(self._argument(a) for a in args)
        kwargs = {k: self._argument(v) for k, v in kwargs.items()}
        result = method(*args, **kwargs)
        if asyncio.iscoroutine(result):
            result = self._runner.run(result)
        return self._lift(result)

    # -- attribute access --------------------------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if asyncio.iscoroutine(value):  # an awaitable property (``await client.address``)
            value = self._runner.run(value)
        if callable(value) and not _is_async_face(value) and not isinstance(value, type):
            return lambda *args, **kwargs: self._call(value, args, kwargs)
        return self._lift(value)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._target, name, value)

    def __getitem__(self, key: Any) -> Any:
        return self._lift(self._target[key])

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._call(self._target, args, kwargs)

    # -- iteration and context managers --------------------------------------------------------

    def __iter__(self) -> Any:
        if hasattr(self._target, "__anext__"):
            return self
        return iter(self._target)

    def __next__(self) -> Any:
        if not hasattr(self._target, "__anext__"):
            return next(self._target)
        try:
            return self._runner.run(self._target.__anext__())
        except StopAsyncIteration:
            raise StopIteration from None

    def next(self) -> Any:
        if hasattr(self._target, "__anext__"):
            return self.__next__()
        return self._target.next()

    def __enter__(self) -> Any:
        return self._lift(self._runner.run(self._target.__aenter__()))

    def __exit__(self, *exc: Any) -> Any:
        return self._runner.run(self._target.__aexit__(*exc))

    # -- comparisons and the rest ------------------------------------------------------------

    def __eq__(self, other: Any) -> Any:
        return self._target == unwrap(other)

    def __ne__(self, other: Any) -> Any:
        return self._target != unwrap(other)

    def __hash__(self) -> int:
        return hash(self._target)

    def __bool__(self) -> bool:
        return bool(self._target)

    def __repr__(self) -> str:
        return repr(self._target)

    def __copy__(self) -> Any:
        return self._lift(copy.copy(self._target))

    def __deepcopy__(self, memo: Any) -> Any:
        return self._lift(copy.deepcopy(self._target, memo))


# -- the ``mim`` module as the sync tests see it in their async twins --------------------------

class _FaceMeta(type):
    """``isinstance(proxy, mim.Collection)`` in a twin: true for a proxy of the async class."""

    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(unwrap(instance), cls._async_class)


def _face(name: str, async_class: type) -> type:
    return _FaceMeta(name, (), {"_async_class": async_class})


class TwinMim(types.ModuleType):
    """``mim`` with its client classes replaced by the async face behind a :class:`Blocking`."""

    def __init__(self, runner: Runner) -> None:
        super().__init__("mim")
        runner_ = runner

        class MongoClient(metaclass=_FaceMeta):
            _async_class = mim.asynchronous.AsyncMongoClient
            HOST = mim.MongoClient.HOST
            PORT = mim.MongoClient.PORT

            def __new__(cls, *args: Any, **kwargs: Any) -> Any:  # type: ignore[misc]
                return runner_.proxy(mim.asynchronous.AsyncMongoClient(*args, **kwargs))

        self.MongoClient = MongoClient
        self.Database = _face("Database", mim.asynchronous.AsyncDatabase)
        self.Collection = _face("Collection", mim.asynchronous.AsyncCollection)
        self.Cursor = _face("Cursor", mim.asynchronous.AsyncCursor)
        self.CommandCursor = _face("CommandCursor", mim.asynchronous.AsyncCommandCursor)

    def __getattr__(self, name: str) -> Any:
        return getattr(mim, name)
