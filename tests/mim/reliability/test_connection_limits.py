"""Issue 16 item 7: at most ``--maxConns`` connections; one more is closed at
once with mongod's log line; message buffering is bounded across connections."""

from __future__ import annotations

import logging
import socket
import threading
import time

import pymongo
import pytest

import mim
from mim.wire.cli import build_parser
from mim.wire.server import DEFAULT_MAX_CONNECTIONS, WireServer, _ByteBudget


def _wait_for(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_connections_beyond_max_conns_are_refused(caplog):
    caplog.set_level(logging.INFO, logger="mim.wire")
    with mim.serve(max_connections=2) as server:
        first = socket.create_connection(("127.0.0.1", server.port))
        second = socket.create_connection(("127.0.0.1", server.port))
        _wait_for(lambda: server.connection_count == 2)
        third = socket.create_connection(("127.0.0.1", server.port))
        third.settimeout(5)
        assert third.recv(1) == b""  # closed by the server without a word
        _wait_for(lambda: server.rejected_connections == 1)
        assert "Connection refused because there are too many open connections" in caplog.text
        first.close()
        _wait_for(lambda: server.connection_count == 1)
        fourth = socket.create_connection(("127.0.0.1", server.port))  # room again
        _wait_for(lambda: server.connection_count == 2)
        assert server.rejected_connections == 1
        for sock in (second, third, fourth):
            sock.close()
        _wait_for(lambda: server.connection_count == 0)


def test_max_conns_option():
    assert build_parser().parse_args(["serve"]).max_conns == DEFAULT_MAX_CONNECTIONS == 1000
    assert build_parser().parse_args(["serve", "--maxConns", "5"]).max_conns == 5
    for bad in ("0", "-3", "many"):
        with pytest.raises(SystemExit):
            build_parser().parse_args(["serve", "--maxConns", bad])
    with pytest.raises(ValueError):
        WireServer(max_connections=0)
    with pytest.raises(ValueError):
        WireServer(max_buffered_bytes=1024)


def test_the_byte_budget_makes_readers_wait_their_turn():
    budget = _ByteBudget(100)
    stopping = threading.Event()
    assert budget.acquire(60, stopping)
    got = threading.Event()

    def second() -> None:
        budget.acquire(60, stopping)
        got.set()

    waiter = threading.Thread(target=second)
    waiter.start()
    assert not got.wait(0.3)  # 60 + 60 > 100: it waits
    budget.release(60)
    assert got.wait(5)
    waiter.join()
    assert budget.in_use == 60
    stopping.set()
    assert budget.acquire(60, stopping) is False  # a stopping server stops waiting


def test_large_messages_from_many_clients_all_succeed_within_the_budget():
    with WireServer(port=0, max_buffered_bytes=48_000_000) as server:
        client = pymongo.MongoClient(server.uri, serverSelectionTimeoutMS=5000, maxPoolSize=8)
        payload = "x" * 2_000_000
        errors: list[BaseException] = []

        def writer(i: int) -> None:
            try:
                client.big.c.insert_many([{"_id": f"{i}-{j}", "p": payload} for j in range(5)])
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not errors
        assert client.big.c.count_documents({}) == 40
        assert server._budget.in_use == 0
        client.close()
