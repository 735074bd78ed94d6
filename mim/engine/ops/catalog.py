"""Collection and database management: create, drop, list, rename, stats."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from ..values.errors import ServerError
from ..languages.matcher import compile_filter
from ..storage.store import (CollectionData, Server, capped_limits, decode_shadow, validate_collection_name,
                             validate_database_name)
from .views import create_view
from ..index.specs import normalise_index_spec
from .views import check_not_view
from bson.binary import Binary, UuidRepresentation
from .views import lookup
from ..storage.validation import build_validator, check_namespace, validation_options
from ..languages.collation import collation_spec_of, parse_collation
from ..values.render import render_document
from .collations import default_collation_of
from .timeseries import collection_infos as timeseries_infos
from .timeseries import check_index_spec as check_timeseries_index
from .timeseries import create_timeseries, is_timeseries, refuse_buckets
from .clustered import check_clustered_options, clustered_index_spec, is_clustered
from ..index.ttl import ttl_index_created

__all__ = ["clone_collection_as_capped", "convert_to_capped", "check_capped_options", "collection_uuid",
           "create_collection", "drop_collection", "list_collections", "rename_collection",
           "collection_info", "collection_uuid", "list_databases", "coll_stats", "db_stats"]

_CREATE_OPTIONS = {"capped", "size", "max", "validator", "validationLevel", "validationAction",
                   "collation", "timeseries", "expireAfterSeconds", "clusteredIndex",
                   "changeStreamPreAndPostImages", "storageEngine", "indexOptionDefaults",
                   "viewOn", "pipeline", "comment", "writeConcern", "encryptedFields", "idIndex",
                   "autoIndexId", "flags", "temp", "lsid", "$db", "apiVersion", "apiStrict",
                   "apiDeprecationErrors"}


def create_collection(server: Server, db: str, name: str, options: dict | None = None) -> None:
    options = {k: v for k, v in (options or {}).items()
               if k not in ("comment", "writeConcern", "lsid", "$db", "apiVersion", "apiStrict",
                            "apiDeprecationErrors")}
    for key in options:
        if key not in _CREATE_OPTIONS:
            raise ServerError(40415, f"BSON field 'create.{key}' is an unknown field.")
    if "pipeline" in options and "viewOn" not in options:
        raise ServerError(72, "'pipeline' requires 'viewOn' to also be specified")
    if "viewOn" in options and "encryptedFields" not in options:
        create_view(server, db, name, options)
        return
    if "timeseries" in options:
        create_timeseries(server, db, name, options)
        return
    refuse_buckets(name)
    if "expireAfterSeconds" in options and "clusteredIndex" not in options:
        raise ServerError(72, "'expireAfterSeconds' is only supported on time-series "
                              "collections or when the 'clusteredIndex' option is specified")
    if "encryptedFields" in options:
        raise ServerError(238, "queryable encryption is not supported by mim yet "
                               "('encryptedFields')")
    if "clusteredIndex" in options:
        options = check_clustered_options(options)
    if "collation" in options:
        # stored resolved (listCollections shows every option); simple is no default at all
        collation = parse_collation(options["collation"])
        if collation is None:
            del options["collation"]
        else:
            options["collation"] = collation_spec_of(collation)
    if options.get("capped") and "size" not in options:
        raise ServerError(72, "the 'size' field is required when 'capped' is true")
    check_capped_options(options)
    options.update(validation_options("create", options))
    check_namespace(db, name, options.get("validator") or {})
    validator = build_validator(options)
    with server.lock:
        database = server.get_database(db, create=True)
        existing = database.get_collection(name)
        if existing is not None:
            raise ServerError(48, f"Collection {db}.{name} already exists.")
        if name in database.views:
            raise ServerError(48, f"A view already exists. NS: {db}.{name}")
        coll = database.create_collection(name, options)
        coll.uuid = uuid.uuid4()
        coll.validator = validator
        if "expireAfterSeconds" in options:
            ttl_index_created(coll)


#: the largest capped ``size`` the server accepts (``CollectionOptions``: 1 PB)
_MAX_CAPPED_SIZE = 1024 ** 5


def check_capped_options(options: Mapping) -> None:
    """Refuse the ``size``/``max`` values ``CollectionOptions::checkAndAdjustCapped*``
    refuse (code 2, BadValue); 7.0 keeps ``size`` as given (no rounding to 256)."""
    size = options.get("size")
    if isinstance(size, (int, float)) and not isinstance(size, bool):
        if size < 0:
            raise ServerError(2, "size has to be >= 0")
        if size > _MAX_CAPPED_SIZE:
            raise ServerError(2, "size cannot exceed 1 PB")
    maximum = options.get("max")
    if (options.get("capped") and isinstance(maximum, (int, float))
            and not isinstance(maximum, bool) and maximum >= 2 ** 31):
        raise ServerError(2, "max in a capped collection has to be < 2^31 or not set")


def create_indexes(server: Server, db: str, name: str, documents: list) -> dict:
    """``createIndexes``: every spec validated first, then all created or none
    (a collection created for them is dropped again), as on the server."""
    for document in documents:
        if not isinstance(document, Mapping):
            raise ServerError(14, "The field 'indexes' must be an array of objects")
    specs = [normalise_index_spec(d) for d in documents]
    with server.lock:
        server.await_unheld((db, name))  # behind a transaction that wrote there
        check_not_view(server, db, name)
        database = server.get_database(db, create=True)
        created_collection = database.get_collection(name) is None
        coll = database.get_collection(name, create=True)
        try:
            for spec in specs:
                if is_timeseries(coll):
                    check_timeseries_index(coll, spec)
                resolve_index_collation(spec, coll.options)
        except ServerError:
            if created_collection:
                database.drop_collection(name)
            raise
        before = len(coll.indexes.list())
        created: list[str] = []
        try:
            for spec in specs:
                if coll.indexes.create(spec):
                    created.append(spec["name"])
            if created and coll.base_collection is not None:
                # a transaction's fork of a committed collection: a new index there needs
                # an index build (an exclusive lock), which no transaction may take
                raise ServerError(263, f"Cannot create new indexes on existing collection "
                                       f"{db}.{name} in a multi-document transaction.")
        except ServerError:
            for index_name in reversed(created):
                coll.indexes.drop(index_name)
            if created_collection:
                database.drop_collection(name)
            raise
        reply: dict[str, Any] = {"numIndexesBefore": before,
                                 "numIndexesAfter": len(coll.indexes.list()),
                                 "createdCollectionAutomatically": created_collection}
    if not created:
        reply["note"] = "all indexes already exist"
    reply["ok"] = 1.0
    return reply


def resolve_index_collation(spec: dict, options: Mapping) -> None:
    """An index's collation: its own, else the collection's default; stored
    resolved (every option), absent when simple.  Text indexes take none (67)."""
    requested = spec.get("collation")
    collation = parse_collation(requested) if requested is not None \
        else default_collation_of(options)
    if collation is None:
        spec.pop("collation", None)
        return
    values = list(spec["key"].values())
    if "text" in values:
        raise ServerError(67, f"Index type 'text' does not support collation: "
                              f"{render_document(collation.spec)}")
    spec["collation"] = collation_spec_of(collation)


def drop_collection(server: Server, db: str, name: str) -> dict:
    with server.lock:
        server.await_unheld((db, name))  # behind a transaction that wrote there
        database = server.get_database(db)
        coll = database.get_collection(name) if database else None
        if coll is None:
            if database is not None and database.remove_view(name):
                return {"ns": f"{db}.{name}", "ok": 1.0}
            return {"ok": 1.0}
        if name == "system.profile" and db in server.profiled:
            raise ServerError(20, "turn off profiling before dropping system.profile "
                                  "collection")
        n_indexes = len(coll.indexes.specs)
        database.drop_collection(name)
        return {"nIndexesWas": n_indexes, "ns": f"{db}.{name}", "ok": 1.0}


def collection_uuid(coll: CollectionData) -> uuid.UUID:
    """The collection's UUID (given on first use, kept for its life: a collection
    dropped and created again under the same name has a new one)."""
    if not hasattr(coll, "uuid"):
        coll.uuid = uuid.uuid4()
    return coll.uuid


def collection_info(coll: CollectionData) -> dict:
    collection_uuid(coll)
    if coll.options.get("autoIndexId") is False:
        # no _id index (the oplog): no idIndex entry
        return {"name": coll.name, "type": "collection", "options": dict(coll.options),
                "info": {"readOnly": False,
                         "uuid": Binary.from_uuid(coll.uuid, UuidRepresentation.STANDARD)}}
    return {
        "name": coll.name,
        "type": "collection",
        "options": dict(coll.options),
        "info": {"readOnly": False,
                 "uuid": Binary.from_uuid(collection_uuid(coll), UuidRepresentation.STANDARD)},
        "idIndex": {"v": 2, "key": {"_id": 1}, "name": "_id_"},
    } if not is_clustered(coll) else {
        # a clustered collection's _id index is its clusteredIndex: no idIndex entry
        "name": coll.name, "type": "collection", "options": dict(coll.options),
        "info": {"readOnly": False,
                 "uuid": Binary.from_uuid(coll.uuid, UuidRepresentation.STANDARD)},
    }


def listed_indexes(coll: CollectionData) -> list[dict]:
    """The index specs listIndexes shows: a time-series collection has no ``_id``
    index, a clustered collection's is its clustered index."""
    specs = coll.indexes.list()
    if is_timeseries(coll):
        return [spec for spec in specs if spec["name"] != "_id_"]
    if is_clustered(coll):
        return [clustered_index_spec(coll) if spec["name"] == "_id_" else spec
                for spec in specs]
    return specs


def list_collections(server: Server, db: str, filter: dict | None = None,
                     name_only: bool = False) -> list[dict]:
    node = compile_filter(filter)
    with server.lock:
        database = server.get_database(db)
        if database is None:
            return []
        infos = []
        for coll in database.collections.values():
            info = collection_info(coll)
            if is_timeseries(coll):
                infos += timeseries_infos(coll, info["info"]["uuid"])
            else:
                infos.append(info)
        infos += [view.info() for view in database.views.values()]
    result = [info for info in infos if node.matches(info)]
    if name_only:
        return [{"name": info["name"], "type": info["type"]} for info in result]
    return result


def rename_collection(server: Server, source: str, target: str, drop_target: bool = False) -> None:
    src_db, _, src_name = source.partition(".")
    dst_db, _, dst_name = target.partition(".")
    with server.lock:
        # behind a transaction that wrote the source or the target
        server.await_unheld((src_db, src_name), (dst_db, dst_name))
        src = server.get_collection(src_db, src_name)
        if src is None:
            if lookup(server, src_db, src_name) is not None:
                raise ServerError(166, f"cannot rename view: {source}")
            raise ServerError(26, f"Source collection {source} does not exist")
        if source == target:
            raise ServerError(20, "Can't rename a collection to itself")
        validate_database_name(dst_db)
        validate_collection_name(dst_name, dst_db)
        destination_db = server.get_database(dst_db, create=True)
        if dst_name in destination_db.views:
            raise ServerError(48, f"a view already exists with that name: {target}")
        if dst_name in destination_db.collections:
            if not drop_target:
                raise ServerError(48, "target namespace exists")
            destination_db.drop_collection(dst_name)
        server.rename_collection(src, dst_db, dst_name)


def _data_size(coll: CollectionData) -> int:
    return coll.data_size


#: options a capped copy does not inherit from its source (it gets its own)
_CAPPED_COPY_DROPS = ("capped", "size", "max")


def clone_collection_as_capped(server: Server, db: str, source: str, target: str,
                               size: int) -> None:
    """``cloneCollectionAsCapped``: a new capped collection ``target`` with the
    source's options (validator, collation…) and its documents copied in natural
    order, the oldest falling out when ``size`` is exceeded; indexes other than
    ``_id`` are not copied (as on the server)."""
    check_capped_options({"capped": True, "size": size})
    with server.lock:
        # the exclusive locks of the source and the target (capped_utils.cpp): behind a
        # transaction that touched either
        server.await_unheld((db, source), (db, target))
        src = server.get_collection(db, source)
        if src is None:
            if lookup(server, db, source) is not None:
                raise ServerError(166, f"cloneCollectionAsCapped not supported for views: "
                                       f"{db}.{source}")
            raise ServerError(26, f"source collection {db}.{source} does not exist")
        database = server.get_database(db)
        if database.get_collection(target) is not None or target in database.views:
            raise ServerError(48, f"cloneCollectionAsCapped failed - destination collection "
                                  f"{db}.{target} already exists. source collection: "
                                  f"{db}.{source}")
        _copy_as_capped(src, database, target, size)


def _copy_as_capped(src: CollectionData, database: Any, target: str, size: int) -> CollectionData:
    options = {k: v for k, v in src.options.items() if k not in _CAPPED_COPY_DROPS}
    options.update(capped=True, size=size)
    copy = database.create_collection(target, options)
    copy.uuid = uuid.uuid4()
    copy.validator = src.validator
    for stored in src.scan():
        copy.insert(stored.raw, decode_shadow(stored.raw))
    return copy


def convert_to_capped(server: Server, db: str, name: str, size: int) -> None:
    """``convertToCapped``: the collection becomes a capped copy of itself (a
    clone renamed over it, so only the ``_id`` index survives)."""
    check_capped_options({"capped": True, "size": size})
    with server.lock:
        server.await_unheld((db, name))  # behind a transaction that wrote there
        database = server.get_database(db)
        if database is None:
            raise ServerError(26, f"database {db} not found")
        src = database.get_collection(name)
        if src is None:
            if lookup(server, db, name) is not None:
                raise ServerError(166, f"cloneCollectionAsCapped not supported for views: "
                                       f"{db}.{name}")
            raise ServerError(26, f"source collection {db}.{name} does not exist")
        temporary = f"tmp.convertToCapped.{name}"
        if database.get_collection(temporary) is not None:
            database.drop_collection(temporary)
        copy = _copy_as_capped(src, database, temporary, size)
        database.drop_collection(name)
        server.rename_collection(copy, db, name)


def coll_stats(server: Server, db: str, name: str, scale: int = 1) -> dict:
    with server.lock:
        coll = server.get_collection(db, name)
        if coll is None:
            check_not_view(server, db, name)
            raise ServerError(26, f"Collection [{db}.{name}] not found.")
        size = _data_size(coll)
        count = len(coll)
        return {
            "ns": f"{db}.{name}",
            "size": size // scale,
            "count": count,
            "avgObjSize": size // count if count else 0,
            "storageSize": size // scale,
            "nindexes": len(coll.indexes.specs),
            "totalIndexSize": 0,
            "indexSizes": {n: 0 for n in coll.indexes.specs},
            "capped": bool(coll.options.get("capped", False)),
            **capped_limits(coll.options, scale),
            "scaleFactor": scale,
            "ok": 1.0,
        }


def db_stats(server: Server, db: str, scale: int = 1) -> dict:
    with server.lock:
        database = server.get_database(db)
        colls = list(database.collections.values()) if database else []
        objects = sum(len(c) for c in colls)
        size = sum(_data_size(c) for c in colls)
        return {
            "db": db,
            "collections": len(colls),
            "views": len(database.views) if database else 0,
            "objects": objects,
            "avgObjSize": (size / objects) if objects else 0,
            "dataSize": size / scale,
            "storageSize": size / scale,
            "indexes": sum(len(c.indexes.specs) for c in colls),
            "indexSize": 0,
            "totalSize": size / scale,
            "scaleFactor": scale,
            "ok": 1.0,
        }


#: the databases a fresh replica-set member already holds (system.version, the
#: sessions collection, the oplog…), with sizes of the order a fresh mongod shows
SYSTEM_DATABASE_SIZES = {"admin": 40960, "config": 61440, "local": 73728}


def list_databases(server: Server, name_only: bool = False) -> dict:
    """``listDatabases``: every database holding something, ``admin``/``config``/
    ``local`` always, in name order as the storage engine lists them."""
    with server.lock:
        sizes: dict[str, int] = dict(SYSTEM_DATABASE_SIZES)
        for name, database in server.databases.items():
            if not database.collections and not database.views:
                continue
            size = sum(_data_size(c) for c in database.collections.values())
            sizes[name] = sizes.get(name, 0) + size
        dbs = []
        total = 0
        for name in sorted(sizes):
            size = sizes[name]
            total += size
            if name_only:
                dbs.append({"name": name})
            else:
                dbs.append({"name": name, "sizeOnDisk": size, "empty": size == 0})
    reply: dict[str, Any] = {"databases": dbs}
    if not name_only:
        reply["totalSize"] = total
    reply["ok"] = 1.0
    return reply
