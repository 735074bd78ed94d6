"""``AsyncChangeStream``: pymongo's async change stream API over :class:`mim.ChangeStream`.

Iterating may wait for a write (``getMore`` with ``maxAwaitTimeMS``), so every
call that can reach the server runs in a worker thread (:func:`run_blocking`):
the event loop keeps serving the coroutines that make those writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any, Generic, TypeVar

from ..change_stream import ChangeStream
from .facade import run_blocking

_DocumentType = TypeVar("_DocumentType")

__all__ = ["AsyncChangeStream", "lift_change_stream"]


_CLOSED = object()


def _next_or_closed(stream: ChangeStream) -> Any:
    """The sync stream's next change, ``_CLOSED`` once it is closed (StopIteration
    cannot be raised into the Future of the worker thread running this)."""
    try:
        return stream.next()
    except StopIteration:
        return _CLOSED


class AsyncChangeStream(Generic[_DocumentType]):
    """A change stream with pymongo's ``AsyncChangeStream`` methods."""

    def __init__(self, delegate: ChangeStream) -> None:
        self._delegate = delegate

    @property
    def resume_token(self) -> Mapping[str, Any] | None:
        return self._delegate.resume_token

    @property
    def alive(self) -> bool:
        return self._delegate.alive

    async def next(self) -> _DocumentType:
        """The next change, waiting for it; StopAsyncIteration once the stream is closed."""
        change = await run_blocking(_next_or_closed, self._delegate)
        if change is _CLOSED:
            raise StopAsyncIteration
        return change

    __anext__ = next

    def __aiter__(self) -> "AsyncChangeStream[_DocumentType]":
        return self

    async def try_next(self) -> _DocumentType | None:
        return await run_blocking(self._delegate.try_next)

    async def close(self) -> None:
        await run_blocking(self._delegate.close)

    async def __aenter__(self) -> "AsyncChangeStream[_DocumentType]":
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc_val: BaseException | None, exc_tb: TracebackType | None) -> None:
        await self.close()


def lift_change_stream(owner: Any, stream: ChangeStream) -> AsyncChangeStream:
    """``awaitable``'s lift: the sync face's stream as an async one."""
    return AsyncChangeStream(stream)
