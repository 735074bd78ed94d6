"""``arrayFilters``: one filter per identifier used by ``$[<identifier>]``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..values.errors import ServerError
from ..languages.matcher import MatchContext, compile_filter
from ..languages.matcher.nodes import MatchNode
from ..values.order import type_name

__all__ = ["parse_array_filters"]

_PLACEHOLDER = re.compile(r"^[a-z][a-zA-Z0-9]*$")
_LOGICAL = ("$and", "$or", "$nor")


def _context(status: ServerError) -> ServerError:
    return ServerError(status.code, f"Error parsing array filter :: caused by :: {status.errmsg}")


def _top_level_name(spec: Mapping[str, Any]) -> str | None:
    """The single top-level field name of a filter (looking inside $and/$or/$nor)."""
    name: str | None = None
    for key, value in spec.items():
        if key in _LOGICAL:
            candidates = [_top_level_name(clause) for clause in value
                          if isinstance(clause, Mapping)]
        elif key.startswith("$"):
            candidates = []
        else:
            candidates = [key.split(".", 1)[0]]
        for candidate in candidates:
            if candidate is None:
                continue
            if name is None:
                name = candidate
            elif candidate != name:
                raise ServerError(9, f"Expected a single top-level field name, found '{name}' "
                                     f"and '{candidate}'")
    return name


def parse_array_filters(filters: Any, collation: Any = None) -> dict[str, MatchNode]:
    """Compile ``arrayFilters`` into ``{identifier: filter}``, erroring as the server does
    (strings compared by the update's ``collation``)."""
    if not filters:
        return {}
    if not isinstance(filters, list):
        raise ServerError(14, f"BSON field 'update.updates.arrayFilters' is the wrong type "
                              f"'{type_name(filters)}', expected type 'array'")
    out: dict[str, MatchNode] = {}
    for position, spec in enumerate(filters):
        if not isinstance(spec, Mapping):
            raise ServerError(14, f"BSON field 'update.updates.arrayFilters.{position}' is the "
                                  f"wrong type '{type_name(spec)}', expected type 'object'")
        if "$expr" in spec:
            raise _context(ServerError(224, "$expr is not allowed in this context"))
        try:
            node = compile_filter(spec, MatchContext(collation=collation, javascript=False))
        except ServerError as exc:
            raise _context(exc) from None
        try:
            name = _top_level_name(spec)
        except ServerError as exc:
            raise _context(exc) from None
        if name is None:
            raise ServerError(9, "Cannot use an expression without a top-level field name in "
                                 "arrayFilters")
        if not _PLACEHOLDER.match(name):
            raise _context(ServerError(2, f"The top-level field name must be an alphanumeric "
                                          f"string beginning with a lowercase letter, found "
                                          f"'{name}'"))
        if name in out:
            raise ServerError(9, f"Found multiple array filters with the same top-level field "
                                 f"name {name}")
        out[name] = node
    return out
