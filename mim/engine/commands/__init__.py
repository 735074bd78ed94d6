"""Database commands by name: the server's command dispatcher.

``run_command(server, db, command)`` takes a command document (first key =
command name) and returns the server's reply, or raises
:class:`~mim.engine.values.errors.ServerError`.  ``Database.command`` and the wire
server both go through here, so they answer alike.

One module per family, as in the server's ``src/mongo/db/commands/``:
:mod:`.diagnostics` (hello, buildInfo, serverStatus…), :mod:`.catalog`
(create, drop, listCollections…), :mod:`.crud` (find, insert, update…),
:mod:`.cursors` (getMore, killCursors), :mod:`.aggregate`, :mod:`.indexes`
(createIndexes, listIndexes, dropIndexes), :mod:`.explain`; argument
checking shared by all of them lives in :mod:`.arguments`.  A handler is
registered with ``@command("name")``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, NoReturn

import bson

from ..ops import durable  # noqa: F401  (installs Server(dbpath=…))
from ..ops.crud import NOT_A_POINT, find_point, insert_sent, update_point
from ..ops.error_labels import error_labels
from ..ops.failpoints import ConnectionClosedByFailPoint, max_time_override
from ..ops.oplog import OPLOG_DATABASE
from ..ops.fsync_lock import wait_for_fsync_unlock
from ..ops.oplog import OPLOG_DATABASE
from ..ops.opcounters import counting_plan, opcounters_of
from ..ops.profiler import record_operation
from ..ops.sessions import (RetryableWrite, admit as admit_session, continued_transaction,
                            transaction_continued)
from ..ops.snapshot_reads import SnapshotRead
from ..ops.timeseries import check_transaction_write
from ..ops.transactions import (FORBIDDEN_DATABASES, TRANSACTION_END_COMMANDS,
                                check_transaction_statement, wait_for_queued_ddl)
from ..ops.write_concern import parse_write_concern, refuse_on_standalone, write_concern_error
from ..storage.replication import RETRYABLE_WRITE
from ..storage.store import Server
from ..values.deadline import expired_error, operation_deadline
from ..values.errors import ServerError, TransactionConflict
# the families register their handlers on import
from . import aggregate, catalog, collmod, crud, cursors, diagnostics, explain, indexes, sessions  # noqa: F401
from . import authentication, currentop, profiling, replication, roles, testing, users  # noqa: F401
from .api_version import api_parameters_of, check_api_parameters, running_with
from .arguments import check_collation, check_hint
from .commit_points import run_at_commit_points, runs_at_commit_points
from .fields import COMMAND_FIELDS, UNSUPPORTED_FIELDS, check_fields
from .diagnostics import BUILD_INFO, MAX_WIRE_VERSION, VERSION, hello_reply
from .indexes import validate_index_spec
from .registry import COMMANDS, DRIVER_FIELDS, command

log = logging.getLogger("mim.engine")

#: the commands whose ``hint`` field is the IDL ``indexHint`` type
HINTED_COMMANDS = frozenset({"find", "count", "aggregate", "findAndModify", "findandmodify"})

#: per command, the fields of a document that needs none of the generic checks: the
#: command's own IDL fields (so no unknown field), without ``hint`` and ``collation``
#: (checked here) — and no generic argument (session, API version, ``maxTimeMS``).
#: A document whose keys all fall in its set goes straight to the handler.
PLAIN_FIELDS: dict[str, frozenset[str]] = {
    **{name: fields - {"hint", "collation"} - UNSUPPORTED_FIELDS.get(name, frozenset())
       for name, fields in COMMAND_FIELDS.items()},
    "getMore": frozenset({"getMore", "collection", "batchSize"}),
    "killCursors": frozenset({"killCursors", "cursors"}),
}

__all__ = ["run_command", "find_one_point", "NOT_A_POINT", "insert_one_sent",
           "insert_one_in_transaction", "update_one_point", "COMMANDS", "command", "BUILD_INFO", "hello_reply", "DRIVER_FIELDS",
           "validate_index_spec", "VERSION", "MAX_WIRE_VERSION"]


#: the session fields of a transaction's statement (checked by admit_session)
TRANSACTION_FIELDS = frozenset({"lsid", "txnNumber", "autocommit", "startTransaction",
                                "$clusterTime", "$db"})


#: a transaction's statements whose rules depend on the command, database and target
#: only (an aggregate's pipeline, and the writes to a time-series collection, whose
#: statements may each be multi-document, are checked every time): once checked, a
#: statement to the same target is not checked again
_CHECKED_ONCE = frozenset({"insert", "update", "delete", "find", "findAndModify",
                           "findandmodify", "distinct", "getMore", "killCursors"})


#: the generic fields a driver adds to every command it sends in a session, none of
#: which needs a check once the session is admitted
DRIVER_SESSION_FIELDS = frozenset({"lsid", "$clusterTime", "$db", "$readPreference"})


#: command name -> (handler, its plain fields or None, its opcounter plan): what
#: the dispatcher needs about a command, read with one lookup (filled on first use)
_ROUTES: dict[str, tuple[Any, frozenset[str] | None, tuple[str, str | None]]] = {}


def _route_of(name: Any) -> tuple[Any, frozenset[str] | None, tuple[str, str | None]]:
    """The dispatcher's entry for command ``name`` (59 for an unknown command)."""
    # the server's CommandRegistry: exact names, each command's aliases registered too
    handler = COMMANDS.get(name) if isinstance(name, str) else None
    if handler is None:
        raise ServerError(59, f"no such command: '{name}'")
    route = (handler, PLAIN_FIELDS.get(name), counting_plan(name))
    if type(name) is str:
        _ROUTES[name] = route
    return route


def run_command(server: Server, db: str, cmd: Mapping[str, Any]) -> dict:
    """Run one command document against database ``db``; the reply, or ServerError."""
    for name in cmd:
        break
    else:
        raise ServerError(59, "no such command: ''")
    route = _ROUTES.get(name) if type(name) is str else None
    if route is None:
        route = _route_of(name)
    handler, plain, counting = route
    # (opcounters_of(server), without its call once the counters exist)
    counters = server._attached.get(opcounters_of) or opcounters_of(server)
    counter, field = counting
    if field is None or (type(statements := cmd.get(field)) is list and len(statements) == 1):
        next(counters.singles[counter])  # one operation: count_received without its call
    else:
        counters.count_received(counting, cmd)
    if server.writes_gated:  # (one attribute read while no write has to wait)
        _wait_for_write_gates(server, db, name, cmd)
    if plain is None or server.profiled:
        return _run_checked(server, db, cmd, name, handler, plain)
    for field in cmd:  # cmd.keys() <= plain, at a third of its cost for a few fields
        if field not in plain:
            return _run_checked(server, db, cmd, name, handler, plain)
    try:
        return handler(server, db, cmd)  # the hot path: nothing generic to check
    except ServerError:
        raise
    except Exception as exc:
        raise _unexpected_error(exc, name) from None
    finally:
        directory = server.data_directory
        if directory is not None:
            # the command's writes reach the journal (fsync-ed) before its reply
            directory.command_done()


def _wait_for_write_gates(server: Server, db: str, name: str, cmd: Mapping[str, Any]) -> None:
    """A writing command waits for the fsync lock's release, then for the DDL
    operations queued on its collection."""
    if server.fsync_locked:
        wait_for_fsync_unlock(server, db, name, cmd)
    if server.exclusive_requests:
        wait_for_queued_ddl(server, db, name, cmd)


#: the opcounter a ``find`` counts in
_FIND_COUNTER = counting_plan("find")[0]


def find_one_point(server: Server, db: str, coll: str, path: str, value: Any) -> Any:
    """What :func:`run_command` answers ``find_one({path: value})``'s plain command
    (``{find: coll, filter: {path: value}, limit: 1, singleBatch: true}``, no
    generic field, on a server that is not profiled) with: its one document's
    bytes, or None — counted as that command is, read as
    :func:`~mim.engine.ops.crud.find_point` reads a point, without the command
    document, the dispatch or the cursor reply.  ``path`` is a top-level field and
    ``value`` an int, a string or an ObjectId (the caller checks); the caller sends
    the command itself on :data:`~mim.engine.ops.crud.NOT_A_POINT`."""
    try:
        found = find_point(server, db, coll, path, value)
        if found is NOT_A_POINT:
            return found
    except Exception as exc:
        _shortcut_failed(server, _FIND_COUNTER, exc, "find")
    # (_command_done, inline: this is find_one's path)
    next((server._attached.get(opcounters_of) or opcounters_of(server)).singles[_FIND_COUNTER])
    if server.data_directory is not None:
        server.data_directory.command_done()
    return found


#: the opcounter an ``insert`` counts in
_INSERT_COUNTER = counting_plan("insert")[0]


def insert_one_sent(server: Server, db: str, coll: str, raw: bytes,
                    original: dict | None = None) -> dict | None | object:
    """What :func:`run_command` answers ``insert_one``'s plain command
    (``{insert: coll, documents: [raw], ordered: true}``, no generic field, on a
    server that is not profiled) with, when
    :func:`~mim.engine.ops.crud.insert_sent` may store the document: None for
    ``{n: 1, ok: 1}``, the reply of a refused document (its write error) —
    counted and journaled as that command is, without the command document, the
    dispatch or the handler's argument reading.  :data:`~mim.engine.ops.crud.NOT_A_POINT`
    (nothing done, nothing counted) when the command must be sent: a profiled server,
    an fsync lock held or a DDL operation queued (the command waits), the oplog's database, or a
    collection :func:`~mim.engine.ops.crud.insert_sent` leaves to the general insert.
    ``original``: as :func:`~mim.engine.ops.crud.insert_sent` takes it."""
    if server.profiled or server.writes_gated or db == OPLOG_DATABASE:
        return NOT_A_POINT
    try:
        reply = insert_sent(server, db, coll, raw, original)
    except Exception as exc:
        _shortcut_failed(server, _INSERT_COUNTER, exc, "insert")
    if reply is NOT_A_POINT:
        return reply
    # (_command_done, inline: this is insert_one's path)
    next((server._attached.get(opcounters_of) or opcounters_of(server)).singles[_INSERT_COUNTER])
    if server.data_directory is not None:
        server.data_directory.command_done()
    if reply is not None:
        reply["ok"] = 1.0  # type: ignore[index]
    return reply


#: what a failed statement of a transaction is labelled by (:func:`error_labels`)
_TRANSACTION_STATEMENT = {"txnNumber": 0, "autocommit": False}


def insert_one_in_transaction(server: Server, db: str, coll: str, raw: bytes, lsid: Any,
                              txn_number: Any) -> dict | None | object:
    """What :func:`run_command` answers a statement of a transaction in progress that
    is ``insert_one``'s plain command (``{insert: coll, documents: [raw], ordered:
    true}`` with the session's ``lsid``, ``txnNumber`` and ``autocommit: false``,
    nothing else) with, as :func:`insert_one_sent` answers it outside one: None for
    ``{n: 1, ok: 1}``, the reply of a refused document (which aborts the
    transaction) — the statement stored in the transaction's view of the collection
    (an overlay: :func:`~mim.engine.ops.crud.insert_sent`), without the command
    document, the session fields' reading or the dispatch.  :data:`NOT_A_POINT`
    (nothing counted) when the command must be sent: a profiled server, an fsync lock
    held or a DDL operation queued, a namespace a transaction may not write, no transaction of that session
    and number in progress (the command words the error), or a collection
    ``insert_sent`` leaves to the general insert (to create, time-series,
    validated...).  A failure ends as the command's does in a transaction: counted,
    the transaction aborted, the error labelled."""
    if server.profiled or server.writes_gated or db in FORBIDDEN_DATABASES \
            or coll.startswith("system."):
        return NOT_A_POINT
    transaction = transaction_continued(server, lsid, txn_number)
    if transaction is None:
        return NOT_A_POINT
    try:
        transaction.statement = "insert"
        reply = insert_sent(transaction.view, db, coll, raw)
    except Exception as exc:
        if isinstance(exc, ServerError):
            transaction.abort()  # any failed statement aborts the transaction
            if "errorLabels" not in exc.details:
                labels = error_labels(_TRANSACTION_STATEMENT, "insert", exc.code)
                if labels:
                    exc.details["errorLabels"] = labels
        _shortcut_failed(server, _INSERT_COUNTER, exc, "insert")
    if reply is NOT_A_POINT:
        return reply
    # (_command_done, inline: this is a transaction's insert_one path)
    next((server._attached.get(opcounters_of) or opcounters_of(server)).singles[_INSERT_COUNTER])
    if server.data_directory is not None:
        server.data_directory.command_done()
    if reply is not None:
        transaction.abort()  # a statement's error aborts the transaction
        reply["ok"] = 1.0  # type: ignore[index]
    return reply


#: the opcounter an ``update`` counts in
_UPDATE_COUNTER = counting_plan("update")[0]


def update_one_point(server: Server, db: str, coll: str, path: str, value: Any, sets: dict,
                     upsert: bool) -> Any:
    """What :func:`run_command` answers ``update_one({path: value}, {$set: sets})``'s
    plain command (``{update: coll, updates: [{q, u, multi: false, upsert}],
    ordered: true}``, no generic field) with, as ``(n, nModified)``: counted as that
    command is, run as :func:`~mim.engine.ops.crud.update_point` runs a point
    update, without the command document, the dispatch or the general statement.
    ``path``, ``value`` and ``sets`` are as ``update_point`` takes them (the caller
    checks); the caller sends the command itself on
    :data:`~mim.engine.ops.crud.NOT_A_POINT` (nothing was counted or written)."""
    if db == OPLOG_DATABASE or server.writes_gated:
        return NOT_A_POINT  # (cmd_update's oplog check; a write waits for fsyncUnlock or DDL)
    try:
        done = update_point(server, db, coll, path, value, sets, upsert)
        if done is NOT_A_POINT:
            return done
    except Exception as exc:
        _shortcut_failed(server, _UPDATE_COUNTER, exc, "update")
    # (_command_done, inline: this is update_one's path)
    next((server._attached.get(opcounters_of) or opcounters_of(server)).singles[_UPDATE_COUNTER])
    if server.data_directory is not None:
        server.data_directory.command_done()
    return done


def _shortcut_failed(server: Server, counter: Any, exc: Exception, name: str) -> NoReturn:
    """A shortcut's failure, as :func:`run_command` ends a failed command: counted
    all the same, a server error raised as it is, anything else as the command's
    internal error."""
    _command_done(server, counter)
    if isinstance(exc, ServerError):
        raise exc
    raise _unexpected_error(exc, name) from None


def _command_done(server: Server, counter: Any) -> None:
    """What :func:`run_command` does around a one-statement command besides running
    it: one operation in ``counter``, and the journal brought up to date."""
    next((server._attached.get(opcounters_of) or opcounters_of(server)).singles[counter])
    directory = server.data_directory
    if directory is not None:
        directory.command_done()


def _run_checked(server: Server, db: str, cmd: Mapping[str, Any], name: str, handler: Any,
                 plain: frozenset[str] | None) -> dict:
    """:func:`run_command` for a document with generic arguments (session, API
    version, write concern, ``maxTimeMS``…) or fields to check, or on a profiled server."""
    transaction: Any = None
    retry = None
    snapshot = None
    concern = None
    target = server  # a transaction's statements run on its view of the server
    try:
        if plain is not None and "autocommit" in cmd and not server.profiled \
                and cmd.keys() - TRANSACTION_FIELDS <= plain:
            # a plain statement of a transaction already in progress (its every one but the
            # first): the session's fields read, what it may run checked once per target
            transaction = continued_transaction(server, name, cmd)
            if transaction is not None:
                transaction.statement = name
                statement = (name, db, cmd.get(name))
                if statement not in transaction.checked_statements:
                    check_transaction_statement(name, db, cmd)
                    if not check_transaction_write(server, name, db, cmd) \
                            and name in _CHECKED_ONCE:
                        transaction.checked_statements.add(statement)
                reply = handler(transaction.view, db, cmd)
                if "writeErrors" in reply:
                    transaction.abort()  # a statement's error aborts the transaction
                return reply
        if "apiVersion" in cmd or "apiStrict" in cmd or "apiDeprecationErrors" in cmd:
            check_api_parameters(name, cmd)
        if "lsid" in cmd or "txnNumber" in cmd or "startTransaction" in cmd \
                or "readConcern" in cmd:
            # session fields: a standalone refuses transactions; a replica set may name one
            transaction = admit_session(server, name, cmd)
            if type(transaction) is RetryableWrite:
                retry, transaction = transaction, None
                first = retry.first_reply()
                if first is not None:
                    return first  # a retried write is applied once
            elif type(transaction) is SnapshotRead:
                snapshot, transaction = transaction, None
                target = snapshot.view
            if transaction is not None:
                transaction.statement = name
                check_transaction_statement(name, db, cmd)
                check_transaction_write(server, name, db, cmd)
                target = transaction.view
                if plain is not None and cmd.keys() - TRANSACTION_FIELDS <= plain:
                    # a plain statement of a transaction: nothing generic left to check
                    reply = handler(target, db, cmd)
                    if "writeErrors" in reply:
                        transaction.abort()  # a statement's error aborts the transaction
                    return reply
            elif retry is None and snapshot is None and not server.profiled and (
                    cmd.keys() - DRIVER_SESSION_FIELDS <= plain if plain is not None
                    # a command without a field table (ping, serverStatus…): its name alone
                    else len(cmd.keys() - DRIVER_SESSION_FIELDS) == 1):
                return handler(server, db, cmd)  # a driver's plain command in a session
        check_fields(name, cmd)
        if name in HINTED_COMMANDS:
            check_hint(cmd)
        if "collation" in cmd:
            check_collation(cmd["collation"])
        if "writeConcern" in cmd:
            concern = parse_write_concern(cmd["writeConcern"])
            refuse_on_standalone(server, concern)
        retrying = RETRYABLE_WRITE.set((cmd["lsid"], retry.number)) if retry is not None \
            else None
        try:
            reply = _run_with_api(server, target, db, name, cmd, handler, retry)
        finally:
            if retrying is not None:
                RETRYABLE_WRITE.reset(retrying)
        if transaction is not None and "writeErrors" in reply:
            transaction.abort()  # a statement's error aborts the transaction
        if retry is not None:
            retry.remember(reply)
        if snapshot is not None:
            snapshot.stamp(name, reply)
        if concern is not None:
            unmet = write_concern_error(server, concern)
            if unmet is not None:
                reply["writeConcernError"] = unmet
                labels = error_labels(cmd, name, None, unmet["code"])
                if labels:
                    reply["errorLabels"] = labels
        return reply
    except ServerError as exc:
        if concern is not None and "writeConcernError" not in exc.details:
            # a failed command still waits for its write concern, and says so
            # (RunCommandAndWaitForWriteConcern::_handleError)
            unmet = write_concern_error(server, concern)
            if unmet is not None:
                exc.details["writeConcernError"] = unmet
        if transaction is not None and name not in TRANSACTION_END_COMMANDS:
            transaction.abort()  # any failed statement aborts the transaction
        if "txnNumber" in cmd and "errorLabels" not in exc.details:
            labels = error_labels(cmd, name, exc.code)
            if labels:
                exc.details["errorLabels"] = labels
        raise
    except Exception as exc:
        raise _unexpected_error(exc, name) from None
    finally:
        directory = server.data_directory
        if directory is not None:
            # the command's writes reach the journal (fsync-ed) before its reply
            directory.command_done()


def _run_with_api(server: Server, target: Server, db: str, name: str, cmd: Mapping[str, Any],
                  handler: Any, retry: Any) -> dict:
    """The handler under the command's API parameters: at commit points for a
    retryable write that has them, recorded by the profiler when it is on."""
    with running_with(api_parameters_of(cmd)):
        if retry is not None and runs_at_commit_points(server, name, retry):
            return run_at_commit_points(
                server, name, cmd,
                lambda part: _run_handler(handler, server, target, db, name, part), retry)
        if server.profiled and db in server.profiled:  # one attribute read when off
            return record_operation(server, db, name, cmd,
                                    lambda: _run_handler(handler, server, target, db, name,
                                                         cmd))
        return _run_handler(handler, server, target, db, name, cmd)


def _unexpected_error(exc: Exception, name: str) -> Exception:
    """What a command failing with something other than a ServerError answers (a
    fail point's closed connection goes on as it is: the face closes it, no reply)."""
    if isinstance(exc, ConnectionClosedByFailPoint):
        return exc
    if isinstance(exc, TransactionConflict):
        return exc.as_server_error()
    if isinstance(exc, bson.errors.InvalidDocument):
        return ServerError(2, str(exc))
    # a mim bug: still answered the way a server answers
    log.exception("command %r failed", name)
    return ServerError(1, f"mim internal error in {name!r}: {type(exc).__name__}: {exc}")


def _run_handler(handler: Any, server: Server, target: Server, db: str, name: str,
                 cmd: Mapping[str, Any]) -> dict:
    """A handler run on ``target`` (the server, or a transaction's view of it) under the
    command's ``maxTimeMS``, which the ``maxTimeAlwaysTimeOut``/``maxTimeNeverTimeOut``
    fail points may override."""
    if "maxTimeMS" in cmd and name != "getMore":
        deadline = operation_deadline(cmd["maxTimeMS"])
        if deadline.milliseconds:
            override = max_time_override(server)
            if override == "expire":
                raise expired_error()
            if override == "ignore":
                deadline = operation_deadline(None)
        with deadline:
            return handler(target, db, cmd)
    return handler(target, db, cmd)
