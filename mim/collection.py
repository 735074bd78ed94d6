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

from .boundary import (command_error, fail_point, fail_read, raise_reply_error, decode, encode, raise_server_error, raise_write_errors,
                       to_engine)
from .cursor import (CommandCursor, Cursor, RawBatchCommandCursor, RawBatchCursor,
                     fields_list_to_dict, index_list)
from .engine.ops import catalog, crud
from .engine.ops.failpoints import write_concern_error_reply
from .engine.commands.fields import COMMAND_FIELDS, first_unknown, unknown_field
from .engine.values.errors import ServerError
from .engine.values.deadline import operation_deadline
from .options import OptionsCarrier
from .session import bulk_command, check_session, count_bulk_requests
from .bulk import BulkWriter, reject_update_sort
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


def refuse_unhonoured(command_name: str, options: Mapping[str, Any]) -> None:
    """Keywords pymongo would put into ``command_name``'s document: one the server
    does not know fails as it does (40415); one it knows but mim's in-process
    client does not honour is refused (238) rather than ignored."""
    unknown = first_unknown(options, COMMAND_FIELDS[command_name])
    if unknown is not None:
        raise_server_error(unknown_field(command_name, unknown))
    left = [key for key in options if key not in ("maxTimeMS", "comment")]
    if left:
        raise_server_error(ServerError(238, f"{command_name} option {left[0]!r} is not "
                                            f"supported by mim's in-process client"))


#: findAndModify keywords the in-process client carries into the operation itself
_FIND_AND_MODIFY_HONOURED = frozenset({"collation", "bypassDocumentValidation"})


def _bypass(kwargs: Mapping[str, Any]) -> bool:
    """``bypassDocumentValidation`` passed through ``find_one_and_*``'s command
    keyword arguments, as pymongo sends it."""
    return bool(kwargs.get("bypassDocumentValidation", False))


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
        if create or kwargs:
            self._create(kwargs)

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

    @property
    def _acknowledged(self) -> bool:
        return self._write_concern.acknowledged

    def _create(self, options: Mapping[str, Any]) -> None:
        opts = dict(options)
        if "collation" in opts:
            opts["collation"] = validate_collation_or_none(opts["collation"])
        try:
            catalog.create_collection(self._server, self._database.name, self._name,
                                      self._engine(o=opts).get("o", {}))
        except ServerError as exc:
            raise_server_error(exc)

    def _run_write(self, fn: Any, *args: Any, **kwargs: Any) -> dict:
        name = fn.__name__  # crud.insert / update / delete: the command's name
        failure = fail_point(self._database.client, name)
        if failure is not None and failure.error is not None:
            raise_reply_error(failure.error)
        try:
            reply = fn(self._server, self._database.name, self._name, *args, **kwargs)
        except ServerError as exc:
            raise_server_error(exc)
        if failure is not None:
            reply = write_concern_error_reply(reply, failure)
        return reply

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
        if type(document) is not dict:
            _validate_document("document", document)
        raw = self._prepare_insert(document)
        check_session(self._database.client, session, "insert", self._write_concern)
        reply = self._run_write(crud.insert, [raw], True,
                                bypass_validation=bool(bypass_document_validation))
        if not self._write_concern.acknowledged:
            return InsertOneResult(document.get("_id"), False)
        if "writeErrors" in reply or "writeConcernError" in reply:
            raise_write_errors(reply)
        return InsertOneResult(document.get("_id"), True)

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
        check_session(self._database.client, session, "insert", self._write_concern,
                      operations=len(inserted_ids))
        writer = BulkWriter(self, ordered,
                            bypass_validation=bool(bypass_document_validation))
        for document in documents:
            writer.add_insert(document, validated=True)
        writer.execute(())
        return InsertManyResult(inserted_ids, self._acknowledged)

    # -- updates ------------------------------------------------------------------

    def _update(self, filter: Any, update: Any, *, multi: bool, upsert: bool,
                array_filters: Any = None, hint: Any = None, let: Any = None,
                collation: Any = None, sort: Any = None,
                bypass_validation: bool = False) -> UpdateResult:
        reject_update_sort(sort)
        statement = self._update_statement(filter, update, multi=multi, upsert=upsert,
                                           array_filters=array_filters, hint=hint,
                                           collation=collation, sort=sort)
        reply = self._run_write(crud.update, [statement], True,
                                self._engine(let=let).get("let"),
                                bypass_validation=bypass_validation)
        if not self._acknowledged:
            return UpdateResult(reply, False)
        raise_write_errors(reply)
        return UpdateResult(self._update_raw_result(reply), True)

    @staticmethod
    def _update_raw_result(reply: dict) -> dict:
        raw = {"n": reply["n"], "nModified": reply["nModified"]}
        upserted = reply.get("upserted")
        if upserted:
            raw["upserted"] = upserted[0]["_id"]
        raw["ok"] = 1.0
        raw["updatedExisting"] = bool(reply["n"]) and not upserted
        return raw

    def _update_statement(self, filter: Any, update: Any, *, multi: bool, upsert: bool,
                          array_filters: Any = None, hint: Any = None, collation: Any = None,
                          sort: Any = None) -> dict:
        common.validate_boolean("upsert", upsert)
        if array_filters is not None and not isinstance(array_filters, list):
            raise TypeError("array_filters must be a list")
        if hint is not None and not isinstance(hint, str):
            hint = SON(index_list(hint))
        collation = validate_collation_or_none(collation)
        values = self._engine(q=filter, u=update, arrayFilters=array_filters,
                              hint=hint)
        statement = {"q": values.get("q", {}), "u": values.get("u"), "multi": multi,
                     "upsert": upsert}
        if collation is not None:
            statement["collation"] = collation
        if "arrayFilters" in values:
            statement["arrayFilters"] = values["arrayFilters"]
        if "hint" in values:
            statement["hint"] = values["hint"]
        return statement

    def replace_one(self, filter: Mapping[str, Any], replacement: Mapping[str, Any],
                    upsert: bool = False, bypass_document_validation: bool | None = None,
                    collation: Any = None, hint: Any = None, session: Any = None,
                    let: Any = None, comment: Any = None, sort: Any = None) -> UpdateResult:
        common.validate_is_mapping("filter", filter)
        common.validate_ok_for_replace(replacement)
        check_session(self._database.client, session, "update", self._write_concern)
        return self._update(filter, replacement, multi=False, upsert=upsert, hint=hint,
                            let=let, collation=collation, sort=sort,
                            bypass_validation=bool(bypass_document_validation))

    def update_one(self, filter: Mapping[str, Any], update: Any, upsert: bool = False,
                   bypass_document_validation: bool | None = None, collation: Any = None,
                   array_filters: Any = None, hint: Any = None, session: Any = None,
                   let: Any = None, comment: Any = None, sort: Any = None) -> UpdateResult:
        common.validate_is_mapping("filter", filter)
        common.validate_ok_for_update(update)
        check_session(self._database.client, session, "update", self._write_concern)
        return self._update(filter, update, multi=False, upsert=upsert,
                            array_filters=array_filters, hint=hint, let=let,
                            collation=collation, sort=sort,
                            bypass_validation=bool(bypass_document_validation))

    def update_many(self, filter: Mapping[str, Any], update: Any, upsert: bool = False,
                    array_filters: Any = None, bypass_document_validation: bool | None = None,
                    collation: Any = None, hint: Any = None, session: Any = None,
                    let: Any = None, comment: Any = None) -> UpdateResult:
        common.validate_is_mapping("filter", filter)
        common.validate_ok_for_update(update)
        check_session(self._database.client, session, "update", self._write_concern)
        return self._update(filter, update, multi=True, upsert=upsert,
                            array_filters=array_filters, hint=hint, let=let,
                            collation=collation,
                            bypass_validation=bool(bypass_document_validation))

    # -- deletes ------------------------------------------------------------------

    def _delete_statement(self, filter: Any, limit: int, hint: Any = None,
                          collation: Any = None) -> dict:
        collation = validate_collation_or_none(collation)
        if hint is not None and not isinstance(hint, str):
            hint = SON(index_list(hint))
        values = self._engine(q=filter, hint=hint)
        statement = {"q": values.get("q", {}), "limit": limit}
        if collation is not None:
            statement["collation"] = collation
        if "hint" in values:
            statement["hint"] = values["hint"]
        return statement

    def _delete(self, filter: Any, limit: int, hint: Any, collation: Any,
                let: Any) -> DeleteResult:
        common.validate_is_mapping("filter", filter)
        statement = self._delete_statement(filter, limit, hint, collation)
        if let is not None:
            common.validate_is_mapping("let", let)
        reply = self._run_write(crud.delete, [statement], True,
                                self._engine(let=let).get("let"))
        if not self._acknowledged:
            return DeleteResult(reply, False)
        raise_write_errors(reply)
        return DeleteResult({"n": reply["n"], "ok": 1.0}, True)

    def delete_one(self, filter: Mapping[str, Any], collation: Any = None, hint: Any = None,
                   session: Any = None, let: Any = None, comment: Any = None) -> DeleteResult:
        check_session(self._database.client, session, "delete", self._write_concern)
        return self._delete(filter, 1, hint, collation, let)

    def delete_many(self, filter: Mapping[str, Any], collation: Any = None, hint: Any = None,
                    session: Any = None, let: Any = None, comment: Any = None) -> DeleteResult:
        check_session(self._database.client, session, "delete", self._write_concern)
        return self._delete(filter, 0, hint, collation, let)

    # -- reads --------------------------------------------------------------------

    def find(self, *args: Any, **kwargs: Any) -> Cursor[_DocumentType]:
        return self._cursor_class(self, *args, **kwargs)

    def find_one(self, filter: Any = None, *args: Any, **kwargs: Any) -> _DocumentType | None:
        if filter is not None and type(filter) is not dict and not isinstance(filter, Mapping):
            filter = {"_id": filter}
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
        common.validate_is_mapping("filter", filter)
        skip = kwargs.pop("skip", 0)
        limit = kwargs.pop("limit", 0)
        hint = kwargs.pop("hint", None)
        max_time_ms = kwargs.pop("maxTimeMS", None)
        collation = validate_collation_or_none(kwargs.pop("collation", None))
        refuse_unhonoured("aggregate", kwargs)
        if isinstance(skip, bool) or not isinstance(skip, int):
            raise_server_error(ServerError(14, "The skip value must be a number"))
        if skip < 0:
            raise_server_error(ServerError(15956, "Invalid argument to $skip stage: Expected a "
                                                  "non-negative number"))
        if limit is not None and limit != 0 and limit < 0:
            raise_server_error(ServerError(15958, "the limit must be positive"))
        if hint is not None and not isinstance(hint, str):
            hint = dict(index_list(hint))
        values = self._engine(filter=filter)
        check_session(self._database.client, session, "aggregate")
        try:
            with operation_deadline(max_time_ms):
                return crud.count(self._server, self._database.name, self._name,
                                  values.get("filter"), skip=skip, limit=limit or 0, hint=hint,
                                  collation=collation)
        except ServerError as exc:
            raise_server_error(exc)

    def estimated_document_count(self, comment: Any = None, **kwargs: Any) -> int:
        if "session" in kwargs:
            raise ConfigurationError("estimated_document_count does not support sessions")
        fail_read(self._database.client, "count")
        refuse_unhonoured("count", kwargs)
        try:
            # the count command: on a view, its pipeline's documents are counted
            with operation_deadline(kwargs.get("maxTimeMS")):
                return crud.count(self._server, self._database.name, self._name)
        except ServerError as exc:
            raise_server_error(exc)

    def distinct(self, key: str, filter: Mapping[str, Any] | None = None, session: Any = None,
                 comment: Any = None, hint: Any = None, **kwargs: Any) -> list:
        if not isinstance(key, str):
            raise TypeError(f"key must be an instance of str, not {type(key)}")
        if filter is not None:
            common.validate_is_mapping("filter", filter)
        collation = validate_collation_or_none(kwargs.pop("collation", None))
        max_time_ms = kwargs.pop("maxTimeMS", None)
        refuse_unhonoured("distinct", kwargs)
        values = self._engine(query=filter)
        check_session(self._database.client, session, "distinct")
        try:
            with operation_deadline(max_time_ms):
                found = crud.distinct(self._server, self._database.name, self._name, key,
                                      values.get("query"), collation=collation)
        except ServerError as exc:
            raise_server_error(exc)
        # values cross back through BSON so they come out in the caller's codec
        raw = bson.encode({"values": found})
        return bson.decode(raw, self._codec_options)["values"]

    # -- find and modify ----------------------------------------------------------

    def _find_and_modify(self, filter: Any, projection: Any, sort: Any, upsert: bool | None = None,
                         return_document: bool = ReturnDocument.BEFORE, array_filters: Any = None,
                         hint: Any = None, let: Any = None, remove: bool = False,
                         update: Any = None, collation: Any = None,
                         bypass_validation: bool = False, max_time_ms: Any = None) -> Any:
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
        collation = validate_collation_or_none(collation)
        values = self._engine(query=filter, fields=projection, sort=sort, update=update,
                              arrayFilters=array_filters, hint=hint, let=let)
        try:
            with operation_deadline(max_time_ms):
                reply = crud.find_and_modify(
                    self._server, self._database.name, self._name, query=values.get("query"),
                    sort=values.get("sort"), remove=remove, update=values.get("update"),
                    new=return_document, fields=values.get("fields"), upsert=bool(upsert),
                    array_filters=values.get("arrayFilters"), hint=values.get("hint"),
                    let=values.get("let"), bypass_validation=bypass_validation,
                    collation=collation)
        except ServerError as exc:
            raise command_error(exc) from None
        value = reply["value"]
        if not self._acknowledged:
            return None  # pymongo returns nothing for an unacknowledged findAndModify
        return decode(value, self._codec_options) if value is not None else None

    def find_one_and_delete(self, filter: Mapping[str, Any], projection: Any = None,
                            sort: Any = None, hint: Any = None, session: Any = None,
                            let: Any = None, comment: Any = None, **kwargs: Any) -> Any:
        refuse_unhonoured("findAndModify", {k: v for k, v in kwargs.items()
                                             if k not in _FIND_AND_MODIFY_HONOURED})
        check_session(self._database.client, session, "findAndModify", self._write_concern)
        return self._find_and_modify(filter, projection, sort, hint=hint, let=let, remove=True,
                                     collation=kwargs.get("collation"),
                                     max_time_ms=kwargs.get("maxTimeMS"))

    def find_one_and_replace(self, filter: Mapping[str, Any], replacement: Mapping[str, Any],
                             projection: Any = None, sort: Any = None, upsert: bool = False,
                             return_document: bool = ReturnDocument.BEFORE, hint: Any = None,
                             session: Any = None, let: Any = None, comment: Any = None,
                             **kwargs: Any) -> Any:
        common.validate_ok_for_replace(replacement)
        refuse_unhonoured("findAndModify", {k: v for k, v in kwargs.items()
                                             if k not in _FIND_AND_MODIFY_HONOURED})
        check_session(self._database.client, session, "findAndModify", self._write_concern)
        return self._find_and_modify(filter, projection, sort, upsert, return_document,
                                     hint=hint, let=let, update=replacement,
                                     collation=kwargs.get("collation"),
                                     bypass_validation=_bypass(kwargs),
                                     max_time_ms=kwargs.get("maxTimeMS"))

    def find_one_and_update(self, filter: Mapping[str, Any], update: Any, projection: Any = None,
                            sort: Any = None, upsert: bool = False,
                            return_document: bool = ReturnDocument.BEFORE,
                            array_filters: Any = None, hint: Any = None, session: Any = None,
                            let: Any = None, comment: Any = None, **kwargs: Any) -> Any:
        common.validate_ok_for_update(update)
        refuse_unhonoured("findAndModify", {k: v for k, v in kwargs.items()
                                             if k not in _FIND_AND_MODIFY_HONOURED})
        check_session(self._database.client, session, "findAndModify", self._write_concern)
        return self._find_and_modify(filter, projection, sort, upsert, return_document,
                                     array_filters=array_filters, hint=hint, let=let,
                                     update=update, collation=kwargs.get("collation"),
                                     bypass_validation=_bypass(kwargs),
                                     max_time_ms=kwargs.get("maxTimeMS"))

    # -- bulk ---------------------------------------------------------------------

    def bulk_write(self, requests: Sequence[Any], ordered: bool = True,
                   bypass_document_validation: bool | None = None, session: Any = None,
                   comment: Any = None, let: Any = None) -> Any:
        common.validate_list("requests", requests)
        check_session(self._database.client, session, bulk_command(requests), self._write_concern,
                      operations=0)
        count_bulk_requests(self._database.client._engine, requests)
        return BulkWriter(self, ordered, let=let,
                          bypass_validation=bool(bypass_document_validation)
                          ).execute(list(requests))

    # -- aggregation --------------------------------------------------------------

    def aggregate(self, pipeline: Sequence[Mapping[str, Any]], session: Any = None,
                  let: Any = None, comment: Any = None, **kwargs: Any) -> CommandCursor:
        check_session(self._database.client, session, "aggregate", implicit=True,
                      pipeline=pipeline)
        return run_aggregate(self._database, self._name, pipeline, let=let, **kwargs)

    def aggregate_raw_batches(self, pipeline: Sequence[Mapping[str, Any]], session: Any = None,
                              comment: Any = None, **kwargs: Any) -> RawBatchCommandCursor:
        """Like :meth:`aggregate`, but yields each batch as raw BSON bytes
        (pymongo's ``RawBatchCommandCursor``)."""
        batch_size = kwargs.get("batchSize", kwargs.get("batch_size"))
        cursor = self.aggregate(pipeline, session=session, comment=comment, **kwargs)
        return RawBatchCommandCursor(cursor, batch_size)

    def watch(self, *args: Any, **kwargs: Any) -> Any:
        raise_server_error(ServerError(238, "change streams are not supported by mim yet "
                                            "(planned with the change-streams issue)"))

    # -- indexes ------------------------------------------------------------------

    def create_index(self, keys: Any, session: Any = None, comment: Any = None,
                     **kwargs: Any) -> str:
        check_session(self._database.client, session, "createIndexes")
        # as pymongo: these two are command options, the rest describe the index
        options = {key: kwargs.pop(key) for key in ("maxTimeMS", "commitQuorum")
                   if key in kwargs}
        return create_indexes(self, [index_model(keys, **kwargs)], **options)[0]

    def create_indexes(self, indexes: Sequence[Any], session: Any = None, comment: Any = None,
                       **kwargs: Any) -> list[str]:
        common.validate_list("indexes", indexes)
        check_session(self._database.client, session, "createIndexes")
        return create_indexes(self, indexes, **kwargs)

    def drop_index(self, index_or_name: Any, session: Any = None, comment: Any = None,
                   **kwargs: Any) -> None:
        check_session(self._database.client, session, "dropIndexes")
        drop_index(self, index_or_name, **kwargs)

    def drop_indexes(self, session: Any = None, comment: Any = None, **kwargs: Any) -> None:
        check_session(self._database.client, session, "dropIndexes")
        drop_index(self, "*", **kwargs)

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
        check_session(self._database.client, session, "listIndexes")
        return list_indexes(self)

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
        check_session(self._database.client, session, "listCollections")
        with self._server.lock:
            coll = self._server.get_collection(self._database.name, self._name)
            if coll is None:
                return {}
            options = dict(coll.options)
        raw = bson.encode({"o": options})
        return bson.decode(raw, self._codec_options)["o"]

    def drop(self, session: Any = None, comment: Any = None, encrypted_fields: Any = None) -> None:
        self._database.drop_collection(self._name, session)

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
        check_session(self._database.client, session, "renameCollection", self._write_concern)
        try:
            catalog.rename_collection(self._server, self.full_name,
                                      f"{self._database.name}.{new_name}",
                                      bool(kwargs.get("dropTarget", False)))
        except ServerError as exc:
            raise_server_error(exc)
        return {"ok": 1.0}
