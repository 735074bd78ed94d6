"""``AsyncCursor`` and ``AsyncCommandCursor``: pymongo's async cursors over mim's.

``async for``, ``await cursor.next()``, ``await cursor.to_list(length=None)``,
``async with`` — each step is the sync cursor's step.  A tailable awaitData
cursor's ``next`` may wait for new documents, so it runs in a thread
(:func:`~mim.asynchronous.facade.run_blocking`) instead of on the loop.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pymongo.cursor_shared import CursorType
from pymongo.errors import InvalidOperation

from ..cursor import CommandCursor, Cursor
from .facade import (AsyncFacade, async_wording, awaitable, chained, delegated_property,
                     run_blocking, yield_to_loop)

_DocumentType = TypeVar("_DocumentType")

__all__ = ["AsyncCursor", "AsyncCommandCursor"]


def _next_or_none(cursor: Any) -> Any:
    """The delegate's next document, ``_EXHAUSTED`` at the end (StopIteration
    cannot cross a thread boundary or a coroutine's ``return``)."""
    for document in cursor:
        return document
    return _EXHAUSTED


_EXHAUSTED = object()


class _AsyncCursorBase(AsyncFacade):
    """What both async cursors share: iteration, ``to_list``, ``close``, ``async with``."""

    _may_wait = False

    async def _step(self) -> Any:
        try:
            if self._may_wait:
                return await run_blocking(_next_or_none, self._delegate)
            return _next_or_none(self._delegate)
        except InvalidOperation as exc:
            raise async_wording(exc) from None

    def __aiter__(self) -> Any:
        return self

    async def __anext__(self) -> Any:
        document = await self._step()
        if document is _EXHAUSTED:
            raise StopAsyncIteration
        return document

    async def next(self) -> Any:
        """The next document; ``StopAsyncIteration`` when there is none (pymongo's)."""
        return await self.__anext__()

    async def to_list(self, length: int | None = None) -> list:
        """Every remaining document, or at most ``length`` of them."""
        await yield_to_loop()
        try:
            if self._may_wait:
                return await run_blocking(self._delegate.to_list, length)
            return self._delegate.to_list(length)
        except InvalidOperation as exc:
            raise async_wording(exc) from None

    async def close(self) -> None:
        self._delegate.close()

    async def __aenter__(self) -> Any:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    alive = delegated_property("alive")
    cursor_id = delegated_property("cursor_id")
    address = delegated_property("address")
    retrieved = delegated_property("retrieved")

    @property
    def session(self) -> Any:
        return getattr(self._delegate.session, "_async_face", None)


class AsyncCursor(_AsyncCursorBase, Generic[_DocumentType]):
    """The result of ``AsyncCollection.find()``."""

    def __init__(self, collection: Any, delegate: Cursor, cursor_type: int = 0) -> None:
        self._delegate = delegate
        self._collection = collection
        self._cursor_type = cursor_type
        self._may_wait = (cursor_type & CursorType.TAILABLE_AWAIT) == CursorType.TAILABLE_AWAIT

    @property
    def collection(self) -> Any:
        return self._collection

    for _name in ("allow_disk_use", "batch_size", "collation", "comment", "hint", "limit",
                  "max", "max_await_time_ms", "max_scan", "max_time_ms", "min", "skip",
                  "sort", "where"):
        locals()[_name] = chained(getattr(Cursor, _name))
    del _name

    def clone(self) -> "AsyncCursor[_DocumentType]":
        return type(self)(self._collection, self._delegate.clone(), self._cursor_type)

    async def add_option(self, mask: int) -> "AsyncCursor[_DocumentType]":
        self._delegate.add_option(mask)
        self._follow_cursor_type()
        return self

    def remove_option(self, mask: int) -> "AsyncCursor[_DocumentType]":
        self._delegate.remove_option(mask)
        self._follow_cursor_type()
        return self

    def _follow_cursor_type(self) -> None:
        """The cursor type after ``add_option``/``remove_option`` changed its bits."""
        self._cursor_type = cursor_type = self._delegate._cursor_type
        self._may_wait = (cursor_type & CursorType.TAILABLE_AWAIT) == CursorType.TAILABLE_AWAIT

    async def rewind(self) -> "AsyncCursor[_DocumentType]":
        self._delegate.rewind()
        return self

    distinct = awaitable(Cursor.distinct)
    explain = awaitable(Cursor.explain)

    def __getitem__(self, index: Any) -> Any:
        raise IndexError("AsyncCursor does not support indexing")

    def __repr__(self) -> str:
        return f"<mim.asynchronous.AsyncCursor object at {id(self):#x}>"


class AsyncCommandCursor(_AsyncCursorBase, Generic[_DocumentType]):
    """A cursor over a command's results (``aggregate``, ``list_indexes`` …)."""

    def __init__(self, delegate: CommandCursor) -> None:
        self._delegate = delegate

    @classmethod
    def _lifted(cls, owner: Any, delegate: CommandCursor) -> "AsyncCommandCursor[Any]":
        """The cursor ``owner`` (a client, database or collection face) hands out."""
        return cls(delegate)

    def batch_size(self, batch_size: int) -> "AsyncCommandCursor[_DocumentType]":
        self._delegate.batch_size(batch_size)
        return self

    async def try_next(self) -> Any:
        """The next document, or None when none is available yet."""
        return self._delegate.try_next()

    def __repr__(self) -> str:
        return f"<mim.asynchronous.AsyncCommandCursor object at {id(self):#x}>"


def lift_command_cursor(owner: Any, cursor: CommandCursor) -> AsyncCommandCursor:
    """``awaitable``'s lift: the sync command cursor as the owner's kind of async one."""
    return owner._command_cursor_class._lifted(owner, cursor)
