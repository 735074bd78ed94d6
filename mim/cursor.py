"""``Cursor`` and ``CommandCursor`` with pymongo 4's behaviour.

A cursor is lazy: nothing runs until the first document is requested, and
modifiers raise :class:`~pymongo.errors.InvalidOperation` after that, as in
pymongo.  The query runs once, under the server lock, and yields BSON bytes
that are decoded one at a time with the collection's codec options.
"""

from __future__ import annotations

import copy
import functools
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from bson.son import SON
from pymongo import CursorType
from pymongo.errors import InvalidOperation

from .boundary import decode, fail_read, raise_server_error, to_engine
from .engine.ops import crud
from .engine.ops.cursors import DEFAULT_FIRST_BATCH, batch, registry_of
from .engine.ops.tailable import check_tailable_find, open_tail
from .engine.values.errors import ServerError
from .engine.commands.fields import COMMAND_FIELDS, first_unknown, unknown_field
from .engine.values.deadline import operation_deadline
from .session import check_session

if TYPE_CHECKING:
    from .collection import Collection

_DocumentType = TypeVar("_DocumentType")

#: getMore errors that end a tailable cursor quietly in pymongo (``_CURSOR_CLOSED_ERRORS``:
#: CursorNotFound, CappedPositionLost, QueryPlanKilled, CursorKilled)
_CURSOR_CLOSED_ERRORS = frozenset({43, 136, 175, 237})

#: the ``cursor_type`` values pymongo's ``Cursor`` accepts
_CURSOR_TYPES = (CursorType.NON_TAILABLE, CursorType.TAILABLE, CursorType.TAILABLE_AWAIT,
                 CursorType.EXHAUST)

__all__ = ["Cursor", "CommandCursor", "RawBatchCursor", "RawBatchCommandCursor", "index_list",
           "fields_list_to_dict"]


#: pymongo's legacy query modifiers and the find command fields they become
QUERY_MODIFIERS = {
    "$query": "filter", "$orderby": "sort", "$hint": "hint", "$comment": "comment",
    "$maxScan": "maxScan", "$maxTimeMS": "maxTimeMS", "$max": "max", "$min": "min",
    "$returnKey": "returnKey", "$showRecordId": "showRecordId", "$showDiskLoc": "showRecordId",
    "$snapshot": "snapshot",
}
#: the find fields a ``$query`` spec may carry that the in-process find honours
FIND_FIELDS = frozenset({"filter", "projection", "sort", "hint", "let", "max", "min",
                         "returnKey", "showRecordId"})
#: what a tailable find takes in process (``sort`` only to refuse it as the server does)
TAILABLE_FIELDS = frozenset({"filter", "projection", "let", "sort"})


def index_list(key_or_list: Any, direction: Any = None) -> list[tuple[str, Any]]:
    """Normalise sort/hint arguments the way pymongo does (same errors)."""
    if direction is not None:
        if not isinstance(key_or_list, str):
            raise TypeError("Expected a string and a direction")
        return [(key_or_list, direction)]
    if isinstance(key_or_list, str):
        return [(key_or_list, 1)]
    if isinstance(key_or_list, Mapping):
        return list(key_or_list.items())
    if not isinstance(key_or_list, (list, tuple)):
        raise TypeError("if no direction is specified, key_or_list must be an instance of list")
    values: list[tuple[str, Any]] = []
    for item in key_or_list:
        if isinstance(item, str):
            values.append((item, 1))
        else:
            values.append(tuple(item))  # type: ignore[arg-type]
    return values


def _validated_pairs(pairs: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """pymongo's ``_validate_index_key_pair`` checks, client-side."""
    for key, value in pairs:
        if not isinstance(key, str):
            raise TypeError(f"first item in each key pair must be an instance of str, not "
                            f"{type(key)}")
        if not isinstance(value, (str, int, Mapping)):
            raise TypeError("second item in each key pair must be 1, -1, '2d', or another "
                            f"valid MongoDB index specifier., not {type(value)}")
    return pairs


def fields_list_to_dict(fields: Any, option_name: str) -> Mapping[str, Any]:
    """A projection given as a list of names becomes ``{name: 1, …}``."""
    if isinstance(fields, Mapping):
        return fields
    if isinstance(fields, (list, tuple)):
        if not all(isinstance(field, str) for field in fields):
            raise TypeError(f"{option_name} must be a list of key names, each an instance of str")
        return dict.fromkeys(fields, 1)
    raise TypeError(f"{option_name} must be a mapping or list of key names")


def validate_filter(filter: Any) -> None:
    if filter is not None and type(filter) is not dict and not isinstance(filter, Mapping):
        raise TypeError("filter must be an instance of dict, bson.son.SON, or any other type "
                        "that inherits from collections.Mapping")


class Cursor(Generic[_DocumentType]):
    """The result of ``Collection.find()``."""

    def __init__(self, collection: "Collection", filter: Mapping[str, Any] | None = None,
                 projection: Any = None, skip: int = 0, limit: int = 0,
                 no_cursor_timeout: bool = False, cursor_type: int = 0, sort: Any = None,
                 allow_partial_results: bool = False, oplog_replay: bool = False,
                 batch_size: int = 0, collation: Any = None, hint: Any = None,
                 max_scan: Any = None, max_time_ms: int | None = None, max: Any = None,
                 min: Any = None, return_key: bool | None = None,
                 show_record_id: bool | None = None, snapshot: bool | None = None,
                 comment: Any = None, session: Any = None, allow_disk_use: bool | None = None,
                 let: Mapping[str, Any] | None = None) -> None:
        validate_filter(filter)
        if not isinstance(skip, int) or isinstance(skip, bool):
            raise TypeError("skip must be an instance of int")
        if not isinstance(limit, int) or isinstance(limit, bool):
            raise TypeError("limit must be an instance of int")
        if skip < 0:
            raise ValueError("skip must be >= 0")
        if not isinstance(batch_size, int):
            raise TypeError("batch_size must be an integer")
        if batch_size < 0:
            raise ValueError("batch_size must be >= 0")
        if projection is not None:
            projection = fields_list_to_dict(projection, "projection")
        if cursor_type not in _CURSOR_TYPES:
            raise ValueError("not a valid value for cursor_type")
        if let is not None and not isinstance(let, Mapping):
            raise TypeError("let must be an instance of dict, bson.son.SON, or any other type "
                            "that inherits from collections.Mapping")
        self._collection = collection
        self._filter = filter if filter is not None else {}
        self._projection = projection
        self._skip = skip
        self._limit = limit
        self._batch_size = batch_size
        self._sort = _validated_pairs(index_list(sort)) if sort is not None else None
        self._hint = self._normalise_hint(hint)
        self._collation = None
        self._started = False
        if collation is not None:
            self.collation(collation)
        self._max_time_ms = max_time_ms
        self._comment = comment
        self._let = let
        self._max = max
        self._min = min
        self._max_scan = max_scan
        self._return_key = return_key
        self._show_record_id = show_record_id
        self._session = session
        self._cursor_type = cursor_type
        self._max_await_time_ms: int | None = None
        #: a tailable cursor's id in the engine's cursor registry (0: closed)
        self._server_cursor_id = 0
        self._buffer: deque[bytes] | None = None
        self._retrieved = 0
        self._killed = False
        self._started = False

    # -- introspection ---------------------------------------------------------

    @property
    def collection(self) -> "Collection":
        return self._collection

    @property
    def retrieved(self) -> int:
        return self._retrieved

    @property
    def alive(self) -> bool:
        if self._killed:
            return False
        if not self._started:
            return True
        return bool(self._buffer) or bool(self._server_cursor_id)

    @property
    def cursor_id(self) -> int | None:
        return self._server_cursor_id if self._started else None

    @property
    def address(self) -> tuple[str, int] | None:
        return self._collection.database.client.address if self._started else None

    @property
    def session(self) -> Any:
        return self._session

    # -- modifiers -------------------------------------------------------------

    def _check_okay_to_chain(self) -> None:
        if self._started:
            raise InvalidOperation("cannot set options after executing query")

    def sort(self, key_or_list: Any, direction: Any = None) -> "Cursor[_DocumentType]":
        self._check_okay_to_chain()
        self._sort = _validated_pairs(index_list(key_or_list, direction))
        return self

    def skip(self, skip: int) -> "Cursor[_DocumentType]":
        if not isinstance(skip, int) or isinstance(skip, bool):
            raise TypeError("skip must be an integer")
        if skip < 0:
            raise ValueError("skip must be >= 0")
        self._check_okay_to_chain()
        self._skip = skip
        return self

    def limit(self, limit: int) -> "Cursor[_DocumentType]":
        if not isinstance(limit, int) or isinstance(limit, bool):
            raise TypeError("limit must be an integer")
        self._check_okay_to_chain()
        self._limit = limit
        return self

    def batch_size(self, batch_size: int) -> "Cursor[_DocumentType]":
        if not isinstance(batch_size, int) or isinstance(batch_size, bool):
            raise TypeError("batch_size must be an integer")
        if batch_size < 0:
            raise ValueError("batch_size must be >= 0")
        self._check_okay_to_chain()
        self._batch_size = batch_size
        return self

    def max_time_ms(self, max_time_ms: int | None) -> "Cursor[_DocumentType]":
        if not isinstance(max_time_ms, int) and max_time_ms is not None:
            raise TypeError("max_time_ms must be an integer or None")
        self._check_okay_to_chain()
        self._max_time_ms = max_time_ms
        return self

    def max_scan(self, max_scan: int | None) -> "Cursor[_DocumentType]":
        """Deprecated in pymongo; sent as ``maxScan``, which 7.0 refuses (40415)."""
        self._check_okay_to_chain()
        self._max_scan = max_scan
        return self

    def max_await_time_ms(self, max_await_time_ms: int | None) -> "Cursor[_DocumentType]":
        if not isinstance(max_await_time_ms, int) and max_await_time_ms is not None:
            raise TypeError("max_await_time_ms must be an integer or None")
        self._check_okay_to_chain()
        self._max_await_time_ms = max_await_time_ms
        return self

    def comment(self, comment: Any) -> "Cursor[_DocumentType]":
        self._check_okay_to_chain()
        self._comment = comment
        return self

    def _normalise_hint(self, index: Any) -> Any:
        if index is None:
            return None
        if isinstance(index, str):
            return index
        return dict(index_list(index))

    def hint(self, index: Any) -> "Cursor[_DocumentType]":
        self._check_okay_to_chain()
        self._hint = self._normalise_hint(index)
        return self

    def collation(self, collation: Any) -> "Cursor[_DocumentType]":
        self._check_okay_to_chain()
        document = collation.document if hasattr(collation, "document") else collation
        if not isinstance(document, Mapping):
            raise TypeError("collation must be an instance of dict or pymongo.collation.Collation")
        self._collation = dict(document)  # validated by the engine when the query runs
        return self

    def where(self, code: Any) -> "Cursor[_DocumentType]":
        self._check_okay_to_chain()
        raise_server_error(ServerError(238, "$where is not supported by mim: it runs "
                                            "JavaScript, which mim never evaluates"))

    def max(self, spec: Any) -> "Cursor[_DocumentType]":
        if not isinstance(spec, (list, tuple)):
            raise TypeError(f"spec must be an instance of list or tuple, not {type(spec)}")
        self._check_okay_to_chain()
        self._max = dict(spec)
        return self

    def min(self, spec: Any) -> "Cursor[_DocumentType]":
        if not isinstance(spec, (list, tuple)):
            raise TypeError(f"spec must be an instance of list or tuple, not {type(spec)}")
        self._check_okay_to_chain()
        self._min = dict(spec)
        return self

    def allow_disk_use(self, allow_disk_use: bool) -> "Cursor[_DocumentType]":
        if not isinstance(allow_disk_use, bool):
            raise TypeError("allow_disk_use must be a bool")
        self._check_okay_to_chain()
        return self

    def add_option(self, mask: int) -> "Cursor[_DocumentType]":
        self._check_okay_to_chain()
        return self

    def remove_option(self, mask: int) -> "Cursor[_DocumentType]":
        self._check_okay_to_chain()
        return self

    # -- cloning / lifecycle -----------------------------------------------------

    def clone(self) -> "Cursor[_DocumentType]":
        return self._clone(deepcopy=True)

    def _clone(self, deepcopy: bool = True) -> "Cursor[_DocumentType]":
        other = object.__new__(type(self))
        state = {k: v for k, v in self.__dict__.items()
                 if k not in ("_buffer", "_retrieved", "_killed", "_started",
                              "_server_cursor_id")}
        if deepcopy:
            state = copy.deepcopy(state, {id(self._collection): self._collection,
                                          id(self._session): self._session})
        other.__dict__.update(state)
        other._buffer = None
        other._retrieved = 0
        other._killed = False
        other._started = False
        other._server_cursor_id = 0
        return other

    def __copy__(self) -> "Cursor[_DocumentType]":
        return self._clone(deepcopy=False)

    def __deepcopy__(self, memo: Any) -> "Cursor[_DocumentType]":
        return self._clone(deepcopy=True)

    def rewind(self) -> "Cursor[_DocumentType]":
        self._kill_server_cursor()
        self._buffer = None
        self._retrieved = 0
        self._killed = False
        self._started = False
        return self

    def close(self) -> None:
        self._kill_server_cursor()
        self._killed = True
        self._buffer = deque()

    def _kill_server_cursor(self) -> None:
        if self._server_cursor_id:
            registry_of(self._collection.database.client._server).kill(
                self._namespace, [self._server_cursor_id])
            self._server_cursor_id = 0

    @property
    def _namespace(self) -> str:
        return f"{self._collection.database.name}.{self._collection.name}"

    def __enter__(self) -> "Cursor[_DocumentType]":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- running -------------------------------------------------------------------

    def _command_fields(self) -> dict[str, Any]:
        """The find command's fields as pymongo builds them: a filter holding
        ``$query`` carries legacy modifiers (``$max`` → ``max``, …) beside it."""
        fields: dict[str, Any] = {
            "filter": self._filter, "projection": self._projection,
            "sort": SON(self._sort) if self._sort else None, "hint": self._hint,
            "let": self._let, "max": self._max or None, "min": self._min or None,
            "returnKey": self._return_key, "showRecordId": self._show_record_id,
            "maxScan": self._max_scan or None}
        if "$query" in self._filter:
            fields["filter"] = None
            for key, value in self._filter.items():
                if key not in ("$explain", "$readPreference"):
                    fields[QUERY_MODIFIERS.get(key, key)] = value
        return fields

    def _engine_arguments(self) -> dict[str, Any]:
        """The find command's fields, crossed into the engine's values."""
        fields = self._command_fields()
        if (fields["min"] or fields["max"]) and not fields["hint"]:
            raise InvalidOperation("Passing a 'hint' is required when using the min/max query"
                                   " option to ensure the query utilizes the correct index")
        hint = fields.pop("hint")
        if hint is not None and not isinstance(hint, str):
            hint = SON(index_list(hint))
        return to_engine(self._collection.codec_options, hint=hint, **fields)

    def _execute(self) -> None:
        coll = self._collection
        args = self._engine_arguments()
        check_session(coll.database.client, self._session, "find")
        fail_read(coll.database.client, "find")
        # a ``$maxTimeMS`` modifier in a ``$query`` spec is the find's maxTimeMS too
        max_time_ms = args.pop("maxTimeMS", None)
        if max_time_ms is None:
            max_time_ms = self._max_time_ms
        run = functools.partial(crud.find, coll.database.client._server, coll.database.name,
                                coll.name, args.get("filter"), projection=args.get("projection"),
                                sort=args.get("sort"), skip=self._skip, limit=self._limit,
                                hint=args.get("hint"), let=args.get("let"), min=args.get("min"),
                                max=args.get("max"), return_key=bool(args.get("returnKey")),
                                show_record_id=bool(args.get("showRecordId")),
                                collation=self._collation)
        try:
            unknown = first_unknown(args, COMMAND_FIELDS["find"])
            if unknown is not None:
                raise unknown_field("find", unknown)
            honoured = first_unknown(args, TAILABLE_FIELDS if self._cursor_type & CursorType.TAILABLE
                                     else FIND_FIELDS)
            if honoured is not None:
                raise ServerError(238, f"find option {honoured!r} is not supported by mim's "
                                       f"in-process client")
            if self._cursor_type & CursorType.TAILABLE:
                if max_time_ms is None:
                    self._open_tailable(args)
                else:
                    with operation_deadline(max_time_ms):
                        self._open_tailable(args)
                return
            if max_time_ms is None:  # the common case pays nothing for maxTimeMS
                docs = run()
            else:
                with operation_deadline(max_time_ms):
                    docs = run()
        except ServerError as exc:
            raise_server_error(exc)
        self._buffer = deque(docs)
        self._started = True

    def _open_tailable(self, args: dict[str, Any]) -> None:
        """A tailable find goes through the engine's cursor registry, as over the
        wire: the cursor stays open and ``next()`` asks it for new documents."""
        coll = self._collection
        server = coll.database.client._server
        await_data = (self._cursor_type & CursorType.TAILABLE_AWAIT) == CursorType.TAILABLE_AWAIT
        try:
            check_tailable_find(server, coll.database.name, coll.name, args.get("sort"), False)
            docs, tail = open_tail(server, coll.database.name, coll.name, args.get("filter"),
                                   args.get("projection"), args.get("let"), self._skip,
                                   self._limit, await_data)
            first, cursor_id = registry_of(server).open(self._namespace, docs, None, tail=tail)
        except ServerError as exc:
            raise_server_error(exc)
        self._buffer = deque(document.raw for document in first)
        self._server_cursor_id = cursor_id
        self._started = True

    def _get_more(self) -> None:
        """One ``getMore`` of a tailable cursor (an awaitData one may wait)."""
        await_data = (self._cursor_type & CursorType.TAILABLE_AWAIT) == CursorType.TAILABLE_AWAIT
        try:
            docs, self._server_cursor_id = registry_of(
                self._collection.database.client._server).get_more(
                    self._server_cursor_id, self._namespace, self._batch_size or None,
                    self._max_await_time_ms if await_data else None)
        except ServerError as exc:
            self._server_cursor_id = 0
            if exc.code in _CURSOR_CLOSED_ERRORS:
                # pymongo's own tailable cursor takes these (a capped collection
                # rolling over it, most likely) as the cursor's end, not an error
                self._killed = True
                return
            raise_server_error(exc)
        assert self._buffer is not None
        self._buffer.extend(document.raw for document in docs)

    def __iter__(self) -> "Cursor[_DocumentType]":
        return self

    def next(self) -> _DocumentType:
        if self._killed:
            raise StopIteration
        if not self._started:
            self._execute()
        if not self._buffer and self._server_cursor_id:
            self._get_more()
        if not self._buffer:
            raise StopIteration
        raw = self._buffer.popleft()
        self._retrieved += 1
        return decode(raw, self._collection._codec_options)

    __next__ = next

    def to_list(self, length: int | None = None) -> list[_DocumentType]:
        if length is not None and length < 1:
            raise ValueError("to_list() length must be greater than 0")
        out: list[_DocumentType] = []
        for doc in self:
            out.append(doc)
            if length is not None and len(out) >= length:
                break
        return out

    def __getitem__(self, index: int | slice) -> Any:
        self._check_okay_to_chain()
        if isinstance(index, slice):
            if index.step is not None:
                raise IndexError("Cursor instances do not support slice steps")
            skip = 0
            if index.start is not None:
                if index.start < 0:
                    raise IndexError("Cursor instances do not support negative indices")
                skip = index.start
            if index.stop is not None:
                limit = index.stop - skip
                if limit < 0:
                    raise IndexError("stop index must be greater than start index for slice "
                                     f"{index!r}")
            else:
                limit = 0
            self._skip = skip
            self._limit = limit
            if limit == 0 and index.stop is not None:
                self._killed = False
                self._buffer = deque()
                self._started = True
            return self
        if isinstance(index, int):
            if index < 0:
                raise IndexError("Cursor instances do not support negative indices")
            clone = self.clone()
            clone.skip(index + self._skip)
            clone.limit(-1)
            for doc in clone:
                return doc
            raise IndexError("no such item for Cursor instance")
        raise TypeError(f"index {index!r} cannot be applied to Cursor instances")

    def distinct(self, key: str) -> list:
        if not isinstance(key, str):
            raise TypeError("key must be an instance of str")
        return self._collection.distinct(key, self._filter, session=self._session)

    def explain(self) -> dict:
        coll = self._collection
        check_session(coll.database.client, self._session, "explain")
        return coll._explain_find(self)

    def __repr__(self) -> str:
        return f"<mim.cursor.Cursor object at {id(self):#x}>"


class CommandCursor(Generic[_DocumentType]):
    """A cursor over a command's results (``aggregate``, ``list_indexes`` …)."""

    def __init__(self, collection: Any, documents: Iterable[Any], codec_options: Any = None,
                 decoded: bool = False, address: Any = None) -> None:
        self._collection = collection
        self._documents = deque(documents)
        self._codec_options = codec_options
        self._decoded = decoded
        self._retrieved = 0
        self._killed = False
        self._address = address

    @property
    def alive(self) -> bool:
        return not self._killed and bool(self._documents)

    @property
    def cursor_id(self) -> int:
        return 0

    @property
    def address(self) -> Any:
        return self._address

    @property
    def session(self) -> None:
        return None

    @property
    def retrieved(self) -> int:
        return self._retrieved

    def batch_size(self, batch_size: int) -> "CommandCursor[_DocumentType]":
        if not isinstance(batch_size, int):
            raise TypeError("batch_size must be an integer")
        if batch_size < 0:
            raise ValueError("batch_size must be >= 0")
        return self

    def __iter__(self) -> Iterator[_DocumentType]:
        return self

    def next(self) -> _DocumentType:
        if self._killed or not self._documents:
            raise StopIteration
        item = self._documents.popleft()
        self._retrieved += 1
        if self._decoded:
            return item
        return decode(item, self._codec_options)

    __next__ = next

    def try_next(self) -> _DocumentType | None:
        try:
            return self.next()
        except StopIteration:
            return None

    def to_list(self, length: int | None = None) -> list[_DocumentType]:
        out: list[_DocumentType] = []
        for doc in self:
            out.append(doc)
            if length is not None and len(out) >= length:
                break
        return out

    def close(self) -> None:
        self._killed = True
        self._documents.clear()

    def __enter__(self) -> "CommandCursor[_DocumentType]":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _next_raw_batch(documents: deque, batch_size: int, first: bool) -> bytes:
    """The next batch as the server sends it: ``batch_size`` documents (101 in
    a first batch by default, then as many as fit in 16 MiB), concatenated."""
    if not documents:
        raise StopIteration
    size = batch_size or (DEFAULT_FIRST_BATCH if first else None)
    taken, end = batch(documents, 0, size)
    for _ in range(end):
        documents.popleft()
    return b"".join(doc.raw for doc in taken)


class RawBatchCursor(Cursor):
    """``Collection.find_raw_batches()``: each item is one batch, the BSON
    bytes of its documents concatenated (``bson.decode_all`` reads it), as
    pymongo's ``RawBatchCursor`` yields them."""

    def next(self) -> bytes:  # type: ignore[override]
        if self._killed:
            raise StopIteration
        if not self._started:
            self._execute()
        assert self._buffer is not None
        before = len(self._buffer)
        data = _next_raw_batch(self._buffer, self._batch_size, self._retrieved == 0)
        self._retrieved += before - len(self._buffer)
        return data

    __next__ = next

    def __getitem__(self, index: Any) -> Any:
        raise InvalidOperation("Cannot call __getitem__ on RawBatchCursor")


class RawBatchCommandCursor(CommandCursor):
    """``Collection.aggregate_raw_batches()``: batches of BSON bytes, as
    pymongo's ``RawBatchCommandCursor`` yields them."""

    def __init__(self, cursor: CommandCursor, batch_size: int | None) -> None:
        super().__init__(cursor._collection, cursor._documents, cursor._codec_options,
                         address=cursor._address)
        self._batch_size = batch_size or 0

    def batch_size(self, batch_size: int) -> "RawBatchCommandCursor":
        super().batch_size(batch_size)
        self._batch_size = batch_size
        return self

    def next(self) -> bytes:  # type: ignore[override]
        if self._killed:
            raise StopIteration
        before = len(self._documents)
        data = _next_raw_batch(self._documents, self._batch_size, self._retrieved == 0)
        self._retrieved += before - len(self._documents)
        return data

    __next__ = next
