"""Diagnostic commands: the handshake (``hello``/``isMaster``), ``buildInfo``,
``serverStatus`` and the other commands drivers and tools ask a server."""

from __future__ import annotations

import datetime
import os
import time
from collections.abc import Mapping
from typing import Any

import bson

from ..ops.network import network_of
from ..storage.log import RAM_LOG_NAMES, log_of
from ..storage.store import Server
from ..values.errors import ServerError
from ..values.order import type_name
from ..values.render import render
from .registry import COMMANDS, command
import platform

VERSION = "7.0.0"
MAX_WIRE_VERSION = 21  # MongoDB 7.0
_STARTED = time.time()

BUILD_INFO: dict[str, Any] = {
    "version": VERSION,
    "gitVersion": "mim",
    "versionArray": [7, 0, 0, 0],
    "bits": 64,
    "debug": False,
    "maxBsonObjectSize": 16 * 1024 * 1024,
    "storageEngines": ["mim"],
    "javascriptEngine": "none",
    "modules": [],
    "ok": 1.0,
}


@command("ping")
def cmd_ping(server: Server, db: str, cmd: Mapping) -> dict:
    return {"ok": 1.0}


@command("buildInfo", "buildinfo")
def cmd_build_info(server: Server, db: str, cmd: Mapping) -> dict:
    return dict(BUILD_INFO)


def hello_reply(legacy: bool = False) -> dict:
    reply: dict[str, Any] = {
        "isWritablePrimary": True,
        "topologyVersion": {"processId": bson.ObjectId(b"mimmimmimmim"), "counter": 0},
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
    }
    if legacy:
        reply = {"ismaster": True, **{k: v for k, v in reply.items()
                                      if k != "isWritablePrimary"}}
    return reply


@command("hello")
def cmd_hello(server: Server, db: str, cmd: Mapping) -> dict:
    return hello_reply()


@command("isMaster", "ismaster")
def cmd_is_master(server: Server, db: str, cmd: Mapping) -> dict:
    reply = hello_reply(legacy=True)
    if cmd.get("helloOk"):
        reply["helloOk"] = True
    return reply


@command("serverStatus")
def cmd_server_status(server: Server, db: str, cmd: Mapping) -> dict:
    now = time.time()
    return {
        "host": "mim",
        "version": VERSION,
        "process": "mim",
        "pid": os.getpid(),
        "uptime": float(int(now - _STARTED)),
        "uptimeMillis": int((now - _STARTED) * 1000),
        "localTime": datetime.datetime.now(datetime.timezone.utc),
        "connections": {"current": 1, "available": 1000, "totalCreated": 1},
        "network": network_of(server).document(),
        "storageEngine": {"name": "mim"},
        "ok": 1.0,
    }


#: the server parameters ``getParameter`` reports (mim runs as mongod started with
#: ``--setParameter enableTestCommands=1``: fail points and test commands are on)
SERVER_PARAMETERS: dict[str, Any] = {
    "enableTestCommands": True,
    "featureCompatibilityVersion": {"version": "7.0"},
}


@command("getParameter")
def cmd_get_parameter(server: Server, db: str, cmd: Mapping) -> dict:
    """``getParameter: "*"`` reports every parameter, ``getParameter: 1`` those named."""
    if cmd["getParameter"] == "*":
        return {**SERVER_PARAMETERS, "ok": 1.0}
    found = {name: value for name, value in SERVER_PARAMETERS.items() if name in cmd}
    if not found:
        raise ServerError(72, "no option found to get")
    return {**found, "ok": 1.0}


@command("getCmdLineOpts")
def cmd_get_cmd_line_opts(server: Server, db: str, cmd: Mapping) -> dict:
    return {"argv": ["mim"], "parsed": {}, "ok": 1.0}


@command("hostInfo")
def cmd_host_info(server: Server, db: str, cmd: Mapping) -> dict:
    return {"system": {"currentTime": datetime.datetime.now(datetime.timezone.utc),
                       "hostname": platform.node(), "cpuAddrSize": 64,
                       "numCores": os.cpu_count() or 1, "cpuArch": platform.machine()},
            "os": {"type": platform.system(), "name": platform.platform(),
                   "version": platform.release()},
            "extra": {}, "ok": 1.0}


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


