"""``AsyncMongoClient``: pymongo's async client, backed by the in-process mim server.

It takes exactly what :class:`mim.MongoClient` takes (pymongo's arguments plus
``server=``) and shares the same in-process servers: an async client and a sync
client for the same address see the same data, so a test can seed data with
the sync face and exercise async application code, or the other way round.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any, Generic, NoReturn, TypeVar

from pymongo.asynchronous.mongo_client import AsyncMongoClient as _PyMongoAsyncClient

from ..client import MongoClient
from ..engine.storage.store import Server
from .cursor import AsyncCommandCursor, lift_command_cursor
from .database import AsyncDatabase
from .change_stream import lift_change_stream
from .facade import AsyncFacade, awaitable, awaited_property, delegated_property
from .session import AsyncClientSession

_DocumentType = TypeVar("_DocumentType")

__all__ = ["AsyncMongoClient"]

# pymongo 4.9-4.12 spelled ``await client.start_session()``; later versions return
# the session directly (``async with client.start_session() as s``).  mim follows
# the installed pymongo.
_START_SESSION_IS_COROUTINE = inspect.iscoroutinefunction(_PyMongoAsyncClient.start_session)


def _topology_property(name: str) -> property:
    """``address``, ``primary``, ``is_mongos`` …: awaitable wherever the installed pymongo's
    ``AsyncMongoClient`` makes them awaitable (code such as Beanie's runs
    ``await client.is_mongos``), plain otherwise."""
    if inspect.iscoroutinefunction(getattr(_PyMongoAsyncClient, name).fget):
        return awaited_property(name)
    return delegated_property(name)


class AsyncMongoClient(AsyncFacade, Generic[_DocumentType]):
    """A client for an in-memory MongoDB with pymongo's ``AsyncMongoClient`` API."""

    HOST = MongoClient.HOST
    PORT = MongoClient.PORT

    #: the class of ``client[name]`` (Motor's spelling has its own)
    _database_class: type = AsyncDatabase
    _command_cursor_class: type = AsyncCommandCursor

    def __init__(self, host: str | Sequence[str] | None = None, port: int | None = None,
                 document_class: type | None = None, tz_aware: bool | None = None,
                 connect: bool | None = None, type_registry: Any = None,
                 server: Server | None = None, **kwargs: Any) -> None:
        self._delegate = MongoClient(host, port, document_class, tz_aware, connect,
                                     type_registry, server=server, **kwargs)

    @classmethod
    def _wrapping(cls, client: MongoClient, **face_options: Any) -> "AsyncMongoClient":
        """The async face of an existing sync client (same server, same options);
        ``face_options``: what :meth:`_face_options` took out of the constructor's."""
        self = cls.__new__(cls)
        self._delegate = client
        return self

    @classmethod
    def _face_options(cls, kwargs: dict[str, Any]) -> dict[str, Any]:
        """Removes from a constructor's ``kwargs`` the options this face handles
        itself rather than the client (none here; Motor's ``io_loop``)."""
        return {}

    address = _topology_property("address")
    primary = _topology_property("primary")
    secondaries = _topology_property("secondaries")
    arbiters = _topology_property("arbiters")
    is_primary = _topology_property("is_primary")
    is_mongos = _topology_property("is_mongos")
    nodes = delegated_property("nodes")
    topology_description = delegated_property("topology_description")

    def eq_props(self) -> tuple:
        """pymongo's equality key: the sync client's, whose server this face shares."""
        return self._delegate.eq_props()
    options = delegated_property("options")
    server = delegated_property("server")
    codec_options = delegated_property("codec_options")
    read_preference = delegated_property("read_preference")
    write_concern = delegated_property("write_concern")
    read_concern = delegated_property("read_concern")

    # -- databases -------------------------------------------------------------------------

    def __getattr__(self, name: str) -> AsyncDatabase[_DocumentType]:
        if name.startswith("_"):
            raise AttributeError(
                f"{type(self).__name__} has no attribute {name!r}. To access the {name}"
                f" database, use client[{name!r}].")
        return self[name]

    def __getitem__(self, name: str) -> AsyncDatabase[_DocumentType]:
        return self._database_class(self, self._delegate[name])

    def get_database(self, *args: Any, **kwargs: Any) -> AsyncDatabase[_DocumentType]:
        return self._database_class(self, self._delegate.get_database(*args, **kwargs))

    def get_default_database(self, *args: Any, **kwargs: Any) -> AsyncDatabase[_DocumentType]:
        return self._database_class(self, self._delegate.get_default_database(*args, **kwargs))

    get_database.__doc__ = MongoClient.get_database.__doc__
    get_default_database.__doc__ = MongoClient.get_default_database.__doc__

    list_databases = awaitable(MongoClient.list_databases, lift_command_cursor)
    list_database_names = awaitable(MongoClient.list_database_names)
    drop_database = awaitable(MongoClient.drop_database)
    server_info = awaitable(MongoClient.server_info)
    bulk_write = awaitable(MongoClient.bulk_write)
    watch = awaitable(MongoClient.watch, lift_change_stream)

    def append_metadata(self, driver_info: Any) -> None:
        self._delegate.append_metadata(driver_info)

    def reset(self) -> None:
        """Wipe this client's server: every database (mim extension)."""
        self._delegate.reset()

    # -- sessions --------------------------------------------------------------------------

    def _start_session(self, causal_consistency: bool | None = None,
                       default_transaction_options: Any = None,
                       snapshot: bool | None = False) -> AsyncClientSession:
        return AsyncClientSession(self, self._delegate.start_session(
            causal_consistency, default_transaction_options, snapshot))

    if _START_SESSION_IS_COROUTINE:
        async def start_session(self, causal_consistency: bool | None = None,
                                default_transaction_options: Any = None,
                                snapshot: bool | None = False) -> AsyncClientSession:
            """A session (pymongo < 4.13 spelling: ``await client.start_session()``)."""
            return self._start_session(causal_consistency, default_transaction_options,
                                       snapshot)
    else:
        def start_session(self, causal_consistency: bool | None = None,
                          default_transaction_options: Any = None,
                          snapshot: bool | None = False) -> AsyncClientSession:
            """A session: ``async with client.start_session() as s: ...``."""
            return self._start_session(causal_consistency, default_transaction_options,
                                       snapshot)

    # -- lifetime --------------------------------------------------------------------------

    async def aconnect(self) -> None:
        """Nothing to connect: the server is in this process."""

    async def close(self) -> None:
        self._delegate.close()

    aclose = close

    async def __aenter__(self) -> "AsyncMongoClient[_DocumentType]":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    __iter__ = None  # type: ignore[assignment]  # as pymongo (PYTHON-3084)

    def __next__(self) -> NoReturn:
        raise TypeError("'AsyncMongoClient' object is not iterable")

    next = __next__

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, AsyncMongoClient):
            return self._delegate == other._delegate
        return NotImplemented

    def __ne__(self, other: Any) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self._delegate)

    def __repr__(self) -> str:
        return "Async" + repr(self._delegate)
