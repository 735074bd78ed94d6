"""Logical sessions: the session cache (and the ``$listLocalSessions`` stage that
lists it) and each session's transaction state.

Every command that carries an ``lsid`` *vivifies* the session in the server's
logical session cache (lsid -> last use), which ``$listLocalSessions`` lists and
``startSession`` / ``refreshSessions`` / ``endSessions`` / ``killSessions``
maintain.  :func:`admit` is what the server does with a command's session fields
before running it, in the server's order:

1. ``lsid`` -> the session is recorded (``initializeOperationSessionInfo``);
2. on a standalone, ``txnNumber`` (or ``startTransaction``) -> IllegalOperation
   (20), and a snapshot read concern -> NotAReplicaSet (123) or InvalidOptions (72);
3. on the replica set, ``txnNumber``/``autocommit``/``startTransaction`` are
   validated; a retryable write's ``txnNumber`` advances the session's; a
   transaction's statement begins or continues the session's
   :class:`~.transactions.Transaction` (``TransactionParticipant::beginOrContinue``).

Both faces go through here via :func:`mim.engine.commands.run_command`.
:class:`SessionRecord` is keyed by the lsid's UUID bytes."""

from __future__ import annotations

import base64
import copy
import datetime
import hashlib
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from bson.binary import Binary
from bson.timestamp import Timestamp

from ..storage.attached import PerServer
from ..storage.replication import TERM
from ..values import deadline
from ..values.deadline import operation_deadline
from ..values.errors import ServerError
from ..pipeline.registry import pipeline_stage
from ..values.order import type_name
from ..values.render import render_document
from .snapshot_reads import SnapshotRead, snapshot_read
from .transactions import ALLOWED_COMMANDS, TRANSACTION_END_COMMANDS, Transaction

__all__ = ["continued_transaction", "transaction_continued", "RetryableWrite", "SessionRegistry", "SessionRecord", "registry", "admit", "parse_lsid", "new_lsid",
           "TIMEOUT_MINUTES", "NO_AUTH_UID", "SNAPSHOT_READ_COMMANDS", "session_text", "session_user_digest"]

#: ``localLogicalSessionTimeoutMinutes`` (``hello``'s ``logicalSessionTimeoutMinutes``)
TIMEOUT_MINUTES = 30

#: The user digest of sessions started without authentication: SHA-256 of "".
NO_AUTH_UID = Binary(hashlib.sha256(b"").digest(), 0)

#: Commands that accept ``readConcern: {level: "snapshot"}`` outside a transaction.
SNAPSHOT_READ_COMMANDS = frozenset({"find", "aggregate", "distinct", "count", "getMore"})

TRANSACTIONS_NEED_REPLICA_SET = ("Transaction numbers are only allowed on a replica set member "
                                 "or mongos")
SNAPSHOT_NEEDS_REPLICA_SET = "node needs to be a replica set member to use readConcern: snapshot"


def _at_millis(seconds: float) -> datetime.datetime:
    """``seconds`` since the epoch as a UTC datetime, cut to milliseconds (BSON's date)."""
    millis = int(seconds * 1000)
    return datetime.datetime.fromtimestamp(millis // 1000, datetime.timezone.utc).replace(
        microsecond=millis % 1000 * 1000)


class SessionRecord:
    """One entry of the session cache, with the session's transaction state."""

    __slots__ = ("id", "uid", "used_at", "txn_number", "transaction", "retry_reply",
                 "retry_statements")

    def __init__(self, session_uuid: Binary, uid: Binary = NO_AUTH_UID) -> None:
        self.id = session_uuid
        self.uid = uid
        #: when the session was last used (``time.time()``: every command of a session
        #: sets it, so the datetime is made only when someone reads ``last_use``)
        self.used_at = time.time()
        #: the highest ``txnNumber`` the session has used (-1: none yet)
        self.txn_number = -1
        #: the session's last multi-document transaction (any state), or None
        self.transaction: Transaction | None = None
        #: the last retryable write: (txnNumber, command name, its first reply)
        self.retry_reply: tuple[int, str, dict] | None = None
        #: the statements of the last retryable write that committed before its reply
        #: was lost: (txnNumber, command name, {statement index: its reply})
        self.retry_statements: tuple[int, str, dict[int, dict]] | None = None

    @property
    def last_use(self) -> datetime.datetime:
        """When the session was last used, as ``$listLocalSessions`` shows it."""
        return _at_millis(self.used_at)

    def to_document(self) -> dict:
        """The record as ``$listLocalSessions`` shows it (the server's SessionRecord)."""
        return {"_id": {"id": self.id, "uid": self.uid}, "lastUse": self.last_use}


class SessionRegistry:
    """The logical session cache of one server: lsid UUID -> :class:`SessionRecord`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[bytes, SessionRecord] = {}
        #: (the ``lsid`` document of the last statement :func:`continued_transaction`
        #: continued, its session's record): the in-process face sends a session's one
        #: ``lsid`` dict with each statement, checked then, not again
        self.last_continued: tuple[Any, SessionRecord] | None = None

    def vivify(self, session_uuid: Binary) -> SessionRecord:
        """Record a use of the session (creating it if new)."""
        key = bytes(session_uuid)
        with self._lock:
            record = self._records.get(key)
            if record is None:
                record = self._records[key] = SessionRecord(session_uuid)
            else:
                record.used_at = time.time()
            return record

    def get(self, session_uuid: Binary) -> SessionRecord | None:
        """The cached session (None if unknown), its use not recorded."""
        return self._records.get(bytes(session_uuid))

    def refresh(self, session_uuids: Iterable[Binary]) -> None:
        for session_uuid in session_uuids:
            self.vivify(session_uuid)

    def end(self, session_uuids: Iterable[Binary]) -> None:
        """End sessions: an open transaction of theirs is aborted, as the server does."""
        with self._lock:
            self.last_continued = None
            ended = [self._records.pop(bytes(u), None) for u in session_uuids]
        for record in ended:
            if record is not None and record.transaction is not None:
                record.transaction.abort()

    def kill(self, matches: Callable[[SessionRecord], bool]) -> None:
        """Kill the sessions ``matches`` selects (``killSessionsLocal``): each one's
        transaction in progress is aborted, releasing what it holds; the sessions stay
        cached, and may be used again."""
        with self._lock:
            killed = [r for r in self._records.values() if matches(r)]
        for record in killed:
            if record.transaction is not None:
                record.transaction.abort()

    def clear(self) -> None:
        with self._lock:
            self.last_continued = None
            self._records.clear()

    def __contains__(self, session_uuid: Any) -> bool:
        return bytes(session_uuid) in self._records

    def __len__(self) -> int:
        return len(self._records)

    def records(self, uids: Iterable[Binary] | None = None) -> list[dict]:
        """The cached sessions (of the given user digests; all when None), newest first."""
        with self._lock:
            records = list(self._records.values())
        wanted = None if uids is None else {bytes(u) for u in uids}
        return [r.to_document() for r in reversed(records)
                if wanted is None or bytes(r.uid) in wanted]


#: ``registry(server)``: the session cache of ``server`` (kept on the server: one dict
#: read per command of a session; a transaction's view shares its server's)
registry: PerServer[SessionRegistry] = PerServer(SessionRegistry)


def new_lsid() -> dict:
    """A fresh session id as drivers make them: ``{"id": UUID (binary subtype 4)}``."""
    return {"id": Binary(uuid.uuid4().bytes, 4)}


def parse_lsid(lsid: Any, field: str = "OperationSessionInfo.lsid") -> Binary:
    """The UUID of a ``LogicalSessionFromClient`` document, validated as the IDL does."""
    if type(lsid) is dict and len(lsid) == 1:  # what drivers send: {"id": UUID}
        value = lsid.get("id")
        if type(value) is Binary and value.subtype == 4:
            return value
    if not isinstance(lsid, Mapping):
        raise ServerError(14, f"BSON field '{field}' is the wrong type '{type_name(lsid)}', "
                              "expected type 'object'")
    for key in lsid:
        if key not in ("id", "uid", "txnNumber", "txnUUID"):
            raise ServerError(40415, f"BSON field '{field}.{key}' is an unknown field.")
    if "id" not in lsid:
        raise ServerError(40414, f"BSON field '{field}.id' is missing but a required field")
    value = lsid["id"]
    if isinstance(value, uuid.UUID):
        value = Binary(value.bytes, 4)
    if not isinstance(value, Binary) or value.subtype != 4:
        raise ServerError(14, f"BSON field '{field}.id' is the wrong type "
                              f"'{type_name(value)}', expected type 'binData'")
    return value


def admit(server: Any, name: str, cmd: Mapping[str, Any]
          ) -> "Transaction | RetryableWrite | SnapshotRead | None":
    """Apply a command's session fields as the server does before running it
    (``initializeOperationSessionInfo``, then the session's transaction state): a
    standalone refuses transaction numbers and snapshot reads; a replica-set member
    validates them, and returns the multi-document transaction the command runs in
    (starting it with ``startTransaction``), the retryable write it is, the snapshot
    read it is, or None."""
    if "txnNumber" not in cmd and "readConcern" not in cmd and "autocommit" not in cmd \
            and "startTransaction" not in cmd:
        # a driver's implicit session (a plain command): only its use is recorded
        session = cmd.get("lsid")
        if session is not None:
            registry(server).vivify(parse_lsid(session))
        return None
    lsid = cmd.get("lsid")
    record = None
    if lsid is not None:
        record = registry(server).vivify(parse_lsid(lsid))
    read_concern = cmd.get("readConcern")
    if read_concern is not None:
        check_read_concern(read_concern)
    if not server.is_replica_set:
        _admit_on_standalone(name, cmd)
        return None
    if read_concern is not None and "afterClusterTime" in read_concern:
        wait_for_cluster_time(server, cmd, read_concern)
    elif read_concern is not None and "afterOpTime" in read_concern:
        wait_for_op_time(server, cmd, read_concern["afterOpTime"])
    if lsid is None and cmd.get("txnNumber") is not None:
        raise ServerError(72, "Transaction number requires a session ID to also be specified")
    in_transaction = _transaction_fields(name, cmd)
    if in_transaction:
        return _transaction_for(server, record, lsid, name, cmd)  # type: ignore[arg-type]
    if isinstance(read_concern, Mapping) and read_concern.get("level") == "snapshot" \
            and name not in SNAPSHOT_READ_COMMANDS:
        raise ServerError(72, f'Command {name} does not support {{ readConcern: {{ level: '
                              f'"snapshot" }} }} :: caused by :: read concern not supported')
    txn_number = cmd.get("txnNumber")
    if txn_number is not None and record is not None:
        return _retryable_write(record, int(txn_number), name)
    if isinstance(read_concern, Mapping) and read_concern.get("level") == "snapshot" \
            and name != "getMore":
        return snapshot_read(server, read_concern)  # the point in time it reads
    return None


def continued_transaction(server: Any, name: str, cmd: Mapping[str, Any]) -> Transaction | None:
    """The in-progress transaction that ``cmd`` plainly continues — ``lsid`` as drivers
    send it, the session's current ``txnNumber``, ``autocommit: false``, no
    ``startTransaction`` nor ``readConcern``, a command a transaction may run that
    does not end it — with the session's use recorded; None for anything else, which
    :func:`admit` decides (and words its errors for) in full.  A transaction's every
    statement but the first takes this path: a few fields read, not re-validated."""
    if cmd.get("autocommit") is not False or name not in _CONTINUING_COMMANDS \
            or "startTransaction" in cmd or "readConcern" in cmd:
        return None
    return transaction_continued(server, cmd.get("lsid"), cmd.get("txnNumber"))


def transaction_continued(server: Any, lsid: Any, number: Any) -> Transaction | None:
    """The in-progress transaction of session ``lsid`` whose ``txnNumber`` is
    ``number``, as a statement of it that needs nothing else checked finds it (see
    :func:`continued_transaction`), the session's use recorded; None for anything
    else (a session or number not known as such, a transaction ended or past its
    lifetime), which :func:`admit` decides and words its errors for."""
    # (registry(server), without its call once the registry exists)
    sessions = server._attached.get(registry)
    if sessions is None:
        sessions = registry(server)
    last = sessions.last_continued
    if last is not None and last[0] is lsid:
        record = last[1]  # (the lsid document checked by the last statement)
    else:
        if type(lsid) is not dict or len(lsid) != 1:
            return None
        session_id = lsid.get("id")
        if type(session_id) is not Binary or session_id.subtype != 4:
            return None
        record = sessions._records.get(bytes(session_id))
        if record is None:
            return None
        sessions.last_continued = (lsid, record)
    transaction = record.transaction
    # (a standalone never has a transaction: it refuses startTransaction)
    if transaction is None or transaction.number != number or record.txn_number != number \
            or not isinstance(number, int) or type(number) is bool \
            or transaction.state != "in_progress" \
            or time.monotonic() > transaction.deadline:
        return None
    record.used_at = time.time()
    return transaction


#: the commands a transaction's statement may be and that do not end it
_CONTINUING_COMMANDS = ALLOWED_COMMANDS - TRANSACTION_END_COMMANDS


class RetryableWrite:
    """A retryable write (``txnNumber`` without ``autocommit``): executed once; a retry
    with the same ``lsid`` and ``txnNumber`` is answered with the first reply."""

    __slots__ = ("record", "number", "name")

    def __init__(self, record: SessionRecord, number: int, name: str) -> None:
        self.record = record
        self.number = number
        self.name = name

    def first_reply(self) -> dict | None:
        """The reply of this write's first execution, if it ran already."""
        saved = self.record.retry_reply
        if saved is not None and saved[0] == self.number and saved[1] == self.name:
            return copy.deepcopy(saved[2])
        return None

    def remember(self, reply: dict) -> None:
        self.record.retry_reply = (self.number, self.name, copy.deepcopy(reply))

    def has_statements(self) -> bool:
        """Whether an earlier attempt of this write committed some statements."""
        saved = self.record.retry_statements
        return saved is not None and saved[0] == self.number and saved[1] == self.name \
            and bool(saved[2])

    def statements(self) -> dict[int, dict]:
        """This write's committed statements by index (a retry reuses their replies,
        as the server's ``stmtId`` records make a retryable write happen once)."""
        saved = self.record.retry_statements
        if saved is None or saved[0] != self.number or saved[1] != self.name:
            saved = self.record.retry_statements = (self.number, self.name, {})
        return saved[2]


def _retryable_write(record: SessionRecord, number: int, name: str) -> RetryableWrite:
    """A retryable write's ``txnNumber``: a newer one starts a new write on the session."""
    transaction = record.transaction
    if number < record.txn_number:
        raise ServerError(225, f"Cannot start transaction {number} on session "
                               f"{session_text(record)} because a newer transaction with "
                               f"txnNumber {record.txn_number} has already started on this "
                               f"session.")
    if number == record.txn_number and transaction is not None \
            and transaction.number == number:
        raise ServerError(72, "Must specify autocommit=false on all operations of a "
                              "multi-statement transaction.")
    if number > record.txn_number:
        if transaction is not None:
            transaction.abort()
        record.txn_number = number
    return RetryableWrite(record, number, name)


#: the read concern levels a transaction may start with
TRANSACTION_READ_CONCERNS = (None, "local", "majority", "snapshot")
TRANSIENT = ["TransientTransactionError"]


def session_text(record: SessionRecord) -> str:
    """A session id as the server prints it (``LogicalSessionId::toString``)."""
    return (f"{uuid.UUID(bytes=bytes(record.id))} - "
            f"{base64.b64encode(bytes(record.uid)).decode()}")


def _transaction_for(server: Any, record: SessionRecord, lsid: Mapping[str, Any], name: str,
                     cmd: Mapping[str, Any]) -> Transaction:
    """Begin or continue the session's transaction (``TransactionParticipant::beginOrContinue``)."""
    number = int(cmd["txnNumber"])
    if name not in ALLOWED_COMMANDS:
        raise ServerError(263, f"Cannot run '{name}' in a multi-document transaction.")
    with server.lock:
        transaction = record.transaction
        if transaction is not None and transaction.expired():
            transaction.abort()
        if cmd.get("startTransaction"):
            if number < record.txn_number:
                raise ServerError(225, f"Cannot start transaction {number} on session "
                                       f"{session_text(record)} because a newer transaction "
                                       f"with txnNumber {record.txn_number} has already "
                                       f"started on this session.")
            if number == record.txn_number:
                raise ServerError(117, "Only servers in a sharded cluster can start a new "
                                       "transaction at the active transaction number")
            read_concern = cmd.get("readConcern")
            level = read_concern.get("level") if isinstance(read_concern, Mapping) else None
            if level not in TRANSACTION_READ_CONCERNS:
                raise ServerError(72, "The readConcern level must be either 'local' "
                                      "(default), 'majority' or 'snapshot' in order to run in "
                                      "a transaction")
            if transaction is not None:
                transaction.abort()
            record.txn_number = number
            record.transaction = transaction = Transaction(server, lsid, number, read_concern)
            return transaction
        if transaction is None or number != record.txn_number \
                or transaction.number != number:
            raise ServerError(251, f"Given transaction number {number} does not match any "
                                   f"in-progress transactions. The active transaction number "
                                   f"is {record.txn_number}", errorLabels=TRANSIENT)
        if "readConcern" in cmd:
            raise ServerError(72, "Only the first command in a transaction may specify a "
                                  "readConcern")
        if transaction.state == "aborted":
            raise ServerError(251, f"Transaction {number} has been aborted.",
                              errorLabels=TRANSIENT)
        if transaction.state == "committed" and name != "commitTransaction":
            raise ServerError(256, f"Transaction {number} has been committed.")
        return transaction


#: ``readConcern.level`` values (the ``ReadConcernLevel`` enum)
READ_CONCERN_LEVELS = ("local", "majority", "linearizable", "available", "snapshot")
_READ_CONCERN_FIELDS = frozenset({"level", "afterClusterTime", "afterOpTime", "atClusterTime",
                                  "provenance"})


def check_read_concern(value: Any) -> None:
    """Validate ``readConcern`` as its IDL parser does (before anything runs)."""
    if not isinstance(value, Mapping):
        raise ServerError(14, f"BSON field 'readConcern' is the wrong type "
                              f"'{type_name(value)}', expected type 'object'")
    for name in value:
        if name not in _READ_CONCERN_FIELDS:
            raise ServerError(40415, f"BSON field 'readConcern.{name}' is an unknown field.")
    level = value.get("level")
    if level is not None:
        if not isinstance(level, str):
            raise ServerError(14, f"BSON field 'readConcern.level' is the wrong type "
                                  f"'{type_name(level)}', expected type 'string'")
        if level not in READ_CONCERN_LEVELS:
            raise ServerError(2, f"Enumeration value '{level}' for field 'readConcern.level' "
                                 f"is not a valid value.")
    for name in ("afterClusterTime", "atClusterTime"):
        if name in value and not isinstance(value[name], Timestamp):
            raise ServerError(14, f"BSON field 'readConcern.{name}' is the wrong type "
                                  f"'{type_name(value[name])}', expected type 'timestamp'")
    if "afterOpTime" in value:
        _check_op_time(value["afterOpTime"])
    _check_read_concern_combination(value, level or "local")


def _check_op_time(op_time: Any) -> None:
    """``afterOpTime`` is an optime ``{ts: Timestamp, t: long}`` (``bsonExtractOpTimeField``)."""
    if not isinstance(op_time, Mapping):
        raise ServerError(14, f"BSON field 'readConcern.afterOpTime' is the wrong type "
                              f"'{type_name(op_time)}', expected type 'object'")
    if not isinstance(op_time.get("ts"), Timestamp):
        raise ServerError(14 if "ts" in op_time else 4,
                          "Expected field \"ts\" to have type timestamp" if "ts" in op_time
                          else "Missing expected field \"ts\"")
    term = op_time.get("t")
    if isinstance(term, bool) or not isinstance(term, int):
        raise ServerError(14 if "t" in op_time else 4,
                          "Expected field \"t\" to have a numeric type" if "t" in op_time
                          else "Missing expected field \"t\"")


def _check_read_concern_combination(value: Mapping[str, Any], level: str) -> None:
    """The rules ``ReadConcernArgs::parse`` applies once every field is read (72)."""
    after = value.get("afterClusterTime")
    at = value.get("atClusterTime")
    if after is not None and "afterOpTime" in value:
        raise ServerError(72, "Can not specify both afterClusterTime and afterOpTime")
    if after is not None and at is not None:
        raise ServerError(72, "Specifying a timestamp for readConcern snapshot in a causally "
                              "consistent session is not allowed. See https://docs.mongodb.com"
                              "/manual/core/read-isolation-consistency-recency/"
                              "#causal-consistency")
    # 'available' never waits and 'linearizable' is causal already (read_concern_args.cpp)
    if after is not None and level not in ("majority", "local", "snapshot"):
        raise ServerError(72, "afterClusterTime field can be set only if level is equal to "
                              "majority, local, or snapshot")
    if "afterOpTime" in value and level == "snapshot":
        raise ServerError(72, "afterOpTime field cannot be set if level is equal to snapshot")
    if at is not None and level != "snapshot":
        raise ServerError(72, "atClusterTime field can be set only if level is equal to "
                              "snapshot")
    if at is not None and at == Timestamp(0, 0):
        raise ServerError(72, "atClusterTime cannot be a null timestamp")
    if after is not None and after == Timestamp(0, 0):
        raise ServerError(72, "afterClusterTime cannot be a null timestamp")


def wait_for_cluster_time(server: Any, cmd: Mapping[str, Any], read_concern: Mapping[str, Any]
                          ) -> None:
    """``waitForReadConcern`` for ``afterClusterTime`` on the primary of a one-node set:
    a time the member's clock has not reached (after the command's own
    ``$clusterTime`` moved it) is refused (72); any other is already applied here,
    every write having ticked the one clock (a lone primary of an unsharded set makes
    no noop write: ``makeNoopWriteIfNeeded`` returns at once), so the read goes on."""
    after = read_concern.get("afterClusterTime")
    if after is None:
        return
    gossiped = cmd.get("$clusterTime")
    if isinstance(gossiped, Mapping) and isinstance(gossiped.get("clusterTime"), Timestamp):
        server.clock.advance_to(gossiped["clusterTime"])
    now = server.clock.now()
    if after > now:
        raise ServerError(72, f"readConcern afterClusterTime value must not be greater than "
                              f"the current clusterTime. Requested clusterTime: "
                              f"{render_document({'ts': after})}; current clusterTime: "
                              f"{render_document({'ts': now})}")


#: seconds between two looks at the member's last applied optime while a read waits
#: for an ``afterOpTime`` (the clock's writers are not made to notify anyone)
_OP_TIME_POLL = 0.01


def wait_for_op_time(server: Any, cmd: Mapping[str, Any], op_time: Mapping[str, Any]) -> None:
    """``waitUntilOpTime`` for ``afterOpTime`` (checked by :func:`check_read_concern`):
    the read waits until the member's last applied optime (the latest time its clock
    gave a write) reaches ``op_time`` — optimes compare by term, then timestamp — and
    the command's ``maxTimeMS`` bounds the wait, as ``futureGetNoThrowWithDeadline``
    does: MaxTimeMSExpired (50) in the server's words.  Without ``maxTimeMS`` the read
    waits for writes as long as they take, as on the server."""
    wanted = (int(op_time["t"]), op_time["ts"].time, op_time["ts"].inc)
    if _last_applied(server) >= wanted:
        return
    with operation_deadline(cmd.get("maxTimeMS")):
        while _last_applied(server) < wanted:
            left = deadline.remaining()
            if left is not None and left <= 0:
                now = server.member.op_time(server.clock.now())
                raise ServerError(50, f"Error waiting for optime {render_document(op_time)}, "
                                      f"current relevant optime is {render_document(now)}. "
                                      f":: caused by :: operation exceeded time limit")
            time.sleep(_OP_TIME_POLL if left is None else min(_OP_TIME_POLL, left))


def _last_applied(server: Any) -> tuple[int, int, int]:
    """The member's last applied optime as ``(term, seconds, increment)``."""
    now = server.clock.now()
    return int(TERM), now.time, now.inc


def _admit_on_standalone(name: str, cmd: Mapping[str, Any]) -> None:
    if cmd.get("txnNumber") is not None or cmd.get("startTransaction") is not None:
        raise ServerError(20, TRANSACTIONS_NEED_REPLICA_SET)
    read_concern = cmd.get("readConcern")
    if isinstance(read_concern, Mapping) and read_concern.get("level") != "snapshot":
        for field in ("afterClusterTime", "atClusterTime"):
            if field in read_concern:
                raise ServerError(20, f"Cannot specify {field} readConcern without "
                                      f"replication enabled")
    if isinstance(read_concern, Mapping) and read_concern.get("level") == "snapshot":
        if name in SNAPSHOT_READ_COMMANDS:
            raise ServerError(123, SNAPSHOT_NEEDS_REPLICA_SET, codeName="NotAReplicaSet")
        raise ServerError(72, f'Command {name} does not support {{ readConcern: {{ level: '
                              f'"snapshot" }} }} :: caused by :: read concern not supported')


#: the commands a ``txnNumber`` without ``autocommit`` may come with (retryable writes)
RETRYABLE_WRITE_COMMANDS = frozenset({"insert", "update", "delete", "findAndModify",
                                      "findandmodify"})


def _transaction_fields(name: str, cmd: Mapping[str, Any]) -> bool:
    """Validate ``txnNumber``/``autocommit``/``startTransaction`` in the server's order;
    True when the command belongs to a multi-document transaction."""
    txn_number = cmd.get("txnNumber")
    autocommit = cmd.get("autocommit")
    start = cmd.get("startTransaction")
    if txn_number is not None:
        if isinstance(txn_number, bool) or not isinstance(txn_number, int):
            raise ServerError(14, f"BSON field 'OperationSessionInfo.txnNumber' is the wrong "
                                  f"type '{type_name(txn_number)}', expected type 'long'")
        if txn_number < 0:
            raise ServerError(72, "Transaction number cannot be negative")
    elif autocommit is not None:
        raise ServerError(72, "'autocommit' field requires a transaction number to also be "
                              "specified")
    if autocommit is not None:
        if not isinstance(autocommit, bool):
            raise ServerError(14, f"BSON field 'OperationSessionInfo.autocommit' is the wrong "
                                  f"type '{type_name(autocommit)}', expected type 'bool'")
        if autocommit:
            raise ServerError(72, "Specifying autocommit=true is not allowed.")
    elif start is not None:
        raise ServerError(72, "'startTransaction' field requires 'autocommit' field to also "
                              "be specified")
    if start is not None:
        if not isinstance(start, bool):
            raise ServerError(14, f"BSON field 'OperationSessionInfo.startTransaction' is the "
                                  f"wrong type '{type_name(start)}', expected type 'bool'")
        if not start:
            raise ServerError(72, "Specifying startTransaction=false is not allowed.")
    if txn_number is not None and autocommit is None and name not in RETRYABLE_WRITE_COMMANDS:
        raise ServerError(50768, f"txnNumber may only be provided for multi-document "
                                 f"transactions and retryable write commands. autocommit:false "
                                 f"was not provided, and {name} is not a retryable write "
                                 f"command.")
    return autocommit is not None


# -- $listLocalSessions -----------------------------------------------------------------

def user_digest(user: str, db: str) -> Binary:
    """``getLogicalSessionUserDigestFor``: SHA-256 of "user@db" ("" without a user)."""
    text = "" if not user else f"{user}@{db}"
    return Binary(hashlib.sha256(text.encode()).digest(), 0)


def session_user_digest(user: Mapping, idl: str) -> Binary:
    """The digest of one ``{user, db}`` document (``ListSessionsUser``,
    ``KillAllSessionsUser``...), its two fields checked as the IDL type ``idl`` does."""
    for field in ("user", "db"):
        if field not in user:
            raise ServerError(40414, f"BSON field '{idl}.{field}' is missing but a "
                                     "required field")
        if not isinstance(user[field], str):
            raise ServerError(14, f"BSON field '{idl}.{field}' is the wrong type "
                                  f"'{type_name(user[field])}', expected type 'string'")
    return user_digest(user["user"], user["db"])


def _list_sessions_spec(arg: Any, stage: str) -> list[Binary] | None:
    """The user digests a ``$listLocalSessions`` spec asks for (None: all users)."""
    if not isinstance(arg, Mapping):
        raise ServerError(14, f"{stage} options must be specified in an object, but found: "
                              f"{type_name(arg)}")
    all_users = False
    users = None
    for key, value in arg.items():
        if key == "allUsers":
            if not isinstance(value, bool):
                raise ServerError(14, f"BSON field '{stage}.allUsers' is the wrong type "
                                      f"'{type_name(value)}', expected type 'bool'")
            all_users = value
        elif key == "users":
            if not isinstance(value, list):
                raise ServerError(14, f"BSON field '{stage}.users' is the wrong type "
                                      f"'{type_name(value)}', expected type 'array'")
            users = []
            for user in value:
                if not isinstance(user, Mapping):
                    raise ServerError(14, f"BSON field '{stage}.users' is the wrong type "
                                          f"'{type_name(user)}', expected type 'object'")
                users.append(session_user_digest(user, "ListSessionsUser"))
        else:
            raise ServerError(40415, f"BSON field '{stage}.{key}' is an unknown field.")
    if all_users and users:
        raise ServerError(11, f"{stage} may not specify {{allUsers:true}} and {{users:[...]}} "
                              "at the same time")
    if all_users:
        return None
    if not users:
        return [user_digest("", "")]  # implicitly, the current (unauthenticated) user
    return users


@pipeline_stage("$listLocalSessions", collectionless=True)
def compile_list_local_sessions(arg: Any, ctx: Any):
    if ctx.collection is not None and not ctx.nested:
        raise ServerError(73, "$listLocalSessions must be run against the database with "
                              "{aggregate: 1}, not a collection")
    uids = _list_sessions_spec(arg, "$listLocalSessions")
    if ctx.position != 0 or ctx.nested:
        raise ServerError(40602, "$listLocalSessions is only valid as the first stage in a "
                                 "pipeline")
    server = getattr(ctx.catalog, "server", None)

    def run(docs: Iterable[dict], variables: dict) -> Iterable[dict]:
        if server is None:
            return []
        return registry(server).records(uids)

    run.is_source = True  # type: ignore[attr-defined]
    return run
