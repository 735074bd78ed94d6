"""Clustered collections (``create(clusteredIndex={key: {_id: 1}, unique: true})``).

A clustered collection stores its documents in ``_id`` order on the server;
what clients see of it is its catalog entry (``options.clusteredIndex``, no
``idIndex``), its ``_id`` index listed with ``clustered: true``, and its
optional TTL: with ``expireAfterSeconds`` the TTL monitor deletes documents
whose ``_id`` is a date older than that (``collMod`` changes or turns it
``"off"``).  mim keeps every collection's documents by ``_id`` already, so only
the catalog and the TTL differ.  The checks and messages are the server's
(``validateClusteredIndexSpec``, ``validateCollectionOptions`` and the
``create`` command).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bson.int64 import Int64

from ..index.specs import check_expire_after_seconds
from ..storage.store import CollectionData
from ..values.errors import ServerError
from ..values.order import is_number, type_name
from ..values.render import render_document

__all__ = ["is_clustered", "check_clustered_options", "clustered_index_spec",
           "check_clustered_expire_after_seconds", "check_coll_mod_expire_after_seconds",
           "check_coll_mod_target"]

_SPEC_FIELDS = ("key", "unique", "name", "v")


def is_clustered(coll: CollectionData | None) -> bool:
    return coll is not None and "clusteredIndex" in coll.options


def _number(value: Any) -> Any:
    return float(value.to_decimal()) if hasattr(value, "to_decimal") else value


def _clustered_spec(value: Any) -> dict[str, Any]:
    """The user's ``clusteredIndex`` document, checked and completed."""
    if isinstance(value, bool):
        # the legacy {clusteredIndex: <bool>} form is for time-series buckets only
        raise ServerError(5979703, "The 'clusteredIndex' legacy format {clusteredIndex: <bool>} "
                                   "is only supported for specific internal collections and "
                                   "vice versa")
    if not isinstance(value, Mapping):
        raise ServerError(14, f"BSON field 'create.clusteredIndex' is the wrong type "
                              f"'{type_name(value)}', expected types '[bool, object]'")
    for field in value:
        if field not in _SPEC_FIELDS:
            raise ServerError(40415, f"BSON field 'create.clusteredIndex.{field}' is an unknown "
                                     f"field.")
    for field in ("key", "unique"):
        if field not in value:
            raise ServerError(40414, f"BSON field 'create.clusteredIndex.{field}' is missing but "
                                     f"a required field")
    key, unique = value["key"], value["unique"]
    if not isinstance(key, Mapping):
        raise ServerError(14, f"BSON field 'create.clusteredIndex.key' is the wrong type "
                              f"'{type_name(key)}', expected type 'object'")
    if not isinstance(unique, bool):
        raise ServerError(14, f"BSON field 'create.clusteredIndex.unique' is the wrong type "
                              f"'{type_name(unique)}', expected type 'bool'")
    if "name" in value and not isinstance(value["name"], str):
        raise ServerError(14, f"BSON field 'create.clusteredIndex.name' is the wrong type "
                              f"'{type_name(value['name'])}', expected type 'string'")
    version = value.get("v", 2)
    if isinstance(version, bool) or not is_number(version):
        raise ServerError(14, f"BSON field 'create.clusteredIndex.v' is the wrong type "
                              f"'{type_name(version)}', expected type 'int'")
    if not unique:
        raise ServerError(5979700, "The clusteredIndex option requires unique: true to be "
                                   "specified")
    if list(key.items()) != [("_id", 1)] or type(key["_id"]) is not int:
        # gSupportArbitraryClusterKeyIndex is off on a 7.0 server
        raise ServerError(197, "The clusteredIndex option is only supported for key: {_id: 1}")
    if _number(version) != 2:
        shown = {**value, "v": version}
        raise ServerError(5979704, f"Invalid clusteredIndex specification "
                                   f"{render_document(shown)}; cannot create a clusteredIndex "
                                   f"with v={int(_number(version))}")
    return {"v": 2, "key": {"_id": 1}, "name": value.get("name", "_id_"), "unique": True}


def check_clustered_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """``create`` with ``clusteredIndex``: the options to store (the
    normalised spec in place of the user's), or the server's refusal."""
    if options.get("capped"):
        # a capped clustered collection is a test-only server feature mim does not model
        if "size" in options:
            raise ServerError(6049200, "'size' field for capped collections is not allowed on "
                                       "clustered collections. Did you mean 'capped: true' with "
                                       "'expireAfterSeconds'?")
        if "max" in options:
            raise ServerError(6049204, "'max' field for capped collections is not allowed on "
                                       "clustered collections. Did you mean 'capped: true' with "
                                       "'expireAfterSeconds'?")
        if "expireAfterSeconds" not in options:
            raise ServerError(6049201, "A capped clustered collection requires the "
                                       "'expireAfterSeconds' field")
        raise ServerError(238, "capped clustered collections are not supported by mim")
    for field in ("size", "max"):
        if field in options:
            code = 6049200 if field == "size" else 6049204
            raise ServerError(code, f"'{field}' field for capped collections is not allowed on "
                                    f"clustered collections. Did you mean 'capped: true' with "
                                    f"'expireAfterSeconds'?")
    stored = dict(options)
    stored["clusteredIndex"] = _clustered_spec(options["clusteredIndex"])
    if "idIndex" in options and options["idIndex"]:
        raise ServerError(72, "The 'clusteredIndex' option is not supported with the 'idIndex' "
                              "option")
    if options.get("autoIndexId") is False:
        raise ServerError(6026501, "The 'clusteredIndex' option does not support "
                                   "{autoIndexId: false}")
    if "expireAfterSeconds" in options:
        stored["expireAfterSeconds"] = check_clustered_expire_after_seconds(
            options["expireAfterSeconds"], "create")
    return stored


def check_clustered_expire_after_seconds(value: Any, command: str) -> Int64:
    """A clustered collection's TTL in seconds (a 64-bit count: kClusteredTTLIndex mode)."""
    if isinstance(value, bool) or not is_number(value):
        raise ServerError(14, f"BSON field '{command}.expireAfterSeconds' is the wrong type "
                              f"'{type_name(value)}', expected types '[long, int, decimal, "
                              f"double]'")
    number = _number(value)
    if number != number:
        raise ServerError(72, "TTL index 'expireAfterSeconds' option must not be NaN")
    if number < 0:
        raise ServerError(72, "TTL index 'expireAfterSeconds' option cannot be less than 0")
    return Int64(int(number))


def clustered_index_spec(coll: CollectionData) -> dict[str, Any]:
    """The ``_id`` index as listIndexes shows it on a clustered collection."""
    return {**coll.options["clusteredIndex"], "clustered": True}


def check_coll_mod_expire_after_seconds(value: Any) -> Any:
    """``collMod``'s ``expireAfterSeconds`` value: ``"off"`` or a number that
    ``validateExpireAfterSeconds`` accepts."""
    if isinstance(value, str):
        if value != "off":
            raise ServerError(72, f"Invalid string value for the "
                                  f"'clusteredIndex::expireAfterSeconds' option. Got: '{value}'. "
                                  f"Accepted value is 'off'")
        return None
    if isinstance(value, bool) or not is_number(value):
        raise ServerError(14, f"BSON field 'collMod.expireAfterSeconds' is the wrong type "
                              f"'{type_name(value)}', expected types '[string, long, int, "
                              f"decimal, double]'")
    reason = check_expire_after_seconds(value)
    if reason is not None:
        raise ServerError(72, reason)
    return Int64(int(_number(value)))


def check_coll_mod_target(coll: CollectionData, is_timeseries: bool) -> None:
    if not is_timeseries and not is_clustered(coll):
        raise ServerError(72, "'expireAfterSeconds' option is only supported on collections "
                              "clustered by _id")

