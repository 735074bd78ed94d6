"""OP_COMPRESSED (opcode 2012): the wire compressors mim speaks.

A compressed message is a header, ``originalOpcode`` (int32),
``uncompressedSize`` (int32), ``compressorId`` (uint8) and the compressed body
of the original message.  Compressors are negotiated in the handshake: the
client lists its own in ``hello``'s ``compression`` and the server answers with
those it also has, in the client's order (mongod's
``MessageCompressorManager::serverNegotiate``); a reply is compressed with the
compressor its request used.

``zlib`` is in the standard library.  ``zstd`` and ``snappy`` use the very
libraries pymongo uses for them (``compression.zstd`` from Python 3.14, the
``backports.zstd`` package before it; ``python-snappy``), installed by
``pip install mim-odm[compression]`` (which is ``pymongo[zstd,snappy]``).  They
are compiled extensions and mim's core stays pure Python, so they are used
when installed and simply not offered otherwise.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

try:  # optional extra: zstd (the standard library's from Python 3.14)
    from compression import zstd
except ImportError:
    try:
        from backports import zstd
    except ImportError:  # pragma: no cover - depends on the environment
        zstd = None

try:  # optional extra: snappy
    import snappy
except ImportError:  # pragma: no cover - depends on the environment
    snappy = None

from .protocol import HEADER, MAX_MESSAGE_SIZE, OP_COMPRESSED, ProtocolError

__all__ = ["Compressor", "COMPRESSORS", "available", "negotiate", "decompress_message",
           "compress_message"]

_COMPRESSED_HEAD = struct.Struct("<iiB")


@dataclass(frozen=True)
class Compressor:
    name: str
    compressor_id: int
    compress: Callable[[bytes], bytes]
    decompress: Callable[[bytes], bytes]


def _zstd_decompress(data: bytes) -> bytes:
    decompressor = zstd.ZstdDecompressor()
    out = decompressor.decompress(data, max_length=MAX_MESSAGE_SIZE)
    if not decompressor.eof:
        raise ProtocolError("OP_COMPRESSED: zstd body is truncated or inflates past "
                            "maxMessageSizeBytes")
    return out


def _zlib_decompress(data: bytes) -> bytes:
    inflater = zlib.decompressobj()
    out = inflater.decompress(data, MAX_MESSAGE_SIZE)
    if inflater.unconsumed_tail:
        raise ProtocolError("OP_COMPRESSED: zlib body inflates past maxMessageSizeBytes")
    return out


_ALL: list[Compressor] = [Compressor("noop", 0, bytes, bytes),
                          Compressor("zlib", 2, zlib.compress, _zlib_decompress)]
if snappy is not None:
    _ALL.append(Compressor("snappy", 1, snappy.compress, snappy.decompress))
if zstd is not None:
    _ALL.append(Compressor("zstd", 3, zstd.compress, _zstd_decompress))

#: The compressors this process has, by id.
COMPRESSORS: dict[int, Compressor] = {c.compressor_id: c for c in _ALL}
_BY_NAME = {c.name: c for c in _ALL}


def available() -> list[str]:
    """Names of the compressors a client may negotiate (``noop`` aside)."""
    return [c.name for c in _ALL if c.name != "noop"]


def negotiate(requested: Any, enabled: list[str]) -> list[str] | None:
    """``hello``'s ``compression`` reply for the client's list (None: no field)."""
    if not isinstance(requested, list):
        return None
    return [name for name in requested if isinstance(name, str) and name in enabled]


def decompress_message(message: bytes) -> tuple[bytes, Compressor]:
    """The original message inside an OP_COMPRESSED one, and its compressor."""
    if len(message) < HEADER.size + _COMPRESSED_HEAD.size:
        raise ProtocolError("OP_COMPRESSED too short")
    length, request_id, response_to, _op = HEADER.unpack_from(message)
    original_op, size, compressor_id = _COMPRESSED_HEAD.unpack_from(message, HEADER.size)
    compressor = COMPRESSORS.get(compressor_id)
    if compressor is None:
        raise ProtocolError(f"OP_COMPRESSED: unknown compressor id {compressor_id}")
    if size < 0 or size + HEADER.size > MAX_MESSAGE_SIZE:
        raise ProtocolError(f"OP_COMPRESSED: uncompressed size {size} is invalid")
    try:
        body = compressor.decompress(bytes(message[HEADER.size + _COMPRESSED_HEAD.size:]))
    except ProtocolError:
        raise
    except Exception as exc:  # zlib.error, zstd.ZstdError, snappy errors…
        raise ProtocolError(f"OP_COMPRESSED: cannot {compressor.name}-decompress: "
                            f"{exc}") from None
    if len(body) != size:
        raise ProtocolError(f"OP_COMPRESSED: decompressed {len(body)} bytes, header said "
                            f"{size}")
    header = HEADER.pack(HEADER.size + size, request_id, response_to, original_op)
    return header + body, compressor


def compress_message(message: bytes, compressor: Compressor) -> bytes:
    """Wrap a whole message (header included) in OP_COMPRESSED."""
    _length, request_id, response_to, original_op = HEADER.unpack_from(message)
    body = message[HEADER.size:]
    compressed = compressor.compress(body)
    head = _COMPRESSED_HEAD.pack(original_op, len(body), compressor.compressor_id)
    length = HEADER.size + len(head) + len(compressed)
    return HEADER.pack(length, request_id, response_to, OP_COMPRESSED) + head + compressed
