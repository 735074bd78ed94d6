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

from .errors import ServerError
from .render import render_document
from .values import is_number, type_name

__all__ = ["normalise_index_spec", "index_name", "KNOWN_OPTIONS"]

#: every field an index specification may carry (7.0)
KNOWN_OPTIONS = frozenset({
    "key", "name", "v", "unique", "sparse", "partialFilterExpression", "expireAfterSeconds",
    "hidden", "background", "collation", "ns", "weights", "default_language",
    "language_override", "textIndexVersion", "2dsphereIndexVersion", "bits", "min", "max",
    "bucketSize", "wildcardProjection", "storageEngine", "dropDups", "prepareUnique",
    "clustered", "coarsestIndexedLevel", "finestIndexedLevel",
})
_PLUGINS = ("hashed", "text", "2dsphere", "2d", "geoHaystack", "columnstore")


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
        if direction not in _PLUGINS:
            raise _in_spec(spec, 67, f"Unknown index plugin '{direction}'")
    if len(plugins) > 1:
        raise _in_spec(spec, 67, "Can't use more than one index plugin for a single index.")
    for field, direction in key.items():
        if is_number(direction):
            value = float(direction.to_decimal()) if hasattr(direction, "to_decimal") \
                else float(direction)
            if math.isnan(value):
                raise _in_spec(spec, 67, "Values in the index key pattern cannot be NaN.")
            if value == 0.0:
                raise _in_spec(spec, 67, "Values in the index key pattern cannot be 0.")
        elif not isinstance(direction, str):
            raise _in_spec(spec, 67, f"Values in v:2 index key pattern cannot be of type "
                                     f"{type_name(direction)}. Only numbers > 0, numbers < 0, "
                                     f"and strings are allowed.")
        if not field:
            raise _in_spec(spec, 67, "Index keys cannot be an empty field.")
        parts = field.split(".")
        if any(not part for part in parts):
            raise _in_spec(spec, 67, "Index keys cannot contain an empty field.")
        for i, part in enumerate(parts):
            if part.startswith("$") and not (i and part in ("$db", "$id", "$ref")):
                raise _in_spec(spec, 67, "Index key contains an illegal field name: field name "
                                         "starts with '$'.")


def normalise_index_spec(document: Mapping[str, Any]) -> dict[str, Any]:
    """A validated index spec, ordered ``v, key, name, <options>`` as stored."""
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
    for special in ("text", "2dsphere", "2d", "geoHaystack", "columnstore"):
        if special in key.values():
            raise ServerError(238, f"'{special}' indexes are not supported by mim yet (planned "
                                   f"with the text-search and geo issues)")
    if "collation" in spec:
        collation = spec["collation"]
        if not isinstance(collation, Mapping) or dict(collation) != {"locale": "simple"}:
            raise ServerError(238, "collation other than the simple collation is not supported "
                                   "by mim yet (planned with the collation issue)")
    ordered: dict[str, Any] = {"v": 2, "key": SON(key), "name": spec["name"]}
    for option, value in spec.items():
        if option in ("key", "name", "v"):
            continue
        ordered[option] = value
    if ordered.get("sparse") and "partialFilterExpression" in ordered:
        raise _in_spec(ordered, 67, 'cannot mix "partialFilterExpression" and "sparse" options')
    if "partialFilterExpression" in ordered:
        filter_spec = ordered["partialFilterExpression"]
        if not isinstance(filter_spec, Mapping):
            raise _in_spec(ordered, 67, '"partialFilterExpression" for an index must be a '
                                        'document')
        from .matcher import compile_filter
        compile_filter(filter_spec)
    if "hashed" in key.values() and ordered.get("unique"):
        raise ServerError(16764, "Currently hashed indexes cannot guarantee uniqueness. Use a "
                                 "regular index.")
    if list(key) == ["_id"] and key["_id"] == 1 and ordered["name"] == "_id_":
        return ordered
    if ordered["name"] == "_id_":
        raise ServerError(2, f"The index name '_id_' is reserved for the _id index, which must "
                             f"have key pattern {{_id: 1}}, found key: {render_document(key)}")
    return ordered
