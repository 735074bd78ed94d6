"""``AsyncDatabase``: pymongo's async database API over :class:`mim.Database`."""

from __future__ import annotations

from typing import Any, Generic, NoReturn, TypeVar

from ..database import Database
from .collection import AsyncCollection
from .cursor import AsyncCommandCursor, lift_command_cursor
from .change_stream import lift_change_stream
from .facade import AsyncFacade, awaitable, delegated_property

_DocumentType = TypeVar("_DocumentType")

__all__ = ["AsyncDatabase"]


def _lift_collection(owner: "AsyncDatabase", collection: Any) -> AsyncCollection:
    return owner._collection_class(owner, collection)


class AsyncDatabase(AsyncFacade, Generic[_DocumentType]):
    """A database on a mim server, with pymongo's async API."""

    #: the class of ``database[name]`` (Motor's spelling has its own)
    _collection_class: type = AsyncCollection
    _command_cursor_class: type = AsyncCommandCursor

    def __init__(self, client: Any, delegate: Database) -> None:
        self._delegate = delegate
        self._client = client

    @property
    def client(self) -> Any:
        return self._client

    name = delegated_property("name")
    codec_options = delegated_property("codec_options")
    read_preference = delegated_property("read_preference")
    write_concern = delegated_property("write_concern")
    read_concern = delegated_property("read_concern")

    def __getattr__(self, name: str) -> AsyncCollection[_DocumentType]:
        if name.startswith("_"):
            raise AttributeError(
                f"{type(self).__name__} has no attribute {name!r}. To access the {name}"
                f" collection, use database[{name!r}].")
        return self[name]

    def __getitem__(self, name: str) -> AsyncCollection[_DocumentType]:
        return self._collection_class(self, self._delegate[name])

    def get_collection(self, *args: Any, **kwargs: Any) -> AsyncCollection[_DocumentType]:
        return self._collection_class(self, self._delegate.get_collection(*args, **kwargs))

    def with_options(self, *args: Any, **kwargs: Any) -> "AsyncDatabase[_DocumentType]":
        return type(self)(self._client, self._delegate.with_options(*args, **kwargs))

    get_collection.__doc__ = Database.get_collection.__doc__
    with_options.__doc__ = Database.with_options.__doc__

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._client!r}, {self.name!r})"

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, AsyncDatabase):
            return self._client == other.client and self.name == other.name
        return NotImplemented

    def __ne__(self, other: Any) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((self._client, self.name))

    def __bool__(self) -> NoReturn:
        raise NotImplementedError(
            f"{type(self).__name__} objects do not implement truth value testing or bool(). "
            "Please compare with None instead: database is not None")

    def __iter__(self) -> "AsyncDatabase[_DocumentType]":
        return self

    def __next__(self) -> NoReturn:
        raise TypeError("'AsyncDatabase' object is not iterable")

    next = __next__

    create_collection = awaitable(Database.create_collection, _lift_collection)
    list_collections = awaitable(Database.list_collections, lift_command_cursor)
    list_collection_names = awaitable(Database.list_collection_names)
    drop_collection = awaitable(Database.drop_collection)
    command = awaitable(Database.command)
    cursor_command = awaitable(Database.cursor_command, lift_command_cursor)
    aggregate = awaitable(Database.aggregate, lift_command_cursor)
    dereference = awaitable(Database.dereference)
    validate_collection = awaitable(Database.validate_collection)
    watch = awaitable(Database.watch, lift_change_stream)
