"""Storage validation of update results (the server's ``storage_validation.cpp``).

MongoDB 5.0+ (feature compatibility >= 5.0) validates a document an update
produced as follows:

* ``_id`` may not be an array, a regex or undefined (code 53 InvalidIdField,
  ``The '_id' value cannot be of type array``); an ``_id`` document may not
  contain ``$``-prefixed names except a leading DBRef ``$ref``/``$id``/``$db``
  (code 52, ``_id fields may not contain '$'-prefixed fields: $x is not valid
  for storage.``);
* only *top-level* ``$``-prefixed names are checked, and only where top-level
  ``$`` names are not allowed: replacement documents and operator updates of an
  existing document.  Inserts, upserts and pipeline updates allow them.  A
  checked name is valid only as part of a DBRef (``$ref`` string, then
  ``$id``, then an optional ``$db`` string; code 55 InvalidDBRef), any other is
  code 52 with the "replacement document" hint the server prints for every
  update;
* documents may nest at most 100 levels (code 15 Overflow).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bson.code import Code
from bson.regex import Regex

from ..values.errors import ServerError
from ..values.order import type_name

__all__ = ["validate_document", "validate_top_level_field", "check_id_value",
           "MAX_STORAGE_DEPTH"]

#: ``BSONDepth::getMaxDepthForUserStorage()``
MAX_STORAGE_DEPTH = 100


def _is_undefined(value: Any) -> bool:
    return type(value).__name__ == "Undefined"


def _embedded_reason(value: Mapping | list) -> str | None:
    """``BSONObj::storageValidEmbedded``: the first invalid ``$`` name, or None."""
    if isinstance(value, list):
        for element in value:
            if isinstance(element, (Mapping, list)):
                reason = _embedded_reason(element)
                if reason is not None:
                    return reason
        return None
    items = list(value.items())
    i = 0
    first = True
    while i < len(items):
        name, element = items[i]
        if isinstance(name, str) and name.startswith("$"):
            if first and name == "$ref" and isinstance(element, str) and \
                    i + 1 < len(items) and items[i + 1][0] == "$id":
                first = False
                i += 2
                if i >= len(items):
                    break
                name, element = items[i]
                if name == "$db" and isinstance(element, str):
                    i += 1
                    continue
                if isinstance(name, str) and name.startswith("$"):
                    return f"{name} is not valid for storage."
            else:
                return f"{name} is not valid for storage."
        if isinstance(element, (Mapping, list)):
            reason = _embedded_reason(element)
            if reason is not None:
                return reason
        elif isinstance(element, Code) and element.scope:
            reason = _embedded_reason(element.scope)
            if reason is not None:
                return reason
        first = False
        i += 1
    return None


def check_id_value(value: Any) -> None:
    """``storageValidIdField``."""
    if isinstance(value, list) or isinstance(value, Regex) or hasattr(value, "pattern") \
            and hasattr(value, "flags") or _is_undefined(value):
        raise ServerError(53, f"The '_id' value cannot be of type {type_name(value)}")
    if isinstance(value, Mapping):
        reason = _embedded_reason(value)
        if reason is not None:
            raise ServerError(52, f"_id fields may not contain '$'-prefixed fields: {reason}")


def validate_top_level_field(doc: Mapping, name: str) -> None:
    """``validateDollarPrefixElement`` for the top-level field ``name`` of ``doc``."""
    names = list(doc)
    index = names.index(name)
    current = name
    position = index
    if current == "$db":
        value = doc[current]
        if not isinstance(value, str):
            raise ServerError(55, f"The DBRef $db field must be a String, not a "
                                  f"{type_name(value)}")
        position -= 1
        if position < 0 or names[position] != "$id":
            raise ServerError(55, "Found $db field without a $id before it, which is invalid.")
        current = "$id"
    if current == "$id":
        position -= 1
        if position < 0 or names[position] != "$ref":
            raise ServerError(55, "Found $id field without a $ref before it, which is invalid.")
        current = "$ref"
    if current == "$ref":
        value = doc[names[position]]
        if not isinstance(value, str):
            raise ServerError(55, f"The DBRef $ref field must be a String, not a "
                                  f"{type_name(value)}")
        if position + 1 >= len(names) or names[position + 1] != "$id":
            raise ServerError(55, "The DBRef $ref field must be followed by a $id field")
        return
    raise ServerError(52, f"The dollar ($) prefixed field '{name}' in '{name}' is not allowed "
                          f"in the context of an update's replacement document. Consider using "
                          f"an aggregation pipeline with $replaceWith.")


def _check_depth(value: Any, level: int) -> None:
    if level > MAX_STORAGE_DEPTH:
        raise ServerError(15, f"Document exceeds maximum nesting depth of {MAX_STORAGE_DEPTH}")
    if isinstance(value, Mapping):
        for element in value.values():
            if isinstance(element, (Mapping, list)):
                _check_depth(element, level + 1)
            elif level + 1 > MAX_STORAGE_DEPTH:
                _check_depth(element, level + 1)
    elif isinstance(value, list):
        for element in value:
            if isinstance(element, (Mapping, list)) or level + 1 > MAX_STORAGE_DEPTH:
                _check_depth(element, level + 1)


def validate_document(doc: Mapping, *, allow_top_level_dollar: bool) -> None:
    """``storage_validation::storageValid(doc, …)`` with validation on: fields in
    document order, ``_id`` type checked where it appears."""
    for name, value in doc.items():
        if name == "_id":
            check_id_value(value)
        if not allow_top_level_dollar and isinstance(name, str) and name.startswith("$"):
            validate_top_level_field(doc, name)
        if isinstance(value, (Mapping, list)):
            _check_depth(value, 1)
