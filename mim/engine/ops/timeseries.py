"""Time-series collections (``create(timeseries={...})``) as MongoDB 7.0 answers them.

On a 7.0 server a time-series collection ``db.ts`` is a view of type
``"timeseries"`` over a clustered ``db.system.buckets.ts`` collection whose
documents are buckets of measurements.  mim keeps the measurements
themselves (one stored document each) and answers what clients can see the
way the server does:

* ``create`` validates ``timeseries`` (``timeField``, ``metaField``,
  ``granularity``, ``bucketMaxSpanSeconds``/``bucketRoundingSeconds``) and the
  options it may be combined with, with the server's codes and messages
  (``create_command.cpp``, ``timeseries_options.cpp``), fills in the defaults
  the server reports (``granularity: "seconds"``, ``bucketMaxSpanSeconds``),
  and is idempotent for identical options;
* ``listCollections`` shows the collection as ``type: "timeseries"`` and its
  ``system.buckets`` collection beside it; a ``metaField`` gets the
  ``{metaField: 1, timeField: 1}`` index 6.3+ creates; there is no ``_id`` index;
* every measurement must carry a BSON date in ``timeField`` (code 2);
* updates follow 7.0's rules (``multi: true``, no upsert, a query and an
  update on the ``metaField`` only; code 72 with the server's messages);
  deletes take any filter (7.0 lifted the delete restrictions);
* ``expireAfterSeconds`` removes measurements whose ``timeField`` is older
  (the TTL monitor's pass, :mod:`mim.engine.index.ttl`).

* there is no ``_id`` index: two measurements may share an ``_id`` (storage
  keys them by record id, :class:`~mim.engine.storage.store.RecordKeyedCollection`),
  so no unique (nor text, nor sparse measurement) index either; a transaction may
  read but not insert, nor update or delete many (263); no change stream (166).

* ``$out`` with ``timeseries`` (7.0.3+) creates or replaces one
  (:func:`out_timeseries_options`); ``$merge`` into one only inserts (its other
  modes send single updates, refused); ``findAndModify`` is 7.1+ (refused, 166).

* reading ``system.buckets.<name>`` gets the buckets the server would hold
  (:mod:`.timeseries_buckets`); writing it directly is refused (238: mim derives
  the buckets from the measurements).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

import bson
from bson.datetime_ms import DatetimeMS
from bson.int64 import Int64

from ..index.ttl import ttl_index_created
from ..index.wildcard import is_wildcard_field
from ..languages.collation import collation_spec_of, parse_collation
from ..storage.encoding import ENGINE_CODEC, decode_shadow
from ..storage.store import CollectionData, Server
from ..values.errors import ServerError
from ..values.order import is_number, type_name
from .timeseries_buckets import BUCKETS_PREFIX, normalised_meta, refuse_bucket_write

__all__ = ["BUCKETS_PREFIX", "create_timeseries", "is_timeseries", "measurement",
           "check_index_spec", "check_transaction_write", "out_timeseries_options",
           "MERGE_UPDATE_REFUSED", "check_update", "refuse_find_and_modify",
           "check_time_series_coll_mod", "modified_timeseries", "refuse_buckets", "collection_infos"]

_INVALID_OPTIONS = 72

#: ``timeseries::kAllowedCollectionCreationOptions``
_ALLOWED_WITH_TIMESERIES = frozenset({"timeseries", "expireAfterSeconds", "storageEngine",
                                      "indexOptionDefaults", "collation", "writeConcern",
                                      "comment"})
_TIMESERIES_FIELDS = ("timeField", "metaField", "granularity", "bucketMaxSpanSeconds",
                      "bucketRoundingSeconds")
_GRANULARITIES = {
    # granularity: (bucketMaxSpanSeconds, bucketRoundingSeconds), as getMaxSpanSecondsFrom-
    # Granularity and getBucketRoundingSecondsFromGranularity give them
    "seconds": (60 * 60, 60),
    "minutes": (60 * 60 * 24, 60 * 60),
    "hours": (60 * 60 * 24 * 30, 60 * 60 * 24),
}
#: ``bucketMaxSpanSeconds``'s range in the timeseries IDL (1 second to one year)
_MAX_SPAN_LIMIT = 31536000
#: the largest ``expireAfterSeconds`` (``index_key_validate::kExpireAfterSecondsMax``)
_MAX_EXPIRE_AFTER_SECONDS = 2 ** 62 - 1


def _wrong_type(field: str, value: Any, expected: str) -> ServerError:
    return ServerError(14, f"BSON field '{field}' is the wrong type '{type_name(value)}', "
                           f"expected type '{expected}'")


def is_timeseries(coll: CollectionData | None) -> bool:
    return coll is not None and "timeseries" in coll.options


# -- create --------------------------------------------------------------------------------

def _parse_spec(spec: Any, path: str = "create.timeseries") -> tuple:
    """The IDL checks of a ``timeseries`` spec (``path``: where it sits, for the
    messages): ``(timeField, metaField, granularity, {span field: value})``."""
    if not isinstance(spec, Mapping):
        raise _wrong_type(path, spec, "object")
    for field in spec:
        if field not in _TIMESERIES_FIELDS:
            raise ServerError(40415, f"BSON field '{path}.{field}' is an unknown field.")
    if "timeField" not in spec:
        raise ServerError(40414, f"BSON field '{path}.timeField' is missing but a required "
                                 f"field")
    time_field = spec["timeField"]
    if not isinstance(time_field, str):
        raise _wrong_type(f"{path}.timeField", time_field, "string")
    meta_field = spec.get("metaField")
    if "metaField" in spec and not isinstance(meta_field, str):
        raise _wrong_type(f"{path}.metaField", meta_field, "string")
    granularity = spec.get("granularity")
    if "granularity" in spec:
        if not isinstance(granularity, str):
            raise _wrong_type(f"{path}.granularity", granularity, "string")
        if granularity not in _GRANULARITIES:
            raise ServerError(2, f"Enumeration value '{granularity}' for field "
                                 f"'{path}.granularity' is not a valid value.")
    spans: dict[str, int | None] = {}
    for field in ("bucketMaxSpanSeconds", "bucketRoundingSeconds"):
        value = spec.get(field)
        if field in spec:
            if isinstance(value, bool) or not is_number(value):
                raise _wrong_type(f"{path}.{field}", value, "int")
            value = _as_number(value)
            if value < 1:
                raise ServerError(51024, f"BSON field '{path}.{field}' value must be >= 1, "
                                         f"actual value '{value}'")
            if value > _MAX_SPAN_LIMIT:
                raise ServerError(51024, f"BSON field '{path}.{field}' value must be <= "
                                         f"{_MAX_SPAN_LIMIT}, actual value '{value}'")
            value = int(value)
        spans[field] = value
    return time_field, meta_field, granularity, spans


def _normalise(ns: str, spec: Any, path: str = "create.timeseries") -> dict[str, Any]:
    """The ``timeseries`` option checked and completed as the server stores it."""
    time_field, meta_field, granularity, spans = _parse_spec(spec, path)
    if "." in time_field:
        raise ServerError(_INVALID_OPTIONS, f"{ns}: 'timeField' must be a top-level field and "
                                            f"not contain a '.'")
    if meta_field is not None:
        if meta_field == "_id":
            raise ServerError(_INVALID_OPTIONS, "'metaField' cannot be \"_id\"")
        if meta_field == time_field:
            raise ServerError(_INVALID_OPTIONS, "'metaField' cannot be the same as 'timeField'")
        if "." in meta_field:
            raise ServerError(_INVALID_OPTIONS, f"{ns}: 'metaField' must be a top-level field "
                                                f"and not contain a '.'")
    max_span, rounding = spans["bucketMaxSpanSeconds"], spans["bucketRoundingSeconds"]
    result: dict[str, Any] = {"timeField": time_field}
    if meta_field is not None:
        result["metaField"] = meta_field
    if granularity is not None or (max_span is None and rounding is None):
        default_span, default_rounding = _GRANULARITIES[granularity or "seconds"]
        if max_span is not None and max_span != default_span:
            raise ServerError(_INVALID_OPTIONS, f"Timeseries 'bucketMaxSpanSeconds' is not "
                                                f"configurable to a value other than the default "
                                                f"of {default_span} for the provided granularity")
        if rounding is not None and rounding != default_rounding:
            raise ServerError(_INVALID_OPTIONS, f"Timeseries 'bucketRoundingSeconds' is not "
                                                f"configurable to a value other than the default "
                                                f"of {default_rounding} for the provided "
                                                f"granularity")
        result["granularity"] = granularity or "seconds"
        result["bucketMaxSpanSeconds"] = default_span
        return result
    if max_span is None or rounding is None:
        raise ServerError(_INVALID_OPTIONS, "Timeseries 'bucketMaxSpanSeconds' and "
                                            "'bucketRoundingSeconds' need to be set alongside "
                                            "each other")
    if max_span != rounding:
        raise ServerError(_INVALID_OPTIONS, "Timeseries 'bucketRoundingSeconds' needs to be equal "
                                            "to 'bucketMaxSpanSeconds'")
    result["bucketRoundingSeconds"] = rounding
    result["bucketMaxSpanSeconds"] = max_span
    return result


def _as_number(value: Any) -> Any:
    return float(value.to_decimal()) if hasattr(value, "to_decimal") else value


def _expire_after(value: Any) -> Int64:
    if isinstance(value, bool) or not is_number(value):
        raise ServerError(14, f"BSON field 'create.expireAfterSeconds' is the wrong type "
                              f"'{type_name(value)}', expected types '[long, int, decimal, "
                              f"double]'")
    value = _as_number(value)
    if value < 0:
        raise ServerError(_INVALID_OPTIONS, "TTL index 'expireAfterSeconds' option cannot be "
                                            "less than 0")
    if value > _MAX_EXPIRE_AFTER_SECONDS:
        raise ServerError(_INVALID_OPTIONS, "TTL index 'expireAfterSeconds' option must be "
                                            "within an acceptable range, try a lower number")
    return Int64(int(value))


def create_timeseries(server: Server, db: str, name: str, options: Mapping[str, Any]) -> None:
    """``create`` with ``timeseries``: validate, then create (or find identical) under the lock."""
    ns = f"{db}.{name}"
    for field, value in options.items():
        if field == "capped" and not value:
            continue
        if field not in _ALLOWED_WITH_TIMESERIES:
            raise ServerError(_INVALID_OPTIONS, f"{ns}: 'timeseries' is not allowed with "
                                                f"'{field}'")
    refuse_buckets(name)
    stored: dict[str, Any] = {"timeseries": _normalise(ns, options["timeseries"])}
    if "expireAfterSeconds" in options:
        stored["expireAfterSeconds"] = _expire_after(options["expireAfterSeconds"])
    collation = parse_collation(options.get("collation"))
    if collation is not None:  # stored resolved; simple is no default at all
        stored["collation"] = collation_spec_of(collation)
    for passive in ("storageEngine", "indexOptionDefaults"):
        if passive in options:
            stored[passive] = options[passive]
    with server.lock:
        database = server.get_database(db, create=True)
        existing = database.get_collection(name)
        if existing is not None:
            if existing.options == stored:
                return  # the same time-series collection again: the server answers ok
            raise ServerError(48, f"Collection {ns} already exists.")
        if name in database.views:
            raise ServerError(48, f"A view already exists. NS: {ns}")
        coll = database.create_collection(name, stored)
        settings = stored["timeseries"]
        if "metaField" in settings:
            # 6.3+: the compound index on the metaField and the timeField
            meta, time_field = settings["metaField"], settings["timeField"]
            coll.indexes.create({"v": 2, "key": {meta: 1, time_field: 1},
                                 "name": f"{meta}_1_{time_field}_1"})
        if "expireAfterSeconds" in stored:
            ttl_index_created(coll)


def collection_infos(coll: CollectionData, uuid_value: Any) -> list[dict[str, Any]]:
    """The two ``listCollections`` entries of a time-series collection."""
    options = dict(coll.options)
    view = {"name": coll.name, "type": "timeseries", "options": options,
            "info": {"readOnly": False}}
    buckets_options: dict[str, Any] = {"clusteredIndex": True,
                                       "timeseries": dict(options["timeseries"])}
    for field in ("expireAfterSeconds", "collation"):
        if field in options:
            buckets_options[field] = options[field]
    buckets = {"name": BUCKETS_PREFIX + coll.name, "type": "collection",
               "options": buckets_options,
               "info": {"readOnly": False, "uuid": uuid_value}}
    return [view, buckets]


# -- collMod ---------------------------------------------------------------------------------

#: collMod options a time-series collection takes (the rest: "option not supported")
_TIMESERIES_COLL_MOD = frozenset({"index", "expireAfterSeconds", "timeseries", "dryRun"})
_TRANSITION = ("Invalid transition for timeseries.granularity. Can only transition from "
               "'seconds' to 'minutes' or 'minutes' to 'hours'.")


def check_time_series_coll_mod(coll: CollectionData, options: Mapping[str, Any]) -> None:
    """The collMod options a (non-)time-series collection refuses (``parseCollModRequest``)."""
    timeseries = is_timeseries(coll)
    for option in options:
        if option == "timeseries" and not timeseries:
            raise _invalid("option only supported on a time-series collection: timeseries")
        if timeseries and option not in _TIMESERIES_COLL_MOD:
            raise _invalid(f"option not supported on a time-series collection: {option}")


def modified_timeseries(coll: CollectionData, spec: Any) -> dict[str, Any]:
    """``collMod``'s ``timeseries``: the collection's new settings (the same ones
    when nothing changes), with ``isTimeseriesGranularityValidAndUnchanged``'s rules."""
    if not isinstance(spec, Mapping):
        raise _wrong_type("collMod.timeseries", spec, "object")
    for field in spec:
        if field not in ("granularity", "bucketMaxSpanSeconds", "bucketRoundingSeconds"):
            raise ServerError(40415, f"BSON field 'collMod.timeseries.{field}' is an unknown "
                                     f"field.")
    target_granularity = spec.get("granularity")
    if "granularity" in spec and target_granularity not in _GRANULARITIES:
        if not isinstance(target_granularity, str):
            raise _wrong_type("collMod.timeseries.granularity", target_granularity, "string")
        raise ServerError(2, f"Enumeration value '{target_granularity}' for field "
                             f"'collMod.timeseries.granularity' is not a valid value.")
    asked: dict[str, int | None] = {}
    for field in ("bucketMaxSpanSeconds", "bucketRoundingSeconds"):
        value = spec.get(field)
        if field in spec and (isinstance(value, bool) or not is_number(value)):
            raise _wrong_type(f"collMod.timeseries.{field}", value, "int")
        asked[field] = None if value is None else int(_as_number(value))
    current = coll.options["timeseries"]
    current_granularity = current.get("granularity")
    current_span = current.get("bucketMaxSpanSeconds")
    current_rounding = current.get("bucketRoundingSeconds")
    if target_granularity is not None:
        span, rounding = _GRANULARITIES[target_granularity]
        if asked["bucketMaxSpanSeconds"] is not None and asked["bucketMaxSpanSeconds"] != span:
            raise _invalid("Timeseries 'bucketMaxSpanSeconds' is not configurable to a value "
                           "other than the default for the provided granularity")
        if asked["bucketRoundingSeconds"] is not None and \
                asked["bucketRoundingSeconds"] != rounding:
            raise _invalid("Timeseries 'bucketRoundingSeconds' is not configurable to a value "
                           "other than the default for the provided granularity")
        if current_granularity is not None:
            if current_granularity == target_granularity:
                return dict(current)
            if current_granularity == "hours" or (current_granularity == "minutes"
                                                  and target_granularity != "hours"):
                raise _invalid(_TRANSITION)
    else:
        span, rounding = asked["bucketMaxSpanSeconds"], asked["bucketRoundingSeconds"]
        if span is None or rounding is None:
            raise _invalid("Timeseries 'bucketMaxSpanSeconds' and 'bucketRoundingSeconds' need "
                           "to be set alongside each other")
    if current_span == span and (current_rounding == rounding or (
            current_granularity is not None
            and rounding == _GRANULARITIES[current_granularity][1])):
        return dict(current)
    if asked["bucketMaxSpanSeconds"] != asked["bucketRoundingSeconds"]:
        raise _invalid("Timeseries 'bucketRoundingSeconds' needs to be equal to "
                       "'bucketMaxSpanSeconds'")
    if current_span is not None and current_span > span:
        raise _invalid("Timeseries 'bucketMaxSpanSeconds' needs to be equal or greater to "
                       "transition")
    if current_rounding is not None and current_rounding > rounding:
        raise _invalid("Timeseries 'bucketRoundingSeconds' needs to be equal or greater to "
                       "transition")
    updated: dict[str, Any] = {"timeField": current["timeField"]}
    if "metaField" in current:
        updated["metaField"] = current["metaField"]
    if target_granularity is not None:
        updated["granularity"] = target_granularity
    else:
        updated["bucketRoundingSeconds"] = rounding
    updated["bucketMaxSpanSeconds"] = span
    return updated


# -- writes --------------------------------------------------------------------------------

def measurement(coll: CollectionData, raw: bytes, doc: dict) -> tuple[bytes, dict]:
    """A measurement as the collection keeps it: it must hold a BSON date in
    ``timeField`` (code 2, as the server), and an object in the ``metaField`` is
    normalised, its fields sorted at every depth (the server's buckets keep it so,
    and measurements are read back from them)."""
    settings = coll.options["timeseries"]
    time_field = settings["timeField"]
    value = doc.get(time_field)
    if not isinstance(value, (datetime.datetime, DatetimeMS)):
        raise ServerError(2, f"'{time_field}' must be present and contain a valid BSON UTC "
                             f"datetime value")
    meta_field = settings.get("metaField")
    meta = doc.get(meta_field) if meta_field is not None else None
    if isinstance(meta, (Mapping, list)) and _unsorted(meta):
        normalised = normalised_meta(meta)
        doc = {key: (normalised if key == meta_field else item) for key, item in doc.items()}
        raw = bson.encode(doc, codec_options=ENGINE_CODEC)
        doc = decode_shadow(raw)
    return raw, doc


def _unsorted(value: Any) -> bool:
    """Whether some object in ``value`` has its fields out of order."""
    if isinstance(value, Mapping):
        keys = list(value)
        return keys != sorted(keys) or any(_unsorted(item) for item in value.values())
    if isinstance(value, list):
        return any(_unsorted(item) for item in value)
    return False


def check_index_spec(coll: CollectionData, spec: Mapping[str, Any]) -> None:
    """The index options a time-series collection refuses
    (``createBucketsIndexSpecFromTimeseriesIndexSpec``'s checks, code 72)."""
    if spec.get("unique"):
        raise _invalid("Unique indexes are not supported on time-series collections")
    key = spec.get("key") or {}
    if "text" in key.values():
        raise _invalid("Text indexes are not supported on time-series collections")
    meta = coll.options["timeseries"].get("metaField")
    for field in key:
        if is_wildcard_field(field) and not (meta is not None and field.startswith(meta + ".")):
            # (the server refuses them on measurements: jstests' timeseries_metric_index_wildcard)
            raise ServerError(238, "wildcard indexes on time-series measurements are not "
                                   "supported by mim (only under the metaField)")
    if spec.get("sparse"):
        settings = coll.options["timeseries"]
        meta = settings.get("metaField")
        for field in key:
            if field != settings["timeField"] and not (
                    meta is not None and (field == meta or field.startswith(meta + "."))):
                raise _invalid("Sparse indexes are not supported on time-series measurements")


#: write command -> the message the server refuses it with inside a transaction
_IN_TRANSACTION = {
    "insert": "Cannot insert into a time-series collection in a multi-document transaction: ",
    "update": "Cannot perform a multi update inside of a multi-document transaction on a "
              "time-series collection: ",
    "delete": "Cannot perform a multi delete inside of a multi-document transaction on a "
              "time-series collection: ",
}


def check_transaction_write(server: Server, name: str, db: str, cmd: Mapping[str, Any]) -> bool:
    """A transaction may read a time-series collection, never insert into it nor
    update or delete several measurements (OperationNotSupportedInTransaction, 263).
    True when the command writes to a time-series collection (its next statements
    need this check again: each may be multi-document)."""
    message = _IN_TRANSACTION.get(name)
    target = cmd.get(name)
    if message is None or not isinstance(target, str):
        return False
    database = server.databases.get(db)
    coll = database.collections.get(target) if database is not None else None
    if not is_timeseries(coll):
        return False
    if name == "insert" or any(
            isinstance(statement, Mapping)
            and (statement.get("multi") if name == "update" else statement.get("limit") == 0)
            for statement in cmd.get(name + "s") or ()):
        raise ServerError(263, message + f"{db}.{target}")
    return True


def _invalid(message: str) -> ServerError:
    return ServerError(_INVALID_OPTIONS, message)


def _first_path_element(path: str) -> str:
    return path.split(".", 1)[0]


def _check_query(query: Any, meta: str, top_level: bool = True,
                 parent_is_array: bool = False) -> None:
    """Only the ``metaField`` may be queried (``replaceQueryMetaFieldName``)."""
    if not isinstance(query, Mapping):
        if isinstance(query, list):
            for item in query:
                _check_query(item, meta, isinstance(item, Mapping), True)
        return
    for field, value in query.items():
        if field == "$expr":
            raise _invalid("Cannot use $expr when performing an update or delete on a "
                           "time-series collection")
        if field == "$where":
            raise _invalid("Cannot use $where when performing an update or delete on a "
                           "time-series collection")
        if field == "$jsonSchema" and isinstance(value, Mapping):
            for required in value.get("required", []) or []:
                if required != meta:
                    raise _query_not_meta(meta)
            for prop in value.get("properties", {}) or {}:
                if prop != meta:
                    raise _query_not_meta(meta)
            continue
        if top_level and not field.startswith("$"):
            if _first_path_element(field) != meta:
                raise _query_not_meta(meta)
        if isinstance(value, list):
            for item in value:
                _check_query(item, meta, isinstance(item, Mapping), True)
        elif isinstance(value, Mapping):
            _check_query(value, meta, False, False)


def _query_not_meta(meta: str) -> ServerError:
    return _invalid(f"Cannot perform an update or delete on a time-series collection when "
                    f"querying on a field that is not the metaField '{meta}'")


def _update_not_meta(meta: str) -> ServerError:
    return _invalid(f"Cannot perform an update on a time-series collection which updates a "
                    f"field that is not the metaField '{meta}'")


def check_update(coll: CollectionData, query: Any, update: Any, multi: bool,
                 upsert: bool) -> None:
    """7.0's rules for updates of time-series collections (``timeseries_update``)."""
    if not multi:
        raise _invalid("Cannot perform a non-multi update on a time-series collection")
    if upsert:
        raise _invalid("Cannot perform an upsert on a time-series collection")
    meta = coll.options["timeseries"].get("metaField")
    if meta is None:
        raise _invalid("Cannot perform an update on a time-series collection that does not "
                       "have a metaField")
    _check_query(query or {}, meta)
    if isinstance(update, list):
        raise _invalid("Cannot perform an update on a time-series collection using a pipeline "
                       "update")
    if not update or not next(iter(update)).startswith("$"):
        raise _invalid("Cannot perform an update on a time-series collection using a "
                       "replacement document")
    for operator, fields in update.items():
        if not isinstance(fields, Mapping):
            continue
        for field, value in fields.items():
            if _first_path_element(field) != meta:
                raise _update_not_meta(meta)
            if operator == "$rename" and not (isinstance(value, str)
                                              and _first_path_element(value) == meta):
                raise _update_not_meta(meta)


def refuse_find_and_modify(coll: CollectionData | None) -> None:
    """7.0 has no findAndModify on a time-series collection (7.1 added it): the
    command takes the namespace's collection lock, which a time-series view refuses
    (``AutoGetCollection``, CommandNotSupportedOnView)."""
    if is_timeseries(coll):
        raise ServerError(166, f"Taking {coll.full_name} lock for timeseries is not "  # type: ignore[union-attr]
                               f"allowed")


def out_timeseries_options(server: Server, db: str, name: str,
                           spec: Any) -> dict[str, Any] | None:
    """``$out``'s ``timeseries`` spec, checked as ``DocumentSourceOut::validateTimeseries``
    (7.0.3+): the ``create`` options of a new time-series target, or None when the
    target already is one (it keeps its own options, as the server keeps them)."""
    time_field, meta_field, _, _ = _parse_spec(spec, "$out.timeseries")
    database = server.get_database(db)
    existing = database.get_collection(name) if database is not None else None
    if is_timeseries(existing):
        settings = existing.options["timeseries"]  # type: ignore[union-attr]
        if time_field != settings["timeField"]:
            raise ServerError(7268701, "Time field inputted does not match the time field of "
                                       "the existing time-series collection.")
        if meta_field is not None and meta_field != settings.get("metaField"):
            raise ServerError(7268702, "Meta field inputted does not match the time field of "
                                       "the existing time-series collection.")
        return None
    if existing is not None:
        raise ServerError(7268700, "Cannot create a time-series collection from a non "
                                   "time-series collection.")
    if database is not None and name in database.views:
        raise ServerError(7268703, "Cannot create a time-series collection from a non "
                                   "time-series view.")
    return {"timeseries": dict(spec)}


#: what a time-series collection answers the single updates ``$merge`` sends for
#: every mode but ``whenMatched: "fail"`` with ``whenNotMatched: "insert"``
MERGE_UPDATE_REFUSED = "Cannot perform a non-multi update on a time-series collection"


def refuse_buckets(name: str) -> None:
    """Writing (or creating) ``system.buckets.*`` directly: mim derives the buckets
    from the measurements (:mod:`.timeseries_buckets`), so it takes none (238)."""
    if name.startswith(BUCKETS_PREFIX):
        refuse_bucket_write(name)
