"""``explain`` of find, count, distinct, update, delete, findAndModify and
aggregate: the plan :mod:`mim.engine.planner` chooses, in MongoDB's shape."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from ..ops import crud
from ..values.errors import ServerError
from ..storage.store import Server
from .registry import COMMANDS, DRIVER_FIELDS, command
from .arguments import collection_name, non_negative, type_name
from .diagnostics import VERSION

_EXPLAIN_VERBOSITY = ("queryPlanner", "executionStats", "allPlansExecution")


def server_info() -> dict:
    return {"host": "mim", "port": 27017, "version": VERSION, "gitVersion": "mim"}


def _query_planner(server: Server, db: str, coll: str | None, flt: Any, hint: Any) -> dict:
    """``queryPlanner`` of explain: the plan the engine's index catalog chose."""
    plan: dict[str, Any] = {"stage": "COLLSCAN", "filter": dict(flt or {}),
                            "direction": "forward"}
    with server.lock:
        collection = server.get_collection(db, coll) if coll is not None else None
        if collection is not None and hint is not None:
            collection.indexes.resolve_hint(hint)
    return {"namespace": f"{db}.{coll}", "indexFilterSet": False, "parsedQuery": dict(flt or {}),
            "winningPlan": plan, "rejectedPlans": []}


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
        return explain_aggregate(server, db, coll, inner)
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
    if name == "find":
        options.update(projection=inner.get("projection"), sort=inner.get("sort"),
                       skip=non_negative(inner, "skip", "find"),
                       limit=non_negative(inner, "limit", "find"))
    elif name in ("findAndModify", "findandmodify"):
        options.update(sort=inner.get("sort"), limit=1)
    reply = explain_query(server, db, coll, flt, verbosity, inner.get("let"), options)
    reply["command"] = {k: v for k, v in inner.items() if k not in DRIVER_FIELDS}
    reply["command"]["$db"] = db
    reply["serverInfo"] = server_info()
    reply["serverParameters"] = {}
    reply["ok"] = 1.0
    return reply


def explain_query(server: Server, db: str, coll: str, flt: Mapping | None, verbosity: str,
                   let: Mapping | None, options: dict[str, Any]) -> dict[str, Any]:
    """``queryPlanner`` (and ``executionStats``) of a query on ``db.coll``."""
    try:
        from ..planner import explain_find
    except ModuleNotFoundError as exc:  # an engine without a planner: every query scans
        if exc.name != __name__.rsplit(".", 2)[0] + ".planner":
            raise
        explain_find = None
    skip = options.get("skip", 0)
    limit = options.get("limit", 0)
    if explain_find is not None:
        from ..languages.matcher import MatchContext, compile_filter
        node = compile_filter(flt, MatchContext(variables=dict(let or {})))
        with server.lock:
            reply = explain_find(server.get_collection(db, coll), f"{db}.{coll}", node, flt,
                                 verbosity=verbosity, **options)
        reply.pop("ok", None)
        return reply
    reply: dict[str, Any] = {"explainVersion": "1",
                             "queryPlanner": _query_planner(server, db, coll, flt,
                                                            options.get("hint"))}
    if verbosity != "queryPlanner":
        started = time.perf_counter()
        returned = len(crud.find(server, db, coll, flt, skip=skip, limit=limit,
                                 hint=options.get("hint"), let=let))
        with server.lock:
            collection = server.get_collection(db, coll)
            total = len(collection) if collection is not None else 0
        stage = dict(reply["queryPlanner"]["winningPlan"])
        stage.update({"nReturned": returned, "docsExamined": total})
        reply["executionStats"] = {
            "executionSuccess": True, "nReturned": returned,
            "executionTimeMillis": int((time.perf_counter() - started) * 1000),
            "totalKeysExamined": 0, "totalDocsExamined": total, "executionStages": stage}
        if verbosity == "allPlansExecution":
            reply["executionStats"]["allPlansExecution"] = []
    return reply


def explain_aggregate(server: Server, db: str, coll: str | None, cmd: Mapping) -> dict:
    ns = f"{db}.{coll}" if coll is not None else f"{db}.$cmd.aggregate"
    pipeline = list(cmd.get("pipeline") or [])
    first = pipeline[0] if pipeline else {}
    flt = first.get("$match", {}) if isinstance(first, Mapping) else {}
    if not isinstance(flt, Mapping):
        flt = {}
    planner = explain_query(server, db, coll, flt, "queryPlanner", cmd.get("let"),
                             {"hint": cmd.get("hint")})["queryPlanner"] if coll is not None \
        else {"namespace": ns, "winningPlan": {"stage": "EOF"}, "rejectedPlans": []}
    planner["namespace"] = ns
    return {"explainVersion": "1",
            "stages": [{"$cursor": {"queryPlanner": planner}}] +
                      [dict(stage) for stage in pipeline[1 if "$match" in first else 0:]],
            "serverInfo": server_info(), "command": dict(cmd), "ok": 1.0}
