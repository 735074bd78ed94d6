"""What the wire server has carried: ``serverStatus``'s ``network`` section.

``physicalBytesIn``/``physicalBytesOut`` count whole messages as they crossed
the socket, ``bytesIn``/``bytesOut`` the same messages uncompressed,
``numRequests`` the messages received; ``compression.<name>`` counts, per
compressor, the bytes each ``decompressor`` took in and gave out (requests) and
the bytes each ``compressor`` took in and gave out (replies), as mongod reports
them.  In-process clients carry nothing, so an engine without a wire server
reports zeros.
"""

from __future__ import annotations

import threading

from bson.int64 import Int64

from ..storage.attached import PerServer

__all__ = ["NetworkStats", "network_of"]


class NetworkStats:
    """Counters of one engine's wire traffic (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.physical_in = self.physical_out = 0
        self.logical_in = self.logical_out = 0
        self.requests = 0
        #: wire connections: open now, ever accepted, refused at ``maxConns``, and the bound
        self.connections_open = self.connections_created = self.connections_rejected = 0
        #: ``--maxConns``: the wire server sets it on the first connection (its default
        #: until then, so the in-process face reports as an idle ``mim serve``)
        self.max_connections = 1000
        #: {compressor: {"compressor"|"decompressor": [bytesIn, bytesOut]}}
        self._compression: dict[str, dict[str, list[int]]] = {}

    def offer(self, compressors: list[str]) -> None:
        """List these compressors in ``serverStatus`` (with zeros until used)."""
        with self._lock:
            for name in compressors:
                self._compression.setdefault(name, {"compressor": [0, 0],
                                                    "decompressor": [0, 0]})

    def connection_opened(self, max_connections: int) -> None:
        with self._lock:
            self.connections_open += 1
            self.connections_created += 1
            self.max_connections = max_connections

    def connection_closed(self) -> None:
        with self._lock:
            self.connections_open -= 1

    def connection_rejected(self) -> None:
        with self._lock:
            self.connections_rejected += 1

    def connections_document(self) -> dict:
        """``serverStatus().connections`` (the in-process face opens none)."""
        with self._lock:
            return {"current": self.connections_open,
                    "available": max(self.max_connections - self.connections_open, 0),
                    "totalCreated": self.connections_created,
                    "rejected": self.connections_rejected,
                    "active": self.connections_open}

    def received(self, physical: int, logical: int) -> None:
        """One request: ``physical`` bytes on the wire, ``logical`` once decompressed."""
        with self._lock:
            self.physical_in += physical
            self.logical_in += logical
            self.requests += 1

    def sent(self, physical: int, logical: int) -> None:
        with self._lock:
            self.physical_out += physical
            self.logical_out += logical

    def coded(self, compressor: str, direction: str, size_in: int, size_out: int) -> None:
        """Count one (de)compression: ``direction`` is "compressor" or "decompressor"."""
        with self._lock:
            counts = self._compression.setdefault(
                compressor, {"compressor": [0, 0], "decompressor": [0, 0]})[direction]
            counts[0] += size_in
            counts[1] += size_out

    def document(self) -> dict:
        """``serverStatus().network``."""
        with self._lock:
            compression = {
                name: {direction: {"bytesIn": Int64(pair[0]), "bytesOut": Int64(pair[1])}
                       for direction, pair in counts.items()}
                for name, counts in self._compression.items()}
            return {"bytesIn": Int64(self.logical_in), "bytesOut": Int64(self.logical_out),
                    "physicalBytesIn": Int64(self.physical_in),
                    "physicalBytesOut": Int64(self.physical_out),
                    "numRequests": Int64(self.requests), "compression": compression}


#: ``network_of(server)``: the wire counters of an engine server.
network_of: PerServer[NetworkStats] = PerServer(NetworkStats)
