"""``fsyncLock`` (``{fsync: 1, lock: true}``) and ``fsyncUnlock``: mongod 7.0's
``fsync.cpp``.  The lock is counted (each lock needs its unlock); while it is held,
commands that would take the global lock for writing wait until the count is back
to 0 (or their ``maxTimeMS`` runs out: MaxTimeMSExpired), and reads go on.  The
server's ``writes_gated`` attribute (set with ``fsync_locked``) is the one flag the command
runner reads.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Mapping
from typing import Any

from bson.int64 import Int64

from ..storage.attached import PerServer
from ..storage.store import Server
from ..values.deadline import expired_error
from ..values.errors import ServerError

__all__ = ["FsyncLock", "fsync_lock_of", "blocked_by_fsync_lock", "wait_for_fsync_unlock",
           "FSYNC_URL"]

#: ``FSyncCommand::url()``
FSYNC_URL = "http://dochub.mongodb.org/core/fsynccommand"

#: commands that take the global lock in an exclusive or intent-exclusive mode
#: (writes, DDL, user and role management: they write ``admin.system.*``)
_WRITING_COMMANDS = frozenset({
    "insert", "update", "delete", "findAndModify", "findandmodify", "create", "drop",
    "dropDatabase", "createIndexes", "dropIndexes", "deleteIndexes", "collMod",
    "renameCollection", "convertToCapped", "cloneCollectionAsCapped", "compact", "reIndex",
    "emptycapped", "applyOps", "createUser", "updateUser", "dropUser",
    "dropAllUsersFromDatabase", "grantRolesToUser", "revokeRolesFromUser", "createRole",
    "updateRole", "dropRole", "dropAllRolesFromDatabase", "grantRolesToRole",
    "revokeRolesFromRole", "grantPrivilegesToRole", "revokePrivilegesFromRole",
    "commitTransaction"})


def blocked_by_fsync_lock(name: str, cmd: Mapping[str, Any]) -> bool:
    """Whether command ``name`` writes (an aggregation writes with ``$out``/``$merge``,
    mapReduce unless its output is inline)."""
    if name in _WRITING_COMMANDS:
        return True
    if name == "aggregate":
        pipeline = cmd.get("pipeline")
        last = pipeline[-1] if isinstance(pipeline, list) and pipeline else None
        return isinstance(last, Mapping) and ("$out" in last or "$merge" in last)
    if name in ("mapReduce", "mapreduce"):
        out = cmd.get("out")
        return not (isinstance(out, Mapping) and "inline" in out)
    return False


#: What ``currentOp`` shows of a write waiting for the lock: (database, command
#: document, when it began waiting (``time.monotonic()``), opid).
Waiting = tuple[str, Mapping[str, Any], float, int]


class FsyncLock:
    """One server's fsync lock: its count, the condition writers wait on, and the
    writes waiting now (``currentOp`` lists them with ``waitingForLock: true``)."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.count = 0
        self.changed = threading.Condition()
        self.waiting: dict[int, Waiting] = {}
        self._tickets = itertools.count(1)

    def lock(self) -> dict[str, Any]:
        """``fsync`` with ``lock: true``: one more lock; writes wait from now on."""
        with self.changed:
            self.count += 1
            with self.server.lock:  # (a DDL operation's dequeue recomputes the gate under it)
                self.server.fsync_locked = True
                self.server.writes_gated = True
            count = self.count
        return {"info": "now locked against writes, use db.fsyncUnlock() to unlock",
                "lockCount": Int64(count), "seeAlso": FSYNC_URL, "ok": 1.0}

    def unlock(self) -> dict[str, Any]:
        """``fsyncUnlock``: one lock less; at 0 the waiting writes go on."""
        with self.changed:
            if self.count == 0:
                raise ServerError(20, "fsyncUnlock called when not locked")
            self.count -= 1
            if self.count == 0:
                server = self.server
                server.fsync_locked = False
                with server.lock:  # (a DDL operation queues its request under it)
                    server.writes_gated = bool(server.exclusive_requests)
                self.changed.notify_all()
            count = self.count
        return {"info": "fsyncUnlock completed", "lockCount": Int64(count), "ok": 1.0}

    def wait(self, db: str, cmd: Mapping[str, Any], opid: int) -> None:
        """Wait until no fsync lock is held (at most ``maxTimeMS``, then 50)."""
        limit = cmd.get("maxTimeMS")
        started = time.monotonic()
        deadline = (started + limit / 1000
                    if isinstance(limit, (int, float)) and not isinstance(limit, bool)
                    and limit > 0 else None)
        ticket = next(self._tickets)
        with self.changed:
            self.waiting[ticket] = (db, cmd, started, opid)
            try:
                while self.count:
                    if deadline is None:
                        self.changed.wait()
                        continue
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise expired_error()
                    self.changed.wait(remaining)
            finally:
                del self.waiting[ticket]

    def waiting_now(self) -> list[Waiting]:
        with self.changed:
            return list(self.waiting.values())


#: ``fsync_lock_of(server)``: the server's fsync lock state.
fsync_lock_of: PerServer[FsyncLock] = PerServer(FsyncLock, with_server=True)


#: the opids of the operations that wait (``currentOp`` numbers the others itself)
_opids = itertools.count(1 << 30)


def wait_for_fsync_unlock(server: Server, db: str, name: str,
                          cmd: Mapping[str, Any]) -> None:
    """Hold a writing command until the server's fsync lock is released."""
    if blocked_by_fsync_lock(name, cmd):
        fsync_lock_of(server).wait(db, cmd, next(_opids))
