"""``Collection`` with pymongo 4's names, signatures, checks and results."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from bson.codec_options import CodecOptions
from bson.objectid import ObjectId
from bson.raw_bson import RawBSONDocument
from bson.son import SON
from pymongo import common
from pymongo.collation import validate_collation_or_none
from pymongo.collection import ReturnDocument
from pymongo.errors import ConfigurationError, InvalidName
from pymongo.read_concern import ReadConcern
from pymongo.results import (DeleteResult, InsertManyResult, InsertOneResult, UpdateResult)
from pymongo.write_concern import WriteConcern

import bson

from .change_stream import ChangeStream, watch as watch_changes
from .runner import NOT_A_POINT
from .boundary import (ENGINE_CODEC, decode, encode, engine_value, plain_decode, plain_encode,
                       raise_write_errors, to_engine)
from .cursor import (CommandCursor, Cursor, RawBatchCommandCursor, RawBatchCursor,
                     fields_list_to_dict, index_list)
from .options import OptionsCarrier
from .bulk import BulkWriter
from .session import in_transaction
from .aggregation import run_aggregate
from .indexing import create_indexes, drop_index, explain_find, index_model, list_indexes

if TYPE_CHECKING:
    from .database import Database

_DocumentType = TypeVar("_DocumentType")

__all__ = ["Collection", "ReturnDocument"]


def validate_collection_name(name: Any) -> None:
    if not isinstance(name, str):
        raise TypeError(f"name must be an instance of str, not {type(name)}")
    if not name or ".." in name:
        raise InvalidName("collection names cannot be empty")
    if "$" in name and not (name.startswith(("oplog.$main", "$cmd"))):
        raise InvalidName(f"collection names must not contain '$': {name!r}")
    if name[0] == "." or name[-1] == ".":
        raise InvalidName(f"collection names must not start or end with '.': {name!r}")
    if "\x00" in name:
        raise InvalidName("collection names must not contain the null character")


_validate_document = common.validate_is_document_type


def _optional_fields(cmd: dict[str, Any], **fields: Any) -> None:
    """Add the fields that are not None to ``cmd`` (pymongo leaves the others out)."""
    for key, value in fields.items():
        if value is not None:
            cmd[key] = value



def _plain_update_statement(filter: Any, update: Any, multi: bool, upsert: bool,
                            codec: CodecOptions) -> dict:
    """An ``updates`` statement with no option: its two values, each as
    :func:`to_engine` gives it."""
    return {"q": engine_value(filter, codec), "u": engine_value(update, codec),
            "multi": multi, "upsert": upsert}


def _acknowledged_update(reply: dict) -> UpdateResult:
    """``UpdateResult(raw_result, True)`` for an update command's ``reply``, its raw
    result as pymongo's ``_update`` shapes it — pymongo's own class, its slots set
    as its ``__init__`` chain sets them (as ``insert_one`` builds its result)."""
    n = reply["n"]
    upserted = reply.get("upserted")
    raw = {"n": n, "nModified": reply["nModified"]}
    if upserted:
        raw["upserted"] = upserted[0]["_id"]
    raw["ok"] = 1.0
    raw["updatedExisting"] = bool(n) and not upserted
    return _update_result(raw)


def _update_result(raw: dict) -> UpdateResult:
    """``UpdateResult(raw, True)``, its slots set as its ``__init__`` chain sets them."""
    result = _new_object(UpdateResult)
    result._UpdateResult__raw_result = raw  # type: ignore[attr-defined]
    result._UpdateResult__in_client_bulk = False  # type: ignore[attr-defined]
    result._WriteResult__acknowledged = True  # type: ignore[attr-defined]
    return result


_new_object = object.__new__

#: ``update_one``'s options (but ``upsert`` and ``session``) when none is given
_NO_UPDATE_OPTIONS = (None,) * 7

#: the field names :func:`_is_point_path` accepted (read first: a set lookup), up to
#: :data:`_POINT_PATHS_KEPT` of them
_POINT_PATHS: set[str] = set()
_POINT_PATHS_KEPT = 10_000


def _is_point_path(path: Any) -> bool:
    """Whether ``find_one({path: value})`` may read a point: ``path`` is a top-level
    field name (a non-empty string, no ``$`` first, no dot) that reaches the engine as
    it is (ASCII, no NUL: see ``boundary._plain_copy``)."""
    if type(path) is not str or not path.isascii() or not path or path[0] == "$" \
            or "." in path or "\x00" in path:
        return False
    if len(_POINT_PATHS) < _POINT_PATHS_KEPT:
        _POINT_PATHS.add(path)
    return True


class Collection(OptionsCarrier, Generic[_DocumentType]):
    """A MongoDB collection on a mim server."""

    #: the class of the cursors ``find`` returns (a subclass may return its own)
    _cursor_class: type = Cursor

    def __init__(self, database: "Database", name: str, create: bool = False,
                 codec_options: CodecOptions | None = None, read_preference: Any = None,
                 write_concern: WriteConcern | None = None, read_concern: ReadConcern | None = None,
                 session: Any = None, **kwargs: Any) -> None:
        validate_collection_name(name)
        self._database = database
        self._name = name
        self._set_options(codec_options or database.codec_options,
                          read_preference or database.read_preference,
                          write_concern or database.write_concern,
                          read_concern or database.read_concern)
        #: what find_one's point read needs, read at once: the runner, the names, and
        #: the decoder of exact ``CodecOptions`` (else boundary.decode) with its options
        self._point_read = (database._client._runner, database._name, name,
                            plain_decode if self._plain_codec and plain_decode is not None
                            else decode, self._codec_options)
        if create or kwargs:
            self._create(kwargs, session)

    # -- identity --------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._name

    @property
    def full_name(self) -> str:
        return f"{self._database.name}.{self._name}"

    @property
    def database(self) -> "Database":
        return self._database





    @property
    def _server(self) -> Any:
        return self._database.client._server

    def __getattr__(self, name: str) -> "Collection[_DocumentType]":
        if name.startswith("_"):
            full_name = f"{self._name}.{name}"
            raise AttributeError(
                f"Collection has no attribute {name!r}. To access the {full_name} collection, "
                f"use database['{full_name}'].")
        return self[name]

    def __getitem__(self, name: str) -> "Collection[_DocumentType]":
        return type(self)(self._database, f"{self._name}.{name}",
                          codec_options=self._codec_options,
                          read_preference=self._read_preference,
                          write_concern=self._write_concern, read_concern=self._read_concern)

    def __repr__(self) -> str:
        return f"Collection({self._database!r}, {self._name!r})"

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, Collection):
            return self._database == other.database and self._name == other.name
        return NotImplemented

    def __ne__(self, other: Any) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((self._database, self._name))

    def __bool__(self) -> bool:
        raise NotImplementedError("Collection objects do not implement truth value testing or "
                                  "bool(). Please compare with None instead: collection is not "
                                  "None")

    def __iter__(self) -> "Collection[_DocumentType]":
        return self

    def __next__(self) -> None:
        raise TypeError("'Collection' object is not iterable")

    next = __next__

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        if "." not in self._name:
            raise TypeError(f"'Collection' object is not callable. If you meant to call the "
                            f"'{self._name}' method on a 'Database' object it is failing "
                            f"because no such method exists.")
        raise TypeError(f"'Collection' object is not callable. If you meant to call the "
                        f"'{self._name.split('.')[-1]}' method on a 'Collection' object it is "
                        f"failing because no such method exists.")

    def with_options(self, codec_options: CodecOptions | None = None, read_preference: Any = None,
                     write_concern: WriteConcern | None = None,
                     read_concern: ReadConcern | None = None) -> "Collection[_DocumentType]":
        return type(self)(self._database, self._name,
                          codec_options=codec_options or self._codec_options,
                          read_preference=read_preference or self._read_preference,
                          write_concern=write_concern or self._write_concern,
                          read_concern=read_concern or self._read_concern)

    # -- helpers ------------------------------------------------------------------

    def _engine(self, **values: Any) -> dict[str, Any]:
        return to_engine(self._codec_options, **values)

    def _acknowledged(self, session: Any) -> bool:
        """Whether a write with ``session`` is acknowledged: as pymongo's
        ``_write_concern_for``, a transaction's statements ignore the collection's
        ``w: 0`` (the transaction's write concern applies at commit)."""
        return self._write_concern.acknowledged or in_transaction(session)

    def _create(self, options: Mapping[str, Any], session: Any = None) -> None:
        """The ``create`` command pymongo sends (``size`` as a double, as it does)."""
        opts = dict(options)
        if "collation" in opts:
            opts["collation"] = validate_collation_or_none(opts["collation"])
        if "size" in opts:
            opts["size"] = float(opts["size"])
        cmd: dict[str, Any] = {"create": self._name}
        cmd.update(self._engine(o=opts).get("o", {}))
        self._command(cmd, session, write=True)

    def _command(self, cmd: dict[str, Any], session: Any = None, write: bool = False,
                 retryable_read: bool = False) -> dict:
        """Run ``cmd`` (built as pymongo builds it) on this collection's database
        through the client's runner; a write carries the collection's write concern
        as pymongo sends it (none when it is the server's default)."""
        if write and not self._default_write:
            cmd["writeConcern"] = self._write_concern.document
        return self._database._client._runner.run(
            self._database._name, cmd, session, self._write_concern if write else None,
            retryable_read=retryable_read)

    # -- inserts ------------------------------------------------------------------

    def _prepare_insert(self, document: Any) -> bytes:
        # a plain dict (the common case) skips the ABC isinstance checks
        if type(document) is not dict and isinstance(document, RawBSONDocument):
            return document.raw
        if "_id" not in document:
            document["_id"] = ObjectId()
        return encode(document, self._codec_options)

    def insert_one(self, document: Any, bypass_document_validation: bool | None = None,
                   session: Any = None, comment: Any = None) -> InsertOneResult:
        original = None
        if type(document) is dict:  # a plain dict (the common case): no ABC checks
            if "_id" not in document:
                document["_id"] = ObjectId()
            try:  # encode(), without its call when the C encoder takes the options as they are
                if self._plain_codec:
                    raw = plain_encode(document, False, self._encoding_codec)
                    # (what the engine may copy for its shadow rather than decode raw)
                    original = document
                else:
                    raw = encode(document, self._codec_options)
            except RecursionError:
                raw = encode(document, self._codec_options)  # raises the server's depth error
        else:
            _validate_document("document", document)
            raw = self._prepare_insert(document)
        if self._default_write and bypass_document_validation is None and comment is None:
            # the plain command (alone, or a statement of a transaction): stored by the
            # runner's shortcut, or sent when it declines
            runner, db_name, name, _, _ = self._point_read
            reply = runner.insert_one(db_name, name, raw, original) if session is None \
                else runner.insert_one_in_transaction(db_name, name, raw, session)
            if reply is NOT_A_POINT:
                reply = runner.run(db_name, {"insert": name, "documents": [raw], "ordered": True},
                                   session)
            if reply is not None and ("writeErrors" in reply or "writeConcernError" in reply):
                raise_write_errors(reply)
        else:
            cmd = {"insert": self._name, "documents": [raw], "ordered": True}
            if bypass_document_validation is not None or comment is not None:
                _optional_fields(cmd, bypassDocumentValidation=bypass_document_validation,
                                 comment=comment)
            if self._default_write:
                database = self._database
                reply = database._client._runner.run(database._name, cmd, session)
            else:
                reply = self._command(cmd, session, write=True)
                if not self._acknowledged(session):
                    return InsertOneResult(document.get("_id"), False)
            if "writeErrors" in reply or "writeConcernError" in reply:
                raise_write_errors(reply)
        # InsertOneResult(_id, True): pymongo's own class, its two slots set as its
        # __init__ chain sets them, without the cost of that chain (two Python calls
        # through the class: an eighth of an insert_one) nor of a helper's call
        result = _new_object(InsertOneResult)
        result._InsertOneResult__inserted_id = document.get("_id")  # type: ignore[attr-defined]
        result._WriteResult__acknowledged = True  # type: ignore[attr-defined]
        return result

    def insert_many(self, documents: Iterable[Any], ordered: bool = True,
                    bypass_document_validation: bool | None = None, session: Any = None,
                    comment: Any = None) -> InsertManyResult:
        if (not isinstance(documents, Iterable) or isinstance(documents, Mapping)
                or not documents):
            raise TypeError("documents must be a non-empty list")
        inserted_ids: list[Any] = []
        documents = list(documents)
        # as pymongo: every document is checked and given its _id first, then encoded
        for document in documents:
            if type(document) is not dict:
                _validate_document("document", document)
                if isinstance(document, RawBSONDocument):
                    inserted_ids.append(document.get("_id"))
                    continue
            if "_id" not in document:
                document["_id"] = ObjectId()
            inserted_ids.append(document.get("_id"))
        writer = BulkWriter(self, ordered, bypass_validation=bypass_document_validation,
                            session=session, comment=comment)
        writer.add_inserts(documents)
        writer.execute(())
        return InsertManyResult(inserted_ids, self._acknowledged(session))

    # -- updates ------------------------------------------------------------------

    def _update(self, filter: Any, update: Any, *, multi: bool, upsert: bool,
                array_filters: Any = None, hint: Any = None, let: Any = None,
                collation: Any = None, sort: Any = None, bypass_validation: Any = None,
                session: Any = None, comment: Any = None) -> UpdateResult:
        if self._default_write and array_filters is None and hint is None and let is None \
                and collation is None and sort is None and bypass_validation is None \
                and comment is None and filter is not None and update is not None \
                and (upsert is False or upsert is True):
            # the plain statement (no option, the server's write concern): what the
            # general path below sends and answers, without its option handling
            cmd = {"update": self._name,
                   "updates": [_plain_update_statement(filter, update, multi, upsert,
                                                       self._codec_options)],
                   "ordered": True}
            database = self._database
            reply = database._client._runner.run(database._name, cmd, session)
            if "writeErrors" in reply or "writeConcernError" in reply:
                raise_write_errors(reply)
            return _acknowledged_update(reply)
        statement = self._update_statement(filter, update, multi=multi, upsert=upsert,
                                           array_filters=array_filters, hint=hint,
                                           collation=collation, sort=sort)
        cmd = {"update": self._name, "updates": [statement], "ordered": True}
        if let is not None or bypass_validation is not None or comment is not None:
            _optional_fields(cmd, let=self._engine(let=let).get("let"),
                             bypassDocumentValidation=bypass_validation, comment=comment)
        reply = self._command(cmd, session, write=True)
        if not self._acknowledged(session):
            return UpdateResult(None, False)  # pymongo's _update returns nothing then
        raise_write_errors(reply)
        return _acknowledged_update(reply)

    def _update_point(self, filter: dict, update: dict, upsert: bool) -> Any:
        """``update_one(filter, update)`` of one document found by one equality on a
        top-level field, ``update`` a ``$set`` of plain top-level fields to plain
        scalars — values that reach the engine as they are (see ``_plain_copy``):
        ``(n, nModified)`` from :meth:`Runner.update_one_point`, or ``NOT_A_POINT``
        (nothing written) and the caller sends the update command."""
        sets = update.get("$set")
        if type(sets) is not dict or not sets:
            return NOT_A_POINT
        for name, value in sets.items():
            kind = type(value)
            # a top-level name (as a point's path) set to a plain scalar
            if not (kind is str and value.isascii() or value is None or kind is float
                    or kind is bool or kind is int and -2147483648 <= value <= 2147483647) \
                    or not (type(name) is str and name in _POINT_PATHS or _is_point_path(name)):
                return NOT_A_POINT
        for path, value in filter.items():
            kind = type(value)
            # a top-level field equal to an int32, an ASCII string or an ObjectId, as
            # find_one's point read takes it
            if (kind is str and value.isascii() or kind is ObjectId
                    or kind is int and -2147483648 <= value <= 2147483647) \
                    and (type(path) is str and path in _POINT_PATHS or _is_point_path(path)):
                point_read = self._point_read
                return point_read[0].update_one_point(point_read[1], point_read[2], path, value,
                                                      sets, upsert)
        return NOT_A_POINT

    def _update_statement(self, filter: Any, update: Any, *, multi: bool, upsert: bool,
                          array_filters: Any = None, hint: Any = None, collation: Any = None,
                          sort: Any = None) -> dict:
        """One ``updates`` statement as pymongo builds it (its client-side checks
        first), in the engine's values."""
        if upsert is not False and upsert is not True:
            common.validate_boolean("upsert", upsert)
        if array_filters is None and hint is None and collation is None and sort is None \
                and filter is not None and update is not None:
            return _plain_update_statement(filter, update, multi, upsert, self._codec_options)
        if array_filters is not None and not isinstance(array_filters, list):
            raise TypeError("array_filters must be a list")
        if hint is not None and not isinstance(hint, str):
            hint = SON(index_list(hint))
        if collation is not None:
            collation = validate_collation_or_none(collation)
        if sort is not None:
            sort = SON(index_list(sort))
        values = self._engine(q=filter, u=update, arrayFilters=array_filters, hint=hint,
                              collation=collation, sort=sort)
        statement = {"q": values.get("q", {}), "u": values.get("u"), "multi": multi,
                     "upsert": upsert}
        for key in ("arrayFilters", "hint", "collation", "sort"):
            if key in values:
                statement[key] = values[key]
        return statement

    def replace_one(self, filter: Mapping[str, Any], replacement: Mapping[str, Any],
                    upsert: bool = False, bypass_document_validation: bool | None = None,
                    collation: Any = None, hint: Any = None, session: Any = None,
                    let: Any = None, comment: Any = None, sort: Any = None) -> UpdateResult:
        if type(filter) is not dict:
            common.validate_is_mapping("filter", filter)
        common.validate_ok_for_replace(replacement)
        return self._update(filter, replacement, multi=False, upsert=upsert, hint=hint,
                            let=let, collation=collation, sort=sort,
                            bypass_validation=bypass_document_validation, session=session,
                            comment=comment)

    def update_one(self, filter: Mapping[str, Any], update: Any, upsert: bool = False,
                   bypass_document_validation: bool | None = None, collation: Any = None,
                   array_filters: Any = None, hint: Any = None, session: Any = None,
                   let: Any = None, comment: Any = None, sort: Any = None) -> UpdateResult:
        if type(filter) is not dict:
            common.validate_is_mapping("filter", filter)
        if type(update) is not dict or not update or type(first := next(iter(update))) is not str \
                or first[:1] != "$":
            common.validate_ok_for_update(update)  # (a plain operator document passes it)
        elif len(update) == 1 and type(filter) is dict and len(filter) == 1 and session is None \
                and (bypass_document_validation, collation, array_filters, hint, let, comment,
                     sort) == _NO_UPDATE_OPTIONS and self._default_write \
                and (upsert is False or upsert is True):
            done = self._update_point(filter, update, upsert)
            if done is not NOT_A_POINT:
                n = done[0]  # (_acknowledged_update's raw result, without the reply)
                return _update_result({"n": n, "nModified": done[1], "ok": 1.0,
                                       "updatedExisting": bool(n)})
        return self._update(filter, update, multi=False, upsert=upsert,
                            array_filters=array_filters, hint=hint, let=let,
                            collation=collation, sort=sort,
                            bypass_validation=bypass_document_validation, session=session,
                            comment=comment)

    def update_many(self, filter: Mapping[str, Any], update: Any, upsert: bool = False,
                    array_filters: Any = None, bypass_document_validation: bool | None = None,
                    collation: Any = None, hint: Any = None, session: Any = None,
                    let: Any = None, comment: Any = None) -> UpdateResult:
        if type(filter) is not dict:
            common.validate_is_mapping("filter", filter)
        common.validate_ok_for_update(update)
        return self._update(filter, update, multi=True, upsert=upsert,
                            array_filters=array_filters, hint=hint, let=let,
                            collation=collation,
                            bypass_validation=bypass_document_validation, session=session,
                            comment=comment)

    # -- deletes ------------------------------------------------------------------

    def _delete_statement(self, filter: Any, limit: int, hint: Any = None,
                          collation: Any = None) -> dict:
        """One ``deletes`` statement as pymongo builds it, in the engine's values."""
        if hint is not None and not isinstance(hint, str):
            hint = SON(index_list(hint))
        if collation is not None:
            collation = validate_collation_or_none(collation)
        values = self._engine(q=filter, hint=hint, collation=collation)
        statement = {"q": values.get("q", {}), "limit": limit}
        for key in ("hint", "collation"):
            if key in values:
                statement[key] = values[key]
        return statement

    def _delete(self, filter: Any, limit: int, hint: Any, collation: Any,
                let: Any, session: Any, comment: Any) -> DeleteResult:
        if type(filter) is not dict:
            common.validate_is_mapping("filter", filter)
        statement = self._delete_statement(filter, limit, hint, collation)
        if let is not None:
            common.validate_is_mapping("let", let)
        cmd = {"delete": self._name, "deletes": [statement], "ordered": True}
        if let is not None or comment is not None:
            _optional_fields(cmd, let=self._engine(let=let).get("let"), comment=comment)
        reply = self._command(cmd, session, write=True)
        if not self._acknowledged(session):
            # the reply pymongo fakes for a fire-and-forget (w: 0) command
            return DeleteResult({"ok": 1}, False)
        raise_write_errors(reply)
        return DeleteResult({"n": reply["n"], "ok": 1.0}, True)

    def delete_one(self, filter: Mapping[str, Any], collation: Any = None, hint: Any = None,
                   session: Any = None, let: Any = None, comment: Any = None) -> DeleteResult:
        return self._delete(filter, 1, hint, collation, let, session, comment)

    def delete_many(self, filter: Mapping[str, Any], collation: Any = None, hint: Any = None,
                    session: Any = None, let: Any = None, comment: Any = None) -> DeleteResult:
        return self._delete(filter, 0, hint, collation, let, session, comment)

    # -- reads --------------------------------------------------------------------

    def find(self, *args: Any, **kwargs: Any) -> Cursor[_DocumentType]:
        return self._cursor_class(self, *args, **kwargs)

    def find_one(self, filter: Any = None, *args: Any, **kwargs: Any) -> _DocumentType | None:
        if type(filter) is not dict and filter is not None and not isinstance(filter, Mapping):
            filter = {"_id": filter}
        if type(filter) is dict and not args and not kwargs and self._cursor_class is Cursor:
            if len(filter) == 1:
                for path, value in filter.items():
                    kind = type(value)
                    # a top-level field equal to an int32, an ASCII string or an ObjectId:
                    # values that reach the engine as they are (see _plain_copy)
                    if (kind is str and value.isascii() or kind is ObjectId
                            or kind is int and -2147483648 <= value <= 2147483647) \
                            and (type(path) is str and path in _POINT_PATHS or _is_point_path(path)):
                        runner, db_name, name, decoder, codec_options = self._point_read
                        found = runner.find_one_point(db_name, name, path, value)
                        if found is not NOT_A_POINT:
                            return None if found is None else decoder(found, codec_options)
        if not args and not kwargs and type(filter) is dict and "$query" not in filter \
                and self._cursor_class is Cursor:
            # the find command pymongo sends for a bare find_one (limit 1, one batch),
            # without building the Cursor that would send it
            database = self._database
            reply = database._client._runner.run(
                database._name, {"find": self._name,
                                 "filter": engine_value(filter, self._codec_options),
                                 "limit": 1, "singleBatch": True},
                retryable_read=True)
            batch = reply["cursor"]["firstBatch"]
            return decode(batch[0].raw, self._codec_options) if batch else None
        cursor = self.find(filter, *args, **kwargs)
        for result in cursor.limit(-1):
            return result
        return None

    def find_raw_batches(self, *args: Any, **kwargs: Any) -> RawBatchCursor:
        """Like :meth:`find`, but yields each batch as raw BSON bytes (pymongo's
        ``RawBatchCursor``)."""
        return RawBatchCursor(self, *args, **kwargs)

    def count_documents(self, filter: Mapping[str, Any], session: Any = None,
                        comment: Any = None, **kwargs: Any) -> int:
        """The aggregate pymongo sends (``$match``, ``$skip``, ``$limit``, then a
        ``$group`` counting), its one result's ``n``."""
        if type(filter) is not dict:
            common.validate_is_mapping("filter", filter)
        pipeline: list[dict[str, Any]] = [{"$match": filter}]
        if "skip" in kwargs:
            pipeline.append({"$skip": kwargs.pop("skip")})
        if "limit" in kwargs:
            pipeline.append({"$limit": kwargs.pop("limit")})
        pipeline.append({"$group": {"_id": 1, "n": {"$sum": 1}}})
        if "hint" in kwargs and not isinstance(kwargs["hint"], str):
            kwargs["hint"] = SON(index_list(kwargs["hint"]))
        cursor = self.aggregate(pipeline, session=session, comment=comment, **kwargs)
        for result in cursor:
            return result["n"]
        return 0

    def estimated_document_count(self, comment: Any = None, **kwargs: Any) -> int:
        if "session" in kwargs:
            raise ConfigurationError("estimated_document_count does not support sessions")
        cmd: dict[str, Any] = {"count": self._name}
        cmd.update(self._engine(c=kwargs).get("c", {}))
        if comment is not None:
            cmd["comment"] = comment
        return int(self._command(cmd, retryable_read=True)["n"])

    def distinct(self, key: str, filter: Mapping[str, Any] | None = None, session: Any = None,
                 comment: Any = None, hint: Any = None, **kwargs: Any) -> list:
        if not isinstance(key, str):
            raise TypeError(f"key must be an instance of str, not {type(key)}")
        if filter is not None and type(filter) is not dict:
            common.validate_is_mapping("filter", filter)
        if hint is not None and not isinstance(hint, str):
            hint = SON(index_list(hint))
        if "collation" in kwargs:
            kwargs["collation"] = validate_collation_or_none(kwargs["collation"])
        cmd: dict[str, Any] = {"distinct": self._name, "key": key}
        cmd.update(self._engine(query=filter, hint=hint, **kwargs))
        if comment is not None:
            cmd["comment"] = comment
        reply = self._command(cmd, session, retryable_read=True)
        # values cross back through BSON so they come out in the caller's codec
        raw = bson.encode({"values": reply["values"]})
        return bson.decode(raw, self._codec_options)["values"]

    # -- find and modify ----------------------------------------------------------

    def _find_and_modify(self, filter: Any, projection: Any, sort: Any, upsert: bool | None = None,
                         return_document: bool = ReturnDocument.BEFORE, array_filters: Any = None,
                         hint: Any = None, let: Any = None, remove: bool = False,
                         update: Any = None, session: Any = None, comment: Any = None,
                         **kwargs: Any) -> Any:
        """The ``findAndModify`` command as pymongo builds it (its keyword arguments
        merged in), the ``value`` of its reply."""
        if type(filter) is not dict:
            common.validate_is_mapping("filter", filter)
        if not isinstance(return_document, bool):
            raise ValueError("return_document must be ReturnDocument.BEFORE or "
                             "ReturnDocument.AFTER")
        if projection is not None:
            projection = fields_list_to_dict(projection, "projection")
        if sort is not None:
            sort = SON(index_list(sort))
        if hint is not None and not isinstance(hint, str):
            hint = SON(index_list(hint))
        if array_filters is not None and not isinstance(array_filters, list):
            raise TypeError("array_filters must be a list")
        if "collation" in kwargs:
            kwargs["collation"] = validate_collation_or_none(kwargs["collation"])
        cmd: dict[str, Any] = {"findAndModify": self._name}
        fields = {"query": filter, "new": return_document}
        if remove:
            fields["remove"] = True
        else:
            fields["update"] = update
        fields.update(fields=projection, sort=sort, upsert=upsert, arrayFilters=array_filters,
                      hint=hint, let=let, **kwargs)
        cmd.update(self._engine(**fields))
        if comment is not None:
            cmd["comment"] = comment
        reply = self._command(cmd, session, write=True)
        if not self._acknowledged(session):
            return None  # pymongo returns nothing for an unacknowledged findAndModify
        raise_write_errors(reply)  # a writeConcernError, as pymongo's check of the reply
        value = reply.get("value")
        if value is None:
            return None
        return decode(bson.encode(value, codec_options=ENGINE_CODEC), self._codec_options)

    def find_one_and_delete(self, filter: Mapping[str, Any], projection: Any = None,
                            sort: Any = None, hint: Any = None, session: Any = None,
                            let: Any = None, comment: Any = None, **kwargs: Any) -> Any:
        return self._find_and_modify(filter, projection, sort, hint=hint, let=let, remove=True,
                                     session=session, comment=comment, **kwargs)

    def find_one_and_replace(self, filter: Mapping[str, Any], replacement: Mapping[str, Any],
                             projection: Any = None, sort: Any = None, upsert: bool = False,
                             return_document: bool = ReturnDocument.BEFORE, hint: Any = None,
                             session: Any = None, let: Any = None, comment: Any = None,
                             **kwargs: Any) -> Any:
        common.validate_ok_for_replace(replacement)
        return self._find_and_modify(filter, projection, sort, upsert, return_document,
                                     hint=hint, let=let, update=replacement, session=session,
                                     comment=comment, **kwargs)

    def find_one_and_update(self, filter: Mapping[str, Any], update: Any, projection: Any = None,
                            sort: Any = None, upsert: bool = False,
                            return_document: bool = ReturnDocument.BEFORE,
                            array_filters: Any = None, hint: Any = None, session: Any = None,
                            let: Any = None, comment: Any = None, **kwargs: Any) -> Any:
        common.validate_ok_for_update(update)
        return self._find_and_modify(filter, projection, sort, upsert, return_document,
                                     array_filters=array_filters, hint=hint, let=let,
                                     update=update, session=session, comment=comment, **kwargs)

    # -- bulk ---------------------------------------------------------------------

    def bulk_write(self, requests: Sequence[Any], ordered: bool = True,
                   bypass_document_validation: bool | None = None, session: Any = None,
                   comment: Any = None, let: Any = None) -> Any:
        common.validate_list("requests", requests)
        return BulkWriter(self, ordered, let=let, bypass_validation=bypass_document_validation,
                          session=session, comment=comment).execute(list(requests))

    # -- aggregation --------------------------------------------------------------

    def aggregate(self, pipeline: Sequence[Mapping[str, Any]], session: Any = None,
                  let: Any = None, comment: Any = None, **kwargs: Any) -> CommandCursor:
        if comment is not None:
            kwargs["comment"] = comment
        return run_aggregate(self._database, self, pipeline, let=let, session=session,
                             **kwargs)

    def aggregate_raw_batches(self, pipeline: Sequence[Mapping[str, Any]], session: Any = None,
                              comment: Any = None, **kwargs: Any) -> RawBatchCommandCursor:
        """Like :meth:`aggregate`, but yields each batch as raw BSON bytes
        (pymongo's ``RawBatchCommandCursor``)."""
        batch_size = kwargs.get("batchSize", kwargs.get("batch_size"))
        cursor = self.aggregate(pipeline, session=session, comment=comment, **kwargs)
        return RawBatchCommandCursor(cursor, batch_size)

    def watch(self, *args: Any, **kwargs: Any) -> ChangeStream:
        """A change stream of this collection (pymongo's ``watch`` parameters:
        ``pipeline``, ``full_document``, ``resume_after``, ``max_await_time_ms``,
        ``batch_size``, ``collation``, ``start_at_operation_time``, ``session``,
        ``start_after``, ``comment``, ``full_document_before_change``,
        ``show_expanded_events``)."""
        return watch_changes(self, self._database, self._name, False, *args, **kwargs)

    # -- indexes ------------------------------------------------------------------

    def create_index(self, keys: Any, session: Any = None, comment: Any = None,
                     **kwargs: Any) -> str:
        # as pymongo: these two are command options, the rest describe the index
        options = {key: kwargs.pop(key) for key in ("maxTimeMS", "commitQuorum")
                   if key in kwargs}
        return create_indexes(self, [index_model(keys, **kwargs)], session, comment,
                              **options)[0]

    def create_indexes(self, indexes: Sequence[Any], session: Any = None, comment: Any = None,
                       **kwargs: Any) -> list[str]:
        common.validate_list("indexes", indexes)
        return create_indexes(self, indexes, session, comment, **kwargs)

    def drop_index(self, index_or_name: Any, session: Any = None, comment: Any = None,
                   **kwargs: Any) -> None:
        drop_index(self, index_or_name, session, comment, **kwargs)

    def drop_indexes(self, session: Any = None, comment: Any = None, **kwargs: Any) -> None:
        drop_index(self, "*", session, comment, **kwargs)

    # -- Atlas Search indexes: a 7.0 community server has none of these commands ----

    def create_search_index(self, model: Any, session: Any = None, comment: Any = None,
                            **kwargs: Any) -> str:
        self._database.command({"createSearchIndexes": self._name, "indexes": [model]},
                               session=session, comment=comment, **kwargs)
        raise AssertionError("unreachable: the server has no createSearchIndexes")

    def create_search_indexes(self, models: list[Any], session: Any = None,
                              comment: Any = None, **kwargs: Any) -> list[str]:
        self._database.command({"createSearchIndexes": self._name, "indexes": list(models)},
                               session=session, comment=comment, **kwargs)
        raise AssertionError("unreachable: the server has no createSearchIndexes")

    def drop_search_index(self, name: str, session: Any = None, comment: Any = None,
                          **kwargs: Any) -> None:
        self._database.command({"dropSearchIndex": self._name, "name": name},
                               session=session, comment=comment, **kwargs)

    def update_search_index(self, name: str, definition: Mapping[str, Any],
                            session: Any = None, comment: Any = None, **kwargs: Any) -> None:
        self._database.command({"updateSearchIndex": self._name, "name": name,
                                "definition": definition},
                               session=session, comment=comment, **kwargs)

    def list_search_indexes(self, name: str | None = None, session: Any = None,
                            comment: Any = None, **kwargs: Any) -> CommandCursor:
        stage: dict[str, Any] = {"name": name} if name is not None else {}
        return self.aggregate([{"$listSearchIndexes": stage}], session=session,
                              comment=comment, **kwargs)

    def list_indexes(self, session: Any = None, comment: Any = None) -> CommandCursor:
        return list_indexes(self, session, comment)

    def index_information(self, session: Any = None, comment: Any = None) -> dict:
        info = {}
        for index in self.list_indexes(session):
            index = dict(index)
            index["key"] = list(index["key"].items())
            name = index.pop("name")
            info[name] = index
        return info

    def _explain_find(self, cursor: Cursor) -> dict:
        return explain_find(self, cursor)

    # -- collection management ---------------------------------------------------

    def options(self, session: Any = None, comment: Any = None) -> dict:
        """The collection's ``options`` from ``listCollections``, as pymongo reads them."""
        for info in self._database.list_collections(session=session, comment=comment,
                                                     filter={"name": self._name}):
            options = info.get("options", {})
            options.pop("create", None)
            return options
        return {}

    def drop(self, session: Any = None, comment: Any = None, encrypted_fields: Any = None) -> None:
        self._database.drop_collection(self._name, session, comment, encrypted_fields)

    def rename(self, new_name: str, session: Any = None, comment: Any = None,
               **kwargs: Any) -> dict:
        if not isinstance(new_name, str):
            raise TypeError(f"new_name must be an instance of str, not {type(new_name)}")
        if not new_name or ".." in new_name:
            raise InvalidName("collection names cannot be empty")
        if new_name[0] == "." or new_name[-1] == ".":
            raise InvalidName("collection names must not start or end with '.'")
        if "$" in new_name and not new_name.startswith("oplog.$main"):
            raise InvalidName("collection names must not contain '$'")
        cmd: dict[str, Any] = {"renameCollection": self.full_name,
                               "to": f"{self._database.name}.{new_name}"}
        cmd.update(self._engine(o=kwargs).get("o", {}))
        if comment is not None:
            cmd["comment"] = comment
        if not self._default_write:
            cmd["writeConcern"] = self._write_concern.document
        return self._database._client._runner.run("admin", cmd, session, self._write_concern)

