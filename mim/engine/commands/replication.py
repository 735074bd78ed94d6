"""Replica-set commands of the one-node set: ``replSetGetStatus`` (``rs.status()``) and
``replSetGetConfig`` (``rs.conf()``); a standalone refuses both as mongod without
``--replSet`` does."""

from __future__ import annotations

import datetime
import time
from collections.abc import Mapping
from typing import Any

import bson

from ..ops.error_labels import NOT_PRIMARY_CODES
from ..storage.replication import TERM, member_name, replica_set_config
from ..storage.store import Server
from ..values.errors import ServerError
from .diagnostics import hello_reply, topology_version
from .registry import command

__all__ = ["cmd_repl_set_get_status", "cmd_repl_set_get_config", "gossip", "WRITE_COMMANDS"]


def _lone_member(server: Server, db: str, name: str) -> Any:
    if db != "admin":
        raise ServerError(13, f"{name} may only be run against the admin database.")
    if not server.is_replica_set or server.member is None:
        raise ServerError(76, "not running with --replSet")
    return server.member


def _date(timestamp: bson.Timestamp) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(timestamp.time, datetime.timezone.utc)


@command("replSetGetStatus")
def cmd_repl_set_get_status(server: Server, db: str, cmd: Mapping) -> dict:
    """``rs.status()`` of a one-node set: one healthy PRIMARY that is ``self``."""
    member = _lone_member(server, db, "replSetGetStatus")
    now = server.clock.now()
    optime, wall = member.op_time(now), _date(now)
    return {
        "set": member.set_name, "date": datetime.datetime.now(datetime.timezone.utc),
        "myState": 1, "term": TERM, "syncSourceHost": "", "syncSourceId": -1,
        "heartbeatIntervalMillis": bson.Int64(2000), "majorityVoteCount": 1,
        "writeMajorityCount": 1, "votingMembersCount": 1, "writableVotingMembersCount": 1,
        "optimes": {"lastCommittedOpTime": optime, "lastCommittedWallTime": wall,
                    "readConcernMajorityOpTime": optime, "appliedOpTime": optime,
                    "durableOpTime": optime, "lastAppliedWallTime": wall,
                    "lastDurableWallTime": wall},
        "members": [{
            "_id": 0, "name": member_name(server), "health": 1.0, "state": 1,
            "stateStr": "PRIMARY", "uptime": int(time.time() - member.started),
            "optime": optime, "optimeDate": wall, "lastAppliedWallTime": wall,
            "lastDurableWallTime": wall, "syncSourceHost": "", "syncSourceId": -1,
            "infoMessage": "", "electionTime": member.election_time,
            "electionDate": member.election_date, "configVersion": 1, "configTerm": 1,
            "self": True, "lastHeartbeatMessage": "",
        }],
        "ok": 1.0,
    }


@command("replSetGetConfig")
def cmd_repl_set_get_config(server: Server, db: str, cmd: Mapping) -> dict:
    """``rs.conf()``: version 1, one voting member."""
    member = _lone_member(server, db, "replSetGetConfig")
    return {"config": replica_set_config(server, member), "ok": 1.0}


#: a transaction's statements write no oplog entry before its commit: their reply's
#: ``operationTime`` is the last applied optime, as a read's (``computeOperationTime``)
TRANSACTION_END_COMMANDS = frozenset({"commitTransaction", "abortTransaction"})

#: commands whose reply's ``operationTime`` is a new optime (they may write)
WRITE_COMMANDS = frozenset({
    "insert", "update", "delete", "findAndModify", "findandmodify", "create", "drop",
    "dropDatabase", "createIndexes", "dropIndexes", "collMod", "renameCollection",
    "commitTransaction", "abortTransaction", "aggregate", "mapReduce", "applyOps",
    "convertToCapped", "cloneCollectionAsCapped", "createUser", "dropUser", "updateUser",
    "createRole", "dropRole", "updateRole",
})


def gossip(server: Server, name: str, cmd: Mapping[str, Any], reply: Mapping[str, Any]) -> dict:
    """A replica-set member's reply carries ``$clusterTime`` and ``operationTime``
    (a new optime after a write command that succeeded, outside a transaction or
    ending one), and a client's newer ``$clusterTime`` advances
    the member's clock, as cluster-time gossip does."""
    client_time = cmd.get("$clusterTime")
    if type(client_time) is dict or isinstance(client_time, Mapping):
        timestamp = client_time.get("clusterTime")
        if type(timestamp) is bson.Timestamp or isinstance(timestamp, bson.Timestamp):
            server.clock.advance_to(timestamp)
    out = reply if type(reply) is dict else dict(reply)
    wrote = name in WRITE_COMMANDS and out.get("ok") and (
        "autocommit" not in cmd or name in TRANSACTION_END_COMMANDS)
    if not out.get("ok", 1.0) or "writeConcernError" in out:
        _append_topology_version(server, out)
    out["operationTime"] = server.clock.tick() if wrote else server.clock.now()
    out["$clusterTime"] = server.clock.cluster_time_reply()  # encoded once per time
    return out


def _append_topology_version(server: Server, reply: dict) -> None:
    """A replica-set member's not-primary error (the command's, or its write concern
    error's) carries the member's ``topologyVersion``, as
    ``appendErrorLabelsAndTopologyVersion`` adds it: a driver then knows the error
    is no newer than the topology it has seen and keeps the server (SDAM's stale
    error check) instead of marking it Unknown until the next heartbeat.  (A
    shutdown error carries one only in quiesce mode, which a one-node mim never
    enters.)"""
    concern = reply.get("writeConcernError")
    concern_code = concern.get("code") if isinstance(concern, Mapping) else None
    if reply.get("code") in NOT_PRIMARY_CODES or concern_code in NOT_PRIMARY_CODES:
        reply["topologyVersion"] = topology_version(server)
