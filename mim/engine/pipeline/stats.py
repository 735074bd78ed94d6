"""Stages that report on the collection itself: $collStats and $indexStats."""

from __future__ import annotations

import datetime
import socket
from collections.abc import Iterable, Mapping
from typing import Any

from bson.int64 import Int64

from ..values.errors import ServerError
from ..values.order import type_name
from .registry import pipeline_stage
from ..storage.store import capped_limits

_STARTED = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def _host(catalog: Any) -> str:
    """``host:port`` of the server (mongod's ``getHostNameCachedAndPort``)."""
    server = getattr(catalog, "server", None)
    return f"{socket.gethostname()}:{server.port if server is not None else 27017}"


def _first_stage(name: str, ctx: Any) -> None:
    if ctx.position != 0:
        raise ServerError(40602, f"{name} is only valid as the first stage in a pipeline")
    if ctx.collection is None:
        raise ServerError(73, f"{{aggregate: 1}} is not valid for '{name}'; a collection is "
                              "required.")


def _now() -> datetime.datetime:
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


@pipeline_stage("$collStats")
def compile_coll_stats(arg: Any, ctx: Any):
    if not isinstance(arg, Mapping):
        raise ServerError(5447000, f"$collStats must take a nested object but found: "
                                   f"$collStats: {arg!r}")
    for key, value in arg.items():
        if key not in ("latencyStats", "storageStats", "count", "queryExecStats"):
            raise ServerError(40415, f"BSON field '$collStats.{key}' is an unknown field.")
        if not isinstance(value, Mapping):
            raise ServerError(14, f"BSON field '$collStats.{key}' is the wrong type "
                                  f"'{type_name(value)}', expected type 'object'")
    scale = 1
    if "storageStats" in arg:
        scale = arg["storageStats"].get("scale", 1)
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or scale < 1:
            raise ServerError(51024, "BSON field 'scale' value must be >= 1, actual value "
                                     f"'{scale}'")
        scale = int(scale)
    _first_stage("$collStats", ctx)
    catalog = ctx.catalog
    name = ctx.collection

    def run(docs: Iterable[dict], variables: dict) -> Iterable[dict]:
        coll = catalog.collection_data(name)
        out: dict[str, Any] = {"ns": f"{catalog.db}.{name}", "host": _host(catalog),
                               "localTime": _now()}
        if "latencyStats" in arg:
            histograms = bool(arg["latencyStats"].get("histograms"))
            out["latencyStats"] = {}
            for op in ("reads", "writes", "commands", "transactions"):
                entry: dict[str, Any] = {"latency": Int64(0), "ops": Int64(0)}
                if histograms:
                    entry["histogram"] = []
                out["latencyStats"][op] = entry
        if "storageStats" in arg:
            if coll is None:
                raise ServerError(26, f"Unable to retrieve storageStats in $collStats stage :: "
                                      f"caused by :: Collection [{catalog.db}.{name}] not found.")
            size = sum(len(s.raw) for s in coll.documents.values())
            count = len(coll.documents)
            specs = coll.indexes.list()
            out["storageStats"] = {
                "size": size // scale, "count": count,
                "avgObjSize": size // count if count else 0,
                "numOrphanDocs": 0,
                "storageSize": size // scale, "freeStorageSize": 0,
                "capped": bool(coll.options.get("capped", False)),
                "nindexes": len(specs), "indexBuilds": [],
                "totalIndexSize": 0, "totalSize": size // scale,
                "indexSizes": {spec["name"]: 0 for spec in specs},
                "scaleFactor": scale,
            }
            out["storageStats"].update(capped_limits(coll.options, scale))
        if "count" in arg:
            out["count"] = len(coll.documents) if coll is not None else 0
        if "queryExecStats" in arg:
            out["queryExecStats"] = {"collectionScans": {"total": Int64(0),
                                                         "nonTailable": Int64(0)}}
        return [out]

    run.is_source = True  # type: ignore[attr-defined]
    return run


@pipeline_stage("$indexStats")
def compile_index_stats(arg: Any, ctx: Any):
    if not isinstance(arg, Mapping) or arg:
        raise ServerError(28803, "The $indexStats stage specification must be an empty object")
    _first_stage("$indexStats", ctx)
    catalog = ctx.catalog
    name = ctx.collection

    def run(docs: Iterable[dict], variables: dict) -> Iterable[dict]:
        coll = catalog.collection_data(name)
        if coll is None:
            return []
        host = _host(catalog)
        out = []
        for spec in coll.indexes.list():
            out.append({"name": spec["name"], "key": dict(spec["key"]), "host": host,
                        "accesses": {"ops": Int64(0), "since": _STARTED},
                        "spec": dict(spec)})
        return out

    run.is_source = True  # type: ignore[attr-defined]
    return run
