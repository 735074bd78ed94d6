"""A threaded TCP server speaking MongoDB's wire protocol over one shared engine.

Every connection gets a thread that reads a message, runs it through
:func:`mim.engine.commands.run_command` (the same dispatcher
``Database.command`` uses) and writes the reply, so pymongo — or any driver —
sees the server's replies and raises its usual exceptions.

Robustness rules:

- a malformed, truncated or oversized message (over ``maxMessageSizeBytes``,
  48,000,000) closes only that connection, with the reason logged;
- a command runs to completion under the engine's lock whether or not its
  client is still there, so a client vanishing mid-command never leaves
  half-applied data;
- an unexpected exception in a command is logged and answered as
  ``InternalError`` (code 1); the connection and the server go on.
"""

from __future__ import annotations

import itertools
import logging
import socket
import threading
import time
from collections.abc import Mapping
from typing import Any

import bson

from ..engine.commands import run_command
from ..engine.values.errors import ServerError
from ..engine.storage.store import ENGINE_CODEC, Server
from .protocol import (HEADER, OP_MSG, ProtocolError, Request, encode_op_msg, encode_op_reply,
                       parse_header, parse_message)

__all__ = ["WireServer", "serve"]

log = logging.getLogger("mim.wire")

_HELLO_NAMES = ("hello", "isMaster", "ismaster")
_QUERY_FAILURE = 2  # OP_REPLY responseFlags bit
_ACCEPT_POLL_SECONDS = 0.2
_LONGEST_AWAIT_SECONDS = 60.0


class WireServer:
    """A MongoDB-compatible server on ``host:port`` backed by one :class:`mim.Server`.

    ``port=0`` picks a free port (read it back from :attr:`port` or :attr:`uri`).
    Use :meth:`start` to serve from a background thread and :meth:`stop` to end,
    or the object as a context manager; :meth:`serve_forever` serves from the
    calling thread until :meth:`stop` is called (from a signal handler, say).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 27017,
                 engine: Server | None = None) -> None:
        self.engine = engine if engine is not None else Server()
        self.host = host
        self._requested_port = port
        self._listener: socket.socket | None = None
        self._stopping = threading.Event()
        self._stopped = threading.Event()
        self._accept_thread: threading.Thread | None = None
        self._connections: dict[int, tuple[socket.socket, threading.Thread]] = {}
        self._connections_lock = threading.Lock()
        self._connection_ids = itertools.count(1)
        self._request_ids = itertools.count(1)
        self.total_connections = 0

    # -- lifecycle --------------------------------------------------------------

    def bind(self) -> "WireServer":
        """Open the listening socket (idempotent); the port is known afterwards."""
        if self._listener is not None:
            return self
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((self.host, self._requested_port))
            listener.listen(128)
            listener.settimeout(_ACCEPT_POLL_SECONDS)
        except OSError:
            listener.close()
            raise
        self._listener = listener
        return self

    @property
    def port(self) -> int:
        if self._listener is None:
            return self._requested_port
        return self._listener.getsockname()[1]

    @property
    def address(self) -> tuple[str, int]:
        return self.host, self.port

    @property
    def uri(self) -> str:
        """A ``mongodb://`` URI that connects a driver straight to this server."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        if host in ("0.0.0.0", "[::]"):
            host = "127.0.0.1"
        return f"mongodb://{host}:{self.port}/?directConnection=true"

    @property
    def running(self) -> bool:
        return self._listener is not None and not self._stopping.is_set()

    @property
    def connection_count(self) -> int:
        with self._connections_lock:
            return len(self._connections)

    def start(self) -> "WireServer":
        """Serve from a daemon thread; returns once the port accepts connections."""
        self.bind()
        if self._accept_thread is None:
            self._accept_thread = threading.Thread(target=self._accept_loop,
                                                   name=f"mim-wire-accept:{self.port}",
                                                   daemon=True)
            self._accept_thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve from the calling thread until :meth:`stop`."""
        self.bind()
        self._accept_loop()

    def request_stop(self) -> None:
        """Ask the accept loop to finish (safe from a signal handler: it only sets
        a flag the loop polls; :meth:`stop` then does the joining)."""
        self._stopping.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, close every connection and wait for their threads.

        A command already running finishes (it holds the engine lock); its
        reply is simply not delivered.
        """
        self._stopping.set()
        accept_thread = self._accept_thread
        if accept_thread is not None and accept_thread is not threading.current_thread():
            accept_thread.join(timeout)
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._connections_lock:
            connections = list(self._connections.values())
        for sock, _thread in connections:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        deadline = time.monotonic() + timeout
        for _sock, thread in connections:
            if thread is not threading.current_thread() and thread.is_alive():
                thread.join(max(0.0, deadline - time.monotonic()))
        self._stopped.set()

    def __enter__(self) -> "WireServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<mim WireServer {self.host}:{self.port} {state}>"

    # -- connections ------------------------------------------------------------

    def _accept_loop(self) -> None:
        listener = self._listener
        log.info("mim wire server listening on %s:%s", self.host, self.port)
        while not self._stopping.is_set() and listener is not None:
            try:
                sock, peer = listener.accept()
            except socket.timeout:
                continue
            except OSError:
                if self._stopping.is_set():
                    break
                log.exception("accept failed")
                time.sleep(_ACCEPT_POLL_SECONDS)
                continue
            self._open_connection(sock, peer)

    def _open_connection(self, sock: socket.socket, peer: Any) -> None:
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn_id = next(self._connection_ids)
        self.total_connections += 1
        thread = threading.Thread(target=self._serve_connection, args=(sock, peer, conn_id),
                                  name=f"mim-wire-conn-{conn_id}", daemon=True)
        with self._connections_lock:
            self._connections[conn_id] = (sock, thread)
        log.debug("connection #%d from %s", conn_id, _format_peer(peer))
        thread.start()

    def _serve_connection(self, sock: socket.socket, peer: Any, conn_id: int) -> None:
        try:
            while not self._stopping.is_set():
                message = _read_message(sock)
                if message is None:
                    break
                reply = self.handle_message(message, conn_id)
                if reply is not None:
                    sock.sendall(reply)
        except ProtocolError as exc:
            log.warning("closing connection #%d from %s: %s", conn_id, _format_peer(peer), exc)
        except OSError as exc:
            if not self._stopping.is_set():
                log.debug("connection #%d from %s lost: %s", conn_id, _format_peer(peer), exc)
        except Exception:  # never let one connection take the server down
            log.exception("closing connection #%d from %s after an internal error", conn_id,
                          _format_peer(peer))
        finally:
            with self._connections_lock:
                self._connections.pop(conn_id, None)
            try:
                sock.close()
            except OSError:
                pass

    # -- messages ---------------------------------------------------------------

    def handle_message(self, message: bytes, conn_id: int = 0) -> bytes | None:
        """The reply bytes for one whole message (None when none is due).

        Raises :class:`ProtocolError` for a message that cannot be understood.
        """
        request = parse_message(message, ENGINE_CODEC)
        if request.op_code == OP_MSG:
            reply = self._run(request, conn_id)
            if request.more_to_come:
                return None
            return encode_op_msg(_encode_reply(reply), next(self._request_ids),
                                 request.request_id, checksum=request.checksum)
        return self._legacy_query(request, conn_id)

    def _run(self, request: Request, conn_id: int) -> Mapping[str, Any]:
        cmd = request.command
        if not request.db:
            return ServerError(40571, "OP_MSG requests require a $db argument").details
        name = next(iter(cmd), "")
        if name == "insert":
            documents = cmd.get("documents")
            raw = getattr(documents, "raw", None)
            if raw is not None:  # a document sequence: store the bytes as sent
                cmd["documents"] = raw
        elif name in _HELLO_NAMES and "topologyVersion" in cmd and "maxAwaitTimeMS" in cmd:
            self._await_topology_change(cmd["maxAwaitTimeMS"])
        try:
            reply = run_command(self.engine, request.db, cmd)
        except ServerError as exc:
            return exc.details
        except bson.errors.InvalidDocument as exc:
            return ServerError(2, str(exc)).details
        except Exception as exc:
            log.exception("command %r on connection #%d failed", name, conn_id)
            return ServerError(1, f"mim internal error in {name!r}: "
                                  f"{type(exc).__name__}: {exc}").details
        if name in _HELLO_NAMES:
            reply["connectionId"] = conn_id
        return reply

    def _await_topology_change(self, max_await_ms: Any) -> None:
        """A streaming ``hello`` waits until the topology changes (it never does here)
        or ``maxAwaitTimeMS`` passes; the server stopping ends the wait."""
        try:
            seconds = min(max(float(max_await_ms), 0.0) / 1000.0, _LONGEST_AWAIT_SECONDS)
        except (TypeError, ValueError):
            return
        self._stopping.wait(seconds)

    def _legacy_query(self, request: Request, conn_id: int) -> bytes:
        namespace = request.extra["namespace"]
        name = next(iter(request.command), "")
        if request.extra["collection"] != "$cmd":
            reply: Mapping[str, Any] = {"$err": "OP_QUERY is no longer supported; use OP_MSG",
                                        "code": 5739101, "ok": 0.0}
            return encode_op_reply([_encode_reply(reply)], next(self._request_ids),
                                   request.request_id, flags=_QUERY_FAILURE)
        if name not in _HELLO_NAMES:
            reply = ServerError(352, f"Unsupported OP_QUERY command: {name}. The client driver "
                                     f"may require an upgrade. For more details see "
                                     f"https://dochub.mongodb.org/core/legacy-opcode-removal"
                                ).details
        else:
            request.db = request.db or "admin"
            reply = self._run(request, conn_id)
        log.debug("connection #%d: OP_QUERY %s on %s", conn_id, name, namespace)
        return encode_op_reply([_encode_reply(reply)], next(self._request_ids),
                               request.request_id)


def _encode_reply(reply: Mapping[str, Any]) -> bytes:
    try:
        return bson.encode(reply, codec_options=ENGINE_CODEC)
    except Exception as exc:  # an unencodable value must not kill the connection
        log.exception("cannot encode a reply")
        return bson.encode(ServerError(1, f"mim could not encode its reply: {exc}").details)


def _read_exact(sock: socket.socket, n: int) -> bytes | None:
    """``n`` bytes, or None if the peer closed before sending any of them."""
    chunks = []
    remaining = n
    while remaining:
        chunk = sock.recv(min(remaining, 1 << 20))
        if not chunk:
            if remaining == n:
                return None
            raise ProtocolError(f"connection closed mid-message ({n - remaining} of {n} bytes)")
        chunks.append(chunk)
        remaining -= len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _read_message(sock: socket.socket) -> bytes | None:
    header = _read_exact(sock, HEADER.size)
    if header is None:
        return None
    length = parse_header(header)[0]
    body = _read_exact(sock, length - HEADER.size)
    if body is None:
        raise ProtocolError(f"connection closed after a header announcing {length} bytes")
    return header + body


def _format_peer(peer: Any) -> str:
    if isinstance(peer, tuple) and len(peer) >= 2:
        return f"{peer[0]}:{peer[1]}"
    return str(peer)


def serve(host: str = "127.0.0.1", port: int = 0, engine: Server | None = None) -> WireServer:
    """Start a wire server in a background thread (a free port by default).

    >>> import mim, pymongo
    >>> with mim.serve() as server:
    ...     client = pymongo.MongoClient(server.uri)
    ...     client.test.things.insert_one({"x": 1}).acknowledged
    True
    """
    return WireServer(host, port, engine).start()
