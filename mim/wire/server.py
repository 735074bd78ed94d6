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
  ``InternalError`` (code 1); the connection and the server go on;
- at most ``max_connections`` connections are open at once (1,000 by default:
  each connection is a thread here, where mongod's default of 1,000,000 is
  bounded by file descriptors); one more is closed at once with mongod's log
  line "Connection refused because there are too many open connections";
- message bodies being read or run by all connections together hold at most
  ``max_buffered_bytes`` (256 MiB by default, room for five messages of the
  largest size): a connection whose message does not fit waits for others
  to finish, so memory stays bounded however many clients send at once.

Per connection the server keeps a :class:`Connection`: who is authenticated
(an :class:`~mim.engine.ops.auth.authorization.AuthSession`, which also decides,
with ``auth=True``, whether each command may run) and the compressors the
handshake negotiated (OP_COMPRESSED, :mod:`.compression`).  With a certificate
every connection is TLS.  With ``structured_log`` the server writes mongod's
JSON log lines into the engine's log (:mod:`mim.engine.storage.log`).
"""

from __future__ import annotations

import ipaddress
import itertools
import logging
import os
import select
import socket
import ssl
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import bson

from ..engine.ops.auth.authorization import CURRENT_SESSION, AuthSession
from ..engine.ops.auth.users import users_of
from ..engine.commands import COMMANDS, run_command
from ..engine.commands.registry import ALIASES
from ..engine.commands.authentication import sasl_start, supported_mechanisms
from ..engine.commands.diagnostics import topology_version
from ..engine.commands.replication import gossip
from ..engine.ops.failpoints import (ConnectionClosedByFailPoint, fail_command, fail_points_of,
                                      write_concern_error_reply)
from ..engine.ops.profiler import CLIENT as PROFILE_CLIENT
from ..engine.ops.command_line import command_line_of
from ..engine.ops.network import network_of
from ..engine.storage.log import ServerLog, log_of
from ..engine.storage.store import ENGINE_CODEC, Server
from ..engine.values.errors import ServerError
from . import compression
from .compression import Compressor, compress_message, decompress_message
from .protocol import (EXHAUST_ALLOWED, HEADER, MAX_MESSAGE_SIZE, OP_COMPRESSED, OP_MSG,
                       DocumentSequence, Envelope, NestingTooDeep, ProtocolError, Request, encode_op_msg,
                       encode_op_reply, parse_header, parse_message)

__all__ = ["WireServer", "serve"]

log = logging.getLogger("mim.wire")

_HELLO_NAMES = ("hello", "isMaster", "ismaster")
#: default ``--maxConns``
DEFAULT_MAX_CONNECTIONS = 1000
#: default bound on message bytes held by all connections together
DEFAULT_MAX_BUFFERED_BYTES = 256 * 1024 * 1024
#: messages this small are read without reserving from the shared budget
_SMALL_MESSAGE = 64 * 1024


class _ByteBudget:
    """Bytes that connections reserve before reading a large message and give
    back once it has been answered (a counting semaphore over bytes)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.in_use = 0
        self._changed = threading.Condition()

    def acquire(self, n: int, stopping: threading.Event) -> bool:
        """Reserve ``n`` bytes, waiting while others hold too many; False if the
        server stops meanwhile."""
        n = min(n, self.capacity)
        with self._changed:
            while self.in_use + n > self.capacity:
                if stopping.is_set():
                    return False
                self._changed.wait(0.2)
            self.in_use += n
            return True

    def release(self, n: int) -> None:
        with self._changed:
            self.in_use -= min(n, self.capacity)
            self._changed.notify_all()
_QUERY_FAILURE = 2  # OP_REPLY responseFlags bit
_ACCEPT_POLL_SECONDS = 0.2
_LONGEST_AWAIT_SECONDS = 60.0
_TLS_HANDSHAKE_SECONDS = 10.0
_SASL_COMMANDS = ("saslStart", "saslContinue")
_SLOW_MS = 100  # mongod's default slowms


def _remember_app_name(cmd: Mapping[str, Any], connection: "Connection") -> None:
    """The ``client.application.name`` a handshake names the connection with."""
    client = cmd.get("client")
    application = client.get("application") if isinstance(client, Mapping) else None
    if isinstance(application, Mapping) and isinstance(application.get("name"), str):
        connection.app_name = application["name"]


class ClosedByFailPoint(Exception):
    """The failCommand fail point's ``closeConnection``: the connection ends with no
    reply to the command."""


@dataclass
class Connection:
    """What the server knows of one client connection."""

    conn_id: int
    peer: Any
    auth: AuthSession
    #: compressors negotiated in the handshake (a request compressed with one of
    #: them is answered compressed the same way)
    compressors: list[str] = field(default_factory=list)
    #: the client's ``appName`` from its hello metadata (the failCommand fail point's
    #: ``appName`` filter matches it)
    app_name: str | None = None
    #: the exhaust cursor this connection streams (a getMore sent with
    #: ``exhaustAllowed``, answered with ``moreToCome``), or None
    exhaust: "_ExhaustStream | None" = None
    #: ``host:port`` the client connected to (a replica set's ``hello`` names it as
    #: the member, so drivers that discover the set keep the address they used)
    local_address: str | None = None
    #: the generic fields ending this connection's last command, kept decoded
    envelope: Envelope = field(default_factory=Envelope)
    #: the socket it arrived on (None in process): a streaming ``hello`` watches it
    #: while it waits, so a monitor that hangs up does not leave the thread waiting
    sock: Any = None

    @property
    def remote(self) -> str:
        return _format_peer(self.peer)


@dataclass
class _ExhaustStream:
    """A getMore the server repeats on its own, each reply answering the last."""

    request: Request
    compressor: Compressor | None
    #: the requestID of the reply sent last (the next one's responseTo)
    previous_id: int


def _streams_on(request: Request, reply: Mapping[str, Any], hello_streams: bool) -> bool:
    """Whether a reply to ``request`` goes out with ``moreToCome``, the server
    sending the next batch unasked: a ``getMore`` with ``exhaustAllowed`` whose
    cursor is still open and whose batch is not empty (an idle tailable cursor
    answers normally; the client asks again); with ``hello_streams``, a monitor's
    awaitable ``hello`` (``topologyVersion`` and ``maxAwaitTimeMS``) sent with
    ``exhaustAllowed``, which mongod answers again each time ``maxAwaitTimeMS``
    passes or the topology changes (the streaming protocol of the SDAM spec: the
    Node.js driver takes a reply without ``moreToCome`` for a failed heartbeat and
    clears its connection pool)."""
    if not request.flags & EXHAUST_ALLOWED:
        return False
    name = next(iter(request.command), "")
    if name in _HELLO_NAMES:
        return hello_streams and bool(reply.get("ok")) and _is_awaitable_hello(request.command)
    if name != "getMore":
        return False
    cursor = reply.get("cursor")
    return bool(reply.get("ok")) and isinstance(cursor, Mapping) and bool(cursor.get("id")) \
        and bool(cursor.get("nextBatch"))


def _is_awaitable_hello(cmd: Mapping[str, Any]) -> bool:
    """A monitor's ``hello`` that may wait for a topology change."""
    return "topologyVersion" in cmd and "maxAwaitTimeMS" in cmd


def _client_host(peer: Any) -> str:
    """The client's address as the profiler writes it (mongod: the IP alone)."""
    if isinstance(peer, tuple) and peer:
        return str(peer[0])
    return "127.0.0.1"  # in process: loopback


def is_loopback(host: Any) -> bool:
    """Whether ``host`` (an address or ``localhost``) is a loopback address."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def _is_host_name(host: str) -> bool:
    """Whether ``host`` is a name (``localhost``, ``db.example``) rather than an
    address literal.  A member's ``hello`` names itself as its replica-set config
    does: started with a host name (mongod's default ``--bind_ip localhost``),
    ``rs.initiate()`` records that name, so ``me``/``hosts``/``primary`` say
    ``localhost:27017``; bound to an address, they say the address."""
    try:
        ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return True
    return False


class WireServer:
    """A MongoDB-compatible server on ``host:port`` backed by one :class:`mim.Server`.

    ``port=0`` picks a free port (read it back from :attr:`port` or :attr:`uri`).
    Use :meth:`start` to serve from a background thread and :meth:`stop` to end,
    or the object as a context manager; :meth:`serve_forever` serves from the
    calling thread until :meth:`stop` is called (from a signal handler, say).
    """

    #: a monitor's awaitable ``hello`` sent with ``exhaustAllowed`` streams its
    #: replies (``moreToCome``), as mongod's do; the in-process transport, which
    #: hands pymongo every streamed reply at once, answers it one reply a time
    streams_hello = True

    def __init__(self, host: str = "127.0.0.1", port: int = 27017,
                 engine: Server | None = None, *, auth: bool = False,
                 compressors: list[str] | None = None,
                 tls_certificate_key_file: str | os.PathLike[str] | None = None,
                 tls_ca_file: str | os.PathLike[str] | None = None,
                 tls_allow_connections_without_certificates: bool = False,
                 structured_log: bool = False, quiet: bool = False,
                 max_connections: int = DEFAULT_MAX_CONNECTIONS,
                 max_buffered_bytes: int = DEFAULT_MAX_BUFFERED_BYTES) -> None:
        """``auth``: access control (mongod's ``--auth``).  ``compressors``: what
        the handshake may negotiate (default: every one installed).
        ``tls_certificate_key_file``: a PEM with the server's certificate and key;
        every connection must then speak TLS (``--tlsMode requireTLS``); with
        ``tls_ca_file`` clients must present a certificate signed by that CA
        unless ``tls_allow_connections_without_certificates``.
        ``structured_log``: write mongod's JSON log lines to the engine's log
        (``getLog``); ``quiet`` leaves out connection events, as ``--quiet``.
        ``max_connections``: ``--maxConns``; ``max_buffered_bytes``: the bound on
        message bytes all connections hold together."""
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        if max_buffered_bytes < MAX_MESSAGE_SIZE:
            raise ValueError(f"max_buffered_bytes must be at least {MAX_MESSAGE_SIZE}")
        self.max_connections = max_connections
        self._budget = _ByteBudget(max_buffered_bytes)
        #: connections closed at once because ``max_connections`` were open
        self.rejected_connections = 0
        self.engine = engine if engine is not None else Server()
        self.host = host
        self._requested_port = port
        self.auth = auth
        enabled = compression.available()
        if compressors is not None:
            unknown = [c for c in compressors if c not in enabled]
            if unknown:
                raise ValueError(f"unknown or unavailable compressor(s) {unknown}; "
                                 f"available: {enabled}")
            enabled = list(compressors)
        self.compressors = enabled
        self._network = network_of(self.engine)
        self._fail_points = fail_points_of(self.engine)
        self._network.offer(enabled)
        #: OP_COMPRESSED messages seen, by (compressor name, "in" | "out")
        self.compression_counts: Counter[tuple[str, str]] = Counter()
        self._tls_context = _tls_context(tls_certificate_key_file, tls_ca_file,
                                         tls_allow_connections_without_certificates)
        self.server_log: ServerLog | None = log_of(self.engine) if structured_log else None
        self.quiet = quiet
        self._startup_logged = False
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
        self.engine.listening_port = self.port
        net: dict[str, Any] = {"bindIp": self.host, "port": self.port}
        if self.max_connections != DEFAULT_MAX_CONNECTIONS:
            net["maxIncomingConnections"] = self.max_connections
        # mim runs as mongod started with --setParameter enableTestCommands=1 (fail
        # points, getParameter's enableTestCommands); test suites (Motor's, pymongo's)
        # look for it here before using a fail point
        sections: dict[str, dict[str, Any]] = {"net": net,
                                               "setParameter": {"enableTestCommands": "1"}}
        if self.auth:
            sections["security"] = {"authorization": "enabled"}
        command_line_of(self.engine).record(**sections)
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
        tls = "&tls=true" if self._tls_context is not None else ""
        return f"mongodb://{host}:{self.port}/?directConnection=true{tls}"

    @property
    def tls(self) -> bool:
        return self._tls_context is not None

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
        self._log_startup()
        if self._accept_thread is None:
            self._accept_thread = threading.Thread(target=self._accept_loop,
                                                   name=f"mim-wire-accept:{self.port}",
                                                   daemon=True)
            self._accept_thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve from the calling thread until :meth:`stop`."""
        self.bind()
        self._log_startup()
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

    # -- logging ----------------------------------------------------------------

    def _log(self, severity: str, component: str, message_id: int, ctx: str, msg: str,
             attr: Mapping[str, Any] | None = None, startup_warning: bool = False) -> None:
        if self.server_log is not None:
            self.server_log.write(severity, component, message_id, ctx, msg, attr,
                                  startup_warning=startup_warning)

    def _log_startup(self) -> None:
        if self._startup_logged:
            return
        self._startup_logged = True
        if not self.auth:
            self._log("W", "CONTROL", 22120, "initandlisten", "Access control is not enabled "
                      "for the database. Read and write access to data and configuration is "
                      "unrestricted", startup_warning=True)
            if not is_loopback(self.host):
                message = (f"mim is listening on {self.host}, a non-loopback address, without "
                           f"access control (--auth): anyone who can reach it can read and "
                           f"change every database")
                log.warning(message)
                self._log("W", "CONTROL", 0, "initandlisten", message,
                          {"address": self.host}, startup_warning=True)
        self._log("I", "NETWORK", 23015, "listener", "Listening on", {"address": self.host})
        self._log("I", "NETWORK", 23016, "listener", "Waiting for connections",
                  {"port": self.port, "ssl": "on" if self.tls else "off"})

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
        with self._connections_lock:
            open_now = len(self._connections)
        if open_now >= self.max_connections:
            self.rejected_connections += 1
            self._network.connection_rejected()
            log.info("Connection refused because there are too many open connections "
                     "(remote: %s, connectionCount: %d)", _format_peer(peer), open_now)
            if not self.quiet:
                self._log("I", "NETWORK", 22942, "listener",
                          "Connection refused because there are too many open connections",
                          {"remote": _format_peer(peer), "connectionCount": open_now})
            try:
                sock.close()
            except OSError:
                pass
            return
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn_id = next(self._connection_ids)
        self.total_connections += 1
        self._network.connection_opened(self.max_connections)
        thread = threading.Thread(target=self._serve_connection, args=(sock, peer, conn_id),
                                  name=f"mim-wire-conn-{conn_id}", daemon=True)
        with self._connections_lock:
            self._connections[conn_id] = (sock, thread)
        log.debug("connection #%d from %s", conn_id, _format_peer(peer))
        thread.start()

    def _serve_connection(self, sock: socket.socket, peer: Any, conn_id: int) -> None:
        try:
            local = sock.getsockname()
        except OSError:
            local = None
        connection = self.connection_state(conn_id, peer, local)
        try:
            host, port = sock.getsockname()[:2]
            if _is_host_name(self.host):
                host = self.host
            connection.local_address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        except OSError:
            pass
        if not self.quiet:
            self._log("I", "NETWORK", 22943, "listener", "Connection accepted",
                      {"remote": connection.remote, "connectionId": conn_id,
                       "connectionCount": self.connection_count})
        try:
            if self._tls_context is not None:
                sock = self._tls_handshake(sock, connection)
            connection.sock = sock
            reader = _MessageReader(sock)
            while not self._stopping.is_set():
                length = reader.next_length()
                if length is None:
                    break
                reserved = length if length > _SMALL_MESSAGE else 0
                if reserved and not self._budget.acquire(reserved, self._stopping):
                    break
                try:
                    message = reader.message(length)
                    reply = self.handle_message(message, conn_id, connection)
                    del message
                    while reply is not None:
                        sock.sendall(reply)
                        # an exhaust cursor: the next batches go out unasked
                        reply = self.next_exhaust_reply(connection)
                finally:
                    if reserved:
                        self._budget.release(reserved)
        except ssl.SSLError as exc:
            log.warning("closing connection #%d from %s: TLS: %s", conn_id,
                        _format_peer(peer), exc)
            self._log("I", "NETWORK", 22988, f"conn{conn_id}", "Error receiving request from "
                      "client. Ending connection from remote",
                      {"error": str(exc), "remote": connection.remote, "connectionId": conn_id})
        except ClosedByFailPoint:
            pass  # mongod ends the session without a reply
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
            self._network.connection_closed()
            try:
                sock.close()
            except OSError:
                pass
            if not self.quiet:
                self._log("I", "NETWORK", 22944, f"conn{conn_id}", "Connection ended",
                          {"remote": connection.remote, "connectionId": conn_id,
                           "connectionCount": self.connection_count})

    def _tls_handshake(self, sock: socket.socket, connection: Connection) -> ssl.SSLSocket:
        assert self._tls_context is not None
        wrapped = self._tls_context.wrap_socket(sock, server_side=True,
                                                do_handshake_on_connect=False)
        with self._connections_lock:  # stop() must shut down the TLS socket
            if connection.conn_id in self._connections:
                self._connections[connection.conn_id] = (
                    wrapped, self._connections[connection.conn_id][1])
        try:
            wrapped.settimeout(_TLS_HANDSHAKE_SECONDS)
            wrapped.do_handshake()
            wrapped.settimeout(None)
        except BaseException:
            wrapped.close()
            raise
        return wrapped

    # -- messages ---------------------------------------------------------------

    def connection_state(self, conn_id: int, peer: Any = None,
                         local_address: Any = None) -> Connection:
        """A new connection's state (authentication, negotiated compressors), for a
        transport that carries messages itself and passes it to :meth:`handle_message`.
        ``peer`` None means in-process, which counts as loopback; ``local_address`` is
        the address the connection was accepted on (for ``serverAddress``
        authentication restrictions)."""
        local = peer is None or (isinstance(peer, tuple) and is_loopback(peer[0]))
        session = AuthSession(users_of(self.engine), self.auth, local=local)
        if isinstance(peer, tuple) and peer:
            session.client_address = str(peer[0])
            session.server_address = str(local_address[0]) \
                if isinstance(local_address, tuple) and local_address else None
        elif peer is not None:  # a UNIX socket: no IP address on either end
            session.client_address = session.server_address = None
        return Connection(conn_id, peer, session)

    def handle_message(self, message: bytes, conn_id: int = 0,
                       connection: Connection | None = None) -> bytes | None:
        """The reply bytes for one whole message (None when none is due).

        Raises :class:`ProtocolError` for a message that cannot be understood.
        """
        if connection is None:  # a one-message exchange: nothing to remember
            connection = self.connection_state(conn_id)
        compressor: Compressor | None = None
        physical = len(message)
        if len(message) >= HEADER.size and HEADER.unpack_from(message)[3] == OP_COMPRESSED:
            message, compressor = decompress_message(message)
            self.compression_counts[(compressor.name, "in")] += 1
            self._network.coded(compressor.name, "decompressor", physical, len(message))
        self._network.received(physical, len(message))
        try:
            request = parse_message(message, ENGINE_CODEC, connection.envelope)
        except NestingTooDeep:
            request_id = HEADER.unpack_from(message)[1]
            error = ServerError(15, "BSONObj exceeds maximum nested object depth").details
            return encode_op_msg(_encode_reply(error), next(self._request_ids), request_id)
        if request.op_code == OP_MSG:
            reply = self._run(request, connection)
            if request.more_to_come:
                return None
            reply_id = next(self._request_ids)
            streams = bool(request.flags & EXHAUST_ALLOWED) and \
                _streams_on(request, reply, self.streams_hello)
            connection.exhaust = _ExhaustStream(request, compressor, reply_id) if streams \
                else None
            encoded = encode_op_msg(_encode_reply(reply), reply_id, request.request_id,
                                    more_to_come=streams, checksum=request.checksum)
        else:
            encoded = self._legacy_query(request, connection)
        return self._outgoing(encoded, compressor, connection)

    def next_exhaust_reply(self, connection: Connection) -> bytes | None:
        """The next reply of the exhaust cursor ``connection`` streams (None when it
        streams none): the same getMore again, answering the reply sent before it,
        with ``moreToCome`` until the cursor is exhausted (or fails)."""
        stream = connection.exhaust
        if stream is None:
            return None
        reply = self._run(stream.request, connection)
        if self._stopping.is_set() or (
                _is_awaitable_hello(stream.request.command) and self._peer_stirred(connection)):
            # the server stops, or the monitor hung up (or broke the protocol by
            # speaking): the stream ends, the connection reads what comes
            connection.exhaust = None
            return None
        reply_id = next(self._request_ids)
        streams = _streams_on(stream.request, reply, self.streams_hello)
        encoded = encode_op_msg(_encode_reply(reply), reply_id, stream.previous_id,
                                more_to_come=streams, checksum=stream.request.checksum)
        stream.previous_id = reply_id
        if not streams:
            connection.exhaust = None
        return self._outgoing(encoded, stream.compressor, connection)

    def _outgoing(self, encoded: bytes, compressor: Compressor | None,
                  connection: Connection) -> bytes:
        """A reply as it goes out: compressed as its request was, if negotiated."""
        if compressor is not None and compressor.name in connection.compressors:
            self.compression_counts[(compressor.name, "out")] += 1
            compressed = compress_message(encoded, compressor)
            self._network.coded(compressor.name, "compressor", len(encoded), len(compressed))
            self._network.sent(len(compressed), len(encoded))
            return compressed
        self._network.sent(len(encoded), len(encoded))
        return encoded

    def _run(self, request: Request, connection: Connection) -> Mapping[str, Any]:
        cmd = request.command
        if not request.db:
            return ServerError(40571, "OP_MSG requests require a $db argument").details
        name = next(iter(cmd), "")
        # (quoted before the command runs: an insert's documents become their bytes)
        body = _quoted_body(request) if self.server_log is not None else None
        token = CURRENT_SESSION.set(connection.auth)
        # who runs it, for the profiler's client/appName/user (only while one is on)
        client_token = PROFILE_CLIENT.set(
            (_client_host(connection.peer), connection.app_name, list(connection.auth.users))
        ) if self.engine.profiled else None
        started = time.perf_counter() if self.server_log is not None else 0.0
        try:
            # an unknown command fails as such (59), not as 13
            if connection.auth.access_control and name in COMMANDS:
                connection.auth.authorize(request.db, cmd, _quoted_body(request))
            reply = self._run_authorized(request, connection, name)
        except ServerError as exc:
            reply = exc.details
        finally:
            CURRENT_SESSION.reset(token)
            if client_token is not None:
                PROFILE_CLIENT.reset(client_token)
        if self.engine.is_replica_set:
            reply = gossip(self.engine, name, cmd, reply)
        if self.server_log is not None:
            self._log_operation(connection, request.db, body, reply,
                                time.perf_counter() - started)
        return reply

    def _log_operation(self, connection: Connection, db: str, body: Mapping[str, Any],
                       reply: Mapping[str, Any], seconds: float) -> None:
        """mongod's "Slow query" line: every operation from verbosity 1, else those
        slower than ``slowms`` (100 ms)."""
        assert self.server_log is not None
        millis = int(seconds * 1000)
        awaitable_hello = "maxAwaitTimeMS" in body and next(iter(body), "") in _HELLO_NAMES
        if self.server_log.level_of("COMMAND") < 1 and (millis <= _SLOW_MS or awaitable_hello):
            return  # a streaming hello waits on purpose: it is not slow
        first = next(iter(body.values()), None)
        collection = first if isinstance(first, str) and first else "$cmd"
        attr: dict[str, Any] = {"type": "command", "ns": f"{db}.{collection}",
                                "command": {k: "xxx" if k in ("pwd", "payload") else v
                                            for k, v in body.items()},
                                "ok": reply.get("ok", 1.0), "durationMillis": millis}
        if not reply.get("ok", 1.0):
            attr.update(errCode=reply.get("code"), errName=reply.get("codeName"),
                        errMsg=reply.get("errmsg"))
        self._log("I", "COMMAND", 51803, f"conn{connection.conn_id}", "Slow query", attr)

    def _run_authorized(self, request: Request, connection: Connection,
                        name: str) -> Mapping[str, Any]:
        cmd = request.command
        conn_id = connection.conn_id
        if name == "insert":
            documents = cmd.get("documents")
            raw = getattr(documents, "raw", None)
            if raw is not None:  # a document sequence: store the bytes as sent
                cmd["documents"] = raw
        elif name in _HELLO_NAMES and _is_awaitable_hello(cmd):
            self._await_topology_change(cmd, connection)
        if name in _HELLO_NAMES and connection.app_name is None:
            # the handshake's metadata is read before the fail point is evaluated, so
            # failCommand's appName matches the very first hello of a connection
            _remember_app_name(cmd, connection)
        failure = fail_command(self.engine, name, connection.app_name, cmd,
                               ALIASES.get(name, ())) if self._fail_points.armed else None
        if failure is not None:
            if failure.close_connection:
                raise ClosedByFailPoint(name)
            if failure.error is not None:
                return failure.error.details
        try:
            reply = run_command(self.engine, request.db, cmd)
        except ConnectionClosedByFailPoint:
            raise ClosedByFailPoint(name) from None
        except ServerError as exc:
            if name in _SASL_COMMANDS and exc.code == 18:
                self._log_authentication(connection, request.db, cmd, exc)
            return exc.details
        except bson.errors.InvalidDocument as exc:
            return ServerError(2, str(exc)).details
        except Exception as exc:
            log.exception("command %r on connection #%d failed", name, conn_id)
            return ServerError(1, f"mim internal error in {name!r}: "
                                  f"{type(exc).__name__}: {exc}").details
        if failure is not None and failure.write_concern_error is not None:
            reply = write_concern_error_reply(reply, failure)
        if name in _HELLO_NAMES:
            reply["connectionId"] = conn_id
            if "me" in reply and connection.local_address:
                me = connection.local_address
                reply.update(hosts=[me], primary=me, me=me)
            self._handshake(cmd, reply, connection)
        elif name == "whatsmyuri" and isinstance(connection.peer, tuple) and reply.get("ok"):
            reply["you"] = connection.remote
        elif name == "saslContinue" and reply.get("done"):
            self._log_authentication(connection, request.db, cmd)
        elif name == "listDatabases" and connection.auth.filters_databases():
            reply["databases"] = [d for d in reply.get("databases", ())
                                  if connection.auth.may_see_database(d.get("name"))]
        elif name == "listCollections" and self.auth and cmd.get("authorizedCollections") \
                and "cursor" in reply:
            batch = reply["cursor"].get("firstBatch", [])
            reply["cursor"]["firstBatch"] = [
                info for info in batch if connection.auth.may_see_collection(
                    request.db, bson.decode(info).get("name") if isinstance(info, bytes)
                    else info.get("name"))]
        return reply

    def _handshake(self, cmd: Mapping[str, Any], reply: dict, connection: Connection) -> None:
        """``hello``'s per-connection parts: compression, ``saslSupportedMechs``,
        ``speculativeAuthenticate`` and the client metadata log line."""
        negotiated = compression.negotiate(cmd.get("compression"), self.compressors)
        if negotiated is not None:
            connection.compressors = negotiated
            reply["compression"] = negotiated
        if "saslSupportedMechs" in cmd:
            mechanisms = supported_mechanisms(self.engine, cmd["saslSupportedMechs"])
            if mechanisms is not None:
                reply["saslSupportedMechs"] = mechanisms
        speculative = cmd.get("speculativeAuthenticate")
        if isinstance(speculative, Mapping) and "saslStart" in speculative:
            db = speculative.get("db")
            try:
                if not isinstance(db, str):
                    raise ServerError(18, "Authentication failed.")
                answer = sasl_start(self.engine, db, speculative, connection.auth,
                                    speculative=True)
            except ServerError as exc:  # mongod answers the hello without the field
                self._log_authentication(connection, db, speculative, exc, speculative=True)
            else:
                reply["speculativeAuthenticate"] = {k: answer[k] for k in
                                                    ("conversationId", "done", "payload")}
        _remember_app_name(cmd, connection)
        if "client" in cmd and not self.quiet:
            self._log("I", "NETWORK", 51800, f"conn{connection.conn_id}", "client metadata",
                      {"remote": connection.remote, "client": f"conn{connection.conn_id}",
                       "doc": cmd["client"]})

    def _log_authentication(self, connection: Connection, db: Any, cmd: Mapping[str, Any],
                            error: ServerError | None = None, speculative: bool = False) -> None:
        conversation = next(iter(connection.auth.conversations.values()), None)
        if error is None:
            mechanism, speculative = connection.auth.last_mechanism
        else:
            mechanism = cmd.get("mechanism") or (conversation.mechanism.name if conversation
                                                 else "")
            speculative = speculative or bool(conversation and conversation.speculative)
        attr: dict[str, Any] = {"mechanism": mechanism, "speculative": speculative,
                                "authenticationDatabase": db, "remote": connection.remote}
        if error is None:
            attr["principalName"] = connection.auth.users[-1][0]
            self._log("I", "ACCESS", 20250, f"conn{connection.conn_id}",
                      "Authentication succeeded", attr)
        else:
            attr["error"] = f"{error.details['codeName']}: {error.errmsg}"
            self._log("I", "ACCESS", 20249, f"conn{connection.conn_id}",
                      "Authentication failed", attr)

    def _await_topology_change(self, cmd: Mapping[str, Any], connection: Connection) -> None:
        """An awaitable ``hello`` waits until the topology changes (it never does
        here) or ``maxAwaitTimeMS`` passes, when the client's ``topologyVersion`` is
        the current one (mongod answers one from another process at once); the
        server stopping or the client hanging up ends the wait."""
        client_version = cmd.get("topologyVersion")
        if not isinstance(client_version, Mapping) or \
                client_version.get("processId") != topology_version(self.engine)["processId"]:
            return
        try:
            seconds = min(max(float(cmd["maxAwaitTimeMS"]), 0.0) / 1000.0,
                          _LONGEST_AWAIT_SECONDS)
        except (TypeError, ValueError):
            return
        if connection.sock is None:
            self._stopping.wait(seconds)
            return
        deadline = time.monotonic() + seconds
        while not self._stopping.is_set() and not self._peer_stirred(
                connection, min(deadline - time.monotonic(), _ACCEPT_POLL_SECONDS * 5)):
            if time.monotonic() >= deadline:
                return

    @staticmethod
    def _peer_stirred(connection: Connection, seconds: float = 0.0) -> bool:
        """Whether the client sent something or hung up within ``seconds``."""
        if connection.sock is None:
            return False
        try:
            readable, _, _ = select.select([connection.sock], [], [], max(seconds, 0.0))
        except (OSError, ValueError):
            return True
        return bool(readable)

    def _legacy_query(self, request: Request, connection: Connection) -> bytes:
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
            reply = self._run(request, connection)
        log.debug("connection #%d: OP_QUERY %s on %s", connection.conn_id, name, namespace)
        return encode_op_reply([_encode_reply(reply)], next(self._request_ids),
                               request.request_id)


def _quoted_body(request: Request) -> Mapping[str, Any]:
    """The command as mongod quotes it (in errors and logs): an OP_MSG's body
    without its document sequences (made only when an error or a log line needs it)."""
    cmd = request.command
    if not request.sequences:
        return cmd
    return {key: value for key, value in cmd.items() if not isinstance(value, DocumentSequence)}


#: ``bson.encode`` without its Python frame (one per reply)
_dict_to_bson = getattr(bson, "_dict_to_bson", None)


def _encode_reply(reply: Mapping[str, Any]) -> bytes:
    try:
        if _dict_to_bson is not None:
            return _dict_to_bson(reply, False, ENGINE_CODEC)
        return bson.encode(reply, codec_options=ENGINE_CODEC)
    except Exception as exc:  # an unencodable value must not kill the connection
        log.exception("cannot encode a reply")
        return bson.encode(ServerError(1, f"mim could not encode its reply: {exc}").details)


class _MessageReader:
    """Whole messages from a socket, read in as few ``recv`` calls as the peer allows:
    a small request arrives header and body in one call (one system call, one wake-up
    per round trip), and what a pipelining client sent beyond it waits here."""

    __slots__ = ("_sock", "_pending")

    #: how much one ``recv`` may take (a small message's bytes beyond it wait here)
    CHUNK = 64 * 1024

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._pending = b""

    def next_length(self) -> int | None:
        """The next message's length, its header checked; None if the peer closed
        between messages."""
        pending = self._pending
        while len(pending) < HEADER.size:
            chunk = self._sock.recv(self.CHUNK)
            if not chunk:
                if not pending:
                    return None
                raise ProtocolError(f"connection closed mid-message ({len(pending)} of "
                                    f"{HEADER.size} bytes)")
            pending = pending + chunk if pending else chunk
        self._pending = pending
        return parse_header(pending[:HEADER.size])[0]

    def message(self, length: int) -> bytes:
        """The whole message of ``length`` bytes whose header :meth:`next_length` read."""
        pending = self._pending
        if len(pending) < length:
            rest = _read_exact(self._sock, length - len(pending))
            if rest is None:
                if len(pending) == HEADER.size:
                    raise ProtocolError(f"connection closed after a header announcing "
                                        f"{length} bytes")
                raise ProtocolError(f"connection closed mid-message ({len(pending)} of "
                                    f"{length} bytes)")
            pending += rest
        if len(pending) == length:
            self._pending = b""
            return pending
        self._pending = pending[length:]
        return pending[:length]


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


def _format_peer(peer: Any) -> str:
    if isinstance(peer, tuple) and len(peer) >= 2:
        return f"{peer[0]}:{peer[1]}"
    return str(peer)


def _tls_context(certificate_key_file: Any, ca_file: Any,
                 allow_without_certificates: bool) -> ssl.SSLContext | None:
    """The server's TLS context (None without a certificate)."""
    if certificate_key_file is None:
        if ca_file is not None:
            raise ValueError("a TLS CA file needs a certificate key file as well")
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(os.fspath(certificate_key_file))
    if ca_file is not None:
        context.load_verify_locations(os.fspath(ca_file))
        context.verify_mode = (ssl.CERT_OPTIONAL if allow_without_certificates
                               else ssl.CERT_REQUIRED)
    return context


def serve(host: str = "127.0.0.1", port: int = 0, engine: Server | None = None,
          **options: Any) -> WireServer:
    """Start a wire server in a background thread (a free port by default);
    ``options`` are :class:`WireServer`'s (``auth``, ``compressors``, TLS…).

    >>> import mim, pymongo
    >>> with mim.serve() as server:
    ...     client = pymongo.MongoClient(server.uri)
    ...     client.test.things.insert_one({"x": 1}).acknowledged
    True
    """
    return WireServer(host, port, engine, **options).start()
