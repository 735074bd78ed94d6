"""The entity map: clients, databases, collections, sessions, buckets and saved results."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable

from pymongo.read_concern import ReadConcern
from pymongo.read_preferences import make_read_preference, read_pref_mode_from_name
from pymongo.write_concern import WriteConcern

__all__ = ["EntityMap", "ClientFactory", "write_concern", "read_concern", "read_preference",
           "collection_options"]

ClientFactory = Callable[..., Any]


def write_concern(spec: Mapping[str, Any]) -> WriteConcern:
    renamed = {"wtimeoutMS": "wtimeout", "journal": "j"}
    return WriteConcern(**{renamed.get(k, k): v for k, v in spec.items()})


def read_concern(spec: Mapping[str, Any]) -> ReadConcern:
    return ReadConcern(spec.get("level"))


def read_preference(spec: Mapping[str, Any]) -> Any:
    mode = read_pref_mode_from_name(spec["mode"][0].lower() + spec["mode"][1:])
    return make_read_preference(mode, spec.get("tagSets"), spec.get("maxStalenessSeconds", -1))


def collection_options(spec: Mapping[str, Any] | None) -> dict[str, Any]:
    """``databaseOptions``/``collectionOptions`` as pymongo keyword arguments."""
    out: dict[str, Any] = {}
    for key, value in (spec or {}).items():
        if key == "readConcern":
            out["read_concern"] = read_concern(value)
        elif key == "writeConcern":
            out["write_concern"] = write_concern(value)
        elif key == "readPreference":
            out["read_preference"] = read_preference(value)
        elif key == "timeoutMS":
            continue  # client-side operation timeouts (CSOT) are a driver feature
        else:
            raise NotImplementedError(f"unknown collection/database option {key!r}")
    return out


_IGNORED_CLIENT_KEYS = {"id", "observeEvents", "ignoreCommandMonitoringEvents",
                        "storeEventsAsEntities", "useMultipleMongoses", "observeSensitiveCommands",
                        "serverApi"}


class EntityMap:
    """Named entities of one test; creation follows the unified format's ``createEntities``."""

    def __init__(self, factory: ClientFactory) -> None:
        self.factory = factory
        self.entities: dict[str, Any] = {}
        self.kinds: dict[str, str] = {}
        self.clients: list[Any] = []

    def __getitem__(self, name: str) -> Any:
        try:
            return self.entities[name]
        except KeyError:
            raise AssertionError(f"no entity named {name!r}") from None

    def __contains__(self, name: str) -> bool:
        return name in self.entities

    def save(self, name: str, value: Any, kind: str = "result") -> None:
        if name in self.entities:
            raise AssertionError(f"entity {name!r} already exists")
        self.entities[name] = value
        self.kinds[name] = kind

    def kind(self, name: str) -> str:
        """``client``, ``database``, ``collection``, ``session``, ``bucket``, ``cursor``
        (cursors and change streams saved with ``saveResultAsEntity``) or ``result``."""
        kind = self.kinds.get(name, "result")
        if kind == "result" and hasattr(type(self[name]), "__next__"):
            return "cursor"
        return kind

    def create(self, entities: list[Mapping[str, Any]]) -> None:
        for entity in entities:
            kind, spec = next(iter(entity.items()))
            getattr(self, f"_create_{kind}")(spec)

    def _create_client(self, spec: Mapping[str, Any]) -> None:
        unknown = set(spec) - _IGNORED_CLIENT_KEYS - {"uriOptions"}
        if unknown:
            raise NotImplementedError(f"client entity options {sorted(unknown)}")
        options = dict(spec.get("uriOptions", {}))
        options.pop("appname", None)
        client = self.factory(**options)
        self.clients.append(client)
        self.save(spec["id"], client, "client")

    def _create_database(self, spec: Mapping[str, Any]) -> None:
        client = self[spec["client"]]
        self.save(spec["id"], client.get_database(
            spec["databaseName"], **collection_options(spec.get("databaseOptions"))), "database")

    def _create_collection(self, spec: Mapping[str, Any]) -> None:
        database = self[spec["database"]]
        self.save(spec["id"], database.get_collection(
            spec["collectionName"], **collection_options(spec.get("collectionOptions"))),
            "collection")

    def _create_session(self, spec: Mapping[str, Any]) -> None:
        from pymongo.client_session import TransactionOptions

        client = self[spec["client"]]
        options = dict(spec.get("sessionOptions", {}))
        kwargs: dict[str, Any] = {}
        if "causalConsistency" in options:
            kwargs["causal_consistency"] = options.pop("causalConsistency")
        if "snapshot" in options:
            kwargs["snapshot"] = options.pop("snapshot")
        if "defaultTransactionOptions" in options:
            kwargs["default_transaction_options"] = TransactionOptions(
                **transaction_options(options.pop("defaultTransactionOptions")))
        snapshot_time = options.pop("snapshotTime", None)
        if options:
            raise NotImplementedError(f"session options {sorted(options)}")
        session = client.start_session(**kwargs)
        if snapshot_time is not None:
            # the sessions spec's snapshotTime option; pymongo keeps it privately (the
            # time its first snapshot read would have set)
            session._snapshot_time = self[snapshot_time]
        self.save(spec["id"], session, "session")

    def _create_bucket(self, spec: Mapping[str, Any]) -> None:
        database = self[spec["database"]]
        options = dict(spec.get("bucketOptions", {}))
        kwargs: dict[str, Any] = {}
        if "bucketName" in options:
            kwargs["bucket_name"] = options.pop("bucketName")
        if "chunkSizeBytes" in options:
            kwargs["chunk_size_bytes"] = options.pop("chunkSizeBytes")
        kwargs.update(collection_options(options))
        self.save(spec["id"], gridfs_module(database).GridFSBucket(database, **kwargs), "bucket")

    def close(self) -> None:
        for client in self.clients:
            try:
                client.close()
            except Exception:  # noqa: BLE001 - closing must not mask the test's result
                pass


def gridfs_module(database: Any) -> Any:
    """pymongo's ``gridfs`` for a pymongo database; for another client library's
    database, its own ``<package>.gridfs`` when it has one (mim does)."""
    import importlib

    import gridfs
    import pymongo.database

    if isinstance(database, pymongo.database.Database):
        return gridfs
    package = type(database).__module__.split(".")[0]
    try:
        return importlib.import_module(f"{package}.gridfs")
    except ImportError:
        return gridfs


def transaction_options(spec: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in spec.items():
        if key == "readConcern":
            out["read_concern"] = read_concern(value)
        elif key == "writeConcern":
            out["write_concern"] = write_concern(value)
        elif key == "readPreference":
            out["read_preference"] = read_preference(value)
        elif key == "maxCommitTimeMS":
            out["max_commit_time_ms"] = value
        else:
            raise NotImplementedError(f"transaction option {key!r}")
    return out
