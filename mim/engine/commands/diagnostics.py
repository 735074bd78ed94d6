"""Diagnostic commands: the handshake (``hello``/``isMaster``), ``buildInfo``,
``serverStatus`` and the other commands drivers and tools ask a server."""

from __future__ import annotations

import datetime
import os
import time
from collections.abc import Mapping
from typing import Any

import bson

from ..ops.command_line import command_line_of
from ..ops.cursors import CURSOR_TIMEOUT_SECONDS
from ..ops.fsync_lock import fsync_lock_of
from ..ops.log_components import log_verbosity_of
from ..ops.network import network_of
from ..ops.opcounters import opcounters_of
from ..ops.transactions import settings_of
from ..storage.log import RAM_LOG_NAMES, log_of
from ..storage.replication import ELECTION_ID, member_name
from ..storage.store import Server
from ..values.errors import ServerError
from ..values.order import type_name
from ..values.render import render
from .arguments import true_value
from .registry import COMMANDS, DRIVER_FIELDS, command
import platform

try:
    import resource
except ImportError:  # (not on Windows: extra_info has its note only)
    resource = None  # type: ignore[assignment]

VERSION = "7.0.0"
MAX_WIRE_VERSION = 21  # MongoDB 7.0
_STARTED = time.time()

BUILD_INFO: dict[str, Any] = {  # (VersionInfoInterface::appendBuildInfo's order)
    "version": VERSION,
    "gitVersion": "mim",
    "modules": [],
    # mim has no tcmalloc: mongod built with --allocator=system answers "system"
    "allocator": "system",
    "javascriptEngine": "none",
    "sysInfo": "deprecated",
    "versionArray": [7, 0, 0, 0],
    # only what is true of this build: the machine and the system it runs on
    "buildEnvironment": {"distarch": platform.machine(), "target_arch": platform.machine(),
                         "target_os": platform.system().lower()},
    "bits": 64,
    "debug": False,
    "maxBsonObjectSize": 16 * 1024 * 1024,
    "storageEngines": ["mim"],
    "ok": 1.0,
}


@command("ping")
def cmd_ping(server: Server, db: str, cmd: Mapping) -> dict:
    return {"ok": 1.0}


@command("whatsmyuri")
def cmd_whats_my_uri(server: Server, db: str, cmd: Mapping) -> dict:
    """The client's ``address:port`` (mongod's ``CmdWhatsMyUri``): the wire server puts
    the connection's peer; in process there is no socket, so a loopback address with
    no port."""
    return {"you": "127.0.0.1:0", "ok": 1.0}


@command("buildInfo", "buildinfo")
def cmd_build_info(server: Server, db: str, cmd: Mapping) -> dict:
    return dict(BUILD_INFO)


def topology_version(server: Server | None) -> dict:
    """``hello``'s ``topologyVersion``: the process's id (the replica set member's, or a
    fixed one for a standalone) and a counter that stays 0 (the topology never changes)."""
    member = server.member if server is not None and server.is_replica_set else None
    process_id = member.process_id if member is not None else bson.ObjectId(b"mimmimmimmim")
    return {"processId": process_id, "counter": bson.Int64(0)}


def hello_reply(server: Server | None = None, legacy: bool = False,
                me: str | None = None) -> dict:
    """``hello`` (``isMaster`` when ``legacy``): a standalone's answer, or, for a
    replica-set ``server``, the primary of a one-node set named ``me`` (the address
    the client connected to: drivers that discover the set keep only listed hosts)."""
    member = server.member if server is not None and server.is_replica_set else None
    reply: dict[str, Any] = {
        "isWritablePrimary": True,
        "topologyVersion": topology_version(server),
    }
    if member is not None:
        name = me or member_name(server)
        now = server.clock.now()  # type: ignore[union-attr]
        write_date = datetime.datetime.fromtimestamp(now.time, datetime.timezone.utc).replace(
            tzinfo=None)  # as pymongo decodes it (it subtracts a naive epoch)
        reply.update({
            "hosts": [name], "setName": member.set_name, "setVersion": 1,
            "isWritablePrimary": True, "secondary": False, "primary": name, "me": name,
            "electionId": ELECTION_ID,
            "lastWrite": {"opTime": member.op_time(now), "lastWriteDate": write_date,
                          "majorityOpTime": member.op_time(now),
                          "majorityWriteDate": write_date},
        })
    reply.update({
        "maxBsonObjectSize": 16 * 1024 * 1024,
        "maxMessageSizeBytes": 48000000,
        "maxWriteBatchSize": 100000,
        "localTime": datetime.datetime.now(datetime.timezone.utc),
        "logicalSessionTimeoutMinutes": 30,
        "connectionId": 1,
        "minWireVersion": 0,
        "maxWireVersion": MAX_WIRE_VERSION,
        "readOnly": False,
        "ok": 1.0,
    })
    if legacy:
        reply = {"ismaster": True, **{k: v for k, v in reply.items()
                                      if k != "isWritablePrimary"}}
    return reply


@command("hello")
def cmd_hello(server: Server, db: str, cmd: Mapping) -> dict:
    return hello_reply(server)


@command("isMaster", "ismaster")
def cmd_is_master(server: Server, db: str, cmd: Mapping) -> dict:
    reply = hello_reply(server, legacy=True)
    if cmd.get("helloOk"):
        reply["helloOk"] = True
    return reply


def repl_section(server: Server) -> dict | None:
    """``serverStatus().repl``: the hello fields plus ``rbid`` (None when standalone)."""
    if not server.is_replica_set:
        return None
    hello = hello_reply(server)
    section = {key: hello[key] for key in (
        "topologyVersion", "hosts", "setName", "setVersion", "isWritablePrimary",
        "secondary", "primary", "me", "electionId", "lastWrite")}
    section["rbid"] = 1
    return section


@command("serverStatus")
def cmd_server_status(server: Server, db: str, cmd: Mapping) -> dict:
    now = time.time()
    return {
        "host": platform.node(),
        "version": VERSION,
        "process": "mongod",
        "pid": bson.Int64(os.getpid()),
        "uptime": float(int(now - _STARTED)),
        "uptimeMillis": bson.Int64(int((now - _STARTED) * 1000)),
        "uptimeEstimate": bson.Int64(int(now - _STARTED)),
        "localTime": datetime.datetime.now(datetime.timezone.utc),
        "connections": network_of(server).connections_document(),
        "extra_info": _extra_info(),
        "network": network_of(server).document(),
        "opcounters": opcounters_of(server).document(),
        "mem": _memory_section(),
        "storageEngine": {"name": "mim"},
        **({"repl": repl_section(server)} if server.is_replica_set else {}),
        "ok": 1.0,
    }


#: the server parameters ``getParameter`` reports (mim runs as mongod started with
#: ``--setParameter enableTestCommands=1``: fail points and test commands are on)
SERVER_PARAMETERS: dict[str, Any] = {
    # the mechanisms mim's SCRAM conversations serve (``saslStart``)
    "authenticationMechanisms": ["SCRAM-SHA-1", "SCRAM-SHA-256"],
    # how long an idle cursor lives (a long, as mongod's AtomicWord<long long>)
    "cursorTimeoutMillis": bson.Int64(int(CURSOR_TIMEOUT_SECONDS * 1000)),
    "enableTestCommands": True,
    "featureCompatibilityVersion": {"version": "7.0"},
}


def _extra_info() -> dict:
    """``serverStatus().extra_info``: the process's ``getrusage`` figures, as mongod's
    ``ProcessInfo::getExtraInfo`` reports them on Linux (only the note elsewhere)."""
    info: dict[str, Any] = {"note": "fields vary by platform"}
    if resource is None:
        return info
    usage = resource.getrusage(resource.RUSAGE_SELF)
    for name, value in (("user_time_us", int(usage.ru_utime * 1_000_000)),
                        ("system_time_us", int(usage.ru_stime * 1_000_000)),
                        ("maximum_resident_set_kb", usage.ru_maxrss),
                        ("input_blocks", usage.ru_inblock),
                        ("output_blocks", usage.ru_oublock),
                        ("page_reclaims", usage.ru_minflt),
                        ("page_faults", usage.ru_majflt),
                        ("voluntary_context_switches", usage.ru_nvcsw),
                        ("involuntary_context_switches", usage.ru_nivcsw)):
        info[name] = bson.Int64(value)
    return info


def _memory_section() -> dict:
    """``serverStatus().mem``: resident and virtual size in MiB (Linux ``/proc``; elsewhere
    ``supported: false`` with no sizes, as mongod answers where it cannot measure)."""
    try:
        with open("/proc/self/statm") as statm:
            virtual_pages, resident_pages = (int(n) for n in statm.read().split()[:2])
    except (OSError, ValueError):
        return {"bits": 64, "supported": False}
    page = os.sysconf("SC_PAGE_SIZE")
    return {"bits": 64, "resident": resident_pages * page >> 20,
            "virtual": virtual_pages * page >> 20, "supported": True}


@command("getParameter")
def cmd_get_parameter(server: Server, db: str, cmd: Mapping) -> dict:
    """``getParameter: "*"`` reports every parameter, ``getParameter: 1`` those named."""
    settings = settings_of(server)
    verbosity = log_verbosity_of(server)
    parameters = {**SERVER_PARAMETERS,
                  "transactionLifetimeLimitSeconds": settings.lifetime_seconds,
                  "maxTransactionLockRequestTimeoutMillis": settings.lock_request_timeout_ms,
                  "logLevel": verbosity.levels["default"],
                  "logComponentVerbosity": verbosity.document()}
    if cmd["getParameter"] == "*":
        return {**parameters, "ok": 1.0}
    found = {name: value for name, value in parameters.items() if name in cmd}
    if not found:
        raise ServerError(72, "no option found to get")
    return {**found, "ok": 1.0}


#: the parameters ``setParameter`` may change at run time
SETTABLE_PARAMETERS = ("transactionLifetimeLimitSeconds",
                       "maxTransactionLockRequestTimeoutMillis", "logLevel",
                       "logComponentVerbosity")


@command("setParameter")
def cmd_set_parameter(server: Server, db: str, cmd: Mapping) -> dict:
    """``setParameter``: ``transactionLifetimeLimitSeconds`` (>= 1),
    ``maxTransactionLockRequestTimeoutMillis``, ``logLevel``, ``logComponentVerbosity``
    (what ``db.setLogLevel()`` sends); the reply's ``was`` is the previous value."""
    if db != "admin":
        raise ServerError(13, "setParameter may only be run against the admin database.")
    names = [name for name in cmd if name != "setParameter" and name not in DRIVER_FIELDS]
    if not names:
        raise ServerError(2, "no option found to set, use help:true to see options ")
    settings = settings_of(server)
    was = None
    for name in names:
        if name not in SETTABLE_PARAMETERS:
            raise ServerError(72, f"attempted to set unrecognized parameter [{name}], use "
                                  f"help:true to see options ")
        value = cmd[name]
        verbosity = log_verbosity_of(server)
        if name == "logComponentVerbosity":
            if not isinstance(value, Mapping):
                raise ServerError(14, "log component verbosity is not a BSON object")
            was = verbosity.document()
            verbosity.apply(value)
            continue
        if name == "logLevel":
            was = verbosity.levels["default"]
            verbosity.set_log_level(value)
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ServerError(14, f"Invalid value for parameter {name}: {render(value)} is "
                                  f"not a number")
        if name == "maxTransactionLockRequestTimeoutMillis":
            # (an int; a negative value leaves lock waits to the operation's maxTimeMS)
            was, settings.lock_request_timeout_ms = settings.lock_request_timeout_ms, \
                int(value)
            continue
        if value < 1:
            raise ServerError(2, "transactionLifetimeLimitSeconds must be greater than or "
                                 "equal to 1s")
        was, settings.lifetime_seconds = settings.lifetime_seconds, int(value)
    return {"was": was, "ok": 1.0}


@command("getCmdLineOpts")
def cmd_get_cmd_line_opts(server: Server, db: str, cmd: Mapping) -> dict:
    return {**command_line_of(server).document(), "ok": 1.0}


@command("hostInfo")
def cmd_host_info(server: Server, db: str, cmd: Mapping) -> dict:
    """The manual's ``hostInfo`` shape: ``system``, ``os``, ``extra``."""
    mem_mb = _physical_memory_mb()
    return {"system": {"currentTime": datetime.datetime.now(datetime.timezone.utc),
                       "hostname": platform.node(), "cpuAddrSize": 64,
                       "memSizeMB": bson.Int64(mem_mb), "memLimitMB": bson.Int64(mem_mb),
                       "numCores": os.cpu_count() or 1, "cpuArch": platform.machine(),
                       "numaEnabled": False},
            "os": {"type": platform.system(), "name": platform.platform(),
                   "version": platform.release()},
            "extra": _host_extra(), "ok": 1.0}


def _first_line(path: str) -> str | None:
    try:
        with open(path) as handle:
            return handle.readline().rstrip("\n")
    except OSError:
        return None


def _cpuinfo_value(name: str) -> str | None:
    """The first ``name : value`` of ``/proc/cpuinfo`` (None where there is none)."""
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                key, _, value = line.partition(":")
                if key.strip() == name:
                    return value.strip()
    except OSError:
        pass
    return None


def _host_extra() -> dict:
    """``hostInfo().extra`` on Linux (``ProcessInfo::SystemInfo::collectSystemInfo``):
    what can be read as mongod reads it; ``physicalCores`` and ``mountInfo`` are left
    out, and elsewhere the section is empty."""
    if platform.system() != "Linux":
        return {}
    extra: dict[str, Any] = {}
    version = _first_line("/proc/version")
    if version is not None:
        extra["versionString"] = version
    libc = platform.libc_ver()[1]
    if libc:
        extra["libcVersion"] = libc
    signature = _first_line("/proc/version_signature")
    if signature:
        extra["versionSignature"] = signature
    extra["kernelVersion"] = platform.release()
    for field, name in (("cpuFrequencyMHz", "cpu MHz"), ("cpuFeatures", "flags")):
        value = _cpuinfo_value(name)
        if value is not None:
            extra[field] = value
    extra["pageSize"] = bson.Int64(os.sysconf("SC_PAGE_SIZE"))
    extra["numPages"] = os.sysconf("SC_PHYS_PAGES")
    extra["maxOpenFiles"] = os.sysconf("SC_OPEN_MAX")
    return extra


def _physical_memory_mb() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") >> 20
    except (AttributeError, OSError, ValueError):
        return 0


@command("killOp")
def cmd_kill_op(server: Server, db: str, cmd: Mapping) -> dict:
    """mongod's ``killOp``: past its checks it always answers success; every mim
    operation has run to completion under the lock, so there is nothing left to kill."""
    if db != "admin":
        raise ServerError(13, "killOp may only be run against the admin database.")
    if "op" not in cmd:
        raise ServerError(4, 'Missing expected field "op"')
    op = cmd["op"]
    if isinstance(op, bool) or not isinstance(op, (int, float, bson.Int64, bson.Decimal128)):
        raise ServerError(14, f'Expected field "op" to have numeric type, but found '
                              f'{type_name(op)}')
    if isinstance(op, (float, bson.Decimal128)):
        value = op.to_decimal() if isinstance(op, bson.Decimal128) else op
        if value != int(value):
            raise ServerError(2, f'Expected field "op" to have a value exactly representable '
                                 f'as a 64-bit integer, but found op: {render(op)}')
        op = int(value)
    if not -2**31 <= op <= 2**31 - 1:
        raise ServerError(26823, f"invalid op : {op}")
    return {"info": "attempting to kill op", "ok": 1.0}


@command("fsync")
def cmd_fsync(server: Server, db: str, cmd: Mapping) -> dict:
    """mongod's ``fsync``: flush every write to disk (with ``--dbpath``, commit the
    journal now); ``numFiles`` is the constant 1 the server still answers.  With
    ``lock: true`` (``db.fsyncLock()``) writes wait until ``fsyncUnlock``."""
    if db != "admin":
        raise ServerError(13, "fsync may only be run against the admin database.")
    directory = server.data_directory
    if directory is not None:
        directory.commit()
    if true_value(cmd, "lock"):
        return fsync_lock_of(server).lock()
    return {"numFiles": 1, "ok": 1.0}


@command("fsyncUnlock")
def cmd_fsync_unlock(server: Server, db: str, cmd: Mapping) -> dict:
    """``db.fsyncUnlock()``: release one fsync lock (``lockCount`` says how many are
    left; at 0 the waiting writes go on)."""
    if db != "admin":
        raise ServerError(13, "fsyncUnlock may only be run against the admin database.")
    return fsync_lock_of(server).unlock()


@command("compact")
def cmd_compact(server: Server, db: str, cmd: Mapping) -> dict:
    """mongod 7.0's ``compact`` (``compact.cpp``): refused on a replica set primary
    without ``force``; a missing collection (or a view) is an error.  An in-memory
    collection has no free disk space to give back, so ``bytesFreed`` is 0; with
    ``--dbpath`` the data directory's journal is folded into a new snapshot."""
    name = cmd["compact"]
    if not isinstance(name, str):
        raise ServerError(73, f"collection name has invalid type {type_name(name)}")
    if server.is_replica_set and not true_value(cmd, "force"):
        raise ServerError(20, "will not run compact on an active replica set primary as this "
                              "will slow down other running operations. use force:true to "
                              "force")
    if server.get_collection(db, name) is None and \
            server.get_collection(db, f"system.buckets.{name}") is None:
        database = server.databases.get(db)
        if database is not None and name in database.views:
            raise ServerError(166, "can't compact a view")
        raise ServerError(26, "collection does not exist")
    directory = server.data_directory
    if directory is not None:
        directory.compact()
    return {"bytesFreed": 0, "ok": 1.0}


@command("getLog")
def cmd_get_log(server: Server, db: str, cmd: Mapping) -> dict:
    """The server's recent log lines (mongod's RamLogs ``global``, ``startupWarnings``)."""
    if db != "admin":
        raise ServerError(13, "getLog may only be run against the admin database.")
    name = cmd["getLog"]
    if not isinstance(name, str):
        raise ServerError(14, f"Argument to getLog must be of type String; found "
                              f"{render(name)} of type {type_name(name)}")
    if name == "*":
        return {"names": list(RAM_LOG_NAMES), "ok": 1.0}
    if name not in RAM_LOG_NAMES:
        raise ServerError(96, f"no RamLog named: {name}")
    log = log_of(server)
    return {"totalLinesWritten": log.lines_written(name), "log": log.lines(name), "ok": 1.0}


@command("listCommands")
def cmd_list_commands(server: Server, db: str, cmd: Mapping) -> dict:
    return {"commands": {name: {"help": (fn.__doc__ or "").strip().splitlines()[0]
                                if fn.__doc__ else ""}
                         for name, fn in sorted(COMMANDS.items())},
            "ok": 1.0}


