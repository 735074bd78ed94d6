"""Index specifications: validated and normalised as ``createIndexes`` does.

:func:`normalise_index_spec` takes one element of ``createIndexes.indexes``
(``{"key": …, "name": …, <options>}``) and returns the spec the catalog
stores and ``listIndexes`` shows (``{"v": 2, "key": …, "name": …, …}``),
or raises the server's error.  Validation errors are reported, as on the
server, as ``Error in specification <spec> :: caused by :: <reason>``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from bson.son import SON

from ..values.errors import ServerError
from ..values.render import render, render_document
from ..values.order import is_number, type_name
from bson.regex import Regex
import re
from ..languages.collation import parse_collation
from ..languages.matcher import compile_filter
from .text import fix_text_spec, is_text_key
from .geo import fix_geo_spec, is_geo_key
from .wildcard import (WILDCARD, check_wildcard_key, check_wildcard_projection,
                       check_wildcard_spec, plugin_name)

__all__ = ["normalise_index_spec", "index_name", "KNOWN_OPTIONS", "validate_ttl",
           "check_expire_after_seconds", "check_partial_filter"]

#: the fields an ``_id`` index spec may carry (index_key_validate.cpp)
_ID_INDEX_FIELDS = frozenset({"collation", "name", "v", "key", "ns", "_id"})
#: internalPartialFilterExpressionMaxDepth
_PARTIAL_FILTER_MAX_DEPTH = 4
_INT32_MAX = 2 ** 31 - 1

#: every field an index specification may carry (7.0)
KNOWN_OPTIONS = frozenset({
    "key", "name", "v", "unique", "sparse", "partialFilterExpression", "expireAfterSeconds",
    "hidden", "background", "collation", "ns", "weights", "default_language",
    "language_override", "textIndexVersion", "2dsphereIndexVersion", "bits", "min", "max",
    "bucketSize", "wildcardProjection", "storageEngine", "dropDups", "prepareUnique",
    "clustered", "coarsestIndexedLevel", "finestIndexedLevel",
})
_PLUGINS = ("hashed", "text", "2dsphere", "2d", "geoHaystack", "columnstore", WILDCARD)


def index_name(key: Mapping[str, Any]) -> str:
    """The name MongoDB (and pymongo) generate for a key pattern: ``a_1_b_-1``."""
    return "_".join(f"{field}_{direction}" for field, direction in key.items())


def _in_spec(spec: Mapping[str, Any], code: int, reason: str) -> ServerError:
    return ServerError(code, f"Error in specification {render_document(spec)} :: caused by :: "
                             f"{reason}")


def _validate_key(spec: Mapping[str, Any], key: Mapping[str, Any]) -> None:
    if not key:
        raise _in_spec(spec, 67, "Index keys cannot be empty.")
    plugins = {d for d in key.values() if isinstance(d, str)}
    for direction in plugins:
        if direction == "geoHaystack":
            raise _in_spec(spec, 67, "GeoHaystack indexes cannot be created in version 5.0 "
                                     "and above")
        if direction not in _PLUGINS:
            raise _in_spec(spec, 67, f"Unknown index plugin '{direction}'")
    plugin = plugin_name(key)
    if plugin == WILDCARD:
        try:
            check_wildcard_key(key)
        except ServerError as exc:
            raise _in_spec(spec, exc.code, exc.errmsg) from None
    if len(plugins) > 1 or (plugin == WILDCARD and plugins - {WILDCARD}):
        raise _in_spec(spec, 67, "Can't use more than one index plugin for a single index.")
    for field, direction in key.items():
        if is_number(direction):
            value = float(direction.to_decimal()) if hasattr(direction, "to_decimal") \
                else float(direction)
            if math.isnan(value):
                raise _in_spec(spec, 67, "Values in the index key pattern cannot be NaN.")
            if value == 0.0:
                raise _in_spec(spec, 67, "Values in the index key pattern cannot be 0.")
        elif direction == WILDCARD:
            raise _in_spec(spec, 67, "The key pattern value for an 'wildcard' index must be a "
                                     "non-zero number, not a string.")
        elif not isinstance(direction, str):
            raise _in_spec(spec, 67, f"Values in v:2 index key pattern cannot be of type "
                                     f"{type_name(direction)}. Only numbers > 0, numbers < 0, "
                                     f"and strings are allowed.")
        if not field:
            raise _in_spec(spec, 67, "Index keys cannot be an empty field.")
        parts = field.split(".")
        if any(not part for part in parts):
            raise _in_spec(spec, 67, "Index keys cannot contain an empty field.")
        if field == "$**" and direction == "text":
            continue  # a wildcard text index (validateKeyPattern)
        if field == "$**" and is_number(direction):
            continue  # a wildcard index
        for i, part in enumerate(parts):
            if plugin == WILDCARD and i == len(parts) - 1 and part == "$**":
                continue
            if part.startswith("$") and not (i and part in ("$db", "$id", "$ref")):
                raise _in_spec(spec, 67, "Index key contains an illegal field name: field name "
                                         "starts with '$'.")


def check_expire_after_seconds(value: Any) -> str | None:
    """Why ``value`` is no valid ``expireAfterSeconds`` for a TTL index (the
    server's ``validateExpireAfterSeconds``, secondary-index mode), or None."""
    if not is_number(value):
        return ("TTL index 'expireAfterSeconds' option must be numeric, but received a type "
                f"of '{type_name(value)}'")
    number = float(value.to_decimal()) if hasattr(value, "to_decimal") else value
    if isinstance(number, float) and math.isnan(number):
        return "TTL index 'expireAfterSeconds' option must not be NaN"
    if isinstance(number, float):
        as_long = int(max(min(number, 2.0 ** 63 - 1), -2.0 ** 63)) if math.isfinite(number) \
            else (2 ** 63 - 1 if number > 0 else -2 ** 63)
    else:
        as_long = int(number)
    if not -2 ** 31 <= as_long <= _INT32_MAX:
        return "TTL index 'expireAfterSeconds' must be within the range of a 32-bit integer"
    if as_long < 0:
        return "TTL index 'expireAfterSeconds' option cannot be less than 0"
    return None


def validate_ttl(document: Mapping[str, Any]) -> None:
    """``createIndexes``' TTL checks on a spec as sent (``validateIndexSpecTTL``):
    a numeric, non-NaN, 32-bit, non-negative ``expireAfterSeconds`` on a
    single-field key — CannotCreateIndex (67) otherwise."""
    if "expireAfterSeconds" not in document:
        return
    reason = check_expire_after_seconds(document["expireAfterSeconds"])
    if reason is not None:
        raise ServerError(67, f". Index spec: {render_document(document)} :: caused by :: "
                              f"{reason}")
    key = document.get("key")
    if isinstance(key, Mapping) and len(key) != 1:
        raise ServerError(67, "TTL indexes are single-field indexes, compound indexes do not "
                              f"support TTL. Index spec: {render_document(document)}")


def _debug_value(value: Any) -> str:
    return render(value)


def _unsupported(text: str) -> ServerError:
    return ServerError(67, f"Expression not supported in partial index: {text}")


def _check_partial_field(path: str, value: Any, level: int, indent: str) -> None:
    """One ``field: value`` of a partial filter (the server's match-expression
    kinds: EQ, LT/LTE/GT/GTE, EXISTS, TYPE_OPERATOR, MATCH_IN are allowed)."""
    if isinstance(value, (Regex, re.Pattern)):
        pattern = value.pattern if isinstance(value.pattern, str) else value.pattern.decode()
        raise _unsupported(f"{indent}{path} regex /{pattern}/\n")
    if not isinstance(value, Mapping) or not value or not next(iter(value)).startswith("$"):
        return  # equality
    operators = list(value.items())
    if len(operators) > 1:
        level += 1  # several operators on one path: an $and of them
        if level + 1 > _PARTIAL_FILTER_MAX_DEPTH:
            raise ServerError(67, "partialFilterExpression depth may not exceed "
                                  f"{_PARTIAL_FILTER_MAX_DEPTH}")
    for op, arg in operators:
        if op in ("$eq", "$lt", "$lte", "$gt", "$gte", "$type", "$in"):
            continue
        if op in ("$regex", "$options"):
            pattern = value.get("$regex", "")
            if isinstance(pattern, Regex):
                pattern = pattern.pattern
            raise _unsupported(f"{indent}{path} regex /{pattern}/\n")
        if op == "$exists":
            if arg is not False and arg is not None and arg != 0:
                continue
            raise _unsupported(f"{indent}$not\n{indent}    {path} exists\n")
        if op == "$ne":
            raise _unsupported(f"{indent}$not\n{indent}    {path} $eq {_debug_value(arg)}\n")
        if op == "$nin":
            items = "".join(f" {_debug_value(v)}" for v in (arg or []))
            raise _unsupported(f"{indent}$not\n{indent}    {path} $in [{items}]\n")
        if op == "$not":
            raise _unsupported(f"{indent}$not\n{indent}    $and\n{indent}        {path} "
                               + (" ".join(f"{k} {_debug_value(v)}" for k, v in arg.items())
                                  if isinstance(arg, Mapping) else f"regex {arg}") + "\n")
        if op == "$mod" and isinstance(arg, list) and len(arg) == 2:
            raise _unsupported(f"{indent}{path} mod {_debug_value(arg[0])} % x == "
                               f"{_debug_value(arg[1])}\n")
        if op == "$size":
            raise _unsupported(f"{indent}{path} $size : {_debug_value(arg)}\n")
        raise _unsupported(f"{indent}{path} {op} {_debug_value(arg)}\n")


def check_partial_filter(filter_spec: Mapping[str, Any], level: int = 0,
                         indent: str = "") -> None:
    """Refuse what a partial index cannot hold, as 7.0's
    ``_checkValidFilterExpressions`` does (CannotCreateIndex, 67): equality,
    ``$exists: true``, ``$gt/$gte/$lt/$lte``, ``$type``, ``$in``, and
    ``$and``/``$or`` nested at most 4 deep are allowed; negations
    (``$ne``, ``$nin``, ``$not``, ``$exists: false``, ``$nor``), ``$regex``,
    ``$mod``, ``$size``, ``$elemMatch``, ``$all`` … are not."""
    entries = list(filter_spec.items())
    if len(entries) > 1:
        # an implicit $and of the fields
        for key, value in entries:
            _check_partial_entry(key, value, level + 1, indent)
        return
    for key, value in entries:
        _check_partial_entry(key, value, level, indent)


def _check_partial_entry(key: str, value: Any, level: int, indent: str) -> None:
    if level + 1 > _PARTIAL_FILTER_MAX_DEPTH:
        raise ServerError(67, "partialFilterExpression depth may not exceed "
                              f"{_PARTIAL_FILTER_MAX_DEPTH}")
    if key in ("$and", "$or"):
        for child in value:
            check_partial_filter(child, level + 1, indent + "    ")
        return
    if key == "$nor":
        rendered = ""
        for child in value:
            for path, arg in dict(child).items():
                rendered += f"{indent}    {path} $eq {_debug_value(arg)}\n" \
                    if not isinstance(arg, Mapping) else f"{indent}    {path} ...\n"
        raise _unsupported(f"{indent}$nor\n{rendered}")
    if key in ("$comment",):
        return
    if key.startswith("$"):
        raise _unsupported(f"{indent}{key}\n")
    _check_partial_field(key, value, level, indent)


def normalise_index_spec(document: Mapping[str, Any]) -> dict[str, Any]:
    """A validated index spec, ordered ``v, key, name, <options>`` as stored."""
    validate_ttl(document)
    spec = dict(document)
    if "key" not in spec:
        raise _in_spec(spec, 9, "The 'key' field is a required property of an index "
                                "specification")
    if not isinstance(spec["key"], Mapping):
        raise _in_spec(spec, 14, f"The field 'key' must be an object, but got "
                                 f"{type_name(spec['key'])}")
    key = dict(spec["key"])
    if "name" not in spec:
        raise _in_spec(spec, 9, "The 'name' field is a required property of an index "
                                "specification")
    if not isinstance(spec["name"], str):
        raise _in_spec(spec, 14, f"The field 'name' must be a string, but got "
                                 f"{type_name(spec['name'])}")
    for option in spec:
        if option not in KNOWN_OPTIONS:
            raise _in_spec(spec, 197, f"The field '{option}' is not valid for an index "
                                      f"specification. Specification: "
                                      f"{render_document(spec)}")
    _validate_key(spec, key)
    wildcard = plugin_name(key) == WILDCARD
    if wildcard and "$**" in key and len(key) > 1 and "wildcardProjection" not in spec:
        raise _in_spec(spec, 67, "Compound wildcard indexes on all fields must also specify "
                                 "'wildcardProjection' option")
    if "wildcardProjection" in spec:
        try:
            check_wildcard_projection(key, spec["wildcardProjection"])
        except ServerError as exc:
            raise _in_spec(spec, exc.code, exc.errmsg) from None
    if is_text_key(key):
        spec = fix_text_spec(spec)
        key = dict(spec["key"])
    if is_geo_key(key):
        spec = fix_geo_spec(spec)
    if "columnstore" in key.values():
        raise ServerError(238, "'columnstore' indexes are not supported by mim yet")
    if "collation" in spec:
        # validated here; resolved against the collection's default when created
        parse_collation(spec["collation"])
    ordered: dict[str, Any] = {"v": 2, "key": SON(key), "name": spec["name"]}
    for option, value in spec.items():
        if option in ("key", "name", "v"):
            continue
        ordered[option] = value
    if wildcard:
        check_wildcard_spec({**ordered, "v": spec.get("v", 2)})
    if ordered.get("sparse") and "partialFilterExpression" in ordered:
        raise _in_spec(ordered, 67, 'cannot mix "partialFilterExpression" and "sparse" options')
    if "partialFilterExpression" in ordered:
        filter_spec = ordered["partialFilterExpression"]
        if not isinstance(filter_spec, Mapping):
            raise _in_spec(ordered, 67, '"partialFilterExpression" for an index must be a '
                                        'document')
        compile_filter(filter_spec)
        check_partial_filter(filter_spec)
    if "hashed" in key.values() and ordered.get("unique"):
        raise ServerError(16764, "Currently hashed indexes cannot guarantee uniqueness. Use a "
                                 "regular index.")
    if list(key) == ["_id"] and is_number(key["_id"]) and key["_id"] == 1:
        # the _id index takes no options (validateIdIndexSpec)
        for option in spec:
            if option not in _ID_INDEX_FIELDS:
                raise ServerError(197, f"The field '{option}' is not valid for an _id index "
                                       f"specification. Specification: "
                                       f"{render_document({**spec, 'v': spec.get('v', 2)})}")
        # "The name of an _id index gets corrected to _id_" (jstests/core/index_id_options.js)
        ordered["name"] = "_id_"
        return ordered
    if ordered["name"] == "_id_":
        raise ServerError(2, f"The index name '_id_' is reserved for the _id index, which must "
                             f"have key pattern {{_id: 1}}, found key: {render_document(key)}")
    return ordered
