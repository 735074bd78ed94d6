"""CRUD commands: find, count, distinct, insert, update, delete, findAndModify."""

from __future__ import annotations

from collections.abc import Mapping

from bson.objectid import ObjectId

from ..ops import crud
from ..ops.cursors import DEFAULT_FIRST_BATCH
from ..values.errors import ServerError
from ..storage.store import Server, decode_shadow
from .registry import DRIVER_FIELDS, command
from .arguments import (batch_size, bypass_validation, collection_name, flag, non_negative,
                        number, optional, optional_bool, statements)
from ..ops.cursors import registry_of
from .cursors import cursor_reply
from ..ops.tailable import check_tailable_find, open_tail
from ..ops.oplog import OPLOG_DATABASE, check_oplog_write

#: the find fields that hold documents, in the order the server parses them
_FIND_DOCUMENTS = ("filter", "projection", "sort", "let", "min", "max")


#: the fields of the find ``find_one`` sends: a filter, a limit and one batch (and, over
#: the wire, the generic fields a driver adds, which the dispatcher has dealt with
#: before the handler runs and which find's own checks below ignore as well)
_FIND_ONE_FIELDS = frozenset({"find", "filter", "limit", "singleBatch"}) | DRIVER_FIELDS


@command("find")
def cmd_find(server: Server, db: str, cmd: Mapping) -> dict:
    name = collection_name(cmd, "find")
    if cmd.keys() <= _FIND_ONE_FIELDS:
        flt = cmd.get("filter")
        limit = cmd.get("limit", 0)
        if type(flt) is dict and type(limit) is int and limit >= 0:
            if limit == 1 and len(flt) == 1 and type(server) is Server \
                    and cmd.get("singleBatch") is True:
                found = _id_point(server, db, name, flt)
                if found is not crud.NOT_A_POINT:
                    # find_one by _id (what a driver sends over the wire): the point
                    # read, without compiling the filter or planning
                    return cursor_reply(server, f"{db}.{name}", [] if found is None
                                        else [found], DEFAULT_FIRST_BATCH, single_batch=True)
            # find_one's command: nothing else to check (the fields below are absent)
            docs = crud.find(server, db, name, flt, limit=limit)
            single_batch = cmd.get("singleBatch", False)
            if single_batch is True:  # (find_one's: no cursor is kept, whatever the end)
                return cursor_reply(server, f"{db}.{name}", docs, DEFAULT_FIRST_BATCH,
                                    single_batch=True)
            return cursor_reply(server, f"{db}.{name}", docs, DEFAULT_FIRST_BATCH,
                                single_batch=bool(single_batch), scan=True,
                                open_at_end=_scan_ends_unseen(flt, None, limit, docs))
    # the fields that are present, each checked as the server checks it
    given = {field: optional(cmd, field, dict, "object", "find")
             for field in _FIND_DOCUMENTS if field in cmd}
    flt = given.get("filter")
    projection = given.get("projection")
    skip = non_negative(cmd, "skip", "find") if "skip" in cmd else 0
    limit = cmd.get("limit", 0)
    if type(limit) is not int or limit < 0:  # anything but a plain count: checked
        limit = non_negative(cmd, "limit", "find")
    size = batch_size(cmd, "find") if "batchSize" in cmd else None
    sort = given.get("sort")
    let = given.get("let")
    tailable = bool(cmd.get("tailable", False))
    if cmd.get("awaitData") and not tailable:
        raise ServerError(9, "Cannot set 'awaitData' without also setting 'tailable'")
    first_batch = DEFAULT_FIRST_BATCH if size is None else size
    single_batch = bool(cmd.get("singleBatch", False))
    return_key = "returnKey" in cmd and flag(cmd, "returnKey", "find")
    show_record_id = "showRecordId" in cmd and flag(cmd, "showRecordId", "find")
    allow_disk_use = optional_bool(cmd, "allowDiskUse") if "allowDiskUse" in cmd else None
    if tailable:
        # the server's planner answers a tailable query with a collection scan
        # before it reads hint, min or max (so they change nothing)
        check_tailable_find(server, db, name, sort, single_batch)
        docs, tail = open_tail(server, db, name, flt, projection, let, skip, limit,
                               bool(cmd.get("awaitData", False)), return_key, show_record_id,
                               cmd.get("collation"))
        return _timeout_option(server, cmd, cursor_reply(server, f"{db}.{name}", docs,
                                                          first_batch, tail=tail))
    docs = crud.find(server, db, name, flt, projection=projection, sort=sort,
                     skip=skip, limit=limit, hint=cmd.get("hint"), let=let,
                     min=given.get("min"), max=given.get("max"), return_key=return_key,
                     show_record_id=show_record_id,
                     collation=cmd["collation"] if "collation" in cmd else None,
                     allow_disk_use=allow_disk_use is not False)
    return _timeout_option(server, cmd, cursor_reply(
        server, f"{db}.{name}", docs, first_batch, single_batch=single_batch, scan=True,
        open_at_end=_scan_ends_unseen(flt, sort, limit, docs)))


def _id_point(server: Server, db: str, name: str, flt: dict) -> object:
    """:func:`~mim.engine.ops.crud.find_point` for a filter ``{_id: value}`` whose
    value is one the point read takes as it is (an int32, an ASCII string, an
    ObjectId: the values the in-process ``find_one`` shortcut reads too); else
    :data:`~mim.engine.ops.crud.NOT_A_POINT`, and the general find answers."""
    value = flt.get("_id", flt)
    kind = type(value)
    if kind is ObjectId or kind is str and value.isascii() \
            or kind is int and -2147483648 <= value <= 2147483647:
        return crud.find_point(server, db, name, "_id", value)
    return crud.NOT_A_POINT


def _scan_ends_unseen(flt: object, sort: object, limit: int, docs: list) -> bool:
    """Whether the find's plan learns it has ended only by looking past its last
    document (mongod's ``isEOF()`` on a collection or index scan): not when a limit
    was reached, a sort stage holds the results (an index-provided sort is taken
    for one), or the filter is an ``_id`` equality (the IDHACK plan is done after
    its one document)."""
    if sort or (limit and len(docs) >= limit):
        return False
    if type(flt) is dict and len(flt) == 1 and "_id" in flt:
        value = flt["_id"]
        if not isinstance(value, dict) or not any(str(k).startswith("$") for k in value):
            return False
    return True


def _timeout_option(server: Server, cmd: Mapping, reply: dict) -> dict:
    """``noCursorTimeout``: the cursor the reply names is never closed for idling."""
    if cmd.get("noCursorTimeout") and reply["cursor"]["id"]:
        registry_of(server).keep_alive(int(reply["cursor"]["id"]))
    return reply


@command("count")
def cmd_count(server: Server, db: str, cmd: Mapping) -> dict:
    name = collection_name(cmd, "count")
    query = optional(cmd, "query", dict, "object", "count")
    skip = non_negative(cmd, "skip", "count")
    limit = number(cmd, "limit", "count") or 0
    n = crud.count(server, db, name, query, skip=skip, limit=limit, hint=cmd.get("hint"),
                   collation=cmd["collation"] if "collation" in cmd else None)
    return {"n": n, "ok": 1.0}


@command("distinct")
def cmd_distinct(server: Server, db: str, cmd: Mapping) -> dict:
    name = collection_name(cmd, "distinct")
    values = crud.distinct(server, db, name, cmd.get("key"), cmd.get("query"),
                           collation=cmd["collation"] if "collation" in cmd else None)
    return {"values": values, "ok": 1.0}


@command("insert")
def cmd_insert(server: Server, db: str, cmd: Mapping) -> dict:
    name = cmd["insert"]
    if type(name) is not str:
        name = collection_name(cmd, "insert")
    if db == OPLOG_DATABASE:
        check_oplog_write(server, db, name)
    documents = cmd.get("documents")
    # one document as a face sends it (BSON bytes) needs no check; anything else does
    if type(documents) is not list or len(documents) != 1 or type(documents[0]) is not bytes:
        documents = statements(cmd, "documents", "insert")
    ordered = cmd.get("ordered", True)
    if "bypassDocumentValidation" in cmd:
        reply = crud.insert(server, db, name, documents, ordered is True or bool(ordered),
                            bypass_validation(cmd, "insert"))
    else:
        reply = crud.insert(server, db, name, documents, ordered is True or bool(ordered))
    reply["ok"] = 1.0
    return reply


@command("update")
def cmd_update(server: Server, db: str, cmd: Mapping) -> dict:
    name = collection_name(cmd, "update")
    if db == OPLOG_DATABASE:
        check_oplog_write(server, db, name)
    reply = crud.update(server, db, name, statements(cmd, "updates", "update"),
                        bool(cmd.get("ordered", True)),
                        optional(cmd, "let", dict, "object") if "let" in cmd else None,
                        bypass_validation="bypassDocumentValidation" in cmd
                        and bypass_validation(cmd, "update"))
    reply["ok"] = 1.0
    return reply


@command("delete")
def cmd_delete(server: Server, db: str, cmd: Mapping) -> dict:
    name = collection_name(cmd, "delete")
    if db == OPLOG_DATABASE:
        check_oplog_write(server, db, name)
    reply = crud.delete(server, db, name, statements(cmd, "deletes", "delete"),
                        bool(cmd.get("ordered", True)),
                        optional(cmd, "let", dict, "object") if "let" in cmd else None)
    reply["ok"] = 1.0
    return reply


@command("findAndModify", "findandmodify")
def cmd_find_and_modify(server: Server, db: str, cmd: Mapping) -> dict:
    name = collection_name(cmd, next(iter(cmd)))
    if db == OPLOG_DATABASE:
        check_oplog_write(server, db, name)
    reply = crud.find_and_modify(
        server, db, name, query=cmd.get("query"), sort=cmd.get("sort"),
        remove=bool(cmd.get("remove", False)), update=cmd.get("update"),
        new=bool(cmd.get("new", False)), fields=cmd.get("fields"),
        upsert=bool(cmd.get("upsert", False)), array_filters=cmd.get("arrayFilters"),
        hint=cmd.get("hint"), let=optional(cmd, "let", dict, "object", "findAndModify"),
        bypass_validation=bypass_validation(cmd, "findAndModify"),
        collation=cmd["collation"] if "collation" in cmd else None)
    value = reply["value"]
    reply["value"] = decode_shadow(value) if value is not None else None
    reply["ok"] = 1.0
    return reply
