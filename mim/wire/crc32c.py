"""CRC-32C (Castagnoli), the checksum of OP_MSG's ``checksumPresent`` flag.

Pure Python, table-driven, processing eight bytes per step ("slicing by 8").
No C library is needed: checksums are optional in OP_MSG, and drivers that
send them (pymongo does not) send small messages.
"""

from __future__ import annotations

__all__ = ["crc32c", "slicing_tables"]

_POLY = 0x82F63B78  # reflected Castagnoli polynomial


def slicing_tables(poly: int) -> list[list[int]]:
    """The eight lookup tables of a reflected CRC with polynomial ``poly``
    ("slicing by 8"; any width: mongodump's archives use the same scheme for
    CRC-64)."""
    first = []
    for n in range(256):
        crc = n
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
        first.append(crc)
    tables = [first]
    for _ in range(7):
        prev = tables[-1]
        tables.append([(prev[n] >> 8) ^ first[prev[n] & 0xFF] for n in range(256)])
    return tables


_T = slicing_tables(_POLY)
_T0, _T1, _T2, _T3, _T4, _T5, _T6, _T7 = _T


def crc32c(data: bytes | bytearray | memoryview, crc: int = 0) -> int:
    """The CRC-32C of ``data`` (continuing from ``crc`` when given)."""
    data = bytes(data)
    crc ^= 0xFFFFFFFF
    n = len(data)
    whole = n - n % 8
    t0, t1, t2, t3, t4, t5, t6, t7 = _T0, _T1, _T2, _T3, _T4, _T5, _T6, _T7
    from_bytes = int.from_bytes
    for i in range(0, whole, 8):
        word = crc ^ from_bytes(data[i:i + 4], "little")
        crc = (t7[word & 0xFF] ^ t6[(word >> 8) & 0xFF] ^ t5[(word >> 16) & 0xFF]
               ^ t4[word >> 24] ^ t3[data[i + 4]] ^ t2[data[i + 5]] ^ t1[data[i + 6]]
               ^ t0[data[i + 7]])
    for i in range(whole, n):
        crc = (crc >> 8) ^ t0[(crc ^ data[i]) & 0xFF]
    return crc ^ 0xFFFFFFFF
