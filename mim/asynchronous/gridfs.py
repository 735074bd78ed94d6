"""GridFS for the async face: pymongo's ``gridfs`` async API over :mod:`mim.gridfs`.

pymongo's ``gridfs.AsyncGridFS``/``AsyncGridFSBucket`` accept only pymongo's own
``AsyncDatabase``; these classes take a :class:`mim.AsyncDatabase` (and, while
:func:`mim.patch` is active, ``gridfs.AsyncGridFSBucket(mim_async_db)`` returns
them).  Each class is generated from pymongo's async class: a name pymongo
awaits is awaitable here, a plain one stays plain, and each runs
:mod:`mim.gridfs`'s sync method of the same name, its ``GridIn``/``GridOut``/
cursor results lifted to their async counterparts.
"""

from __future__ import annotations

import inspect
from typing import Any

import gridfs as _pymongo_gridfs

from .. import gridfs as _sync
from .facade import AsyncFacade, awaitable, delegated_property, forwarded, unwrap_all

__all__ = ["AsyncGridFS", "AsyncGridFSBucket", "AsyncGridIn", "AsyncGridOut",
           "AsyncGridOutCursor"]

_DUNDERS = ("__aiter__", "__anext__", "__aenter__", "__aexit__")


def _lift(owner: Any, value: Any) -> Any:
    """A sync ``GridIn``/``GridOut``/cursor result as ``owner``'s family's async class."""
    wrapper = owner._lifts.get(type(value))
    return value if wrapper is None else wrapper._of(value)


def _mirror(name: str, pymongo_cls: type, sync_cls: type, extra: dict[str, Any]) -> type:
    """An async-face class with ``pymongo_cls``'s public names, delegating to ``sync_cls``."""
    namespace: dict[str, Any] = {"__doc__": f"pymongo's ``gridfs.{pymongo_cls.__name__}`` "
                                            f"over :class:`mim.gridfs.{sync_cls.__name__}`."}
    for attr in dir(pymongo_cls):
        if attr.startswith("_") or attr in extra:
            continue
        static = inspect.getattr_static(sync_cls, attr, None)
        if static is None:
            continue
        if isinstance(static, property) or not callable(static):
            namespace[attr] = delegated_property(attr)
        elif inspect.iscoroutinefunction(getattr(pymongo_cls, attr)):
            namespace[attr] = awaitable(getattr(sync_cls, attr), _lift)
        else:
            namespace[attr] = forwarded(getattr(sync_cls, attr), _lift)
    namespace.update(extra)
    return type(name, (AsyncFacade,), namespace)


def _construct(sync_cls: type) -> Any:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        args, kwargs = unwrap_all(args, kwargs)
        self._delegate = sync_cls(*args, **kwargs)
    return __init__


@classmethod  # type: ignore[misc]
def _of(cls: type, delegate: Any) -> Any:
    self = cls.__new__(cls)
    self._delegate = delegate
    return self


async def _aenter(self: Any) -> Any:
    return self


async def _close_on_exit(self: Any, *exc: Any) -> None:
    await self.close()


async def _grid_in_exit(self: Any, exc_type: Any, exc: Any, tb: Any) -> None:
    self._delegate.__exit__(exc_type, exc, tb)


def _aiter(self: Any) -> Any:
    return self


async def _anext_chunk(self: Any) -> bytes:
    chunk = self._delegate.readchunk()
    if not chunk:
        raise StopAsyncIteration
    return chunk


async def _anext_file(self: Any) -> Any:
    for grid_out in self._delegate:
        return _lift(self, grid_out)
    raise StopAsyncIteration


async def _close_cursor(self: Any) -> None:
    """pymongo's ``AsyncGridOutCursor.close()`` (the sync cursor answers it through its
    ``__getattr__``, which the mirror does not see)."""
    self._delegate.close()


async def _cursor_next(self: Any) -> Any:
    return await self.__anext__()


def _chain(name: str) -> Any:
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        getattr(self._delegate, name)(*args, **kwargs)
        return self
    method.__name__ = name
    return method


#: sync gridfs class -> its async-face class (filled in below; Motor's spelling has its own)
_LIFTS: dict[type, Any] = {}
_COMMON = {"_of": _of, "_lifts": _LIFTS}
_FILE = {**_COMMON, "_id": delegated_property("_id")}

AsyncGridIn = _mirror("AsyncGridIn", _pymongo_gridfs.AsyncGridIn, _sync.GridIn, {
    **_FILE, "__init__": _construct(_sync.GridIn), "__aenter__": _aenter,
    "__aexit__": _grid_in_exit})
AsyncGridOut = _mirror("AsyncGridOut", _pymongo_gridfs.AsyncGridOut, _sync.GridOut, {
    **_FILE, "__init__": _construct(_sync.GridOut), "__aenter__": _aenter,
    "__aexit__": _close_on_exit, "__aiter__": _aiter, "__anext__": _anext_chunk})
AsyncGridOutCursor = _mirror(
    "AsyncGridOutCursor", _pymongo_gridfs.AsyncGridOutCursor, _sync.GridOutCursor, {
        **_COMMON, "__aenter__": _aenter, "__aexit__": _close_on_exit, "__aiter__": _aiter,
        "__anext__": _anext_file, "next": _cursor_next, "close": _close_cursor,
        **{name: _chain(name) for name in ("sort", "skip", "limit", "batch_size", "comment",
                                             "hint", "collation", "max_time_ms", "where",
                                             "min", "max", "allow_disk_use")},
    })
AsyncGridFS = _mirror("AsyncGridFS", _pymongo_gridfs.AsyncGridFS, _sync.GridFS, {
    **_COMMON, "__init__": _construct(_sync.GridFS)})
AsyncGridFSBucket = _mirror(
    "AsyncGridFSBucket", _pymongo_gridfs.AsyncGridFSBucket, _sync.GridFSBucket, {
        **_COMMON, "__init__": _construct(_sync.GridFSBucket)})

_LIFTS.update({_sync.GridIn: AsyncGridIn, _sync.GridOut: AsyncGridOut,
               _sync.GridOutCursor: AsyncGridOutCursor})
