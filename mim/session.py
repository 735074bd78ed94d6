"""Client sessions: pymongo's :class:`~pymongo.client_session.ClientSession`
against a MongoDB 7.0 *standalone*, which is what mim presents itself as.

``mim.MongoClient.start_session()`` returns a :class:`ClientSession` — a
subclass of pymongo's, so ``isinstance(s, pymongo.client_session.ClientSession)``
holds and every client-side rule is pymongo's own code (options, transaction
state machine, ``with_transaction``'s retry loop, ``bind()``).  What would go to
a server goes to mim's engine instead, with the fields pymongo would send
(``lsid``, ``txnNumber``/``startTransaction``/``autocommit``, a snapshot
``readConcern``), and :func:`mim.engine.ops.sessions.admit` answers as a standalone:

* the session is recorded in the server's session cache (``$listLocalSessions``);
* the first operation of a transaction fails with IllegalOperation (20),
  "Transaction numbers are only allowed on a replica set member or mongos";
  committing an empty transaction succeeds client-side, as with pymongo;
* every read in a snapshot session fails with NotAReplicaSet (123);
* a standalone gossips no ``$clusterTime`` and no ``operationTime``, so
  ``cluster_time`` and ``operation_time`` stay None unless advanced by hand.

:func:`session_fields` is what the client's runner (:mod:`mim.runner`) asks for
each command a method sends with its ``session`` argument; it validates the
session as pymongo does ("Can only use session with the MongoClient that
started it", "Cannot use ended session", ...).  Server sessions are pooled per
client as pymongo pools them (an ended session's lsid is reused by the next
session), and ``MongoClient.close()`` ends the pooled ones on the server.
"""

from __future__ import annotations

import time
from typing import Any

from pymongo.client_session import ClientSession as _PyMongoClientSession
from pymongo.client_session import SessionOptions, TransactionOptions
from pymongo.client_session_shared import _EmptyServerSession, _ServerSessionPool, _TxnState
from bson import Int64
from pymongo import _csot
from pymongo.errors import ConfigurationError, InvalidOperation, PyMongoError
from pymongo.helpers_shared import _check_command_response
from pymongo.read_preferences import ReadPreference
from pymongo.write_concern import WriteConcern
from pymongo.operations import _WRITES_WITH_CLUSTER_TIME

from .engine.commands import MAX_WIRE_VERSION
from .engine.commands.replication import WRITE_COMMANDS
from .engine.ops import sessions as engine_sessions
from .retrying import TRANSACTION_END, run_with_retries

try:  # pymongo >= 4.17: ClientSession.bind() sets a context variable
    from pymongo.synchronous.client_session import _SESSION as _BOUND_SESSION
except ImportError:  # pragma: no cover - older pymongo
    _BOUND_SESSION = None


class _NoBinding:
    """Stands for ``ClientSession.bind()``'s context variable on a pymongo without it."""

    @staticmethod
    def get() -> None:
        return None


#: the session ``with session.bind():`` made current (``BOUND_SESSION.get()``: it, or None)
BOUND_SESSION: Any = _BOUND_SESSION if _BOUND_SESSION is not None else _NoBinding()

__all__ = ["ClientSession", "SessionOptions", "TransactionOptions", "server_api_fields",
           "session_fields", "retryable_write_fields", "start_session", "end_client_sessions",
           "in_transaction", "check_transaction_read_preference", "note_reply",
           "merge_session_fields", "gossip_cluster_time", "note_cluster_time",
           "add_statement_fields", "note_statement_reply",
           "READS_WITH_READ_CONCERN"]


def _pool(client: Any) -> _ServerSessionPool:
    pool = client.__dict__.get("_mim_session_pool")
    if pool is None:
        pool = client.__dict__.setdefault("_mim_session_pool", _ServerSessionPool())
    return pool


class ClientSession(_PyMongoClientSession):
    """A logical session on a mim client (pymongo's ClientSession API)."""

    # -- what pymongo asks of its topology / pool, answered by the client's pool ----------

    def _materialize(self, logical_session_timeout_minutes: int | None = None) -> None:
        if isinstance(self._server_session, _EmptyServerSession):
            old = self._server_session
            self._server_session = _pool(self._client).get_server_session(
                engine_sessions.TIMEOUT_MINUTES)
            if old.started_retryable_write:
                self._server_session.inc_transaction_id()

    @property
    def session_id(self) -> Any:
        """A BSON document, the opaque server session identifier."""
        self._check_ended()
        self._materialize()
        return self._server_session.session_id

    @property
    def _transaction_id(self) -> Any:
        self._materialize()
        return self._server_session.transaction_id

    def _end_session(self, lock: bool) -> None:
        if self._server_session is not None:
            try:
                if self.in_transaction:
                    self.abort_transaction()
                self._unpin()
            finally:
                if not isinstance(self._server_session, _EmptyServerSession):
                    _pool(self._client).return_server_session(self._server_session)
                self._server_session = None

    def _finish_transaction_with_retry(self, command_name: str) -> dict[str, Any]:
        """pymongo's: commit or abort, tried once more after a retryable error
        (:func:`mim.retrying.run_with_retries` decides, as pymongo's loop does; a
        standalone supports no retryable writes, so nothing is retried there)."""
        return run_with_retries(lambda: self._finish_transaction_once(command_name),
                                self._client, self, command_name, is_read=False,
                                retryable=self._client._engine.is_replica_set)

    def _finish_transaction_once(self, command_name: str) -> dict[str, Any]:
        """pymongo's ``_finish_transaction``: the command with the transaction's write
        concern (``w: "majority"`` and a 10 s ``wtimeout`` on a retried commit) and
        ``maxCommitTimeMS``; a ``writeConcernError`` raised as pymongo raises it."""
        transaction = self._transaction
        transaction.attempt += 1
        opts = transaction.opts
        write_concern = opts.write_concern if opts is not None else None
        cmd: dict[str, Any] = {command_name: 1}
        if command_name == "commitTransaction":
            if opts is not None and opts.max_commit_time_ms and _csot.get_timeout() is None:
                cmd["maxTimeMS"] = opts.max_commit_time_ms
            if transaction.attempt > 1 and write_concern is not None:
                document = write_concern.document
                document["w"] = "majority"
                document.setdefault("wtimeout", 10000)
                write_concern = WriteConcern(**document)
        if write_concern is not None and not write_concern.is_server_default:
            cmd["writeConcern"] = write_concern.document
        reply = self._client._runner.run("admin", cmd, self, write_concern)
        _check_command_response(reply, MAX_WIRE_VERSION, parse_write_concern_error=True)
        return reply

    def __repr__(self) -> str:
        return f"<mim.session.ClientSession object at {id(self):#x}>"


def start_session(client: Any, causal_consistency: bool | None = None,
                  default_transaction_options: TransactionOptions | None = None,
                  snapshot: bool | None = False) -> ClientSession:
    """``MongoClient.start_session``: the session is materialized on first use."""
    options = SessionOptions(causal_consistency=causal_consistency,
                             default_transaction_options=default_transaction_options,
                             snapshot=snapshot)
    return ClientSession(client, _EmptyServerSession(), options, False)


def end_client_sessions(client: Any) -> None:
    """On ``MongoClient.close()``: end the pooled server sessions (pymongo's endSessions)."""
    pool = client.__dict__.get("_mim_session_pool")
    if pool:
        ids = pool.pop_all()
        # pymongo's endSessions, through the runner (the client is not closed yet);
        # as pymongo does, a failure to end them is ignored
        try:
            client._runner.run("admin", {"endSessions": ids})
        except PyMongoError:
            pass


def _implicit_use(client: Any) -> dict[str, Any]:
    """An implicit session lent for one command: the ``lsid`` it sends (the server
    records it)."""
    pool = _pool(client)
    server_session = pool.get_server_session(engine_sessions.TIMEOUT_MINUTES)
    server_session.last_use = time.monotonic()
    pool.return_server_session(server_session)
    return {"lsid": server_session.session_id}


def retryable_write_fields(client: Any, session: Any) -> dict[str, Any]:
    """The ``lsid`` and the new ``txnNumber`` of a retryable write (pymongo's
    ``_start_retryable_write``): on ``session`` (None: the bound one, else an
    implicit one lent from the client's pool)."""
    if session is None:
        session = BOUND_SESSION.get()
    if session is not None:
        session._start_retryable_write()
        server_session = session._server_session
    else:
        pool = _pool(client)
        server_session = pool.get_server_session(engine_sessions.TIMEOUT_MINUTES)
        server_session.inc_transaction_id()
        server_session.last_use = time.monotonic()
        pool.return_server_session(server_session)
    return {"lsid": server_session.session_id,
            "txnNumber": Int64(server_session.transaction_id)}


def in_transaction(session: Any) -> bool:
    """Whether an operation given ``session`` (None: the bound one) runs in a transaction."""
    if session is None:
        session = BOUND_SESSION.get()
    return isinstance(session, _PyMongoClientSession) and session.in_transaction


#: the commands a transaction sends with its read preference (pymongo's ``_apply_to``
#: checks it for them; writes go to the primary whatever it is)
_TRANSACTION_READS = frozenset({"find", "aggregate", "distinct", "count"})


def check_transaction_read_preference(session: Any, read_preference: Any = None) -> None:
    """pymongo's refusal of a read in a transaction whose read preference (the
    operation's own, else the transaction's) is not primary."""
    if read_preference is None:
        opts = session._transaction.opts
        read_preference = opts.read_preference if opts is not None else None
    if read_preference is not None and read_preference != ReadPreference.PRIMARY:
        raise InvalidOperation(
            f"read preference in a transaction must be primary, not: {read_preference!r}")


def note_reply(session: Any, reply: dict[str, Any], server: Any = None, name: str = "") -> None:
    """What pymongo's session takes from a reply to one of its commands
    (``_process_response``): the cluster and operation times, and a snapshot
    session's first ``atClusterTime`` (its later reads send it back).

    In process a reply carries no ``$clusterTime``/``operationTime``: a replica-set
    member's are read from its clock as the wire face's gossip writes them (a
    write command's operation time is a new optime)."""
    if server is not None and server.is_replica_set:
        clock = server.clock
        # a transaction's statement writes no oplog entry: its time is the latest one
        wrote = name in WRITE_COMMANDS and reply.get("ok", 1) and (
            session._transaction.state != _TxnState.IN_PROGRESS or name in TRANSACTION_END)
        _note_times(session, clock, clock.tick() if wrote else clock.now())
    if session._options.snapshot and session._snapshot_time is None:
        session._process_response(reply)


def note_statement_reply(client: Any, session: Any, server: Any) -> None:
    """:func:`note_cluster_time` and :func:`note_reply` for a statement of a transaction
    in progress (see :func:`add_statement_fields`): it writes no oplog entry, so its
    operation time is the latest one, and its session is no snapshot session.  (Each
    time is replaced only when the clock moved: a transaction's statements mostly run
    at one cluster time.)"""
    if server.is_replica_set:
        clock = server.clock
        now = clock.now()
        known = client.__dict__.get("_mim_cluster_time")
        if known is None or known["clusterTime"] is not now:
            client.__dict__["_mim_cluster_time"] = clock.cluster_time_document()
        if session._operation_time is not now:
            session._advance_operation_time(now)
        known = session._cluster_time
        if known is None or known["clusterTime"] is not now:
            session._advance_cluster_time(clock.cluster_time_document())


def _note_times(session: Any, clock: Any, operation_time: Any) -> None:
    """The session's operation and cluster times advanced to the clock's."""
    if session._operation_time is not operation_time:
        session._advance_operation_time(operation_time)
    known = session._cluster_time
    if known is None or known["clusterTime"] is not clock.now():  # (else nothing to do)
        session._advance_cluster_time(clock.cluster_time_document())


def server_api_fields(client: Any) -> dict[str, Any]:
    """The API parameters pymongo adds to each command of a client built with
    ``server_api=ServerApi(...)`` (none without one)."""
    server_api = client._client_options.pool_options.server_api
    if server_api is None:
        return {}
    fields: dict[str, Any] = {"apiVersion": server_api.version}
    if server_api.strict is not None:
        fields["apiStrict"] = server_api.strict
    if server_api.deprecation_errors is not None:
        fields["apiDeprecationErrors"] = server_api.deprecation_errors
    return fields


#: the commands pymongo sends with the collection's read concern, so with a causally
#: consistent session's ``afterClusterTime`` (``_Query.as_command`` for find, the
#: command runner's ``read_concern`` for aggregate, count and distinct)
READS_WITH_READ_CONCERN = frozenset({"find", "aggregate", "count", "distinct"})


def _causal_time(session: Any) -> Any:
    """The ``afterClusterTime`` a causally consistent session's next command waits
    for: its ``operationTime`` (None before its first reply, or without causality)."""
    if session.options.causal_consistency:
        return session.operation_time
    return None


def session_fields(client: Any, session: Any, command: str, write_concern: Any = None,
                   implicit: bool = False, reads_with_concern: bool = False
                   ) -> dict[str, Any] | None:
    """Validate ``session`` for one operation of ``client`` as pymongo does; the session
    fields pymongo would send with ``command`` (None for an implicit session the
    server does not see).

    ``None`` means the bound session (``with session.bind():``) if any, else an
    implicit one, recorded on the server only when ``implicit`` (aggregates and
    ``Database.command``, where ``$listLocalSessions`` can observe it; recording
    it for every CRUD call would cost the hot paths for nothing visible)."""
    if session is None:
        bound = BOUND_SESSION.get()
        if bound is None:
            return _implicit_use(client) if implicit else None
        if bound.client is not client:
            raise InvalidOperation(
                "Only the client that created the bound session can perform operations within"
                " its context block. See <PLACEHOLDER> for more information.")
        session = bound
    elif not isinstance(session, _PyMongoClientSession):
        raise ValueError(
            f"'session' argument must be a ClientSession or None, not {type(session)}")
    if session._client is not client:
        _foreign_session(session)
    transaction = session._transaction
    state = transaction.state
    # (pymongo's ``in_transaction``, read once)
    active = state == _TxnState.IN_PROGRESS or state == _TxnState.STARTING
    if write_concern is not None and not write_concern.acknowledged \
            and not active:  # a transaction's statements use its own
        raise ConfigurationError("Explicit sessions are incompatible with unacknowledged "
                                 f"write concern: {write_concern!r}")
    session._check_ended()
    if state != _TxnState.NONE and not active:
        transaction.reset()  # pymongo's _select_server: an ended transaction is forgotten
    session._materialize()
    server_session = session._server_session
    server_session.last_use = time.monotonic()
    fields: dict[str, Any] = {"lsid": server_session.session_id}
    if session._options.snapshot:
        fields["readConcern"] = {"level": "snapshot"} if session._snapshot_time is None \
            else {"level": "snapshot", "atClusterTime": session._snapshot_time}
    if active:
        if command in _TRANSACTION_READS:
            check_transaction_read_preference(session)
        if state == _TxnState.STARTING:
            fields["startTransaction"] = True
            # pymongo's _apply_to: the transaction's read concern, and the causal wait
            opts = session._transaction.opts
            document = opts.read_concern.document if opts is not None \
                and opts.read_concern is not None else None
            if document:
                fields["readConcern"] = dict(document)
            after = _causal_time(session)
            if after is not None:
                fields.setdefault("readConcern", {})["afterClusterTime"] = after
        fields["txnNumber"] = server_session.transaction_id
        fields["autocommit"] = False
        transaction.state = _TxnState.IN_PROGRESS  # pymongo's set_in_progress
    elif reads_with_concern or command in _WRITES_WITH_CLUSTER_TIME:
        # pymongo's _update_read_concern: a causally consistent session's reads (and,
        # since 4.20, its writes) wait for what it has already seen
        after = _causal_time(session)
        if after is not None:
            fields["readConcern"] = {"afterClusterTime": after}
    return fields


def _foreign_session(session: Any) -> None:
    raise InvalidOperation(
        f"Can only use session with the {type(session._client).__name__} that started it")


def add_statement_fields(client: Any, session: Any, command: str, cmd: dict[str, Any]) -> None:
    """:func:`session_fields` merged into ``cmd`` (:func:`merge_session_fields`) for
    one more statement of ``session``'s transaction in progress — a mim
    ``ClientSession`` whose first statement already ran (so it is materialized, and
    not a snapshot session: those have no transactions) — without building the
    fields apart: the session checked as pymongo checks it
    (:func:`statement_session`), then ``lsid``, ``txnNumber`` and ``autocommit``
    added, as pymongo's ``_apply_to`` adds them."""
    server_session = statement_session(client, session, command)
    cmd["lsid"] = server_session.session_id
    cmd["txnNumber"] = server_session.transaction_id
    cmd["autocommit"] = False


def statement_session(client: Any, session: Any, command: str) -> Any:
    """The server session of ``session`` (see :func:`add_statement_fields`) about to
    send one more statement ``command`` of its transaction in progress, checked as
    pymongo checks it (the client that started it, not ended, a read's read
    preference) and its use noted: what gives the statement its ``lsid`` and
    ``txnNumber``."""
    if session._client is not client:
        _foreign_session(session)
    server_session = session._server_session
    if server_session is None:
        session._check_ended()  # (raises: an ended session)
    server_session.last_use = time.monotonic()
    if command in _TRANSACTION_READS:
        check_transaction_read_preference(session)
    return server_session


def merge_session_fields(cmd: dict[str, Any], fields: dict[str, Any]) -> None:
    """``cmd.update(fields)``, a read concern the command already has kept and
    extended (``readConcern.setdefault(...)["afterClusterTime"]``, as pymongo)."""
    read_concern = fields.get("readConcern")
    if read_concern is not None and isinstance(cmd.get("readConcern"), dict) \
            and "startTransaction" not in fields:
        fields = dict(fields, readConcern={**cmd["readConcern"], **read_concern})
    cmd.update(fields)


def gossip_cluster_time(client: Any, session: Any, cmd: dict[str, Any]) -> None:
    """pymongo's ``send_cluster_time``: the greater of the client's and the session's
    ``$clusterTime`` goes with the command (a replica-set member's; a standalone
    gossips none)."""
    server = client._engine
    if not server.is_replica_set:
        return
    known = client.__dict__.get("_mim_cluster_time")
    if known is None:  # what the client's first hello would have told it
        known = client.__dict__["_mim_cluster_time"] = server.clock.cluster_time_document()
    if session is not None:
        theirs = session._cluster_time  # (``cluster_time``)
        # (both read from the clock's one Timestamp: equal without comparing)
        if theirs is not None and theirs["clusterTime"] is not known["clusterTime"] \
                and theirs["clusterTime"] > known["clusterTime"]:
            known = theirs
    cmd["$clusterTime"] = known


def note_cluster_time(client: Any, server: Any) -> None:
    """The greatest ``$clusterTime`` the client has seen (a reply's, read in process
    from the member's clock as the wire face's gossip writes it)."""
    if server.is_replica_set:
        client.__dict__["_mim_cluster_time"] = server.clock.cluster_time_document()
