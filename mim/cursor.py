"""``Cursor`` and ``CommandCursor`` with pymongo 4's behaviour.

A cursor is lazy: nothing runs until the first document is requested, and
modifiers raise :class:`~pymongo.errors.InvalidOperation` after that, as in
pymongo.  The query runs once, under the server lock, and yields BSON bytes
that are decoded one at a time with the collection's codec options.
"""

from __future__ import annotations

import copy
import weakref
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from bson.code import Code
from bson.int64 import Int64
from bson.son import SON
from pymongo import CursorType
from pymongo.collation import validate_collation_or_none
from pymongo.errors import InvalidOperation, OperationFailure
from pymongo.write_concern import validate_boolean

from .boundary import decode, decode_batch, engine_value, raise_server_error, to_engine
from .engine.values.errors import ServerError
from .runner import kill_cursor

if TYPE_CHECKING:
    from .collection import Collection

_DocumentType = TypeVar("_DocumentType")

#: getMore errors that end a tailable cursor quietly in pymongo (``_CURSOR_CLOSED_ERRORS``:
#: CursorNotFound, CappedPositionLost, QueryPlanKilled, CursorKilled)
_CURSOR_CLOSED_ERRORS = frozenset({43, 136, 175, 237})

#: pymongo's query-flag bits (``add_option``) that make the cursor type: tailable (2),
#: await_data (32), exhaust (64)
_CURSOR_TYPE_BITS = CursorType.TAILABLE | CursorType.TAILABLE_AWAIT | CursorType.EXHAUST
#: pymongo's query-flag bits that are find command fields
_FLAG_BITS = {16: "noCursorTimeout", 8: "oplogReplay", 128: "allowPartialResults"}
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
        if filter is not None and type(filter) is not dict:
            validate_filter(filter)
        if type(skip) is not int and (not isinstance(skip, int) or isinstance(skip, bool)):
            raise TypeError("skip must be an instance of int")
        if type(limit) is not int and (not isinstance(limit, int) or isinstance(limit, bool)):
            raise TypeError("limit must be an instance of int")
        if skip < 0:
            raise ValueError("skip must be >= 0")
        if type(batch_size) is not int and not isinstance(batch_size, int):
            raise TypeError("batch_size must be an integer")
        if batch_size < 0:
            raise ValueError("batch_size must be >= 0")
        if projection is not None:
            projection = fields_list_to_dict(projection, "projection")
        if cursor_type not in _CURSOR_TYPES:
            raise ValueError("not a valid value for cursor_type")
        if cursor_type == CursorType.EXHAUST and limit:
            raise InvalidOperation("Can't use limit and exhaust together.")
        if allow_disk_use is not None:
            allow_disk_use = validate_boolean("allow_disk_use", allow_disk_use)
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
        #: ``allowDiskUse`` as given (None: not sent, the server's default: true)
        self._allow_disk_use = allow_disk_use
        self._comment = comment
        self._let = let
        self._max = max
        self._min = min
        self._max_scan = max_scan
        self._return_key = return_key
        self._show_record_id = show_record_id
        self._session = session
        self._cursor_type = cursor_type
        #: the query flags pymongo turns into find fields (noCursorTimeout, …)
        self._flags = {"noCursorTimeout": bool(no_cursor_timeout),
                       "allowPartialResults": bool(allow_partial_results),
                       "oplogReplay": bool(oplog_replay)}
        self._max_await_time_ms: int | None = None
        #: a tailable cursor's id in the engine's cursor registry (0: closed)
        self._server_cursor_id = 0
        self._buffer: deque[Any] | None = None
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
        if type(limit) is not int and (not isinstance(limit, int) or isinstance(limit, bool)):
            raise TypeError("limit must be an integer")
        if self._cursor_type & CursorType.EXHAUST:
            raise InvalidOperation("Can't use limit and exhaust together.")
        if self._started:
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
        """Sent with the find; the server decides what it supports."""
        self._check_okay_to_chain()
        self._collation = validate_collation_or_none(collation)
        return self

    def where(self, code: Any) -> "Cursor[_DocumentType]":
        """Adds ``$where`` to the filter, as pymongo does; the server refuses it
        when the cursor runs (mim, like ``mongod --noscripting``, runs no
        JavaScript)."""
        self._check_okay_to_chain()
        if not isinstance(code, Code):
            code = Code(code)
        self._filter = {**self._filter, "$where": code}
        return self

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
            raise TypeError(f"allow_disk_use must be a bool, not {type(allow_disk_use)}")
        self._check_okay_to_chain()
        self._allow_disk_use = allow_disk_use
        return self

    def add_option(self, mask: int) -> "Cursor[_DocumentType]":
        """Sets query flags by pymongo's bitmask (``_QUERY_OPTIONS``): tailable (2),
        await_data (32) and exhaust (64) are the cursor type's bits, no_timeout (16),
        oplog_replay (8) and partial (128) the find command's fields."""
        if not isinstance(mask, int):
            raise TypeError(f"mask must be an int, not {type(mask)}")
        self._check_okay_to_chain()
        if mask & CursorType.EXHAUST and self._limit:
            raise InvalidOperation("Can't use limit and exhaust together.")
        self._cursor_type |= mask & _CURSOR_TYPE_BITS
        for bit, field in _FLAG_BITS.items():
            if mask & bit:
                self._flags[field] = True
        return self

    def remove_option(self, mask: int) -> "Cursor[_DocumentType]":
        """Unsets query flags by pymongo's bitmask (see :meth:`add_option`)."""
        if not isinstance(mask, int):
            raise TypeError(f"mask must be an int, not {type(mask)}")
        self._check_okay_to_chain()
        self._cursor_type &= ~(mask & _CURSOR_TYPE_BITS)
        for bit, field in _FLAG_BITS.items():
            if mask & bit:
                self._flags[field] = False
        return self

    # -- cloning / lifecycle -----------------------------------------------------

    def clone(self) -> "Cursor[_DocumentType]":
        return self._clone(deepcopy=True)

    def _clone(self, deepcopy: bool = True) -> "Cursor[_DocumentType]":
        other = object.__new__(type(self))
        state = {k: v for k, v in self.__dict__.items()
                 if k not in ("_buffer", "_retrieved", "_killed", "_started",
                              "_server_cursor_id", "_finalizer")}
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

    def _close_server_cursor(self) -> None:
        """``killCursors`` for an open server cursor (what pymongo sends on close)."""
        cursor_id = self._server_cursor_id
        self._forget_server_cursor()
        if cursor_id:
            coll = self._collection
            kill_cursor(coll.database.client._runner, coll.database.name, coll.name,
                         cursor_id)

    _kill_server_cursor = _close_server_cursor

    def _forget_server_cursor(self) -> None:
        """The server no longer has the cursor (an error ended it): nothing to kill."""
        self._server_cursor_id = 0
        finalizer = self.__dict__.pop("_finalizer", None)
        if finalizer is not None:
            finalizer.detach()

    def _keep_server_cursor(self, cursor_id: int) -> None:
        """Remember an open server cursor; as pymongo does, one left open when this
        cursor is collected is killed (a finaliser, made only when one is open)."""
        self._server_cursor_id = cursor_id
        if cursor_id and "_finalizer" not in self.__dict__:
            coll = self._collection
            self._finalizer = weakref.finalize(self, kill_cursor, coll.database.client._runner,
                                               coll.database.name, coll.name, cursor_id)

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
            "maxScan": self._max_scan or None, "allowDiskUse": self._allow_disk_use}
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

    def _find_command(self) -> dict[str, Any]:
        """The ``find`` command document pymongo's ``_gen_find_command`` builds."""
        coll = self._collection
        cmd: dict[str, Any] = {"find": coll._name}
        filter = self._filter
        if type(filter) is dict and len(filter) == 1 and "_id" in filter and \
                self._projection is None and self._sort is None and self._hint is None \
                and self._let is None and not self._max and not self._min \
                and self._return_key is None and self._show_record_id is None \
                and not self._max_scan and self._allow_disk_use is None:
            # the point lookup (find_one by _id): only the filter crosses
            cmd["filter"] = engine_value(filter, coll._codec_options)
        else:
            arguments = self._engine_arguments()
            if "filter" not in arguments and "$query" not in self._filter:
                arguments["filter"] = {}
            cmd.update(arguments)
        if self._skip:
            cmd["skip"] = self._skip
        limit = self._limit
        if limit:
            cmd["limit"] = abs(limit)
            if limit < 0:
                cmd["singleBatch"] = True
        batch_size = self._batch_size
        if batch_size:
            cmd["batchSize"] = batch_size + 1 if limit == batch_size else batch_size
        if self._collation is not None:
            cmd["collation"] = self._collation
        if self._max_time_ms is not None and "maxTimeMS" not in cmd:
            cmd["maxTimeMS"] = self._max_time_ms
        if self._comment is not None:
            cmd["comment"] = self._comment
        for field, on in self._flags.items():
            if on:
                cmd[field] = True
        if self._cursor_type & CursorType.TAILABLE:
            cmd["tailable"] = True
            if (self._cursor_type & CursorType.TAILABLE_AWAIT) == CursorType.TAILABLE_AWAIT:
                cmd["awaitData"] = True
        return cmd

    def _execute(self) -> None:
        coll = self._collection
        database = coll._database
        reply = database._client._runner.run(database._name, self._find_command(),
                                             self._session, retryable_read=True)
        cursor = reply["cursor"]
        self._buffer = deque(self._unpack(cursor["firstBatch"]))
        self._started = True
        if cursor["id"]:
            self._keep_server_cursor(cursor["id"])

    def _get_more(self) -> None:
        """One ``getMore`` (an awaitData cursor's may wait ``max_await_time_ms``)."""
        coll = self._collection
        cmd: dict[str, Any] = {"getMore": Int64(self._server_cursor_id),
                               "collection": coll.name}
        if self._batch_size:
            cmd["batchSize"] = self._batch_size
        await_data = (self._cursor_type & CursorType.TAILABLE_AWAIT) == CursorType.TAILABLE_AWAIT
        if await_data and self._max_await_time_ms is not None:
            cmd["maxTimeMS"] = self._max_await_time_ms
        try:
            reply = coll.database.client._runner.run(coll.database.name, cmd, self._session)
        except OperationFailure as exc:
            self._forget_server_cursor()
            if self._cursor_type & CursorType.TAILABLE and exc.code in _CURSOR_CLOSED_ERRORS:
                # pymongo's own tailable cursor takes these (a capped collection
                # rolling over it, most likely) as the cursor's end, not an error
                self._killed = True
                return
            raise
        cursor = reply["cursor"]
        if not cursor["id"]:
            self._forget_server_cursor()  # exhausted: nothing left to kill
        assert self._buffer is not None
        self._buffer.extend(self._unpack(cursor["nextBatch"]))

    def _unpack(self, documents: list) -> list:
        """A reply's batch as this cursor yields it: each document decoded with the
        collection's codec options, the whole batch at once when it arrives (as
        pymongo decodes a reply), so a ``next`` only hands the next one out."""
        return decode_batch(documents, self._collection._codec_options)

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
        self._retrieved += 1
        return self._buffer.popleft()

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
        return self._collection._explain_find(self)

    def __repr__(self) -> str:
        return f"<mim.cursor.Cursor object at {id(self):#x}>"


class CommandCursor(Generic[_DocumentType]):
    """A cursor over a command's results (``aggregate``, ``list_indexes`` …)."""

    def __init__(self, collection: Any, documents: Iterable[Any], codec_options: Any = None,
                 decoded: bool = False, address: Any = None, more: Any = None) -> None:
        self._collection = collection
        self._documents = deque(documents)
        self._codec_options = codec_options
        self._decoded = decoded
        self._retrieved = 0
        self._killed = False
        self._address = address
        #: the batches still on the server (:class:`mim.runner.ServerBatches`), or None
        self._more = more
        if more is not None:
            more.watch(self)

    @property
    def alive(self) -> bool:
        return not self._killed and (bool(self._documents) or self._more is not None
                                     and self._more.open)

    @property
    def cursor_id(self) -> int:
        return self._more.cursor_id if self._more is not None else 0

    def _refill(self) -> None:
        """A ``getMore`` when the batch in hand is used up and the server has more."""
        while not self._documents and self._more is not None and self._more.open:
            self._documents.extend(self._more.more())

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
        """The size of the batches later ``getMore``s ask for."""
        if not isinstance(batch_size, int):
            raise TypeError("batch_size must be an integer")
        if batch_size < 0:
            raise ValueError("batch_size must be >= 0")
        if self._more is not None:
            self._more.batch_size = batch_size
        return self

    def __iter__(self) -> Iterator[_DocumentType]:
        return self

    def next(self) -> _DocumentType:
        if self._killed:
            raise StopIteration
        if not self._documents:
            self._refill()
            if not self._documents:
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
        if self._more is not None:
            self._more.close()

    def __enter__(self) -> "CommandCursor[_DocumentType]":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class RawBatchCursor(Cursor):
    """``Collection.find_raw_batches()``: each item is one batch, the BSON
    bytes of its documents concatenated (``bson.decode_all`` reads it), as
    pymongo's ``RawBatchCursor`` yields them."""

    def _unpack(self, documents: list) -> list:
        return [document.raw for document in documents]  # kept as the server's bytes

    def next(self) -> bytes:  # type: ignore[override]
        if self._killed:
            raise StopIteration
        if not self._started:
            self._execute()
        elif not self._buffer and self._server_cursor_id:
            self._get_more()
        if not self._buffer:
            raise StopIteration
        # one batch as the server sent it (find's first batch, then each getMore's)
        data = b"".join(self._buffer)
        self._retrieved += len(self._buffer)
        self._buffer.clear()
        return data

    __next__ = next

    def __getitem__(self, index: Any) -> Any:
        raise InvalidOperation("Cannot call __getitem__ on RawBatchCursor")


class RawBatchCommandCursor(CommandCursor):
    """``Collection.aggregate_raw_batches()``: batches of BSON bytes, as
    pymongo's ``RawBatchCommandCursor`` yields them."""

    def __init__(self, cursor: CommandCursor, batch_size: int | None) -> None:
        more, cursor._more = cursor._more, None  # the batches still on the server move here
        super().__init__(cursor._collection, cursor._documents, cursor._codec_options,
                         address=cursor._address, more=more)

    def _unpack(self, documents: list) -> list:
        return [document.raw for document in documents]  # kept as the server's bytes

    def next(self) -> bytes:  # type: ignore[override]
        if self._killed:
            raise StopIteration
        if not self._documents:
            self._refill()
            if not self._documents:
                raise StopIteration
        # one batch as the server sent it (the command's first, then each getMore's)
        data = b"".join(self._documents)
        self._retrieved += len(self._documents)
        self._documents.clear()
        return data

    __next__ = next
