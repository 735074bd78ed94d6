"""mongod's structured JSON log: ``mim serve`` writes it (stdout or ``--logpath``,
``--quiet``, ``-v``) and ``getLog`` returns it ("global", "startupWarnings").

Line format, from the manual's "Log Messages" page: one JSON object per line
with ``t`` (``{"$date": ISO-8601 with milliseconds and UTC offset}``), ``s``
(severity), ``c`` (component), ``id``, ``ctx``, ``msg`` and optional ``attr``
and ``tags``; message ids are mongod's (22943 "Connection accepted", 22944
"Connection ended", 51800 "client metadata", 20250/20249 authentication,
22120 "Access control is not enabled…", 51803 "Slow query"…).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pymongo
import pytest
from pymongo.errors import OperationFailure

import mim
from mim.engine.storage.log import log_of
from mim.wire import WireServer

ROOT = Path(__file__).resolve().parents[3]
_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$")


def _entries(lines: list[str]) -> list[dict]:
    entries = [json.loads(line) for line in lines]
    for entry in entries:
        assert list(entry)[:6] == ["t", "s", "c", "id", "ctx", "msg"]
        assert _DATE.match(entry["t"]["$date"]), entry
        assert entry["s"] in ("F", "E", "W", "I", "D1", "D2", "D3", "D4", "D5")
    return entries


def _by_id(entries: list[dict], message_id: int) -> list[dict]:
    return [e for e in entries if e["id"] == message_id]


def _wait_for(predicate, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.02)
    return predicate()


def test_get_log_returns_the_servers_lines():
    with WireServer("127.0.0.1", 0, structured_log=True).start() as server:
        client = pymongo.MongoClient(server.uri, appname="log-test",
                                     serverSelectionTimeoutMS=5000)
        client.admin.command("ping")
        reply = client.admin.command("getLog", "global")
        entries = _entries(reply["log"])
        assert reply["totalLinesWritten"] >= len(entries) > 0
        assert _by_id(entries, 23015)[0]["attr"] == {"address": "127.0.0.1"}
        assert _by_id(entries, 23016)[0]["attr"] == {"port": server.port, "ssl": "off"}
        accepted = _by_id(entries, 22943)
        assert accepted and accepted[0]["c"] == "NETWORK" and \
            accepted[0]["msg"] == "Connection accepted"
        assert set(accepted[0]["attr"]) >= {"remote", "connectionId", "connectionCount"}
        metadata = [e for e in _by_id(entries, 51800)
                    if e["attr"]["doc"].get("application") == {"name": "log-test"}]
        assert metadata and metadata[0]["attr"]["doc"]["driver"]["name"].startswith("PyMongo")
        warnings = client.admin.command("getLog", "startupWarnings")
        warning = _entries(warnings["log"])[0]
        assert (warning["s"], warning["c"], warning["id"]) == ("W", "CONTROL", 22120)
        assert warning["tags"] == ["startupWarnings"]
        assert client.admin.command("getLog", "*")["names"] == ["global", "startupWarnings"]
        client.close()
        ended = _wait_for(lambda: _by_id(_entries(
            log_of(server.engine).lines("global")), 22944))
        assert ended and ended[0]["msg"] == "Connection ended"


def test_get_log_arguments():
    with mim.serve(port=0) as server:
        client = pymongo.MongoClient(server.uri, serverSelectionTimeoutMS=5000)
        with pytest.raises(OperationFailure) as info:
            client.admin.command("getLog", 1.5)
        assert (info.value.code, info.value.details["errmsg"]) == (
            14, "Argument to getLog must be of type String; found 1.5 of type double")
        with pytest.raises(OperationFailure) as info:
            client.admin.command("getLog", "nosuchlog")
        assert info.value.details["errmsg"] == "no RamLog named: nosuchlog"
        with pytest.raises(OperationFailure) as info:
            client.test.command("getLog", "global")
        assert info.value.code == 13
        client.close()


def test_authentication_is_logged_and_access_control_warning_is_not():
    with WireServer("127.0.0.1", 0, auth=True, structured_log=True).start() as server:
        first = pymongo.MongoClient(server.uri, serverSelectionTimeoutMS=5000)
        first.admin.command("createUser", "root", pwd="pw", roles=["root"])
        first.close()
        for password in ("pw", "wrong"):
            client = pymongo.MongoClient(
                f"mongodb://root:{password}@127.0.0.1:{server.port}/?authSource=admin"
                f"&directConnection=true", serverSelectionTimeoutMS=5000)
            try:
                client.admin.command("ping")
            except OperationFailure:
                pass
            client.close()
        entries = _entries(log_of(server.engine).lines("global"))
        succeeded = _by_id(entries, 20250)
        assert succeeded and succeeded[0]["c"] == "ACCESS"
        assert succeeded[0]["attr"]["principalName"] == "root"
        assert succeeded[0]["attr"]["authenticationDatabase"] == "admin"
        assert succeeded[0]["attr"]["mechanism"] == "SCRAM-SHA-256"
        failed = _by_id(entries, 20249)
        assert failed and failed[0]["msg"] == "Authentication failed"
        assert failed[0]["attr"]["error"] == "AuthenticationFailed: Authentication failed."
        assert not _by_id(entries, 22120)
        assert "pw" not in json.dumps([e for e in entries if e["id"] in (20250, 20249)])


def test_quiet_leaves_out_connection_events():
    with WireServer("127.0.0.1", 0, structured_log=True, quiet=True).start() as server:
        client = pymongo.MongoClient(server.uri, serverSelectionTimeoutMS=5000)
        client.admin.command("ping")
        client.close()
        entries = _entries(log_of(server.engine).lines("global"))
        assert _by_id(entries, 23016)
        assert not _by_id(entries, 22943) and not _by_id(entries, 51800)


def test_verbosity_logs_every_operation():
    with WireServer("127.0.0.1", 0, structured_log=True).start() as server:
        log_of(server.engine).verbosity = 1
        client = pymongo.MongoClient(server.uri, serverSelectionTimeoutMS=5000)
        client.shop.items.insert_one({"x": 1})
        client.close()
        entries = _entries(log_of(server.engine).lines("global"))
        inserts = [e for e in _by_id(entries, 51803) if "insert" in e["attr"]["command"]]
        assert inserts and inserts[0]["c"] == "COMMAND"
        assert inserts[0]["attr"]["ns"] == "shop.items"
        assert "documents" not in inserts[0]["attr"]["command"]  # a document sequence


def test_binding_every_interface_without_auth_warns(caplog):
    with caplog.at_level("WARNING", logger="mim.wire"):
        with WireServer("0.0.0.0", 0, structured_log=True).start() as server:
            warnings = _entries(log_of(server.engine).lines("startupWarnings"))
    assert any("non-loopback" in w["msg"] for w in warnings)
    assert any("without access control" in r.getMessage() for r in caplog.records)


def _serve(*args: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen([sys.executable, "-m", "mim", "serve", "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=ROOT)


def test_cli_writes_json_to_logpath(tmp_path):
    logfile = tmp_path / "mim.log"
    proc = _serve("--logpath", str(logfile), "--auth", "-v")
    try:
        uri = re.search(r"mongodb://\S+", proc.stdout.readline()).group(0)
        client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000)
        client.admin.command("ping")
        client.close()
        proc.terminate()
        assert proc.wait(60) == 0  # generous: a loaded 2-core CI machine
    finally:
        if proc.poll() is None:
            proc.kill()
    entries = _entries(logfile.read_text().splitlines())
    starting = _by_id(entries, 4615611)[0]
    assert starting["msg"] == "MongoDB starting" and starting["attr"]["pid"] == proc.pid
    options = _by_id(entries, 21951)[0]["attr"]["options"]
    assert options["security"] == {"authorization": "enabled"}
    assert options["systemLog"]["verbosity"] == 1
    assert not _by_id(entries, 22120)  # access control is on
    assert _by_id(entries, 51803)  # -v: every operation
    assert entries[-1]["id"] == 23138 and entries[-1]["msg"] == "Shutting down"
    assert proc.stdout.read() == ""  # with --logpath nothing more goes to stdout


def test_cli_logs_to_stdout_by_default():
    proc = _serve("--quiet")
    try:
        proc.stdout.readline()  # the banner
        proc.terminate()
        assert proc.wait(60) == 0  # generous: a loaded 2-core CI machine
    finally:
        if proc.poll() is None:
            proc.kill()
    entries = _entries(proc.stdout.read().splitlines())
    assert _by_id(entries, 22120)[0]["tags"] == ["startupWarnings"]
    assert _by_id(entries, 23016)


def _slow_query_lines(server, collection: str) -> list[dict]:
    entries = _entries(log_of(server.engine).lines("global"))
    return [e for e in _by_id(entries, 51803) if e["attr"]["ns"] == f"shop.{collection}"]


def test_log_levels_set_at_run_time_decide_what_is_logged():
    """``setParameter logLevel`` / ``logComponentVerbosity`` change the levels the log
    uses: the default component's is the ``-v`` verbosity (``getParameter logLevel``
    reports it), and the ``command`` component's effective level decides whether every
    operation is logged ("Slow query" at D1 of COMMAND, as mongod's ``shouldLog``)."""
    with WireServer("127.0.0.1", 0, structured_log=True).start() as server:
        client = pymongo.MongoClient(server.uri, serverSelectionTimeoutMS=5000)
        try:
            admin = client.admin
            log_of(server.engine).verbosity = 1  # as `mim serve -v`
            assert admin.command("getParameter", 1, logLevel=1)["logLevel"] == 1
            admin.command("setParameter", 1, logLevel=0)
            client.shop.quiet.insert_one({})
            assert _slow_query_lines(server, "quiet") == []
            admin.command("setParameter", 1, logComponentVerbosity={"command": 1})
            client.shop.commands.insert_one({})
            assert _slow_query_lines(server, "commands")
            admin.command("setParameter", 1,
                          logComponentVerbosity={"verbosity": 2, "command": 0})
            client.shop.off.insert_one({})
            assert _slow_query_lines(server, "off") == []
            admin.command("setParameter", 1, logComponentVerbosity={"command": -1})
            client.shop.inherited.insert_one({})  # command inherits the default's 2
            assert _slow_query_lines(server, "inherited")
        finally:
            client.close()
