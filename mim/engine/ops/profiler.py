"""The database profiler: the ``profile`` command and ``<db>.system.profile``.

Each database has a profiling level (0 off, 1 slow operations, 2 all) and an
optional ``filter``; ``slowms`` and ``sampleRate`` are server-wide (mongod's
``serverGlobalParams``).  A profiled operation is written, when it ends, as one
document into the database's ``system.profile``, a 1 MB capped collection made
when profiling is first switched on, in the server's shape (``op``, ``ns``,
``command``, ``keysExamined``, ``docsExamined``, ``nreturned``, ``millis``,
``planSummary``, ``ts``, ``client``, ``appName``, ``allUsers``, ``user``…;
no ``_id``, as mongod writes them).

Whether an operation is profiled is decided by the level its database had when
the operation began (so the ``profile`` command that switches profiling on is
not itself profiled, as on mongod), and the command dispatcher pays one
attribute read (``Server.profiled``, empty while every level is 0) when
profiling is off.

``keysExamined``/``docsExamined``/``planSummary`` come from the plan a ``find``
ran (:func:`note_plan`, called by the engine only while a profiled operation is
running on the thread).  Differences from mongod: the ``filter`` is reported as
given (mongod reports its parsed form, e.g. ``{a: {$eq: 1}}``); ``locks``,
``flowControl``, ``storage`` and ``execStats`` are not written; an ``update`` or
``delete`` command of several statements writes one document per statement but
the counts (``nMatched``, ``ndeleted``…) only when there is one statement.
"""

from __future__ import annotations

import contextvars
import datetime
import random
import threading
import time
from collections.abc import Mapping
from typing import Any

import bson

from ..languages.matcher import compile_filter
from ..storage.attached import PerServer
from ..storage.store import ENGINE_CODEC, Server
from ..values.errors import ServerError
from ..values.order import type_name

__all__ = ["profile_command", "record_operation", "note_plan", "profiling_level", "PLAN_NOTE",
           "PROFILE_COLLECTION", "PROFILE_COLLECTION_SIZE", "CLIENT", "DEFAULT_SLOW_MS"]

#: the collection a database's profiler writes
PROFILE_COLLECTION = "system.profile"
#: its capped size when the profiler makes it (mongod: 1 MB)
PROFILE_COLLECTION_SIZE = 1024 * 1024
#: mongod's default ``slowms``
DEFAULT_SLOW_MS = 100
_FILTER_NOTE = ("When a filter expression is set, slowms and sampleRate are not used for "
                "profiling and slow-query log lines.")

#: ``(client address, appName, users)`` of the connection running the current
#: operation (set by the wire server; the in-process faces leave it unset)
CLIENT: contextvars.ContextVar[tuple[str, str | None, list] | None] = \
    contextvars.ContextVar("mim_profile_client", default=None)


class _DatabaseProfile:
    """One database's profiler settings."""

    __slots__ = ("level", "filter_spec", "filter_node")

    def __init__(self) -> None:
        self.level = 0
        self.filter_spec: dict | None = None
        self.filter_node: Any = None


class ProfilerSettings:
    """A server's profiler settings: per database, plus the global thresholds."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.databases: dict[str, _DatabaseProfile] = {}
        self.slow_ms = DEFAULT_SLOW_MS
        self.sample_rate = 1.0
        self.random = random.Random()


_settings_of: PerServer[ProfilerSettings] = PerServer(ProfilerSettings)


def profiling_level(server: Server, db: str) -> int:
    """The profiling level of ``db`` (0 when never set)."""
    profile = _settings_of(server).databases.get(db)
    return profile.level if profile is not None else 0


# -- the profile command ------------------------------------------------------------


def profile_command(server: Server, db: str, cmd: Mapping[str, Any]) -> dict:
    """``{profile: <level>, slowms, sampleRate, filter}``: the old settings, then the
    new ones applied (a level outside 0–2 only reads them)."""
    level = _whole_number(cmd, "profile")
    slow_ms = _whole_number(cmd, "slowms") if "slowms" in cmd else None
    sample_rate = _sample_rate(cmd) if "sampleRate" in cmd else None
    new_filter: Any = None
    if "filter" in cmd:
        new_filter = _filter(cmd["filter"])
    settings = _settings_of(server)
    with server.lock, settings.lock:
        profile = settings.databases.get(db) or _DatabaseProfile()
        reply: dict[str, Any] = {"was": profile.level, "slowms": settings.slow_ms,
                                 "sampleRate": settings.sample_rate}
        if profile.filter_spec is not None:
            reply["filter"] = profile.filter_spec
        if profile.filter_spec is not None or new_filter is not None:
            reply["note"] = _FILTER_NOTE
        if new_filter is not None:
            if new_filter == "unset":
                profile.filter_spec = profile.filter_node = None
            else:
                profile.filter_spec, profile.filter_node = new_filter
        if 0 <= level <= 2:
            profile.level = level
            if level:
                _profile_collection(server, db)
        if slow_ms is not None:
            settings.slow_ms = slow_ms
        if sample_rate is not None:
            settings.sample_rate = sample_rate
        settings.databases[db] = profile
        # the dispatcher's one attribute read: the databases with profiling on
        server.profiled = {name: p for name, p in settings.databases.items() if p.level}
    reply["ok"] = 1.0
    return reply


def _whole_number(cmd: Mapping[str, Any], field: str) -> int:
    value = cmd.get(field)
    if isinstance(value, bool) or not isinstance(value, (int, float)) and \
            type(value).__name__ != "Decimal128":
        raise ServerError(14, f"BSON field 'profile.{field}' is the wrong type "
                              f"'{type_name(value)}', expected types '[long, int, decimal, "
                              f"double]'")
    number = float(str(value)) if type(value).__name__ == "Decimal128" else value
    return int(number)


def _sample_rate(cmd: Mapping[str, Any]) -> float:
    value = cmd["sampleRate"]
    if isinstance(value, bool) or not isinstance(value, (int, float)) and \
            type(value).__name__ != "Decimal128":
        raise ServerError(14, f"BSON field 'profile.sampleRate' is the wrong type "
                              f"'{type_name(value)}', expected types '[long, int, decimal, "
                              f"double]'")
    rate = float(str(value))
    if not 0.0 <= rate <= 1.0:
        raise ServerError(2, "'sampleRate' must be between 0.0 and 1.0 inclusive")
    return rate


def _filter(value: Any) -> Any:
    """``filter``: a match expression over profile documents, or ``"unset"``."""
    if value == "unset":
        return "unset"
    if not isinstance(value, Mapping):
        raise ServerError(2, "Expected an object, or the string 'unset'.")
    return dict(value), compile_filter(dict(value))


def _profile_collection(server: Server, db: str) -> Any:
    """``db.system.profile``, made (capped, 1 MB) if it does not exist."""
    database = server.get_database(db, create=True)
    coll = database.get_collection(PROFILE_COLLECTION)
    if coll is None:
        coll = database.create_collection(PROFILE_COLLECTION,
                                          {"capped": True, "size": PROFILE_COLLECTION_SIZE})
    return coll


# -- recording ------------------------------------------------------------------------


class _PlanNote(threading.local):
    #: what the engine noted of the plan of the operation being profiled, or None
    #: (None also while no profiled operation runs: the engine notes nothing then)
    stats: dict | None = None


_plan_note = _PlanNote()
#: read by the engine before it notes a plan (``PLAN_NOTE.stats is not None``: one
#: attribute read while nothing is profiled)
PLAN_NOTE = _plan_note


def note_plan(keys_examined: int, docs_examined: int, plan_summary: str) -> None:
    """Called by a query while a profiled operation runs on this thread."""
    stats = _plan_note.stats
    if stats is not None:
        stats["keysExamined"] = stats.get("keysExamined", 0) + keys_examined
        stats["docsExamined"] = stats.get("docsExamined", 0) + docs_examined
        stats.setdefault("planSummary", plan_summary)


def noting_plans() -> bool:
    """Whether a query should call :func:`note_plan` (a profiled operation runs)."""
    return _plan_note.stats is not None


def record_operation(server: Server, db: str, name: str, cmd: Mapping[str, Any],
                     run: Any) -> dict:
    """Run ``run()`` (the command's handler) as a profiled operation of ``db``, then
    write what the profiler keeps of it; the reply (or the error) passes through."""
    profile = server.profiled.get(db)
    if profile is None:
        return run()
    # the level and filter the operation began under decide, as on mongod
    level, filter_node = profile.level, profile.filter_node
    previous = _plan_note.stats
    stats: dict[str, Any] = {}
    _plan_note.stats = stats
    started = time.perf_counter()
    error: ServerError | None = None
    reply: dict | None = None
    try:
        reply = run()
        return reply
    except ServerError as exc:
        error = exc
        raise
    finally:
        _plan_note.stats = previous
        millis = int((time.perf_counter() - started) * 1000)
        _write_entries(server, db, name, cmd, reply, error, millis, stats, level, filter_node)


#: a command's ``op`` in its profile document (every other command: ``command``)
_OP_OF = {"find": "query", "getMore": "getmore", "insert": "insert", "update": "update",
          "delete": "remove"}


def _write_entries(server: Server, db: str, name: str, cmd: Mapping[str, Any],
                   reply: dict | None, error: ServerError | None, millis: int,
                   stats: dict[str, Any], level: int, filter_node: Any) -> None:
    settings = _settings_of(server)
    collection = cmd.get(name)
    coll_name = collection if isinstance(collection, str) and collection else "$cmd"
    if name == "getMore":
        coll_name = cmd.get("collection") if isinstance(cmd.get("collection"), str) else "$cmd"
    ns = f"{db}.{coll_name}"
    op = _OP_OF.get(name, "command")
    entries: list[dict[str, Any]] = []
    if name in ("update", "delete") and isinstance(cmd.get(name + "s"), list):
        statements = cmd[name + "s"]
        for statement in statements:
            counts = _write_counts(name, reply) if len(statements) == 1 else {}
            command = dict(statement) if isinstance(statement, Mapping) else statement
            if isinstance(command, dict) and "comment" in cmd:
                # the command's comment goes with each statement's entry, as the server's
                command["comment"] = cmd["comment"]
            if isinstance(command, dict) and isinstance(command.get("hint"), str):
                # an index named by a string is serialised as the IndexHint IDL type does
                command["hint"] = {"$hint": command["hint"]}
            entries.append(_entry(op, ns, command, counts, stats, reply, error, millis))
    else:
        counts = {}
        command = dict(cmd)
        if name == "insert":
            if reply is not None:
                counts["ninserted"] = reply.get("n", 0)
            documents = command.get("documents")
            if isinstance(documents, list):  # as sent: a sequence may hold raw BSON
                command["documents"] = [bson.decode(d, ENGINE_CODEC) if isinstance(d, bytes)
                                        else d for d in documents]
        entries.append(_entry(op, ns, command, counts, stats, reply, error, millis))
    kept = [entry for entry in entries if _kept(settings, level, filter_node, entry)]
    if not kept:
        return
    with server.lock:
        coll = _profile_collection(server, db)
        for entry in kept:
            raw = bson.encode(entry, codec_options=ENGINE_CODEC)
            coll.append_record(raw, bson.decode(raw, ENGINE_CODEC))


def _write_counts(name: str, reply: dict | None) -> dict[str, Any]:
    if reply is None:
        return {}
    if name == "update":
        counts = {"nMatched": reply.get("n", 0) - len(reply.get("upserted", ())),
                  "nModified": reply.get("nModified", 0)}
        if reply.get("upserted"):
            counts["nUpserted"] = len(reply["upserted"])
        return counts
    return {"ndeleted": reply.get("n", 0)}


def _entry(op: str, ns: str, command: Any, counts: dict[str, Any], stats: dict[str, Any],
           reply: dict | None, error: ServerError | None, millis: int) -> dict[str, Any]:
    entry: dict[str, Any] = {"op": op, "ns": ns, "command": command}
    if "keysExamined" in stats:
        entry["keysExamined"] = stats["keysExamined"]
        entry["docsExamined"] = stats["docsExamined"]
    cursor = reply.get("cursor") if isinstance(reply, dict) else None
    if isinstance(cursor, Mapping):
        entry["cursorExhausted"] = not cursor.get("id")
    entry.update(counts)
    entry["numYield"] = 0
    if isinstance(cursor, Mapping):
        batch = cursor.get("firstBatch", cursor.get("nextBatch", ()))
        entry["nreturned"] = len(batch)
    if error is not None:
        entry["ok"] = 0.0
        entry["errMsg"] = error.errmsg
        entry["errName"] = error.details.get("codeName")
        entry["errCode"] = error.code
    if reply is not None:
        entry["responseLength"] = len(bson.encode(reply, codec_options=ENGINE_CODEC))
    entry["protocol"] = "op_msg"
    entry["millis"] = millis
    if "planSummary" in stats:
        entry["planSummary"] = stats["planSummary"]
    now = datetime.datetime.now(datetime.timezone.utc)
    entry["ts"] = now.replace(microsecond=now.microsecond // 1000 * 1000)
    client = CLIENT.get()
    address, app_name, users = client if client is not None else ("127.0.0.1", None, [])
    entry["client"] = address
    if app_name:
        entry["appName"] = app_name
    entry["allUsers"] = [{"user": user, "db": user_db} for user, user_db in users]
    entry["user"] = f"{users[-1][0]}@{users[-1][1]}" if users else ""
    return entry


def _kept(settings: ProfilerSettings, level: int, filter_node: Any, entry: dict) -> bool:
    """mongod's ``shouldDBProfile``: level 2 keeps everything, level 0 nothing;
    level 1 what its ``filter`` selects when it has one (``slowms`` and
    ``sampleRate`` unused then), else what took ``slowms`` or more (sampled)."""
    if level >= 2:
        return True
    if level <= 0:
        return False
    if filter_node is not None:
        return bool(filter_node.matches(entry))
    if entry["millis"] >= settings.slow_ms:
        return settings.sample_rate >= 1.0 or settings.random.random() < settings.sample_rate
    return False

