"""Checking command arguments the way the server does: its codes and wording
(``BSON field 'find.limit' is the wrong type 'string', expected types …``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..languages.collation import check_collation
from ..values.errors import ServerError
from ..values.order import is_number, type_name
from .fields import check_statement_fields

__all__ = ["check_collation", "type_name", "collection_name", "scale", "optional", "number",
           "non_negative", "optional_bool", "statements", "batch_size", "cursor_batch_size", "bypass_validation"]

def check_hint(holder: Mapping[str, Any]) -> None:
    """The IDL ``indexHint`` type: a name or a key pattern (null included, else 9)."""
    if "hint" in holder and not isinstance(holder["hint"], (str, Mapping)):
        raise ServerError(9, "Hint must be a string or an object")


def collection_name(cmd: Mapping[str, Any], name: str) -> str:
    """The collection a command names: its first field's value, under whichever of
    the command's registered names it was sent (``collStats`` or ``collstats``)."""
    value = cmd[name] if name in cmd else next(iter(cmd.values()))
    if not isinstance(value, str):
        raise ServerError(2, f"collection name has invalid type {type_name(value)}")
    return value


def scale(cmd: Mapping, command_name: str) -> int:
    scale = number(cmd, "scale", command_name)
    if scale is None:
        return 1
    if scale < 1:
        raise ServerError(51024, f"BSON field 'scale' value must be >= 1, actual value "
                                 f"'{scale}'")
    return scale


def optional(cmd: Mapping, field: str, kind: type, expected: str,
              command_name: str | None = None) -> Any:
    """``cmd[field]`` if present and not null, type-checked as the server does."""
    value = cmd.get(field)
    if value is None:
        return None
    if not isinstance(value, kind):
        owner = command_name or next(iter(cmd))
        raise ServerError(14, f"BSON field '{owner}.{field}' is the wrong type "
                              f"'{type_name(value)}', expected type '{expected}'")
    return value


def flag(cmd: Mapping, field: str, command_name: str) -> bool:
    """An IDL ``safeBool`` field: a bool or a number (its truth), else TypeMismatch."""
    value = cmd.get(field)
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) or type(value).__name__ in ("Int64", "Decimal128"):
        return float(str(value)) != 0
    raise ServerError(14, f"BSON field '{command_name}.{field}' is the wrong type "
                          f"'{type_name(value)}', expected types '[bool, long, int, decimal, "
                          f"double']")  # sic: the server's quote sits inside the bracket


def true_value(cmd: Mapping, field: str) -> bool:
    """``BSONElement::trueValue()`` of a field, as commands without an IDL read their
    flags: absent, null, false and zero are false; any other value is true."""
    value = cmd.get(field)
    if value is None or value is False:
        return False
    if isinstance(value, bool):
        return True
    if isinstance(value, (int, float)) or type(value).__name__ in ("Int64", "Decimal128"):
        return float(str(value)) != 0
    return True


def optional_bool(cmd: Mapping, field: str) -> bool | None:
    """An IDL ``optionalBool`` field (``allowDiskUse``…): a bool, or absent (None);
    anything else fails as ``OptionalBool::parseFromBSON`` does (null included)."""
    if field not in cmd:
        return None
    value = cmd[field]
    if not isinstance(value, bool):
        raise ServerError(14, f"Field '{field}' should be a boolean value, but found: "
                              f"{type_name(value)}")
    return value


def number(cmd: Mapping, field: str, command_name: str, owner: str | None = None) -> int | None:
    value = cmd.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) and \
            type(value).__name__ != "Decimal128":
        raise ServerError(14, f"BSON field '{owner or command_name}.{field}' is the wrong type "
                              f"'{type_name(value)}', expected types '[long, int, "
                              f"decimal, double]'")
    return int(float(str(value))) if type(value).__name__ == "Decimal128" else int(value)


def non_negative(cmd: Mapping, field: str, command_name: str, owner: str | None = None) -> int:
    value = number(cmd, field, command_name, owner)
    if value is None:
        return 0
    if value < 0:
        raise ServerError(51024, f"BSON field '{field}' value must be >= 0, actual value "
                                 f"'{value}'")
    return value


#: what an ``insert`` command's documents may be (a face's BSON bytes, a decoded document)
_DOCUMENT_TYPES = frozenset({bytes, dict})


#: per statement array, the fields of a statement as the faces send it (every one
#: known, ``q`` and ``u`` present, no ``hint`` or ``collation``)
_PLAIN_STATEMENT_FIELDS = {"updates": frozenset({"q", "u", "multi", "upsert"}),
                           "deletes": frozenset({"q", "limit"})}


def statements(cmd: Mapping, field: str, command_name: str) -> list:
    """A write command's statements: a non-empty array of documents."""
    if field == "documents":
        value = cmd.get(field)
        if type(value) is list and 0 < len(value) <= 100000 \
                and _DOCUMENT_TYPES.issuperset(map(type, value)):
            return value  # the common insert, checked by one loop in C
    else:
        value = cmd.get(field)
        if type(value) is list and len(value) == 1:
            # one statement as a face builds it: fields all known, no hint or collation
            # to check, ``q`` a document (what the loop below checks, at a fraction)
            statement = value[0]
            if type(statement) is dict and statement.keys() == _PLAIN_STATEMENT_FIELDS.get(
                    field) and type(statement["q"]) is dict:
                return value
    if field not in cmd:
        raise ServerError(40414, f"BSON field '{command_name}.{field}' is missing but a "
                                 f"required field")
    value = cmd[field]
    if type(value) is not list and not isinstance(value, list):
        raise ServerError(14, f"BSON field '{command_name}.{field}' is the wrong type "
                              f"'{type_name(value)}', expected type 'array'")
    if not value or len(value) > 100000:
        raise ServerError(16, f"Write batch sizes must be between 1 and 100000. Got "
                              f"{len(value)} operations.")
    for index, statement in enumerate(value):
        kind = type(statement)
        if kind is not bytes and kind is not dict and not isinstance(statement, Mapping):
            raise ServerError(14, f"BSON field '{command_name}.{field}.{index}' is the wrong "
                                  f"type '{type_name(statement)}', expected type "
                                  f"'object'")
        if field != "documents":
            check_statement_fields(command_name, field, statement)
            check_hint(statement)
            collation = statement.get("collation")
            if collation is not None and not isinstance(collation, Mapping):
                # the IDL's type check; the document itself is parsed per statement, so
                # an invalid one is that statement's write error, as on the server
                raise ServerError(14, f"BSON field '{command_name}.{field}.collation' is the "
                                      f"wrong type '{type_name(collation)}', expected type "
                                      f"'object'")
            for key in ("q", "u") if field == "updates" else ("q",):
                if key not in statement:
                    raise ServerError(40414, f"BSON field '{command_name}.{field}.{key}' is "
                                             f"missing but a required field")
            q = statement["q"]
            if type(q) is not dict and not isinstance(q, Mapping):
                raise ServerError(14, f"BSON field '{command_name}.{field}.q' is the wrong "
                                      f"type '{type_name(q)}', expected type 'object'")
    return value


def batch_size(cmd: Mapping, command_name: str) -> int | None:
    if cmd.get("batchSize") is None:
        return None
    return non_negative(cmd, "batchSize", command_name)


def cursor_batch_size(cmd: Mapping, command_name: str) -> int | None:
    """``cursor.batchSize`` of aggregate/listCollections/listIndexes (None = no limit)."""
    cursor = cmd.get("cursor")
    if cursor is None:
        return None
    if not isinstance(cursor, Mapping):
        raise ServerError(14, f"BSON field '{command_name}.cursor' is the wrong type "
                              f"'{type_name(cursor)}', expected type 'object'")
    return batch_size(cursor, command_name) if "batchSize" in cursor else None


def bypass_validation(cmd: Mapping, command_name: str) -> bool:
    """``bypassDocumentValidation``: a bool or a number (the IDL's ``safeBool``)."""
    value = cmd.get("bypassDocumentValidation")
    if value is None:
        return False
    if not isinstance(value, bool) and not is_number(value):
        raise ServerError(14, f"BSON field '{command_name}.bypassDocumentValidation' is the "
                              f"wrong type '{type_name(value)}', expected types '[bool, long, "
                              f"int, decimal, double]'")
    return bool(value)
