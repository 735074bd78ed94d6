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
        try:
            return await run_blocking(self._delegate.next)
        except StopIteration:
            raise StopAsyncIteration from None

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
