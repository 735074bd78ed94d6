"""Cursor commands: ``getMore`` and ``killCursors`` over the server's cursor
registry (:mod:`mim.engine.ops.cursors`), and the ``{cursor: {firstBatch…}}`` reply
every cursor-returning command sends."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import bson

from ..ops.cursors import batch, registry_of
from ..ops.failpoints import fail_get_more, fail_points_of, max_time_override
from ..ops.tailable import Tail
from ..values.deadline import expired_error, parse_max_time_ms
from ..values.errors import ServerError
from ..storage.store import Server
from .api_version import api_parameters_of, current_api_parameters
from .registry import command
from .arguments import batch_size, collection_name, type_name

def cursor_reply(server: Server, ns: str, documents: list[bytes], first_batch: int | None,
                  single_batch: bool = False, tail: Tail | None = None,
                  scan: bool = False, open_at_end: bool = False) -> dict:
    """``{cursor: {firstBatch, id, ns}}``; what is left waits for ``getMore``
    (a tailable cursor's ``tail`` keeps it open for documents inserted later;
    ``scan``: a find's cursor, killed when its collection is dropped or renamed;
    ``open_at_end``: see :class:`~mim.engine.ops.cursors.ServerCursor`)."""
    if tail is None and first_batch != 0:
        first, position = batch(documents, 0, first_batch)
        if single_batch or (position >= len(documents)  # all in one batch: no cursor kept
                            and not (open_at_end and len(first) == first_batch)):
            return {"cursor": {"firstBatch": first, "id": _NO_CURSOR, "ns": ns}, "ok": 1.0}
        source = None
        if scan:
            db, name = ns.split(".", 1)
            coll = server.get_collection(db, name)
            source = (server, db, name, coll) if coll is not None else None
        cursor_id = registry_of(server).keep(ns, documents, position, None,
                                             current_api_parameters(), source, open_at_end)
    else:
        first, cursor_id = registry_of(server).open(ns, documents, first_batch, single_batch,
                                                    tail, current_api_parameters())
    cursor: dict[str, Any] = {"firstBatch": first}
    reply_fields = getattr(tail, "reply_fields", None)
    if reply_fields is not None:
        cursor.update(reply_fields())  # a change stream's postBatchResumeToken
    cursor.update(id=bson.Int64(cursor_id), ns=ns)
    return {"cursor": cursor, "ok": 1.0}


#: the id of a cursor the server did not keep open
_NO_CURSOR = bson.Int64(0)


@command("getMore")
def cmd_get_more(server: Server, db: str, cmd: Mapping) -> dict:
    cursor_id = cmd["getMore"]
    if not isinstance(cursor_id, int) or isinstance(cursor_id, bool):
        raise ServerError(14, f"BSON field 'getMore.getMore' is the wrong type "
                              f"'{type_name(cursor_id)}', expected type 'long'")
    if "collection" not in cmd:
        raise ServerError(40414, "BSON field 'getMore.collection' is missing but a required "
                                 "field")
    collection = cmd["collection"]
    if not isinstance(collection, str):
        raise ServerError(14, f"BSON field 'getMore.collection' is the wrong type "
                              f"'{type_name(collection)}', expected type 'string'")
    size = batch_size(cmd, "getMore")
    ns = f"{db}.{collection}"
    max_time_ms = parse_max_time_ms(cmd["maxTimeMS"]) if "maxTimeMS" in cmd else None
    registry = registry_of(server)
    if registry.is_timed(int(cursor_id)) and max_time_override(server) == "expire":
        raise expired_error()
    extra: dict[str, Any] = {}
    if fail_points_of(server).armed:
        change_stream = registry.is_change_stream(int(cursor_id))
        if change_stream is not None:  # the fail point fires once the cursor is checked out
            fail_get_more(server, change_stream)
    docs, next_id = registry.get_more(int(cursor_id), ns, size or None,
                                      max_time_ms, api_parameters_of(cmd), extra)
    return {"cursor": {"nextBatch": docs, **extra, "id": bson.Int64(next_id), "ns": ns},
            "ok": 1.0}


@command("killCursors")
def cmd_kill_cursors(server: Server, db: str, cmd: Mapping) -> dict:
    collection = collection_name(cmd, "killCursors")
    ids = cmd.get("cursors")
    if not isinstance(ids, list):
        raise ServerError(40414 if ids is None else 14,
                          "BSON field 'killCursors.cursors' is missing but a required field"
                          if ids is None else
                          f"BSON field 'killCursors.cursors' is the wrong type "
                          f"'{type_name(ids)}', expected type 'array'")
    for index, cursor_id in enumerate(ids):
        if not isinstance(cursor_id, int) or isinstance(cursor_id, bool):
            raise ServerError(14, f"BSON field 'killCursors.cursors.{index}' is the wrong type "
                                  f"'{type_name(cursor_id)}', expected type 'long'")
    reply: dict[str, Any] = dict(registry_of(server).kill(f"{db}.{collection}",
                                                          [int(i) for i in ids]))
    reply = {k: [bson.Int64(i) for i in v] for k, v in reply.items()}
    reply["ok"] = 1.0
    return reply
