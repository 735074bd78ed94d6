"""``explain`` of find, count, distinct, update, delete, findAndModify and
aggregate: the plan :mod:`mim.engine.planner` chooses, in MongoDB's shape."""

from __future__ import annotations

import socket
from collections.abc import Mapping
from typing import Any

from ..languages.matcher.text import compile_collection_filter
from ..ops.collations import operation_collation
from ..planner import explain_find
from ..storage.store import Server
from ..values.errors import ServerError
from .arguments import collection_name, non_negative, type_name
from .diagnostics import VERSION
from .registry import COMMANDS, DRIVER_FIELDS, command

_EXPLAIN_VERBOSITY = ("queryPlanner", "executionStats", "allPlansExecution")


def server_info(server: Server) -> dict:
    """explain's ``serverInfo``: the machine's host name and the server's port."""
    return {"host": socket.gethostname(), "port": server.port, "version": VERSION,
            "gitVersion": "mim"}


#: explain's ``serverParameters``: the query knobs 7.0 reports with every explain
#: (``explain_common::generateServerParameters``), at their defaults, which mim
#: applies (:mod:`mim.engine.pipeline.memory` holds the memory limits).
_SERVER_PARAMETERS = {
    "internalQueryFacetBufferSizeBytes": 104857600,
    "internalQueryFacetMaxOutputDocSizeBytes": 104857600,
    "internalLookupStageIntermediateDocumentMaxSizeBytes": 104857600,
    "internalDocumentSourceGroupMaxMemoryBytes": 104857600,
    "internalQueryMaxBlockingSortMemoryUsageBytes": 104857600,
    "internalQueryProhibitBlockingMergeOnMongoS": 0,
    "internalQueryMaxAddToSetBytes": 104857600,
    "internalDocumentSourceSetWindowFieldsMaxMemoryBytes": 104857600,
    "internalQueryFrameworkControl": "trySbeRestricted",
}


def server_parameters() -> dict:
    """explain's ``serverParameters`` (a fresh copy: replies are the caller's)."""
    return dict(_SERVER_PARAMETERS)


@command("explain")
def cmd_explain(server: Server, db: str, cmd: Mapping) -> dict:
    inner = cmd["explain"]
    if not isinstance(inner, Mapping) or not inner:
        raise ServerError(14, f"BSON field 'explain.explain' is the wrong type "
                              f"'{type_name(inner)}', expected type 'object'")
    verbosity = cmd.get("verbosity", "allPlansExecution")
    if verbosity not in _EXPLAIN_VERBOSITY:
        raise ServerError(2, f"Enumeration value '{verbosity}' for field 'explain.verbosity' "
                             f"is not a valid value.")
    name = next(iter(inner))
    if name == "aggregate":
        coll = inner["aggregate"] if isinstance(inner["aggregate"], str) else None
        return explain_aggregate(server, db, coll, inner, verbosity)
    if name not in ("find", "count", "distinct", "update", "delete", "findAndModify",
                    "findandmodify"):
        if name not in COMMANDS:
            raise ServerError(59, f"no such command: '{name}'")
        raise ServerError(115, f"Explain for {name} is not supported")
    coll = collection_name(inner, name)
    if name == "find":
        flt = inner.get("filter")
    elif name in ("count", "findAndModify", "findandmodify"):
        flt = inner.get("query")
    elif name == "distinct":
        flt = inner.get("query")
    else:
        statements = inner.get("updates" if name == "update" else "deletes") or [{}]
        flt = statements[0].get("q")
    if flt is not None and not isinstance(flt, Mapping):
        raise ServerError(14, f"BSON field '{name}.{'filter' if name == 'find' else 'query'}' "
                              f"is the wrong type '{type_name(flt)}', expected type "
                              f"'object'")
    options: dict[str, Any] = {"hint": inner.get("hint")}
    statement = inner if name not in ("update", "delete") else statements[0]
    if statement.get("collation") is not None or server.default_collations:
        options["collation"] = operation_collation(server, db, coll, statement.get("collation"))
    if name == "find":
        options.update(projection=inner.get("projection"), sort=inner.get("sort"),
                       skip=non_negative(inner, "skip", "find"),
                       limit=non_negative(inner, "limit", "find"))
    elif name in ("findAndModify", "findandmodify"):
        options.update(sort=inner.get("sort"), limit=1)
    reply = explain_query(server, db, coll, flt, verbosity, inner.get("let"), options)
    reply["command"] = {k: v for k, v in inner.items() if k not in DRIVER_FIELDS}
    reply["command"]["$db"] = db
    reply["serverInfo"] = server_info(server)
    reply["serverParameters"] = server_parameters()
    reply["ok"] = 1.0
    return reply


def explain_query(server: Server, db: str, coll: str, flt: Mapping | None, verbosity: str,
                   let: Mapping | None, options: dict[str, Any]) -> dict[str, Any]:
    """``queryPlanner`` (and ``executionStats``) of a query on ``db.coll``."""
    node = compile_collection_filter(flt, let, lambda: server.get_collection(db, coll),
                                     f"{db}.{coll}", collation=options.get("collation"))
    with server.lock:
        reply = explain_find(server.get_collection(db, coll), f"{db}.{coll}", node, flt,
                             verbosity=verbosity, **options)
    reply.pop("ok", None)
    return reply


def explain_aggregate(server: Server, db: str, coll: str | None, cmd: Mapping,
                      verbosity: str = "queryPlanner") -> dict:
    """An aggregate's explain.  A pipeline of ``$match`` stages only is optimised
    away into the query layer, so 7.0 explains it as it explains a find (the
    ``queryPlanner`` at the top, no ``stages``); any other pipeline shows its
    ``$cursor`` stage followed by the rest."""
    ns = f"{db}.{coll}" if coll is not None else f"{db}.$cmd.aggregate"
    pipeline = list(cmd.get("pipeline") or [])
    options = {"hint": cmd.get("hint")}
    if coll is not None and (cmd.get("collation") is not None or server.default_collations):
        options["collation"] = operation_collation(server, db, coll, cmd.get("collation"))
    matches = _match_only_filter(pipeline)
    if coll is not None and matches is not None:
        reply = explain_query(server, db, coll, matches, verbosity, cmd.get("let"), options)
        reply.update(command=dict(cmd), serverInfo=server_info(server),
                     serverParameters=server_parameters(), ok=1.0)
        return reply
    first = pipeline[0] if pipeline else {}
    flt = first.get("$match", {}) if isinstance(first, Mapping) else {}
    if not isinstance(flt, Mapping):
        flt = {}
    planner = explain_query(server, db, coll, flt, "queryPlanner", cmd.get("let"),
                             options)["queryPlanner"] if coll is not None \
        else {"namespace": ns, "winningPlan": {"stage": "EOF"}, "rejectedPlans": []}
    planner["namespace"] = ns
    return {"explainVersion": "1",
            "stages": [{"$cursor": {"queryPlanner": planner}}] +
                      [dict(stage) for stage in pipeline[1 if "$match" in first else 0:]],
            "serverInfo": server_info(server), "serverParameters": server_parameters(),
            "command": dict(cmd), "ok": 1.0}


def _match_only_filter(pipeline: list) -> Mapping | None:
    """The one filter of a pipeline made of ``$match`` stages only (several are
    coalesced with ``$and``, as the server's optimiser does), ``{}`` for an empty
    pipeline; None when any other stage remains."""
    filters = []
    for stage in pipeline:
        if not isinstance(stage, Mapping) or len(stage) != 1 or "$match" not in stage \
                or not isinstance(stage["$match"], Mapping):
            return None
        filters.append(stage["$match"])
    if not filters:
        return {}
    return filters[0] if len(filters) == 1 else {"$and": filters}
