"""Write concerns as a one-node replica set (or a standalone) honours them.

The server parses ``writeConcern`` before running the command
(``WriteConcernOptions::parse``: a bad field is a command error and nothing is
written), a standalone refuses what it can never satisfy before running it, and
a replica set applies the write first, then reports what it could not wait for
as the reply's ``writeConcernError`` (``awaitReplication``): with one member,
``w > 1`` is UnsatisfiableWriteConcern (100) "Not enough data-bearing nodes", and a
``w`` mode other than ``"majority"`` names no tag set of the configuration
(UnknownReplWriteConcern, 79).  ``j`` and ``wtimeout`` are met at once: every
write of an in-memory server is as durable as it gets the moment it is applied.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bson.decimal128 import Decimal128

from ..values.errors import ServerError
from ..values.order import type_name

__all__ = ["WriteConcernSpec", "parse_write_concern", "refuse_on_standalone",
           "write_concern_error", "MAX_MEMBERS"]

#: ``ReplSetConfig::kMaxMembers``: the largest numeric ``w``
MAX_MEMBERS = 50
_FIELDS = frozenset({"w", "j", "wtimeout", "fsync", "getLastError", "getlasterror",
                     "wOpTime", "wElectionId", "provenance"})
_PROVENANCES = frozenset({"clientSupplied", "implicitDefault", "customDefault",
                          "getLastErrorDefaults", "internalWriteDefault"})


@dataclass(frozen=True)
class WriteConcernSpec:
    """A parsed ``writeConcern``: ``w`` (a member count, a mode or tags), the rest."""

    w: Any
    wtimeout: int
    document: dict


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal128):
        return float(value.to_decimal())
    if isinstance(value, (int, float)):
        return float(value)
    return None


def _parse_w(value: Any) -> Any:
    number = _number(value)
    if number is not None:
        if math.isnan(number):
            raise ServerError(9, "w cannot be NaN")
        count = int(number)
        if count < 0 or count > MAX_MEMBERS:
            raise ServerError(9, f"w has to be a non-negative number and not greater than "
                                 f"{MAX_MEMBERS}; found: {count}")
        return count
    if isinstance(value, str):
        if "\x00" in value:
            raise ServerError(9, f"w has illegal embedded NUL byte, w: {value}")
        return value
    if isinstance(value, Mapping):
        if not value:
            raise ServerError(9, "tagged write concern requires tags")
        for tag, count in value.items():
            if _number(count) is None:
                raise ServerError(9, f"tags must be a single level document with only number "
                                     f"values; found: {tag}: {count!r}")
        return dict(value)
    if value is None:
        return 1
    raise ServerError(9, f"w has to be a number, string, or object; found: {type_name(value)}")


def _parse_bool(document: Mapping, name: str) -> bool | None:
    value = document.get(name)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    number = _number(value)
    if number is None:
        raise ServerError(14, f"BSON field 'writeConcern.{name}' is the wrong type "
                              f"'{type_name(value)}', expected types '[bool, long, int, "
                              f"decimal, double]'")
    return number != 0


def parse_write_concern(value: Any) -> WriteConcernSpec | None:
    """Validate a command's ``writeConcern`` as the server parses it; None when it is
    empty (the default applies)."""
    if not isinstance(value, Mapping):
        raise ServerError(14, f"BSON field 'writeConcern' is the wrong type "
                              f"'{type_name(value)}', expected type 'object'")
    if not value:
        return None
    for name in value:
        if name not in _FIELDS:
            raise ServerError(40415, f"BSON field 'writeConcern.{name}' is an unknown field.")
    w = _parse_w(value["w"]) if "w" in value else 1
    j = _parse_bool(value, "j")
    fsync = _parse_bool(value, "fsync")
    if j and fsync:
        raise ServerError(9, "fsync and j options cannot be used together")
    wtimeout_number = _number(value.get("wtimeout", 0)) or 0.0
    if wtimeout_number > 2**31 - 1:
        raise ServerError(9, "wtimeout must be a 32-bit integer")
    provenance = value.get("provenance")
    if provenance is not None and provenance not in _PROVENANCES:
        raise ServerError(2, f"Enumeration value '{provenance}' for field "
                             f"'writeConcern.provenance' is not a valid value.")
    return WriteConcernSpec(w, int(wtimeout_number), dict(value))


def refuse_on_standalone(server: Any, concern: WriteConcernSpec | None) -> None:
    """What a standalone refuses before running the command (BadValue, 2)."""
    if concern is None or server.is_replica_set:
        return
    w = concern.w
    if isinstance(w, int) and w > 1:
        raise ServerError(2, "cannot use 'w' > 1 when a host is not replicated")
    if isinstance(w, str) and w != "majority":
        raise ServerError(2, f"cannot use non-majority 'w' mode {w} when a host is not a "
                             f"member of a replica set")


def write_concern_error(server: Any, concern: WriteConcernSpec | None) -> dict | None:
    """The ``writeConcernError`` a one-node set answers after the write (None: met)."""
    if concern is None or not server.is_replica_set:
        return None
    w = concern.w
    if isinstance(w, int) and w > 1:
        return {"code": 100, "codeName": "UnsatisfiableWriteConcern",
                "errmsg": "Not enough data-bearing nodes",
                "errInfo": {"writeConcern": _reported(concern)}}
    if isinstance(w, str) and w != "majority":
        return {"code": 79, "codeName": "UnknownReplWriteConcern",
                "errmsg": f"No write concern mode named '{w}' found in replica set "
                          f"configuration",
                "errInfo": {"writeConcern": _reported(concern)}}
    if isinstance(w, dict):
        return {"code": 100, "codeName": "UnsatisfiableWriteConcern",
                "errmsg": "Not enough nodes match write concern tags",
                "errInfo": {"writeConcern": _reported(concern)}}
    return None


def _reported(concern: WriteConcernSpec) -> dict:
    """The write concern as ``errInfo`` shows it (``WriteConcernOptions::toBSON``)."""
    out: dict[str, Any] = {"w": concern.w}
    document = concern.document
    if document.get("j"):
        out["j"] = True
    elif document.get("fsync"):
        out["fsync"] = True
    elif "j" in document:
        out["j"] = False
    out["wtimeout"] = concern.wtimeout
    out["provenance"] = document.get("provenance", "clientSupplied")
    return out
