"""``expectError``: does the exception an operation raised match the expectation?"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable

from bson.errors import BSONError
from pymongo.errors import BulkWriteError, OperationFailure, PyMongoError

from .matching import match
from .results import bulk_write_result

__all__ = ["match_error", "error_code", "error_code_name", "error_text"]

try:  # the code -> name table, when the client under test is mim
    from mim.engine.values.errors import CODE_NAMES as _CODE_NAMES
except Exception:  # noqa: BLE001 - optional: any client may be under test
    _CODE_NAMES = {}


def _first_error(exc: BaseException) -> Mapping[str, Any] | None:
    if isinstance(exc, BulkWriteError):
        details = exc.details or {}
        errors = details.get("writeErrors") or []
        if errors:
            return errors[0]
        if details.get("writeConcernErrors"):
            return details["writeConcernErrors"][0]
    return None


def error_code(exc: BaseException) -> int | None:
    """The server error code (the first write error's for a bulk write)."""
    first = _first_error(exc)
    if first is not None:
        return first.get("code")
    return getattr(exc, "code", None)


def error_code_name(exc: BaseException) -> str | None:
    first = _first_error(exc)
    source = first if first is not None else (getattr(exc, "details", None) or {})
    name = source.get("codeName") if isinstance(source, Mapping) else None
    if name is None:
        code = error_code(exc)
        name = _CODE_NAMES.get(code) if code is not None else None
    return name


def error_text(exc: BaseException) -> str:
    parts = [str(exc)]
    details = getattr(exc, "details", None)
    if isinstance(details, Mapping):
        for key in ("errmsg",):
            if details.get(key):
                parts.append(str(details[key]))
        for error in (details.get("writeErrors") or []) + (details.get("writeConcernErrors") or []):
            parts.append(str(error.get("errmsg", "")))
    return "\n".join(parts)


def is_client_error(exc: BaseException) -> bool:
    """An error raised by the driver without a server reply (pymongo's runner's rule)."""
    return not isinstance(exc, OperationFailure)


def match_error(expected: Mapping[str, Any], exc: BaseException,
                entity: Callable[[str], Any]) -> str | None:
    """``None`` when *exc* satisfies *expected* (an ``expectError`` document)."""
    if "isClientError" in expected and is_client_error(exc) != expected["isClientError"]:
        return (f"expected {'a client' if expected['isClientError'] else 'a server'} error, "
                f"got {type(exc).__name__}: {exc}")
    if "isTimeoutError" in expected and expected["isTimeoutError"]:
        return f"expected a timeout error, got {type(exc).__name__}: {exc}"
    if "errorContains" in expected:
        if expected["errorContains"].lower() not in error_text(exc).lower():
            return (f"expected the error to contain {expected['errorContains']!r}, got "
                    f"{type(exc).__name__}: {error_text(exc)}")
    if "errorCode" in expected and error_code(exc) != expected["errorCode"]:
        return (f"expected error code {expected['errorCode']}, got {error_code(exc)} "
                f"({type(exc).__name__}: {exc})")
    if "errorCodeName" in expected and error_code_name(exc) != expected["errorCodeName"]:
        return (f"expected error code name {expected['errorCodeName']}, got "
                f"{error_code_name(exc)} ({type(exc).__name__}: {exc})")
    labels_of = getattr(exc, "has_error_label", None)
    for label in expected.get("errorLabelsContain", []):
        if labels_of is None or not labels_of(label):
            return f"expected error label {label!r} on {type(exc).__name__}: {exc}"
    for label in expected.get("errorLabelsOmit", []):
        if labels_of is not None and labels_of(label):
            return f"unexpected error label {label!r} on {type(exc).__name__}: {exc}"
    if "errorResponse" in expected:
        problem = match(expected["errorResponse"], getattr(exc, "details", None) or {}, entity)
        if problem:
            return "errorResponse " + problem
    if "expectResult" in expected:
        if isinstance(exc, BulkWriteError):
            actual: Any = bulk_write_result(exc.details)
        else:
            actual = getattr(exc, "details", None) or {}
        problem = match(expected["expectResult"], actual, entity)
        if problem:
            return "expectResult of the error " + problem
    if not isinstance(exc, (PyMongoError, BSONError, TypeError, ValueError, KeyError,
                            NotImplementedError)):
        return f"unexpected exception type {type(exc).__name__}: {exc}"
    return None
