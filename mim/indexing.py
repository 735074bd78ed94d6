"""Index management through the pymongo API: ``create_index(es)``,
``drop_index(es)``, ``list_indexes`` and ``explain``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bson.son import SON
from pymongo.operations import IndexModel

from .boundary import raise_server_error
from .cursor import CommandCursor, index_list
from .engine.errors import ServerError

if TYPE_CHECKING:
    from .collection import Collection
    from .cursor import Cursor

_VALID_DIRECTIONS = (1, -1, "hashed", "text", "2dsphere", "2d", "geoHaystack")
_OPTIONS = {"name", "unique", "sparse", "partialFilterExpression", "expireAfterSeconds",
            "hidden", "background", "collation", "v", "weights", "default_language",
            "language_override", "textIndexVersion", "2dsphereIndexVersion", "bits", "min",
            "max", "bucketSize", "wildcardProjection", "storageEngine", "dropDups"}


def index_model(keys: Any, **kwargs: Any) -> IndexModel:
    return IndexModel(keys, **kwargs)


def _index_spec(model: Any) -> dict[str, Any]:
    document = model.document if isinstance(model, IndexModel) else model
    if not isinstance(document, Mapping):
        raise TypeError(f"{model!r} is not an instance of pymongo.operations.IndexModel")
    spec = dict(document)
    key = dict(spec["key"])
    if not key:
        raise_server_error(ServerError(67, "Index keys cannot be empty."))
    for field, direction in key.items():
        if isinstance(direction, bool) or direction not in _VALID_DIRECTIONS and not (
                isinstance(direction, (int, float)) and direction != 0):
            raise_server_error(ServerError(
                67, f"Values in the index key pattern can only be of numeric type, or be a "
                    f"special index type string, got: {field}: {direction!r}"))
        if isinstance(direction, str) and direction != "hashed" and direction not in (
                "text", "2dsphere", "2d"):
            raise_server_error(ServerError(67, f"Unknown index plugin '{direction}'"))
    for option in spec:
        if option not in _OPTIONS and option != "key":
            raise_server_error(ServerError(197, f"The field '{option}' is not valid for an "
                                                f"index specification. Specification: "
                                                f"{spec!r}"))
    for special in ("text", "2dsphere", "2d"):
        if special in key.values():
            raise_server_error(ServerError(238, f"'{special}' indexes are not supported by mim "
                                                f"yet (planned with the text-search and geo "
                                                f"issues)"))
    if "collation" in spec:
        collation = spec["collation"]
        collation = collation.document if hasattr(collation, "document") else collation
        if dict(collation) not in ({"locale": "simple"},):
            raise_server_error(ServerError(238, "collation other than the simple collation is "
                                                "not supported by mim yet (planned with the "
                                                "collation issue)"))
    ordered = {"v": 2, "key": SON(key), "name": spec.pop("name")}
    spec.pop("key")
    spec.pop("v", None)
    ordered.update(spec)
    return ordered


def create_indexes(collection: "Collection", models: list[Any]) -> list[str]:
    specs = [_index_spec(m) for m in models]
    server = collection._server
    with server.lock:
        coll = server.get_collection(collection.database.name, collection.name, create=True)
        try:
            for spec in specs:
                coll.indexes.create(spec)
        except ServerError as exc:
            raise_server_error(exc)
    return [spec["name"] for spec in specs]


def drop_index(collection: "Collection", index_or_name: Any) -> None:
    if isinstance(index_or_name, IndexModel):
        index_or_name = index_or_name.document["name"]
    name = index_or_name
    if not isinstance(name, str):
        name = dict(index_list(name))
    server = collection._server
    with server.lock:
        coll = server.get_collection(collection.database.name, collection.name)
        try:
            if coll is None:
                raise ServerError(26, f"ns not found {collection.full_name}")
            coll.indexes.drop(name)
        except ServerError as exc:
            raise_server_error(exc)


def list_indexes(collection: "Collection") -> CommandCursor:
    import bson
    server = collection._server
    with server.lock:
        coll = server.get_collection(collection.database.name, collection.name)
        specs = coll.indexes.list() if coll is not None else []
    raws = [bson.encode(spec) for spec in specs]
    from bson.codec_options import CodecOptions
    options = collection.codec_options.with_options(document_class=SON)
    return CommandCursor(collection, raws, options)


def explain_find(collection: "Collection", cursor: "Cursor") -> dict:
    server = collection._server
    with server.lock:
        coll = server.get_collection(collection.database.name, collection.name)
        explain = getattr(coll.indexes, "explain", None) if coll is not None else None
    winning: dict[str, Any] = {"stage": "COLLSCAN", "direction": "forward"}
    return {"queryPlanner": {"namespace": collection.full_name, "winningPlan": winning,
                             "rejectedPlans": []},
            "ok": 1.0}
