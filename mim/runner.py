"""The one way the in-process faces reach the engine: a command document in,
the reply out, through the dispatcher the wire server uses
(:func:`mim.engine.commands.run_command`).

Each ``Collection``/``Database``/``MongoClient``/cursor method builds the command
document pymongo would send and hands it to its client's :class:`Runner`, so
argument checks and error wording live once, in :mod:`mim.engine.commands`.
What a driver and a connection add around a command lives here: the session
fields (``lsid``, ``txnNumber``…), the Stable API fields of a client built with
``server_api=``, the ``failCommand`` fail point (a closed connection is pymongo's
``AutoReconnect``), pymongo's retries (:mod:`mim.retrying`), and the translation of a server error into
the exception pymongo raises for that reply.

The plain path — no session, no API version, no armed fail point — is decided by
reading precomputed attributes, and the command is a plain dict that never
touches BSON: an ``insert_one`` pays for one dispatch and nothing else.
"""

from __future__ import annotations

import datetime
import random
import time
import weakref
from typing import Any

import bson
from pymongo.client_session_shared import _TxnState
from pymongo.errors import AutoReconnect, ConnectionFailure, InvalidOperation, OperationFailure

from .boundary import ENGINE_CODEC, command_error, raise_reply_error
from .engine.commands import (NOT_A_POINT, find_one_point, insert_one_in_transaction,
                              insert_one_sent, run_command, update_one_point)
from .engine.commands.authentication import check_credentials
from .engine.commands.registry import ALIASES
from .engine.ops.failpoints import (ConnectionClosedByFailPoint, fail_command, fail_points_of,
                                   write_concern_error_reply)
from .engine.ops.profiler import CLIENT as PROFILE_CLIENT
from .engine.values.errors import ServerError
from .retrying import (TRANSACTION_END, RetryableReply, is_retryable_write,
                       run_with_retries)
from .session import (BOUND_SESSION, READS_WITH_READ_CONCERN, ClientSession,
                      add_statement_fields, gossip_cluster_time, merge_session_fields,
                      note_cluster_time, note_reply, note_statement_reply,
                      retryable_write_fields, server_api_fields, session_fields,
                      statement_session)

__all__ = ["Runner", "NOT_A_POINT", "ServerBatches", "kill_cursor", "run_cursor_command"]


class Runner:
    """Runs the command documents of one client's in-process faces."""

    __slots__ = ("client", "server", "api_fields", "app_name", "fail_points", "retry_reads",
                 "monitor", "pool", "credentials", "plain")

    def __init__(self, client: Any) -> None:
        self.client = client
        self.server = client._engine
        #: what pymongo adds to every command of a ``server_api=`` client ({} without)
        self.api_fields = server_api_fields(client)
        self.app_name = client.options.pool_options.appname
        self.retry_reads = client.options.retry_reads
        self.fail_points = fail_points_of(self.server)
        listeners = client.options.pool_options._event_listeners
        #: pymongo's listeners when some want command events (None: nobody listens)
        self.monitor = listeners if listeners is not None and listeners.enabled_for_commands \
            else None
        #: the client's topology and pool events (:mod:`mim.monitors`; None: nobody listens)
        self.pool = client._monitor
        #: the client's credentials (username=, a URI's user:password@) until they are
        #: checked by the first command, as pymongo authenticates its first connection
        self.credentials = client.options.pool_options._credentials
        #: nothing of the client's own adds to a command and the client is open: the
        #: plain path may be taken (the server's state is read per command)
        self.plain = not self.api_fields and self.monitor is None and self.pool is None \
            and self.credentials is None

    def run(self, db: str, cmd: dict[str, Any], session: Any = None,
            write_concern: Any = None, implicit: bool = False,
            retryable_read: bool = False, unchecked: bool = False) -> dict:
        """The reply to ``cmd`` on database ``db``; a server error raised as pymongo
        raises it.  ``session`` is the method's ``session`` argument (None: the bound
        session, if any); ``write_concern`` the operation's (an explicit session
        refuses an unacknowledged one); ``implicit`` records the implicit session
        on the server (aggregates, ``Database.command``); ``retryable_read`` retries
        a retryable error once when the client's ``retryReads`` is on; ``unchecked``
        returns an error reply (``ok: 0``) instead of raising it (``Database.command``
        leaves the checking to pymongo's own ``_check_command_response``)."""
        if (session is None and self.plain and not self.fail_points.armed and not implicit
                and not unchecked and BOUND_SESSION.get() is None):
            if not self.server.profiled or not self.app_name or PROFILE_CLIENT.get() is not None:
                # the plain path: nothing of the driver's to add, nothing to consult
                try:
                    return run_command(self.server, db, cmd)
                except ServerError as exc:
                    raise command_error(exc) from None
        if self.server.profiled and self.app_name and PROFILE_CLIENT.get() is None:
            # the profiler writes the client's appName (one attribute read when off)
            token = PROFILE_CLIENT.set(("127.0.0.1", self.app_name, []))
            try:
                return self.run(db, cmd, session, write_concern, implicit, retryable_read,
                                unchecked)
            finally:
                PROFILE_CLIENT.reset(token)
        if (session is not None and self.plain and not unchecked and not self.fail_points.armed
                and type(session) is ClientSession
                and session._transaction.state == _TxnState.IN_PROGRESS
                and next(iter(cmd)) not in TRANSACTION_END):
            return self._run_in_transaction(db, cmd, session)
        return self._run_checked(db, cmd, session, write_concern, implicit, retryable_read,
                                 unchecked)

    def find_one_point(self, db: str, coll: str, path: str, value: Any) -> Any:
        """``find_one({path: value})`` (no option) when :meth:`run` would take its
        plain path (a profiled server is the engine's to refuse): the document's bytes or None,
        from :func:`~mim.engine.commands.find_one_point` — or ``NOT_A_POINT``, and
        the caller sends the find command."""
        if self.plain and not self.fail_points.armed and BOUND_SESSION.get() is None:
            try:
                return find_one_point(self.server, db, coll, path, value)
            except ServerError as exc:
                raise command_error(exc) from None
        return NOT_A_POINT

    def insert_one(self, db: str, coll: str, raw: bytes, original: dict | None = None
                   ) -> dict | None | object:
        """``insert_one``'s plain command (``{insert: coll, documents: [raw], ordered:
        true}``, no session given) when :meth:`run` would take its plain path (a
        profiled server is the engine's to refuse): None for ``{n: 1, ok: 1}``, the
        reply of a refused document, from :func:`~mim.engine.commands.insert_one_sent`
        — or ``NOT_A_POINT``, nothing done, and the caller sends the command.
        ``original``: the plain dict ``raw`` was encoded from with exactly
        ``CodecOptions`` (the engine may copy it for its shadow rather than decode)."""
        if self.plain and not self.fail_points.armed and BOUND_SESSION.get() is None:
            try:
                return insert_one_sent(self.server, db, coll, raw, original)
            except ServerError as exc:
                raise command_error(exc) from None
        return NOT_A_POINT

    def insert_one_in_transaction(self, db: str, coll: str, raw: bytes, session: Any
                                  ) -> dict | None | object:
        """``insert_one``'s plain command as a statement of ``session``'s transaction in
        progress (its first statement sent), when :meth:`run` would take
        :meth:`_run_in_transaction` for it: the session checked and its fields read
        as that adds them, the document stored by
        :func:`~mim.engine.commands.insert_one_in_transaction`, the reply noted as
        there — None for ``{n: 1, ok: 1}``, the reply of a refused document — or
        ``NOT_A_POINT``, nothing done, and the caller sends the command."""
        if self.plain and not self.fail_points.armed and type(session) is ClientSession \
                and session._transaction.state == _TxnState.IN_PROGRESS:
            client = self.client
            server_session = statement_session(client, session, "insert")
            if client.__dict__.get("_mim_cluster_time") is None:
                gossip_cluster_time(client, session, {})  # (what the client first learns)
            try:
                reply = insert_one_in_transaction(self.server, db, coll, raw,
                                                  server_session.session_id,
                                                  server_session.transaction_id)
            except ServerError as exc:
                raise command_error(exc) from None
            if reply is not NOT_A_POINT:
                session._transaction.has_completed_command = True
                note_statement_reply(client, session, self.server)
            return reply
        return NOT_A_POINT

    def update_one_point(self, db: str, coll: str, path: str, value: Any, sets: dict,
                         upsert: bool) -> Any:
        """``update_one({path: value}, {"$set": sets}, upsert=upsert)`` (no other
        option, no session) when :meth:`run` would take its plain path (a profiled
        server is the engine's to refuse): its ``(n, nModified)`` from
        :func:`~mim.engine.commands.update_one_point` — or ``NOT_A_POINT``, nothing
        written, and the caller sends the update command."""
        if self.plain and not self.fail_points.armed and BOUND_SESSION.get() is None:
            try:
                return update_one_point(self.server, db, coll, path, value, sets, upsert)
            except ServerError as exc:
                raise command_error(exc) from None
        return NOT_A_POINT

    def _run_in_transaction(self, db: str, cmd: dict[str, Any], session: Any) -> dict:
        """A statement of a transaction in progress, from a plain client with no fail
        point armed: what :meth:`_run_checked` does for it, minus the retry loop it
        never enters (a transaction's statement is not retried) — the session's fields
        added, one dispatch, the reply noted as pymongo's session notes it."""
        client = self.client
        if client._closed:
            raise InvalidOperation("Cannot use MongoClient after close")
        add_statement_fields(client, session, next(iter(cmd)), cmd)
        gossip_cluster_time(client, session, cmd)
        cmd.pop("writeConcern", None)  # as pymongo: a transaction's statements carry none
        try:
            reply = run_command(self.server, db, cmd)
        except ServerError as exc:
            raise command_error(exc) from None
        session._transaction.has_completed_command = True
        note_statement_reply(client, session, self.server)
        return reply

    def _authenticate(self) -> None:
        """Checks the client's credentials as its first connection's authentication
        would (``Authentication failed.``, 18, for an unknown user or a wrong password);
        once they pass, the plain path is open again."""
        credentials = self.credentials
        try:
            check_credentials(self.server, credentials.source, credentials.username,
                              credentials.password or "", credentials.mechanism)
        except ServerError as exc:
            raise command_error(exc) from None
        self.credentials = None
        self.plain = not self.api_fields and self.monitor is None and self.pool is None \
            and not self.client._closed

    def client_closed(self) -> None:
        """The client was closed: every later command raises ``InvalidOperation``
        (it leaves the plain path, so that path checks nothing more)."""
        self.plain = False

    def _run_checked(self, db: str, cmd: dict[str, Any], session: Any, write_concern: Any,
                     implicit: bool, retryable_read: bool, unchecked: bool = False) -> dict:
        reply = self._send_checked(db, cmd, session, write_concern, implicit, retryable_read,
                                   unchecked)
        if "$clusterTime" in cmd:
            note_cluster_time(self.client, self.server)
        active = session if session is not None else BOUND_SESSION.get()
        if active is not None:
            note_reply(active, reply, self.server, next(iter(cmd)))  # as pymongo's session
        return reply

    def _send_checked(self, db: str, cmd: dict[str, Any], session: Any, write_concern: Any,
                      implicit: bool, retryable_read: bool, unchecked: bool = False) -> dict:
        """The full path: session and API fields added to ``cmd``, the fail point
        consulted, a retryable read tried twice."""
        if self.client._closed:
            raise InvalidOperation("Cannot use MongoClient after close")
        if self.credentials is not None:
            self._authenticate()
        name = next(iter(cmd))
        # pymongo lends an implicit session to every command; it shows in the events
        implicit = implicit or ((self.monitor is not None or self.pool is not None)
                                and name != "endSessions" and (
            write_concern is None or write_concern.acknowledged))
        reads_with_concern = not unchecked and name in READS_WITH_READ_CONCERN
        fields = session_fields(self.client, session, name, write_concern, implicit,
                                reads_with_concern)
        in_transaction = fields is not None and "autocommit" in fields
        if fields:
            merge_session_fields(cmd, fields)
            gossip_cluster_time(self.client, session if session is not None
                                else BOUND_SESSION.get(), cmd)
            if in_transaction and name not in TRANSACTION_END:
                # as pymongo: a transaction's statements carry no write concern
                cmd.pop("writeConcern", None)
        if self.api_fields:
            cmd.update(self.api_fields)
        if name in TRANSACTION_END or unchecked:
            # commit/abort are retried by the session (mim.session); an unchecked
            # command's error is a reply, not an exception to retry on
            return self._attempt(db, cmd, name, unchecked)
        is_read = retryable_read or not is_retryable_write(name, cmd)
        if is_read:
            retryable = retryable_read and self.retry_reads and not in_transaction
        else:
            retryable = (not in_transaction and self.client.options.retry_writes
                         and self.server.is_replica_set
                         and (write_concern is None or write_concern.acknowledged))
            if retryable:  # pymongo's _start_retryable_write: lsid and a new txnNumber
                cmd.update(retryable_write_fields(self.client, session))
        if not self.fail_points.armed:
            # in process nothing but a fail point fails retryably: one try is the loop
            reply = self._attempt(db, cmd, name, unchecked)
            if in_transaction:  # as the loop notes it (an overloaded retry reads it)
                (session if session is not None
                 else BOUND_SESSION.get())._transaction.has_completed_command = True
            return reply
        tries = 0

        def attempt() -> dict:
            nonlocal tries
            tries += 1
            if tries > 1 and in_transaction:
                # a transaction's statement sent again: its session fields again
                # (``startTransaction`` once more when the first try was reverted)
                cmd.pop("startTransaction", None)
                merge_session_fields(cmd, session_fields(self.client, session, name,
                                                         write_concern, implicit,
                                                         reads_with_concern) or {})
            reply = self._attempt(db, cmd, name, unchecked)
            if not is_read and "writeConcernError" in reply:
                raise RetryableReply(reply)  # seen by the retry loop, as in pymongo
            return reply

        active = session if session is not None else BOUND_SESSION.get()
        try:
            return run_with_retries(attempt, self.client, active, name, is_read, retryable)
        except RetryableReply as exc:  # not retried (again): the caller raises from it
            return exc.reply

    def _attempt(self, db: str, cmd: dict[str, Any], name: str, unchecked: bool) -> dict:
        if self.pool is not None:
            return self._run_pooled(db, cmd, name, unchecked)
        if self.monitor is not None:
            return self._run_monitored(db, cmd, name, unchecked)
        return self._run_once(db, cmd, name, unchecked)

    def _run_pooled(self, db: str, cmd: dict[str, Any], name: str, unchecked: bool) -> dict:
        """The command on a connection lent by the client's pool, as pymongo's
        pool events report it (a network error closes the connection)."""
        assert self.pool is not None
        pool, conn_id = self.pool.check_out()
        try:
            if self.monitor is not None:
                reply = self._run_monitored(db, cmd, name, unchecked)
            else:
                reply = self._run_once(db, cmd, name, unchecked)
        except ConnectionFailure:
            self.pool.connection_failed(pool, conn_id)
            raise
        except BaseException:
            pool.check_in(conn_id)
            raise
        pool.check_in(conn_id)
        return reply

    def _run_monitored(self, db: str, cmd: dict[str, Any], name: str, unchecked: bool) -> dict:
        """:meth:`_run_once` between pymongo's command monitoring events, published
        to the client's listeners as pymongo publishes them (the command as it goes
        on the wire, ``$db`` included; an error reply as the failure)."""
        assert self.monitor is not None
        request_id = _random_request_id()
        address = self.client.address or ("localhost", 27017)
        self.monitor.publish_command_start(_as_sent(cmd, db), db, request_id, address, None,
                                           request_id)
        started = time.monotonic()
        try:
            reply = self._run_once(db, cmd, name, unchecked)
        except OperationFailure as exc:
            self.monitor.publish_command_failure(
                _since(started), exc.details or {}, name, request_id, address, None, request_id,
                database_name=db)
            raise
        except ConnectionFailure as exc:
            self.monitor.publish_command_failure(
                _since(started), {"errmsg": str(exc), "errtype": type(exc).__name__}, name,
                request_id, address, None, request_id, database_name=db)
            raise
        if reply.get("ok", 1.0):
            # the reply as pymongo decodes it off the wire (documents, not raw bytes)
            decoded = bson.decode(bson.encode(reply, codec_options=ENGINE_CODEC),
                                  self.client.codec_options)
            self.monitor.publish_command_success(_since(started), decoded, name, request_id,
                                                 address, None, request_id, database_name=db)
        else:  # an unchecked error reply: pymongo's events see it as a failure
            self.monitor.publish_command_failure(_since(started), reply, name, request_id,
                                                 address, None, request_id, database_name=db)
        return reply

    def _run_once(self, db: str, cmd: dict[str, Any], name: str, unchecked: bool) -> dict:
        failure = None
        if self.fail_points.armed:
            failure = fail_command(self.server, name, self.app_name, cmd, ALIASES.get(name, ()))
            if failure is not None:
                if failure.close_connection:
                    host, port = self.client.address or ("localhost", 27017)
                    raise AutoReconnect(f"{host}:{port}: connection closed")
                if failure.error is not None:
                    if unchecked:
                        return failure.error.details
                    raise_reply_error(failure.error)
        try:
            reply = run_command(self.server, db, cmd)
        except ServerError as exc:
            if unchecked:
                return exc.details
            raise command_error(exc) from None
        except ConnectionClosedByFailPoint:
            host, port = self.client.address or ("localhost", 27017)
            raise AutoReconnect(f"{host}:{port}: connection closed") from None
        if failure is not None:
            reply = write_concern_error_reply(reply, failure)
        return reply


def _as_sent(cmd: dict[str, Any], db: str) -> dict[str, Any]:
    """The command as a listener sees it over the wire: documents the faces pass
    as BSON bytes decoded, and ``$db``."""
    sent = dict(cmd)
    for key, value in sent.items():
        if type(value) is list and value and type(value[0]) is bytes:
            sent[key] = [bson.decode(item) if type(item) is bytes else item for item in value]
    sent["$db"] = db
    return sent


def _since(started: float) -> datetime.timedelta:
    return datetime.timedelta(seconds=time.monotonic() - started)


def _random_request_id() -> int:
    """A request id, as pymongo's connection numbers its messages."""
    return random.randint(0, 2 ** 31 - 1)


class ServerBatches:
    """The rest of a cursor-returning command's results, still on the server: each
    :meth:`more` is the ``getMore`` pymongo sends, :meth:`close` its ``killCursors``
    (also sent when the cursor holding this is collected while open)."""

    __slots__ = ("runner", "db", "collection", "cursor_id", "session", "batch_size",
                 "_finalizer", "__weakref__")

    def __init__(self, runner: Runner, db: str, collection: str, cursor_id: int,
                 session: Any = None) -> None:
        self.runner, self.db, self.collection = runner, db, collection
        self.cursor_id = cursor_id
        self.session = session
        self.batch_size = 0
        self._finalizer: Any = None

    def watch(self, owner: Any) -> None:
        """Kill the server cursor if ``owner`` is collected while it is open (the
        cursor handed from one owner to another is watched for the last one only)."""
        if self._finalizer is not None:
            self._finalizer.detach()
        self._finalizer = weakref.finalize(owner, kill_cursor, self.runner, self.db,
                                           self.collection, self.cursor_id)

    def more(self) -> list[bytes]:
        """The next batch (``getMore``); the cursor is closed once exhausted."""
        cmd: dict[str, Any] = {"getMore": bson.Int64(self.cursor_id),
                               "collection": self.collection}
        if self.batch_size:
            cmd["batchSize"] = self.batch_size
        try:
            cursor = self.runner.run(self.db, cmd, self.session)["cursor"]
        except OperationFailure:
            self._forget()
            raise
        if not cursor["id"]:
            self._forget()
        return [document.raw for document in cursor["nextBatch"]]

    @property
    def open(self) -> bool:
        return bool(self.cursor_id)

    def close(self) -> None:
        if self.cursor_id:
            cursor_id = self.cursor_id
            self._forget()
            kill_cursor(self.runner, self.db, self.collection, cursor_id)

    def _forget(self) -> None:
        self.cursor_id = 0
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None


def kill_cursor(runner: Runner, db: str, collection: str, cursor_id: int) -> None:
    """``killCursors`` for one cursor, as pymongo sends it on close; its errors (a
    closed client, a dropped collection) change nothing for the caller."""
    try:
        runner.run(db, {"killCursors": collection, "cursors": [bson.Int64(cursor_id)]})
    except Exception:  # noqa: BLE001 - the cursor is gone either way
        pass


def run_cursor_command(runner: Runner, db: str, cmd: dict[str, Any], session: Any = None,
                       implicit: bool = False, retryable_read: bool = True
                       ) -> tuple[list[bytes], ServerBatches | None]:
    """Run a cursor-returning command: its first batch (the documents' bytes) and
    what is left on the server (None when nothing is); the command is retried as a
    read unless ``retryable_read`` is off."""
    reply = runner.run(db, cmd, session, implicit=implicit, retryable_read=retryable_read)
    if "cursor" not in reply:  # an explain: the reply is the one document
        reply.pop("ok", None)
        return [bson.encode(reply, codec_options=ENGINE_CODEC)], None
    cursor = reply["cursor"]
    raws = [document.raw for document in cursor["firstBatch"]]
    if not cursor["id"]:
        return raws, None
    collection = cursor["ns"].split(".", 1)[1]
    return raws, ServerBatches(runner, db, collection, cursor["id"], session)
