"""``bulk_write`` / ``insert_many``: pymongo's operation objects run as the
server runs them, with ``BulkWriteError`` details in the server's shape.

Operations are collected through pymongo's own ``_add_to_bulk`` protocol, so
every client-side check pymongo makes happens here too.  Ordered bulks stop
at the first error; unordered ones run inserts, then updates, then deletes
(pymongo's grouping) and report every error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import bson
from bson.objectid import ObjectId
from bson.raw_bson import RawBSONDocument
from pymongo import common
from pymongo.errors import BulkWriteError, InvalidOperation
from pymongo.results import BulkWriteResult

from .boundary import encode, fail_point, raise_reply_error, raise_server_error
from .engine.ops import crud
from .engine.values.errors import ServerError


if TYPE_CHECKING:
    from .collection import Collection

_INSERT, _UPDATE, _DELETE = 0, 1, 2



def reject_update_sort(sort: Any) -> None:
    """``sort`` on updateOne/replaceOne arrived with MongoDB 8.0; 7.0 rejects the field."""
    if sort is not None:
        raise_server_error(ServerError(40415, "BSON field 'update.updates.sort' is an unknown "
                                              "field."))


class BulkWriter:
    """Collects operations (pymongo's bulk protocol) and executes them."""

    def __init__(self, collection: "Collection", ordered: bool = True, let: Any = None,
                 bypass_validation: bool = False) -> None:
        self.collection = collection
        self.ordered = ordered
        self.let = let
        #: ``bypass_document_validation``: skip the collection's validator
        self.bypass_validation = bypass_validation
        self.ops: list[tuple[int, Any, Any]] = []  # (kind, engine statement, op for errors)

    # -- pymongo's _Bulk protocol -------------------------------------------------

    def add_insert(self, document: Any, validated: bool = False) -> None:
        if type(document) is dict:
            # the common case, without the ABC isinstance checks
            if "_id" not in document:
                document["_id"] = ObjectId()
            raw = encode(document, self.collection.codec_options)
        else:
            if not validated:
                common.validate_is_document_type("document", document)
            if not isinstance(document, RawBSONDocument) and "_id" not in document:
                document["_id"] = ObjectId()
            raw = document.raw if isinstance(document, RawBSONDocument) else encode(
                document, self.collection.codec_options)
        self.ops.append((_INSERT, raw, document))

    def add_update(self, selector: Any, update: Any, multi: bool, upsert: bool | None = None,
                   collation: Any = None, array_filters: Any = None, hint: Any = None,
                   sort: Any = None) -> None:
        common.validate_ok_for_update(update)
        reject_update_sort(sort)
        self._add_update(selector, update, multi, upsert, collation, array_filters, hint)

    def add_replace(self, selector: Any, replacement: Any, upsert: bool | None = None,
                    collation: Any = None, hint: Any = None, sort: Any = None) -> None:
        common.validate_ok_for_replace(replacement)
        reject_update_sort(sort)
        self._add_update(selector, replacement, False, upsert, collation, None, hint)

    def _add_update(self, selector: Any, update: Any, multi: bool, upsert: Any,
                    collation: Any, array_filters: Any, hint: Any) -> None:
        statement = self.collection._update_statement(
            selector, update, multi=multi, upsert=bool(upsert), array_filters=array_filters,
            hint=hint, collation=collation)
        op: dict[str, Any] = {"q": selector, "u": update, "multi": multi,
                              "upsert": bool(upsert)}
        if array_filters is not None:
            op["arrayFilters"] = array_filters
        if hint is not None:
            op["hint"] = hint
        self.ops.append((_UPDATE, statement, op))

    def add_delete(self, selector: Any, limit: int, collation: Any = None,
                   hint: Any = None) -> None:
        statement = self.collection._delete_statement(selector, limit, hint, collation)
        op: dict[str, Any] = {"q": selector, "limit": limit}
        if hint is not None:
            op["hint"] = hint
        self.ops.append((_DELETE, statement, op))

    # -- running ------------------------------------------------------------------

    def execute(self, requests: list[Any]) -> BulkWriteResult:
        for request in requests:
            try:
                request._add_to_bulk(self)
            except AttributeError:
                raise TypeError(f"{request!r} is not a valid request") from None
        if not self.ops:
            raise InvalidOperation("No operations to execute")
        indexed = list(enumerate(self.ops))
        if not self.ordered:
            indexed.sort(key=lambda item: item[1][0])
        result: dict[str, Any] = {"writeErrors": [], "writeConcernErrors": [], "nInserted": 0,
                                  "nUpserted": 0, "nMatched": 0, "nModified": 0,
                                  "nRemoved": 0, "upserted": []}
        coll = self.collection
        server, db, name = coll._server, coll.database.name, coll.name
        let = coll._engine(let=self.let).get("let") if self.let is not None else None
        position = 0
        while position < len(indexed):
            kind = indexed[position][1][0]
            if kind == _INSERT:
                # a run of inserts goes to the engine as one insert command
                end = position
                while end < len(indexed) and indexed[end][1][0] == _INSERT:
                    end += 1
                batch = indexed[position:end]
                self._fail_point("insert", result)
                try:
                    reply = crud.insert(server, db, name, [op[1] for _, op in batch],
                                        self.ordered, self.bypass_validation)
                except ServerError as exc:
                    raise_server_error(exc)
                result["nInserted"] += reply["n"]
                for error in reply.get("writeErrors", ()):
                    index, (_, _, op) = batch[error["index"]]
                    result["writeErrors"].append({**error, "index": index, "op": op})
                position = end
                if self.ordered and reply.get("writeErrors"):
                    break
                continue
            index, (kind, statement, op) = indexed[position]
            position += 1
            self._fail_point("update" if kind == _UPDATE else "delete", result)
            try:
                if kind == _UPDATE:
                    reply = crud.update(server, db, name, [statement], True, let,
                                        self.bypass_validation)
                    upserted = reply.get("upserted", [])
                    result["nMatched"] += reply["n"] - len(upserted)
                    result["nModified"] += reply["nModified"]
                    result["nUpserted"] += len(upserted)
                    for item in upserted:
                        result["upserted"].append({"index": index, "_id": item["_id"]})
                else:
                    reply = crud.delete(server, db, name, [statement], True, let)
                    result["nRemoved"] += reply["n"]
            except ServerError as exc:
                raise_server_error(exc)
            errors = reply.get("writeErrors")
            if errors:
                result["writeErrors"].append({**errors[0], "index": index, "op": op})
                if self.ordered:
                    break
        if not coll.write_concern.acknowledged:
            return BulkWriteResult({}, False)
        if result["writeErrors"] or result["writeConcernErrors"]:
            result["writeErrors"].sort(key=lambda e: e["index"])
            raise BulkWriteError(result)
        return BulkWriteResult(result, True)

    def _fail_point(self, name: str, result: dict[str, Any]) -> None:
        """The failCommand fail point before one write command of the bulk: its error
        raised as pymongo raises a failed command, a write concern error kept for
        the BulkWriteError pymongo raises at the end."""
        failure = fail_point(self.collection.database.client, name)
        if failure is None:
            return
        if failure.error is not None:
            raise_reply_error(failure.error)
        if failure.write_concern_error is not None:
            result["writeConcernErrors"].append(failure.write_concern_error)
