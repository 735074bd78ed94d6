"""What a pipeline is compiled against: the catalog of collections and the
variables in scope."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from bson.objectid import ObjectId

from ..languages.expressions import ExpressionContext
from ..languages.expressions.compiler import path_value
from ..values.errors import ServerError
from ..values.order import sort_key


class Catalog(Protocol):
    """Access to other collections, for $lookup, $unionWith, $graphLookup, $out, $merge.

    ``documents(name, db)`` returns the decoded documents of collection ``name``
    (in the pipeline's database when ``db`` is None; empty when it does not
    exist); ``replace_collection(name, docs, db, timeseries)`` atomically replaces
    its contents (``timeseries``: ``$out``'s spec for a time-series target);
    ``merge_target(name, db, inserts_only)`` is the write access ``$merge`` uses
    (``inserts_only``: its modes only ever insert), whose ``write(merge_one, doc)``
    runs one result document's find-then-write (again, on a server, once a
    transaction holding the target document has ended);
    ``collection_data(name)`` is the store's collection (None outside a server).
    """

    db: str

    def documents(self, name: str, db: str | None = None) -> list[dict]: ...

    def replace_collection(self, name: str, documents: Iterable[dict],
                           db: str | None = None, timeseries: Any = None) -> None: ...

    def merge_target(self, name: str, db: str | None = None,
                     inserts_only: bool = False) -> Any: ...

    def collection_data(self, name: str) -> Any: ...


def with_id(doc: Mapping) -> dict:
    """``doc`` with an ``_id`` (a new ObjectId, first) when it has none."""
    return dict(doc) if "_id" in doc else {"_id": ObjectId(), **doc}


class ListTarget:
    """$merge into a plain list of documents."""

    #: plain lists have no collation: 'on' values key by binary comparison
    value_key = staticmethod(sort_key)

    def __init__(self, documents: list[dict]) -> None:
        self.docs = documents

    def has_unique_index(self, fields: list[str], collation: Any = None) -> bool:
        return True

    def find(self, on: list[tuple[str, ...]], key: tuple) -> Any:
        for i, doc in enumerate(self.docs):
            if tuple(sort_key(path_value(doc, p)) for p in on) == key:
                return i
        return None

    def current(self, handle: Any) -> dict:
        return self.docs[handle]

    def insert(self, doc: dict) -> None:
        for existing in self.docs:
            if sort_key(existing["_id"]) == sort_key(doc["_id"]):
                raise ServerError(11000, "E11000 duplicate key error collection: index: _id_ "
                                         f"dup key: {{ _id: {doc['_id']!r} }}")
        self.docs.append(doc)

    def replace(self, handle: Any, doc: dict) -> None:
        self.docs[handle] = doc

    def write(self, merge_one: Callable[[dict], None], doc: dict) -> None:
        merge_one(doc)


class ListCatalog:
    """A catalog over plain lists (tests, ``$documents`` pipelines).

    Collections of another database are keyed ``"db.name"``."""

    db = "test"

    def __init__(self, collections: dict[str, list[dict]] | None = None) -> None:
        self.collections = collections if collections is not None else {}

    def _key(self, name: str, db: str | None) -> str:
        return name if db is None or db == self.db else f"{db}.{name}"

    def documents(self, name: str, db: str | None = None) -> list[dict]:
        return list(self.collections.get(self._key(name, db), []))

    def replace_collection(self, name: str, documents: Iterable[dict],
                           db: str | None = None, timeseries: Any = None) -> None:
        if timeseries is not None:
            raise ServerError(238, "$out to a time-series collection needs a server (a list "
                                   "catalog holds plain collections)")
        self.collections[self._key(name, db)] = [with_id(d) for d in documents]

    def merge_target(self, name: str, db: str | None = None,
                     inserts_only: bool = False) -> Any:
        return ListTarget(self.collections.setdefault(self._key(name, db), []))

    def collection_data(self, name: str) -> Any:
        return None


class PipelineContext:
    """Compile-time context: catalog, variable names, whether this is the first stage."""

    def __init__(self, catalog: Catalog | None = None, variables: Iterable[str] = (),
                 *, collection: str | None = None, for_update: bool = False,
                 collation: Any = None) -> None:
        self.catalog = catalog if catalog is not None else ListCatalog()
        #: ``collation`` (a parsed Collation or None) travels with the expressions
        self.expressions = ExpressionContext(variables, collation=collation)
        self.collection = collection
        self.position = 0
        #: the name the stage being compiled was spelled with ($set or $addFields)
        self.stage_name = ""
        self.nested = False
        #: compiling an update pipeline: only stages allowed in updates (code 72)
        self.for_update = for_update
        #: ``allowDiskUse`` (7.0 default true): false caps blocking stages at 100 MB
        self.allow_disk_use = True

    def with_variables(self, names: Iterable[str]) -> "PipelineContext":
        child = PipelineContext(self.catalog, (), collection=self.collection)
        child.expressions = self.expressions.with_variables(names)
        child.nested = True
        child.allow_disk_use = self.allow_disk_use
        return child

    def sub_pipeline(self, collection: str | None) -> "PipelineContext":
        child = PipelineContext(self.catalog, (), collection=collection)
        child.expressions = self.expressions
        child.nested = True
        child.allow_disk_use = self.allow_disk_use
        return child


__all__ = ["Catalog", "ListCatalog", "ListTarget", "PipelineContext", "with_id"]
