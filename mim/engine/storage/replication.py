"""What a one-node replica set keeps beside its data: its name, its logical clock.

mim presents itself as the primary of a one-node replica set unless started
standalone (``mim.Server(standalone=True)``, ``mim serve --standalone``).  The
set's answers (``hello``, ``replSetGetStatus``, ``serverStatus().repl``) are built
in the command layer from :class:`ReplicaSetMember`; the :class:`LogicalClock` gives
the ``$clusterTime``/``operationTime`` every reply carries and the commit time of
writes, as the oplog's timestamps do on a server.
"""

from __future__ import annotations

import contextvars
import datetime
import threading
import time
from typing import Any

import bson
from bson.raw_bson import RawBSONDocument
from bson.timestamp import Timestamp

__all__ = ["LogicalClock", "ReplicaSetMember", "DEFAULT_REPLICA_SET_NAME", "TERM",
           "ELECTION_ID", "CLUSTER_TIME_SIGNATURE", "RETRYABLE_WRITE", "member_name",
           "replica_set_config"]

#: the set name a mim server answers with unless told another (``--replSet``)
DEFAULT_REPLICA_SET_NAME = "rs0"
#: the term of the one election the lone member won
TERM = bson.Int64(1)
#: ``hello.electionId`` after that election (the server's ``OID::max`` prefix + term)
ELECTION_ID = bson.ObjectId("7fffffff0000000000000001")
#: a server without keys signs ``$clusterTime`` with a zero hash and key id 0
CLUSTER_TIME_SIGNATURE = {"hash": bson.Binary(b"\x00" * 20, 0), "keyId": bson.Int64(0)}


#: the retryable write a command runs as in this context: ``(lsid, txnNumber)`` (set by
#: the dispatcher; the change history tags its writes with it, the oplog writes
#: ``lsid``/``txnNumber``/``stmtId``/``prevOpTime`` from it); None otherwise
RETRYABLE_WRITE: contextvars.ContextVar[tuple[Any, int] | None] = contextvars.ContextVar(
    "mim_retryable_write", default=None)


class LogicalClock:
    """The cluster time: ``Timestamp(seconds, increment)``, never going backwards.

    :meth:`tick` hands out a new time (a write's optime); :meth:`now` reads the
    latest without advancing it."""

    __slots__ = ("_lock", "_seconds", "_increment", "_current", "_gossiped", "_not_newer")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seconds = int(time.time())
        self._increment = 1
        #: ``Timestamp(_seconds, _increment)``, made once per change (every reply reads it)
        self._current = Timestamp(self._seconds, self._increment)
        #: ``(time, $clusterTime as encoded BSON)`` for the wire's replies, made once per
        #: time (see :meth:`cluster_time_reply`)
        self._gossiped: tuple[Timestamp, RawBSONDocument] | None = None
        #: the last client time :meth:`advance_to` found not newer than ours (a
        #: connection that sends the same decoded ``$clusterTime`` again skips the compare)
        self._not_newer: Timestamp | None = None

    def tick(self) -> Timestamp:
        with self._lock:
            seconds = int(time.time())
            if seconds > self._seconds:
                self._seconds, self._increment = seconds, 1
            else:
                self._increment += 1
            current = self._current = Timestamp(self._seconds, self._increment)
            return current

    def now(self) -> Timestamp:
        return self._current

    def advance_to(self, cluster_time: Timestamp) -> None:
        """Gossip: a client's ``$clusterTime`` newer than ours moves ours forward."""
        current = self._current  # one atomic read: the common case needs no lock
        if cluster_time is current or cluster_time is self._not_newer:
            return  # (the clock never goes back: not newer then, not newer now)
        if (cluster_time.time, cluster_time.inc) <= (current.time, current.inc):
            self._not_newer = cluster_time
            return
        with self._lock:
            if (cluster_time.time, cluster_time.inc) > (self._seconds, self._increment):
                self._seconds, self._increment = cluster_time.time, cluster_time.inc
                self._current = Timestamp(self._seconds, self._increment)

    def cluster_time_document(self) -> dict:
        """``$clusterTime`` as a reply carries it."""
        return {"clusterTime": self._current, "signature": CLUSTER_TIME_SIGNATURE}

    def cluster_time_reply(self) -> RawBSONDocument:
        """:meth:`cluster_time_document` encoded once per time: every reply of a
        replica-set member carries it, and most replies carry the same one."""
        current = self._current
        gossiped = self._gossiped
        if gossiped is None or gossiped[0] is not current:
            gossiped = self._gossiped = (current, RawBSONDocument(bson.encode(
                {"clusterTime": current, "signature": CLUSTER_TIME_SIGNATURE})))
        return gossiped[1]


class ReplicaSetMember:
    """The lone member's identity: set name, process id, when it became primary."""

    __slots__ = ("set_name", "process_id", "election_time", "election_date", "started")

    def __init__(self, set_name: str, clock: LogicalClock) -> None:
        self.set_name = set_name
        self.process_id = bson.ObjectId()
        self.election_time = clock.tick()
        now = datetime.datetime.now(datetime.timezone.utc)
        self.election_date = now.replace(microsecond=now.microsecond // 1000 * 1000)
        self.started = time.time()

    def op_time(self, timestamp: Timestamp) -> dict:
        """An optime: ``{ts, t}``."""
        return {"ts": timestamp, "t": TERM}


def member_name(server: Any) -> str:
    """``host:port`` the lone member goes by when no connection says otherwise."""
    address = getattr(server, "address", None)
    if isinstance(address, tuple) and len(address) == 2 and isinstance(address[1], int):
        host = address[0] or "localhost"
        return f"{host}:{address[1]}"
    return "localhost:27017"


def replica_set_config(server: Any, member: ReplicaSetMember) -> dict:
    """The set's configuration (``rs.conf()``, and the document of
    ``local.system.replset``): version 1, one voting member."""
    return {
        "_id": member.set_name, "version": 1, "term": 1,
        "members": [{"_id": 0, "host": member_name(server), "arbiterOnly": False,
                     "buildIndexes": True, "hidden": False, "priority": 1.0, "tags": {},
                     "secondaryDelaySecs": bson.Int64(0), "votes": 1}],
        "protocolVersion": bson.Int64(1), "writeConcernMajorityJournalDefault": True,
        "settings": {"chainingAllowed": True, "heartbeatIntervalMillis": 2000,
                     "heartbeatTimeoutSecs": 10, "electionTimeoutMillis": 10000,
                     "catchUpTimeoutMillis": -1, "catchUpTakeoverDelayMillis": 30000,
                     "getLastErrorModes": {},
                     "getLastErrorDefaults": {"w": 1, "wtimeout": 0},
                     "replicaSetId": member.process_id}}
