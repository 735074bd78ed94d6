"""The in-memory server: databases, collections and documents stored as BSON.

Each document is kept twice, cheaply: the BSON bytes the client encoded (what
every read decodes afresh, so callers can never alias stored data) and a
decoded "shadow" dict that the matcher, sort and indexes read.  The shadow is
never handed out.

Every write goes through :class:`CollectionData` methods (``insert``,
``replace``, ``delete``) under the server lock: the one place that keeps
indexes consistent, and the hook where change events and transactions will
attach.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import bson
from bson.codec_options import CodecOptions, DatetimeConversion
from bson.binary import UuidRepresentation

from ..values.errors import ServerError
from ..values.order import sort_key

__all__ = ["ENGINE_CODEC", "StoredDocument", "CollectionData", "DatabaseData", "Server",
           "MAX_BSON_SIZE", "decode_shadow", "IndexMaintainer",
           "install_index_catalog", "install_ttl_pass", "capped_limits"]

MAX_BSON_SIZE = 16 * 1024 * 1024

#: How the engine decodes stored bytes for its own reading: plain dicts,
#: aware UTC datetimes (out-of-range ones as DatetimeMS), binary untouched.
ENGINE_CODEC: CodecOptions = CodecOptions(
    document_class=dict,
    tz_aware=True,
    uuid_representation=UuidRepresentation.UNSPECIFIED,
    datetime_conversion=DatetimeConversion.DATETIME_AUTO,
)


#: bson.decode without its per-call codec-options type check (ENGINE_CODEC is one)
_bson_to_dict = getattr(bson, "_bson_to_dict", None)


def decode_shadow(raw: bytes) -> dict:
    if _bson_to_dict is not None:
        return _bson_to_dict(raw, ENGINE_CODEC)
    return bson.decode(raw, ENGINE_CODEC)


class StoredDocument:
    """One document: its BSON bytes and the engine's decoded view of them."""

    __slots__ = ("raw", "doc")

    def __init__(self, raw: bytes, doc: dict) -> None:
        self.raw = raw
        self.doc = doc


class IndexMaintainer(Protocol):
    """What storage asks of a collection's indexes on every write.

    The index layer sits above storage, so storage never imports it: the index
    catalog class is installed with :func:`install_index_catalog` when
    :mod:`mim.engine.index.indexes` is imported (``import mim`` always does)."""

    def duplicate_id_error(self, id_value: Any) -> ServerError: ...
    def check_insert(self, stored: "StoredDocument", key: tuple) -> None: ...
    def check_replace(self, old: "StoredDocument", new: "StoredDocument") -> None: ...
    def add(self, stored: "StoredDocument", key: tuple) -> None: ...
    def remove(self, stored: "StoredDocument") -> None: ...
    def rebuild(self) -> None: ...


_index_catalog_factory: "Callable[[CollectionData], IndexMaintainer] | None" = None


def install_index_catalog(factory: "Callable[[CollectionData], IndexMaintainer]") -> None:
    """Install the class that builds every new collection's index catalog."""
    global _index_catalog_factory
    _index_catalog_factory = factory


class CollectionData:
    """A collection's documents (in natural order) and its indexes."""

    def __init__(self, name: str, database: "DatabaseData", options: dict | None = None) -> None:
        self.name = name
        self.database = database
        self.options: dict = dict(options or {})
        #: sort_key(_id) -> StoredDocument; dicts keep insertion order, which is
        #: the natural order a collection scan returns.
        self.documents: dict[tuple, StoredDocument] = {}
        self.indexes: Any = _index_catalog_factory(self)  # type: ignore[misc]
        self.listeners: list[Callable[[str, Any, Any], None]] = []

    @property
    def full_name(self) -> str:
        return f"{self.database.name}.{self.name}"

    def __len__(self) -> int:
        return len(self.documents)

    def get(self, id_value: Any) -> StoredDocument | None:
        return self.documents.get(sort_key(id_value))

    def scan(self) -> Iterator[StoredDocument]:
        """All documents in natural order (a snapshot: safe against writes)."""
        return iter(list(self.documents.values()))

    # -- the only three ways a document changes -------------------------------

    def insert(self, raw: bytes, doc: dict) -> None:
        """Store a new document; raises DuplicateKey (11000) without writing."""
        key = sort_key(doc["_id"])
        documents = self.documents
        if key in documents:
            raise self.indexes.duplicate_id_error(doc["_id"])
        stored = StoredDocument(raw, doc)
        indexes = self.indexes
        indexes.check_insert(stored, key)
        documents[key] = stored
        indexes.add(stored, key)
        if self.listeners:
            self._notify("insert", None, stored)

    def replace(self, old: StoredDocument, raw: bytes, doc: dict) -> StoredDocument:
        """Swap a document's contents (same ``_id``), keeping its position."""
        key = sort_key(old.doc["_id"])
        new = StoredDocument(raw, doc)
        self.indexes.check_replace(old, new)
        self.indexes.remove(old)
        self.documents[key] = new
        self.indexes.add(new, key)
        if self.listeners:
            self._notify("update", old, new)
        return new

    def delete(self, stored: StoredDocument) -> None:
        key = sort_key(stored.doc["_id"])
        del self.documents[key]
        self.indexes.remove(stored)
        if self.listeners:
            self._notify("delete", stored, None)

    def clear(self) -> None:
        self.documents.clear()
        self.indexes.rebuild()

    def _notify(self, kind: str, old: StoredDocument | None, new: StoredDocument | None) -> None:
        for listener in self.listeners:
            listener(kind, old, new)


class DatabaseData:
    def __init__(self, name: str, server: "Server") -> None:
        self.name = name
        self.server = server
        self.collections: dict[str, CollectionData] = {}
        #: read-only views by name (:class:`mim.engine.ops.views.ViewDefinition`)
        self.views: dict[str, Any] = {}

    def get_collection(self, name: str, create: bool = False) -> CollectionData | None:
        coll = self.collections.get(name)
        if coll is None and create:
            coll = self.create_collection(name)
        return coll

    def create_collection(self, name: str, options: dict | None = None) -> CollectionData:
        validate_collection_name(name, self.name)
        if name in self.collections:
            raise ServerError(48, f"Collection {self.name}.{name} already exists.")
        coll = CollectionData(name, self, options)
        self.collections[name] = coll
        return coll

    def drop_collection(self, name: str) -> bool:
        return self.collections.pop(name, None) is not None


def _no_ttl_pass(server: "Server", now: Any) -> int:
    return 0


_ttl_pass: "Callable[[Server, Any], int]" = _no_ttl_pass


def install_ttl_pass(expire: "Callable[[Server, Any], int]") -> None:
    """Install the TTL monitor pass (:func:`mim.engine.index.ttl.expire`)."""
    global _ttl_pass
    _ttl_pass = expire


class Server:
    """One in-memory MongoDB server: what a ``mongod`` holds, shared by every
    client that connects to the same address."""

    def __init__(self, address: tuple[str, int] | None = None,
                 ttl_interval: float = 60.0) -> None:
        self.address = address
        self.lock = threading.RLock()
        self.databases: dict[str, DatabaseData] = {}
        #: seconds between TTL monitor passes (MongoDB's ttlMonitorSleepSecs)
        self.ttl_interval = ttl_interval

    def expire_ttl(self, now: Any = None) -> int:
        """Run one TTL monitor pass now (``now``: a datetime or epoch seconds):
        delete every expired document and return how many were deleted.

        The pass itself lives in the index layer (:mod:`mim.engine.index.ttl`),
        which installs it here with :func:`install_ttl_pass`."""
        return _ttl_pass(self, now)

    def __repr__(self) -> str:
        return f"mim.Server({self.address!r})"

    def get_database(self, name: str, create: bool = False) -> DatabaseData | None:
        db = self.databases.get(name)
        if db is None and create:
            validate_database_name(name)
            db = self.databases[name] = DatabaseData(name, self)
        return db

    def get_collection(self, db: str, coll: str, create: bool = False) -> CollectionData | None:
        database = self.get_database(db, create)
        if database is None:
            return None
        return database.get_collection(coll, create)

    def drop_database(self, name: str) -> None:
        with self.lock:
            self.databases.pop(name, None)

    def reset(self) -> None:
        """Forget every database (the data of all clients of this server)."""
        with self.lock:
            self.databases.clear()

    def database_names(self) -> list[str]:
        return [name for name, db in self.databases.items() if db.collections or db.views]


#: the longest database name the server accepts (``DatabaseName::kMaxDatabaseNameLength``)
MAX_DATABASE_NAME_LENGTH = 63
#: the longest ``<db>.<collection>`` the server accepts (``NamespaceString::MaxNsCollectionLen``)
MAX_NAMESPACE_LENGTH = 255
#: characters a database name may not hold on Linux (``NamespaceString::validDBName``)
_DATABASE_NAME_FORBIDDEN = '/\\. "$\x00'
#: ``system.*`` collections a client may create or write (``isLegalClientSystemNS``)
_CLIENT_SYSTEM_COLLECTIONS = frozenset({"system.js", "system.views", "system.profile",
                                        "system.users"})


def capped_limits(options: dict, scale: int) -> dict:
    """``max``/``maxSize`` the server reports for a capped collection."""
    if not options.get("capped"):
        return {}
    return {"max": int(options.get("max", 0) or 0), "maxSize": int(options["size"]) // scale}




def validate_database_name(name: str) -> None:
    """Refuse what ``DatabaseName``/``validDBName`` refuse (code 73, InvalidNamespace).

    A database name becomes a directory of a dump, so nothing that could leave
    it (``/``, ``\\``, ``.``) is ever accepted.
    """
    if not name:
        raise ServerError(73, "Invalid database name: ''")
    if "\x00" in name:
        raise ServerError(73, "database names cannot have embedded null characters")
    if len(name.encode("utf-8")) > MAX_DATABASE_NAME_LENGTH:
        raise ServerError(73, f"db name must be at most {MAX_DATABASE_NAME_LENGTH} characters, "
                              f"found: {len(name.encode('utf-8'))}")
    for ch in _DATABASE_NAME_FORBIDDEN:
        if ch in name:
            raise ServerError(73, f"Invalid database name: '{name}'")


def validate_collection_name(name: str, db: str | None = None) -> None:
    """Refuse the collection names the server refuses, in its words (code 73).

    ``NamespaceString`` refuses a leading ``.`` and NUL; ``userAllowedCreateNS``
    refuses ``$``, ``system.*`` names a client may not create, and namespaces
    longer than 255 bytes.  Names may still hold ``/`` (as on the server): a
    dump encodes file names and never builds a path from a name.
    """
    if not name:
        raise ServerError(73, "Invalid collection name: ")
    if name[0] == ".":
        raise ServerError(73, f"Collection names cannot start with '.': {name}")
    if "\x00" in name:
        raise ServerError(73, "namespaces cannot have embedded null characters")
    if "$" in name and not name.startswith("oplog.$main"):
        raise ServerError(73, f"Invalid collection name: {name}")
    namespace = f"{db}.{name}" if db is not None else name
    if name.startswith("system.") and name not in _CLIENT_SYSTEM_COLLECTIONS:
        if db is None:
            raise ServerError(73, f"Invalid collection name: {name}")
        raise ServerError(73, f"Invalid system namespace: {namespace}")
    if db is not None and len(namespace.encode("utf-8")) > MAX_NAMESPACE_LENGTH:
        raise ServerError(73, f"Fully qualified namespace is too long. Namespace: {namespace} "
                              f"Max: {MAX_NAMESPACE_LENGTH}")
