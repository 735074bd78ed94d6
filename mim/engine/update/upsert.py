"""The seed document of an upsert: the filter's equality conditions.

The server canonicalizes the filter (nested ``$and`` flattened, a one-clause
``$or`` and a one-value ``$in`` or ``$all`` reduced to equality), collects
every equality on a path, sorts them by path and builds a document from
them (dotted paths become nested documents).  Two equalities on the same
path, or on a path and its prefix, cannot both be honoured and fail with
``NotSingleValueField`` (54).  For a replacement-style upsert only ``_id`` is
taken from the filter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bson.regex import Regex

from ..values.errors import ServerError
from ..languages.matcher.compiler import is_operator_document
from .fields import copy_value
from .tree import Location, create_path

__all__ = ["build_upsert_document", "equality_conditions"]


def _is_regex(value: Any) -> bool:
    return isinstance(value, (Regex, re.Pattern))


def equality_conditions(spec: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """``(path, value)`` for every equality the canonical filter contains."""
    out: list[tuple[str, Any]] = []
    _collect(spec, out)
    return out


def _collect(spec: Mapping[str, Any], out: list[tuple[str, Any]]) -> None:
    for key, value in spec.items():
        if key == "$and" and isinstance(value, list):
            for clause in value:
                if isinstance(clause, Mapping):
                    _collect(clause, out)
        elif key == "$or" and isinstance(value, list) and len(value) == 1 \
                and isinstance(value[0], Mapping):
            _collect(value[0], out)
        elif key.startswith("$"):
            continue
        elif is_operator_document(value):
            _collect_operators(key, value, out)
        elif not _is_regex(value):
            out.append((key, value))


def _collect_operators(path: str, ops: Mapping[str, Any], out: list[tuple[str, Any]]) -> None:
    for op, arg in ops.items():
        if op == "$eq":
            out.append((path, arg))
        elif op == "$in" and isinstance(arg, list) and len(arg) == 1 and not _is_regex(arg[0]):
            out.append((path, arg[0]))
        elif op == "$all" and isinstance(arg, list):
            for item in arg:
                if _is_regex(item) or (isinstance(item, Mapping) and "$elemMatch" in item):
                    continue
                out.append((path, item))


def build_upsert_document(filter_spec: Mapping[str, Any] | None, *,
                          replacement: bool = False) -> dict:
    """The document an upsert starts from, before the update is applied."""
    equalities = sorted(equality_conditions(filter_spec or {}), key=lambda kv: kv[0])
    if replacement:
        selected = []
        for path, value in equalities:
            if path == "_id":
                selected.append((path, value))
            elif path.startswith("_id."):
                raise ServerError(111, f"field at '_id' must be exactly specified, field at "
                                       f"sub-path '{path}'found")
        equalities = selected
    seen: dict[str, Any] = {}
    for path, value in equalities:
        parts = path.split(".")
        for i in range(len(parts), 0, -1):
            prefix = ".".join(parts[:i])
            if prefix in seen:
                if i == len(parts):
                    message = f"path '{path}' is matched twice"
                else:
                    message = f"both paths '{path}' and '{prefix}' are matched"
                raise ServerError(54, f"cannot infer query fields to set, {message}")
        seen[path] = value
    doc: dict = {}
    for path, value in seen.items():
        _set_at_path(doc, path.split("."), copy_value(value))
    return doc


def _set_at_path(doc: dict, parts: list[str], value: Any) -> None:
    loc = Location(None, None, doc)
    for i, part in enumerate(parts):
        child = loc.child(part)
        if child is None:
            create_path(loc, parts[i:], value)
            return
        loc = child
    loc.set(value)
