"""The in-process driver transport: *real* pymongo clients whose connections reach
a mim server in this process, with no socket and no server thread.

``mim.driver_client()`` returns a genuine :class:`pymongo.MongoClient` (and
``mim.driver_async_client()`` a genuine :class:`pymongo.AsyncMongoClient`), so
``isinstance`` checks, pymongo's ``gridfs``, command and pool monitoring,
``client.options``, retryable writes, ``with_transaction`` — every driver-side
behaviour — is pymongo's own code; only the server is mim.

How the bytes travel
--------------------
pymongo opens every connection (application pools and the monitors' alike)
through one function per face: ``pymongo.synchronous.pool._configured_socket_interface``
and ``pymongo.asynchronous.pool._configured_protocol_interface``, each taking the
server address.  :func:`install` wraps both (once, for the process): for an
address routed to mim it returns pymongo's own ``NetworkingInterface`` around an
:class:`InProcessSocket` (sync) or pymongo's own ``PyMongoProtocol`` wired to an
:class:`InProcessTransport` (async); any other address gets the real network, so
ordinary clients are untouched.  Everything above that — OP_MSG encoding, the
handshake, reading replies — is pymongo's unchanged code, and below it mim's wire
handler (:meth:`mim.wire.server.WireServer.handle_message`, the same one
``mim serve`` uses) answers each message inline when it is written.

The one message that *waits* is a monitor's streaming ``hello`` (``topologyVersion``
+ ``maxAwaitTimeMS``): the sync socket waits for it in ``recv_into``, honouring
pymongo's socket timeout so monitors close promptly; the async transport answers
it with ``loop.call_later``, so the event loop is never blocked.  A write meeting a
transaction's document waits too, until the transaction ends: while some
transaction holds documents the async transport answers in a worker thread
(``run_in_executor``), so the task that is to end the transaction keeps running.

Which addresses are routed: each :func:`driver_client` gets a private address
(``mim-<n>.invalid``, a reserved domain no real host has) bound to its mim server;
while ``mim.patch(driver=True)`` is active, the addresses it covers are routed to
the patch's servers, so code under test that builds ``pymongo.MongoClient(uri)``
itself gets a real client talking to mim.

Tested with the pymongo versions pinned in ``tox.ini``; :func:`install` refuses
with a clear error if pymongo's hooks are not where it expects them.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import socket
import threading
import time
from collections.abc import Sequence
from typing import Any, Callable

import pymongo
import pymongo.asynchronous.pool as _async_pool
import pymongo.synchronous.pool as _sync_pool
from pymongo.errors import ConfigurationError

from .client import MongoClient, _parse_uri, _server_key, _split_host, get_server
from .engine.storage.store import (ENGINE_CODEC, Server, holding_transactions,
                                   transactions_hold_documents)
from .wire.protocol import HEADER, parse_message

_HEADER_SIZE = HEADER.size
from .wire.server import ClosedByFailPoint, WireServer

try:
    from pymongo.network_layer import (AsyncNetworkingInterface, NetworkingInterface,
                                       PyMongoProtocol)
except ImportError:  # pragma: no cover - pymongo older than the tested versions
    AsyncNetworkingInterface = NetworkingInterface = PyMongoProtocol = None  # type: ignore

__all__ = ["driver_client", "driver_async_client", "install", "InProcessSocket",
           "InProcessTransport", "route", "unroute"]

Address = tuple[str, int]
_DOMAIN = "invalid"  # RFC 2606: never a real host
_LOCK = threading.Lock()
_ROUTES: dict[Address, "InProcessWire"] = {}
_WIRES: dict[int, tuple[Server, "InProcessWire"]] = {}
_NAMES = itertools.count(1)
_LONGEST_AWAIT_SECONDS = 60.0

# Consulted for addresses without a fixed route (``mim.patch(driver=True)``).
_dynamic_router: Callable[[Address], Server | None] | None = None


class InProcessWire(WireServer):
    """mim's wire handler for one engine, never bound to a port.  A streaming
    ``hello``'s wait is the transport's business (it must not hold the engine's
    caller), so the handler answers it at once, and without ``moreToCome`` (pymongo
    asks again)."""

    streams_hello = False

    def _await_topology_change(self, cmd: Any, connection: Any) -> None:
        return None


def wire_for(server: Server) -> InProcessWire:
    """The one in-process wire handler of ``server``."""
    with _LOCK:
        known = _WIRES.get(id(server))
        if known is None or known[0] is not server:
            known = _WIRES[id(server)] = (server, InProcessWire(engine=server))
        return known[1]


def route(address: Address, server: Server) -> None:
    """Send pymongo's connections to ``address`` to ``server``, in process."""
    wire = wire_for(server)
    with _LOCK:
        _ROUTES[_normalise(address)] = wire


def unroute(address: Address) -> None:
    with _LOCK:
        _ROUTES.pop(_normalise(address), None)


def _normalise(address: Address) -> Address:
    host = address[0].lower()
    if host in ("127.0.0.1", "::1", "[::1]"):
        host = "localhost"
    return host, address[1]


def _wire_for_address(address: Any) -> InProcessWire | None:
    if not isinstance(address, tuple) or len(address) != 2:
        return None
    key = _normalise(address)
    wire = _ROUTES.get(key)
    if wire is None and _dynamic_router is not None:
        server = _dynamic_router(key)
        if server is not None:
            wire = wire_for(server)
    return wire


# -- one connection's bytes ---------------------------------------------------------------

def _await_seconds(message: bytes) -> float | None:
    """For a monitor's streaming ``hello``, how long it may wait; else None."""
    if b"maxAwaitTimeMS" not in message or b"topologyVersion" not in message:
        return None
    try:
        command = parse_message(message, ENGINE_CODEC).command
    except Exception:  # the wire handler reports malformed messages itself
        return None
    if not any(name in command for name in ("hello", "isMaster", "ismaster")):
        return None
    try:
        return min(max(float(command["maxAwaitTimeMS"]), 0.0) / 1000.0, _LONGEST_AWAIT_SECONDS)
    except (TypeError, ValueError, KeyError):
        return None


class ConnectionDropped(Exception):
    """The server closed the connection (a ``closeConnection`` fail point): the
    socket or transport closes, so pymongo sees what it sees of a dropped TCP
    connection (its own ``AutoReconnect``), never this exception."""


class _Exchange:
    """The server side of one connection: whole messages in, reply bytes out."""

    def __init__(self, wire: InProcessWire, address: Any = None) -> None:
        self.wire = wire
        self.conn_id = next(wire._connection_ids)
        wire.total_connections += 1
        self.pending = bytearray()
        # what the connection negotiates and who it authenticates as, across messages
        self.state = wire.connection_state(self.conn_id)
        if isinstance(address, tuple) and len(address) == 2:
            # the replica set's hello names the address pymongo connected to
            self.state.local_address = f"{address[0]}:{address[1]}"

    def messages(self, data: bytes) -> list[bytes]:
        """The whole messages ``data`` completes (a message may arrive in pieces)."""
        if not self.pending and len(data) >= _HEADER_SIZE \
                and int.from_bytes(data[:4], "little", signed=True) == len(data):
            return [data if type(data) is bytes else bytes(data)]  # pymongo's usual write
        self.pending += data
        out = []
        while len(self.pending) >= _HEADER_SIZE:
            length = int.from_bytes(self.pending[:4], "little", signed=True)
            if length < _HEADER_SIZE:
                raise OSError("mim in-process transport: malformed message length")
            if len(self.pending) < length:
                break
            out.append(bytes(self.pending[:length]))
            del self.pending[:length]
        return out

    def answer(self, message: bytes) -> bytes | None:
        """The reply bytes to ``message``: with an exhaust cursor, every batch the
        server streams after it, concatenated (pymongo reads them one by one).
        :class:`ConnectionDropped` when a fail point closes the connection."""
        try:
            reply = self.wire.handle_message(message, self.conn_id, self.state)
        except ClosedByFailPoint:
            raise ConnectionDropped() from None
        if reply is None or self.state.exhaust is None:
            return reply
        streamed = [reply]
        while (more := self.wire.next_exhaust_reply(self.state)) is not None:
            streamed.append(more)
        return b"".join(streamed)


# A descriptor that never becomes readable, for pymongo's idle-connection check
# (``SocketChecker.socket_closed`` polls the connection's fileno): one pipe for the
# process, its read end kept open and never written to.
_IDLE_PIPE: tuple[int, int] | None = None


def _idle_fileno() -> int:
    global _IDLE_PIPE
    with _LOCK:
        if _IDLE_PIPE is None:
            _IDLE_PIPE = os.pipe()
        return _IDLE_PIPE[1]


class InProcessSocket:
    """The socket pymongo's sync connection reads and writes, answered by mim inline."""

    def __init__(self, wire: InProcessWire, timeout: float | None,
                 address: Any = None) -> None:
        self._exchange = _Exchange(wire, address)
        #: reply bytes not read yet: ``_replies[_read:]``
        self._replies = b""
        self._read = 0
        self._timeout = timeout
        self._closed = threading.Event()
        self._deferred: tuple[float, bytes] | None = None

    # -- what pymongo calls -------------------------------------------------------------

    def settimeout(self, timeout: float | None) -> None:
        self._timeout = timeout

    def gettimeout(self) -> float | None:
        return self._timeout

    def fileno(self) -> int:
        return -1 if self._closed.is_set() else _idle_fileno()

    def sendall(self, data: bytes) -> None:
        if self._closed.is_set():
            raise OSError("connection closed")
        for message in self._exchange.messages(data):
            wait = _await_seconds(message)
            if wait is not None:
                self._deferred = (time.monotonic() + wait, message)
                continue
            try:
                reply = self._exchange.answer(message)
            except ConnectionDropped:
                self.close()
                return
            if reply is not None:
                self._queue(reply)

    def _queue(self, reply: bytes) -> None:
        if self._read >= len(self._replies):
            self._replies, self._read = reply, 0
        else:
            self._replies, self._read = self._replies[self._read:] + reply, 0

    def recv_into(self, buffer: Any, nbytes: int = 0) -> int:
        if self._read >= len(self._replies):
            self._wait_for_reply()
            if self._closed.is_set():
                return 0
        view = memoryview(buffer)
        start = self._read
        n = min(len(view) if not nbytes else nbytes, len(self._replies) - start)
        view[:n] = memoryview(self._replies)[start:start + n]
        self._read = start + n
        return n

    def close(self) -> None:
        self._closed.set()

    # -- a streaming hello ------------------------------------------------------------------

    def _wait_for_reply(self) -> None:
        if self._deferred is None:
            if not self._closed.wait(self._timeout if self._timeout is not None else None):
                raise socket.timeout("timed out")
            return
        deadline, message = self._deferred
        remaining = deadline - time.monotonic()
        if remaining > 0:
            limit = remaining if self._timeout is None else min(remaining, self._timeout)
            if self._closed.wait(limit):
                return
            if limit < remaining:
                raise socket.timeout("timed out")
        self._deferred = None
        try:
            reply = self._exchange.answer(message)
        except ConnectionDropped:
            self.close()
            return
        if reply is not None:
            self._queue(reply)


class InProcessTransport(asyncio.Transport):
    """The transport under pymongo's own async protocol: a write is answered inline
    by mim, the reply fed to the protocol as the event loop would feed it."""

    def __init__(self, wire: InProcessWire, protocol: Any, address: Any = None) -> None:
        super().__init__()
        self._exchange = _Exchange(wire, address)
        self._protocol = protocol
        self._closing = False
        self._timers: set[asyncio.TimerHandle] = set()

    def write(self, data: Any) -> None:
        if self._closing:
            raise OSError("connection closed")
        for message in self._exchange.messages(bytes(data)):
            wait = _await_seconds(message)
            if wait is not None:
                loop = asyncio.get_running_loop()
                timer = loop.call_later(wait, self._answer_later, message)
                self._timers.add(timer)
                continue
            if holding_transactions and transactions_hold_documents():
                # a write meeting a transaction's document waits for the transaction to
                # end: answered in a worker thread, so the task that ends it keeps running
                future = asyncio.get_running_loop().run_in_executor(
                    None, self._exchange.answer, message)
                future.add_done_callback(self._answered)
                continue
            self._answer(message)

    def _answer_later(self, message: bytes) -> None:
        if not self._closing:
            self._answer(message)

    def _answer(self, message: bytes) -> None:
        try:
            reply = self._exchange.answer(message)
        except ConnectionDropped:
            self.close()
            return
        if reply is not None:
            self._feed(reply)

    def _answered(self, future: "asyncio.Future[bytes | None]") -> None:
        """Feed the reply a worker thread made (on the loop, in the protocol's order)."""
        if self._closing:
            return
        try:
            reply = future.result()
        except ConnectionDropped:
            self.close()
            return
        if reply is not None:
            self._feed(reply)

    def _feed(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            buffer = self._protocol.get_buffer(len(view))
            n = min(len(buffer), len(view))
            if n == 0:
                return
            buffer[:n] = view[:n]
            view = view[n:]
            self._protocol.buffer_updated(n)

    # -- the rest of the transport interface pymongo uses ---------------------------------

    def is_closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        if not self._closing:
            self._closing = True
            for timer in self._timers:
                timer.cancel()
            asyncio.get_running_loop().call_soon(self._protocol.connection_lost, None)

    abort = close

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def is_reading(self) -> bool:
        return not self._closing

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default


# -- the hooks ------------------------------------------------------------------------------

_original_sync: Callable[..., Any] | None = None
_original_async: Callable[..., Any] | None = None


def _socket_interface(address: Any, options: Any, *args: Any, **kwargs: Any) -> Any:
    wire = _wire_for_address(address)
    if wire is None:
        return _original_sync(address, options, *args, **kwargs)  # type: ignore[misc]
    return NetworkingInterface(InProcessSocket(wire, options.socket_timeout, address))


async def _protocol_interface(address: Any, options: Any, *args: Any, **kwargs: Any) -> Any:
    wire = _wire_for_address(address)
    if wire is None:
        return await _original_async(address, options, *args, **kwargs)  # type: ignore[misc]
    protocol = PyMongoProtocol(timeout=options.socket_timeout)
    transport = InProcessTransport(wire, protocol, address)
    protocol.connection_made(transport)
    return AsyncNetworkingInterface((transport, protocol))


def install() -> None:
    """Put the routing hooks into pymongo's pools (idempotent, process-wide)."""
    global _original_sync, _original_async
    with _LOCK:
        if _original_sync is not None:
            return
        sync_hook = getattr(_sync_pool, "_configured_socket_interface", None)
        async_hook = getattr(_async_pool, "_configured_protocol_interface", None)
        if sync_hook is None or async_hook is None or PyMongoProtocol is None:
            raise ConfigurationError(
                f"mim's in-process driver transport does not support pymongo "
                f"{pymongo.version} (tested versions: see tox.ini)")
        _original_sync, _original_async = sync_hook, async_hook
        _sync_pool._configured_socket_interface = _socket_interface
        _async_pool._configured_protocol_interface = _protocol_interface


def set_dynamic_router(router: Callable[[Address], Server | None] | None) -> None:
    """Who answers for addresses without a fixed route (``mim.patch(driver=True)``)."""
    global _dynamic_router
    _dynamic_router = router


# -- the factories ----------------------------------------------------------------------------

def _private_uri(host: Any, port: Any, server: Server | None) -> str:
    """``host`` re-aimed at a private in-process address, bound to the mim server
    ``mim.MongoClient`` uses for the same address (or to ``server``)."""
    default_port = port if isinstance(port, int) else MongoClient.PORT
    entities = [host] if isinstance(host, str) else list(host or [MongoClient.HOST])
    nodes: list[Address] = []
    scheme = "mongodb"
    rewritten: list[str] = []
    for entity in entities:
        if "://" in entity:
            parsed = _parse_uri(entity, default_port)
            scheme = parsed["scheme"]
            nodes.extend(parsed["nodelist"])
            rewritten.append(entity)
        else:
            nodes.append(_split_host(entity, default_port))
    engine = server if server is not None else get_server(_server_key(scheme, nodes))
    name = f"mim-{next(_NAMES)}.{_DOMAIN}"
    route((name, 27017), engine)
    return _reaim(rewritten[0], name) if rewritten else f"{name}:27017"


def _reaim(uri: str, host: str) -> str:
    """``uri`` with its host list replaced by ``host`` (credentials, database and
    options kept), as a ``mongodb://`` URI (no DNS, no TLS in process)."""
    rest = uri.partition("://")[2]
    authority, slash, path = rest.partition("/")
    userinfo, at, _hosts = authority.rpartition("@")
    return f"mongodb://{userinfo}{at}{host}:27017{slash}{path}"


def _check_options(kwargs: dict[str, Any]) -> None:
    for key in ("tls", "ssl"):
        if kwargs.get(key):
            raise ConfigurationError("the in-process driver transport has no TLS layer; "
                                     "drop tls=True (nothing leaves the process)")


def driver_client(host: str | Sequence[str] | None = None, port: int | None = None, *,
                  server: Server | None = None, **kwargs: Any) -> pymongo.MongoClient:
    """A real :class:`pymongo.MongoClient` on mim, in process.

    ``host``/``port`` name the mim server as for :class:`mim.MongoClient` (a
    ``mongodb://`` URI keeps its credentials, database and options); ``server``
    gives a private :class:`mim.Server`.  Every other keyword is pymongo's.
    """
    install()
    _check_options(kwargs)
    return pymongo.MongoClient(_private_uri(host, port, server), **kwargs)


def driver_async_client(host: str | Sequence[str] | None = None, port: int | None = None, *,
                        server: Server | None = None, **kwargs: Any) -> pymongo.AsyncMongoClient:
    """A real :class:`pymongo.AsyncMongoClient` on mim, in process (see :func:`driver_client`)."""
    install()
    _check_options(kwargs)
    return pymongo.AsyncMongoClient(_private_uri(host, port, server), **kwargs)
