"""``AsyncCollection``: pymongo's async collection API over :class:`mim.Collection`."""

from __future__ import annotations

from typing import Any, Generic, NoReturn, TypeVar

from ..collection import Collection
from .cursor import AsyncCommandCursor, AsyncCursor, lift_command_cursor
from .change_stream import lift_change_stream
from .facade import AsyncFacade, awaitable, delegated_property, unwrap_all

_DocumentType = TypeVar("_DocumentType")

__all__ = ["AsyncCollection"]

# pymongo.collection.Collection.find's positional order, for a positional cursor_type
_CURSOR_TYPE_POSITION = 5


class AsyncCollection(AsyncFacade, Generic[_DocumentType]):
    """A MongoDB collection on a mim server, with pymongo's async API."""

    #: the classes of ``find()``'s and of a command's cursors (Motor's spelling has its own)
    _cursor_class: type = AsyncCursor
    _command_cursor_class: type = AsyncCommandCursor

    def __init__(self, database: Any, delegate: Collection) -> None:
        self._delegate = delegate
        self._database = database

    # -- identity (synchronous in pymongo's async API too) ---------------------------

    @property
    def database(self) -> Any:
        return self._database

    name = delegated_property("name")
    full_name = delegated_property("full_name")
    codec_options = delegated_property("codec_options")
    read_preference = delegated_property("read_preference")
    write_concern = delegated_property("write_concern")
    read_concern = delegated_property("read_concern")

    def __getattr__(self, name: str) -> "AsyncCollection[_DocumentType]":
        if name.startswith("_"):
            full_name = f"{self._delegate.name}.{name}"
            raise AttributeError(
                f"{type(self).__name__} has no attribute {name!r}. To access the {full_name}"
                f" collection, use database['{full_name}'].")
        return self[name]

    def __getitem__(self, name: str) -> "AsyncCollection[_DocumentType]":
        return type(self)(self._database, self._delegate[name])

    def with_options(self, *args: Any, **kwargs: Any) -> "AsyncCollection[_DocumentType]":
        return type(self)(self._database, self._delegate.with_options(*args, **kwargs))

    with_options.__doc__ = Collection.with_options.__doc__

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._database!r}, {self._delegate.name!r})"

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, AsyncCollection):
            return self._database == other.database and self.name == other.name
        return NotImplemented

    def __ne__(self, other: Any) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((self._database, self.name))

    def __bool__(self) -> NoReturn:
        raise NotImplementedError(
            f"{type(self).__name__} objects do not implement truth value testing or bool(). "
            "Please compare with None instead: collection is not None")

    def __iter__(self) -> "AsyncCollection[_DocumentType]":
        return self

    def __next__(self) -> NoReturn:
        raise TypeError("'AsyncCollection' object is not iterable")

    next = __next__

    def __call__(self, *args: Any, **kwargs: Any) -> NoReturn:
        name = self._delegate.name
        if "." not in name:
            raise TypeError(
                f"'{type(self).__name__}' object is not callable. If you meant to call the "
                f"'{name}' method on an 'AsyncDatabase' object it is failing because no such "
                "method exists.")
        raise TypeError(
            f"'{type(self).__name__}' object is not callable. If you meant to call the "
            f"'{name.split('.')[-1]}' method on a '{type(self).__name__}' object it is "
            "failing because no such method exists.")

    # -- queries -----------------------------------------------------------------------

    def find(self, *args: Any, **kwargs: Any) -> AsyncCursor[_DocumentType]:
        """A cursor over the matching documents (synchronous, as in pymongo)."""
        args, kwargs = unwrap_all(args, kwargs)
        cursor_type = (args[_CURSOR_TYPE_POSITION] if len(args) > _CURSOR_TYPE_POSITION
                       else kwargs.get("cursor_type", 0))
        return self._cursor_class(self, self._delegate.find(*args, **kwargs),
                                  cursor_type if isinstance(cursor_type, int) else 0)

    def find_raw_batches(self, *args: Any, **kwargs: Any) -> AsyncCursor[bytes]:
        """A cursor over the matching documents' raw BSON batches, iterated with
        ``async for`` as pymongo's ``AsyncRawBatchCursor`` is (synchronous, as ``find``)."""
        args, kwargs = unwrap_all(args, kwargs)
        cursor_type = (args[_CURSOR_TYPE_POSITION] if len(args) > _CURSOR_TYPE_POSITION
                       else kwargs.get("cursor_type", 0))
        return self._cursor_class(self, self._delegate.find_raw_batches(*args, **kwargs),
                                  cursor_type if isinstance(cursor_type, int) else 0)

    find_one = awaitable(Collection.find_one)
    count_documents = awaitable(Collection.count_documents)
    estimated_document_count = awaitable(Collection.estimated_document_count)
    distinct = awaitable(Collection.distinct)
    aggregate = awaitable(Collection.aggregate, lift_command_cursor)
    aggregate_raw_batches = awaitable(Collection.aggregate_raw_batches)
    watch = awaitable(Collection.watch, lift_change_stream)

    # -- writes ---------------------------------------------------------------------------

    insert_one = awaitable(Collection.insert_one)
    insert_many = awaitable(Collection.insert_many)
    replace_one = awaitable(Collection.replace_one)
    update_one = awaitable(Collection.update_one)
    update_many = awaitable(Collection.update_many)
    delete_one = awaitable(Collection.delete_one)
    delete_many = awaitable(Collection.delete_many)
    find_one_and_delete = awaitable(Collection.find_one_and_delete)
    find_one_and_replace = awaitable(Collection.find_one_and_replace)
    find_one_and_update = awaitable(Collection.find_one_and_update)
    bulk_write = awaitable(Collection.bulk_write)

    # -- indexes and the collection itself --------------------------------------------------

    create_index = awaitable(Collection.create_index)
    create_indexes = awaitable(Collection.create_indexes)
    drop_index = awaitable(Collection.drop_index)
    drop_indexes = awaitable(Collection.drop_indexes)
    list_indexes = awaitable(Collection.list_indexes, lift_command_cursor)
    index_information = awaitable(Collection.index_information)
    options = awaitable(Collection.options)
    drop = awaitable(Collection.drop)
    rename = awaitable(Collection.rename)

    # -- search indexes (answered as a 7.0 community server answers them) ----------------

    create_search_index = awaitable(Collection.create_search_index)
    create_search_indexes = awaitable(Collection.create_search_indexes)
    drop_search_index = awaitable(Collection.drop_search_index)
    update_search_index = awaitable(Collection.update_search_index)
    list_search_indexes = awaitable(Collection.list_search_indexes, lift_command_cursor)
