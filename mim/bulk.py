"""``bulk_write`` / ``insert_many``: pymongo's operation objects run as the
server runs them, with ``BulkWriteError`` details in the server's shape.

Operations are collected through pymongo's own ``_add_to_bulk`` protocol, so
every client-side check pymongo makes happens here too.  Ordered bulks stop
at the first error; unordered ones run inserts, then updates, then deletes
(pymongo's grouping) and report every error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bson.objectid import ObjectId
from bson.raw_bson import RawBSONDocument
from pymongo import common
from pymongo.errors import BulkWriteError, InvalidOperation
from pymongo.results import BulkWriteResult

from .boundary import encode, plain_encode, raise_server_error
from .session import in_transaction
from .engine.storage.shapes import offer_originals
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
                 bypass_validation: bool | None = None, session: Any = None,
                 comment: Any = None) -> None:
        self.collection = collection
        self.ordered = ordered
        self.let = let
        #: ``bypass_document_validation``: sent as pymongo sends it (None: left out)
        self.bypass_validation = bypass_validation
        self.session = session
        self.comment = comment
        self.ops: list[tuple[int, Any, Any]] = []  # (kind, engine statement, op for errors)
        #: position in :attr:`ops` -> the plain dict :meth:`add_inserts` encoded there
        #: with exactly ``CodecOptions`` (what the engine may copy rather than decode)
        self.originals: dict[int, dict] = {}

    # -- pymongo's _Bulk protocol -------------------------------------------------

    def add_insert(self, document: Any, validated: bool = False) -> None:
        if type(document) is dict:
            # the common case, without the ABC isinstance checks
            if "_id" not in document:
                document["_id"] = ObjectId()
            collection = self.collection
            try:  # encode(), without its call when the C encoder takes the options as they are
                raw = plain_encode(document, False, collection._encoding_codec) \
                    if collection._plain_codec else encode(document, collection._codec_options)
            except RecursionError:
                raw = encode(document, collection._codec_options)  # the server's depth error
        else:
            if not validated:
                common.validate_is_document_type("document", document)
            if not isinstance(document, RawBSONDocument) and "_id" not in document:
                document["_id"] = ObjectId()
            raw = document.raw if isinstance(document, RawBSONDocument) else encode(
                document, self.collection.codec_options)
        self.ops.append((_INSERT, raw, document))

    def add_inserts(self, documents: list[Any]) -> None:
        """:meth:`add_insert` of each of ``documents`` (``insert_many``'s, each already
        checked and given its ``_id``), in one call: the plain dicts' encoding is the
        whole of the loop."""
        collection = self.collection
        codec_options = collection._codec_options
        encoding_codec = collection._encoding_codec
        plain = collection._plain_codec
        ops = self.ops
        append = ops.append
        originals = self.originals
        for document in documents:
            if type(document) is dict and plain:
                try:
                    raw = plain_encode(document, False, encoding_codec)
                except RecursionError:
                    raw = encode(document, codec_options)  # the server's depth error
                originals[len(ops)] = document
                append((_INSERT, raw, document))
            else:
                self.add_insert(document, validated=True)

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
        """One write command per run of operations of one kind (pymongo's batching:
        in order when ordered; inserts, then updates, then deletes when not), the
        replies merged into pymongo's bulk result."""
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
        let = coll._engine(let=self.let).get("let") if self.let is not None else None
        position = 0
        while position < len(indexed):
            kind = indexed[position][1][0]
            end = position
            while end < len(indexed) and indexed[end][1][0] == kind and \
                    end - position < _MAX_WRITE_BATCH_SIZE:
                end += 1
            batch = indexed[position:end]
            position = end
            name, field = _COMMANDS[kind]
            cmd: dict[str, Any] = {name: coll.name, field: [op[1] for _, op in batch],
                                   "ordered": self.ordered}
            if kind != _INSERT and let is not None:
                cmd["let"] = let
            if self.bypass_validation is not None and kind != _DELETE:
                cmd["bypassDocumentValidation"] = self.bypass_validation
            if self.comment is not None:
                cmd["comment"] = self.comment
            if kind == _INSERT and self.originals:
                # the dicts the batch was encoded from: the engine copies them for its
                # shadows (nothing runs between their encoding and this command)
                originals = self.originals
                offer_originals(cmd[field], [originals.get(i) for i, _ in batch])
                try:
                    reply = coll._command(cmd, self.session, write=True)
                finally:
                    offer_originals(cmd[field], None)
            else:
                reply = coll._command(cmd, self.session, write=True)
            _merge(result, kind, batch, reply)
            if self.ordered and reply.get("writeErrors"):
                break
        if not coll.write_concern.acknowledged and not in_transaction(self.session):
            return BulkWriteResult({}, False)
        if result["writeErrors"] or result["writeConcernErrors"]:
            result["writeErrors"].sort(key=lambda e: e["index"])
            raise BulkWriteError(result)
        return BulkWriteResult(result, True)


#: the command and its statements' field, per kind of operation
_COMMANDS = {_INSERT: ("insert", "documents"), _UPDATE: ("update", "updates"),
             _DELETE: ("delete", "deletes")}
#: the server's ``maxWriteBatchSize``: pymongo splits longer runs
_MAX_WRITE_BATCH_SIZE = 100000


def _merge(result: dict[str, Any], kind: int, batch: list, reply: dict) -> None:
    """One write command's reply added to the bulk result (pymongo's ``_merge_command``):
    counts, upserted ids and write errors at the operations' positions in the bulk."""
    n = reply.get("n", 0)
    if kind == _INSERT:
        result["nInserted"] += n
    elif kind == _DELETE:
        result["nRemoved"] += n
    else:
        upserted = reply.get("upserted", [])
        result["nMatched"] += n - len(upserted)
        result["nModified"] += reply.get("nModified", 0)
        result["nUpserted"] += len(upserted)
        for item in upserted:
            result["upserted"].append({"index": batch[item["index"]][0], "_id": item["_id"]})
    for error in reply.get("writeErrors", ()):
        index, (_, _, op) = batch[error["index"]]
        result["writeErrors"].append({**error, "index": index, "op": op})
    if "writeConcernError" in reply:
        result["writeConcernErrors"].append(reply["writeConcernError"])
