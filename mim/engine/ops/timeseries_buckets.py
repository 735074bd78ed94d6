"""``system.buckets.<name>``: a time-series collection's buckets, as 7.0 shows them.

mim keeps the measurements themselves; reading the buckets collection directly
(``find``, ``count``, ``distinct``, ``aggregate``, ``listIndexes``) gets the bucket
documents the server's bucket catalog would have written for those measurements,
computed when read (``src/mongo/db/timeseries/README.md``, ``bucket_catalog``):

* measurements go, in insertion order, to the open bucket of their ``metaField``
  value (objects normalised: fields sorted, as the server sorts them); a bucket is
  closed and a new one opened when the measurement's time is before the bucket's
  (rounded) minimum or ``bucketMaxSpanSeconds`` or more after it, when it holds
  ``timeseriesBucketMaxCount`` (1000) measurements, when the measurement would take
  it past ``timeseriesBucketMaxSize`` (125 KB; 12 MB while it holds fewer than
  ``timeseriesBucketMinCount``, 10), or when a field changes between object, array
  and scalar or between scalar types (a schema change);
* a bucket is ``{_id, control: {version: 1, min, max}, meta, data}``: ``_id`` an
  ObjectId whose time is the rounded minimum time, ``control.min``/``max`` the
  field-wise (element-wise in objects and arrays) minimum and maximum of every
  field but the ``metaField``, the time's minimum rounded down to
  ``bucketRoundingSeconds``; ``data`` each field's values by measurement index
  (``"0"``, ``"1"``, … ; a measurement without the field leaves its index out).

Every bucket is shown uncompressed (``control.version: 1``, what 7.0 writes while
a bucket is open; a closed bucket on a 7.0 server may be compressed, version 2).
Writes to the buckets collection are refused (238): mim derives it.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Mapping
from typing import Any

import bson
from bson.datetime_ms import DatetimeMS
from bson.objectid import ObjectId

from ..storage.encoding import ENGINE_CODEC, decode_shadow
from ..storage.store import CollectionData, Server
from ..values.errors import ServerError
from ..values.order import MISSING, canonical_rank, datetime_to_ms, sort_key

__all__ = ["BUCKETS_PREFIX", "buckets_of", "normalised_meta", "buckets_reader", "bucket_index_specs",
           "refuse_bucket_write"]

#: the namespace prefix of a time-series collection's buckets
BUCKETS_PREFIX = "system.buckets."
#: ``timeseriesBucketMaxCount``, ``timeseriesBucketMaxSize``, ``timeseriesBucketMinCount``
_MAX_COUNT = 1000
_MAX_SIZE = 125 * 1024
_MIN_COUNT = 10
#: the size a bucket of fewer than ``_MIN_COUNT`` measurements may grow to
_LARGE_MEASUREMENTS_MAX_SIZE = 12 * 1024 * 1024
#: granularity -> bucketRoundingSeconds
_ROUNDING = {"seconds": 60, "minutes": 60 * 60, "hours": 60 * 60 * 24}
_EPOCH = datetime.datetime(1970, 1, 1)


def normalised_meta(value: Any) -> Any:
    """A ``metaField`` value as the server stores it: object fields sorted, at every depth."""
    if isinstance(value, Mapping):
        return {key: normalised_meta(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [normalised_meta(item) for item in value]
    return value


def _shape(value: Any) -> Any:
    """What a schema change compares: objects and arrays by their elements, scalars
    by canonical type (``timeseries::Schema``)."""
    if isinstance(value, Mapping):
        return ("object", {key: _shape(item) for key, item in value.items()})
    if isinstance(value, list):
        return ("array", [_shape(item) for item in value])
    return ("scalar", canonical_rank(value))


def _compatible(old: Any, new: Any) -> bool:
    if old[0] != new[0]:
        return False
    if old[0] == "scalar":
        return old[1] == new[1]
    if old[0] == "object":
        return all(_compatible(old[1][key], shape) for key, shape in new[1].items()
                   if key in old[1])
    return all(_compatible(a, b) for a, b in zip(old[1], new[1]))


def _merged(old: Any, new: Any) -> Any:
    if old[0] == "object":
        fields = dict(old[1])
        for key, shape in new[1].items():
            fields[key] = _merged(fields[key], shape) if key in fields else shape
        return ("object", fields)
    if old[0] == "array":
        items = [_merged(a, b) for a, b in zip(old[1], new[1])]
        return ("array", items + old[1][len(items):] + new[1][len(items):])
    return old


def _extreme(current: Any, value: Any, pick_max: bool) -> Any:
    """Field-wise (objects) and element-wise (arrays) minimum or maximum."""
    if current is MISSING:
        return value
    if isinstance(current, Mapping) and isinstance(value, Mapping):
        result = dict(current)
        for key, item in value.items():
            result[key] = _extreme(result.get(key, MISSING), item, pick_max)
        return result
    if isinstance(current, list) and isinstance(value, list):
        items = [_extreme(a, b, pick_max) for a, b in zip(current, value)]
        return items + current[len(items):] + value[len(items):]
    bigger = sort_key(value) > sort_key(current)
    return value if bigger == pick_max else current


def _rounded(value: Any, seconds: int) -> Any:
    millis = datetime_to_ms(value)
    step = seconds * 1000
    rounded = millis - millis % step
    if isinstance(value, DatetimeMS):
        return DatetimeMS(rounded)
    return _EPOCH + datetime.timedelta(milliseconds=rounded)


class _Bucket:
    """One bucket being filled, in measurement order."""

    def __init__(self, meta: Any, min_time: Any, first_record: int) -> None:
        self.meta = meta
        self.min_time = min_time
        self.min_ms = datetime_to_ms(min_time)
        self.first_record = first_record
        self.count = 0
        self.size = 0
        self.schema: dict[str, Any] = {}
        self.minimum: dict[str, Any] = {}
        self.maximum: dict[str, Any] = {}
        self.data: dict[str, dict[str, Any]] = {}

    def takes(self, fields: dict, time_ms: int, size: int, span_ms: int) -> bool:
        if time_ms < self.min_ms or time_ms - self.min_ms >= span_ms:
            return False
        if self.count >= _MAX_COUNT:
            return False
        limit = _MAX_SIZE if self.count >= _MIN_COUNT else _LARGE_MEASUREMENTS_MAX_SIZE
        if self.size + size > limit:
            return False
        return all(_compatible(self.schema[key], _shape(value))
                   for key, value in fields.items() if key in self.schema)

    def add(self, fields: dict, size: int) -> None:
        index = str(self.count)
        for key, value in fields.items():
            shape = _shape(value)
            self.schema[key] = _merged(self.schema[key], shape) if key in self.schema \
                else shape
            self.minimum[key] = _extreme(self.minimum.get(key, MISSING), value, False)
            self.maximum[key] = _extreme(self.maximum.get(key, MISSING), value, True)
            self.data.setdefault(key, {})[index] = value
        self.count += 1
        self.size += size

    def document(self, time_field: str, has_meta: bool, salt: bytes) -> dict:
        minimum = dict(self.minimum)
        minimum[time_field] = self.min_time
        seconds = (self.min_ms // 1000) & 0xFFFFFFFF
        rest = hashlib.blake2b(salt + self.first_record.to_bytes(8, "big"),
                               digest_size=8).digest()
        doc: dict[str, Any] = {
            "_id": ObjectId(seconds.to_bytes(4, "big") + rest),
            "control": {"version": 1, "min": minimum, "max": dict(self.maximum)},
        }
        if has_meta:
            doc["meta"] = self.meta
        doc["data"] = {key: dict(values) for key, values in self.data.items()}
        return doc


def buckets_of(coll: CollectionData) -> list[dict]:
    """The bucket documents of a time-series collection's measurements (see the module)."""
    settings = coll.options["timeseries"]
    time_field = settings["timeField"]
    meta_field = settings.get("metaField")
    span_ms = settings["bucketMaxSpanSeconds"] * 1000
    rounding = settings.get("bucketRoundingSeconds") or _ROUNDING[settings["granularity"]]
    open_buckets: dict[Any, _Bucket] = {}
    created: list[tuple[_Bucket, bool]] = []
    for stored in coll.documents.values():
        doc = stored.doc
        meta = MISSING
        if meta_field is not None and meta_field in doc:
            meta = normalised_meta(doc[meta_field])
        fields = {key: value for key, value in doc.items() if key != meta_field}
        time = doc[time_field]
        time_ms = datetime_to_ms(time)
        size = len(stored.raw)
        key = None if meta is MISSING else sort_key(meta)
        bucket = open_buckets.get(key)
        if bucket is None or not bucket.takes(fields, time_ms, size, span_ms):
            bucket = _Bucket(meta, _rounded(time, rounding), stored.record_id)
            open_buckets[key] = bucket
            created.append((bucket, meta is not MISSING))
        bucket.add(fields, size)
    salt = coll.full_name.encode()
    return [bucket.document(time_field, has_meta, salt) for bucket, has_meta in created]


def bucket_index_specs(coll: CollectionData) -> list[dict]:
    """``listIndexes`` of the buckets collection: each index of the time-series
    collection in the buckets' terms (``createBucketsSpecFromTimeseriesSpec``): the
    metaField is ``meta``; an ascending time or measurement field ``f`` is
    ``control.min.f`` then ``control.max.f``, a descending one ``control.max.f``
    then ``control.min.f``; a 2dsphere measurement is ``data.f: "2dsphere_bucket"``;
    an index on a measurement carries the user's ``originalSpec``.  A partial
    index's filter would be rewritten for buckets too: refused (238)."""
    settings = coll.options["timeseries"]
    time_field = settings["timeField"]
    meta_field = settings.get("metaField")
    specs = []
    for spec in coll.indexes.list():
        if "partialFilterExpression" in spec:
            raise ServerError(238, f"the buckets form of the partial index {spec['name']} is "
                                   f"not modelled by mim")
        key: dict[str, Any] = {}
        measurement = False
        for field, direction in spec["key"].items():
            if field != time_field and meta_field is not None and (
                    field == meta_field or field.startswith(meta_field + ".")):
                key["meta" + field[len(meta_field):]] = direction
            elif direction == "2dsphere":
                key[f"data.{field}"] = "2dsphere_bucket"
                measurement = True
            else:
                first, second = ("min", "max") if direction >= 0 else ("max", "min")
                key[f"control.{first}.{field}"] = direction
                key[f"control.{second}.{field}"] = direction
                measurement = measurement or field != time_field
        bucket_spec = dict(spec)
        bucket_spec["key"] = key
        if measurement:
            bucket_spec["originalSpec"] = {k: v for k, v in spec.items() if k != "v"}
        specs.append(bucket_spec)
    return specs


def buckets_reader(server: Server, db: str, name: str) -> Server:
    """A private server holding only ``db.<name>`` (``system.buckets.<coll>``) with
    the bucket documents of ``db.<coll>`` now (empty when it is no time-series
    collection): what the read commands answer from.  Under the caller's lock."""
    reader = Server(standalone=True)
    database = reader.get_database(db, create=True)
    with server.lock:
        source = server.get_collection(db, name[len(BUCKETS_PREFIX):])
        if source is None or "timeseries" not in source.options:
            return reader
        buckets = buckets_of(source)
    coll = CollectionData(name, database, {})
    database.collections[name] = coll
    for doc in buckets:
        raw = bson.encode(doc, codec_options=ENGINE_CODEC)
        coll.insert(raw, decode_shadow(raw))
    return reader


def refuse_bucket_write(name: str) -> None:
    """Writing ``system.buckets.*`` directly: mim derives the buckets from the
    measurements, so it cannot take bucket documents (238)."""
    raise ServerError(238, f"mim derives time-series buckets from the measurements: writing "
                           f"{name} directly is not supported; write the time-series "
                           f"collection itself")
