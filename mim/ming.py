"""Ming's ``ming.mim`` helpers, over mim: what a Ming user's test suite calls.

Ming ships its own in-memory server, ``ming.mim``; test suites written for
Ming use a few of its helpers beyond pymongo's API.  This module provides
them on top of mim, so ``from ming import mim`` ports as
``from mim import ming as mim``:

* :class:`Connection` - the client ``create_datastore('mim:///db')`` opens: a
  :class:`mim.MongoClient` that also offers ``drop_all()`` / ``clear_all()``,
  and whose ``close()`` (or ``with conn:``) does not end it, because Ming's
  ``Connection.get()`` is one connection shared by the whole process; its
  cursors also have Ming's ``all()``;
* :func:`match` with :class:`MatchDoc` / :class:`MatchList` - does a filter
  match a document (MongoDB's query semantics, mim's matcher);
* :class:`BsonArith` - MongoDB's BSON comparison order.

odm opens :meth:`Connection.get` for ``create_datastore('mim:///db')`` (a
``mim://`` URL naming no host), as Ming does.
"""
from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, Optional

import bson
from bson.codec_options import CodecOptions

from . import collection as _collection, cursor as _cursor, database as _database
from .boundary import raise_server_error, to_engine
from .client import MongoClient
from .engine.languages.matcher import compile_filter
from .engine.languages.matcher.positional import matched_array_index
from .engine.values.errors import ServerError
from .engine.values.order import compare

__all__ = ["Connection", "Database", "Collection", "Cursor", "match", "MatchDoc", "MatchList",
           "BsonArith"]

#: The address Ming's shared connection stands for: ``mim://`` with no host,
#: the server every ``create_datastore('mim:///db')`` reaches too.
SHARED_URL = "mim://"

#: How :func:`match` reads values the way a server would receive them.
_MATCH_CODEC = CodecOptions(uuid_representation=bson.binary.UuidRepresentation.STANDARD)


class Cursor(_cursor.Cursor):
    """A mim cursor with Ming's ``all()``."""

    def all(self) -> list:
        """Every remaining document, as a list."""
        return list(self)


class Collection(_collection.Collection):
    """A mim collection whose ``find`` returns :class:`Cursor`."""

    _cursor_class = Cursor


class Database(_database.Database):
    """A mim database handing out :class:`Collection`."""

    _collection_class = Collection


class Connection(MongoClient):
    """A mim client with Ming's ``ming.mim.Connection`` helpers.

    Clients for the same address share one in-memory server, so
    ``Connection.get()`` and ``create_datastore('mim:///db').conn`` see the
    same data.  ``close()`` ends the client's server sessions, as pymongo's
    does, but the connection stays usable: in Ming it is a process-wide
    singleton, and a ``with conn:`` block in one test must not break the rest.
    """

    _singleton: Optional["Connection"] = None
    _singleton_lock = threading.Lock()
    _database_class = Database

    @classmethod
    def get(cls) -> "Connection":
        """The process-wide shared connection (``mim://``), created on first use."""
        with cls._singleton_lock:
            if cls._singleton is None:
                cls._singleton = cls(SHARED_URL)
            return cls._singleton

    def close(self) -> None:
        """End this client's server sessions; the connection itself stays open."""
        super().close()
        self._closed = False

    def drop_all(self) -> None:
        """Drop every database of this connection's server."""
        self.reset()

    def clear_all(self) -> None:
        """Delete every document of every collection, keeping collections and indexes."""
        for db_name in self.list_database_names():
            if db_name == "local":
                continue  # the member's own (the oplog), no data of the connection's
            database = self[db_name]
            for info in database.list_collections(filter={"type": "collection"}):
                if not info["name"].startswith("system."):
                    database[info["name"]].delete_many({})


class MatchDoc(dict):
    """A document that matched a filter (:func:`match`); compares as the plain document.

    Sub-documents and arrays are wrapped too, so ``getvalue('a.b.$')`` finds
    the array element the filter matched, like MongoDB's positional ``$``.
    """

    def __init__(self, doc: Mapping[str, Any], positions: Optional[dict[str, int]] = None,
                 _path: str = "") -> None:
        positions = positions or {}
        super().__init__((key, _wrap(value, positions, _join(_path, key)))
                         for key, value in doc.items())

    def getvalue(self, path: str) -> Any:
        """The value at a dotted path; ``$`` stands for the matched array element."""
        value: Any = self
        for part in path.split("."):
            value = value[part]
        return value


class MatchList(list):
    """An array inside a :class:`MatchDoc`; ``pos`` is the element the filter matched."""

    def __init__(self, items: Any, pos: Optional[int] = None,
                 positions: Optional[dict[str, int]] = None, _path: str = "") -> None:
        positions = positions or {}
        super().__init__(_wrap(value, positions, _join(_path, str(i)))
                         for i, value in enumerate(items))
        self.pos = positions.get(_path, pos)

    def __getitem__(self, key: Any) -> Any:
        if key == "$":
            return super().__getitem__(self.pos if self.pos is not None else 0)
        return super().__getitem__(int(key) if isinstance(key, str) else key)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _wrap(value: Any, positions: dict[str, int], path: str) -> Any:
    if isinstance(value, list):
        return MatchList(value, positions=positions, _path=path)
    if isinstance(value, Mapping):
        return MatchDoc(value, positions, path)
    return value


def match(spec: Mapping[str, Any], doc: Mapping[str, Any]) -> Optional[MatchDoc]:
    """``doc`` as a :class:`MatchDoc` if the filter ``spec`` matches it, else None.

    Both go through BSON first, as they would on their way to a server; a bad
    filter raises pymongo's ``OperationFailure`` with the server's code.
    """
    values = to_engine(_MATCH_CODEC, spec=dict(spec), doc=dict(doc))
    try:
        node = compile_filter(values.get("spec"))
        document = values.get("doc", {})
        if not node.matches(document):
            return None
        index = matched_array_index(node, document)
    except ServerError as exc:
        raise_server_error(exc)
    return MatchDoc(doc, _positions(_filter_paths(spec), doc, index))


def _filter_paths(spec: Mapping[str, Any]) -> list[str]:
    """The dotted field paths a filter names (its first one decides ``$``)."""
    paths = []
    for key, value in spec.items():
        if key in ("$and", "$or", "$nor") and isinstance(value, list):
            for clause in value:
                if isinstance(clause, Mapping):
                    paths.extend(_filter_paths(clause))
        elif not key.startswith("$"):
            paths.append(key)
    return paths


def _positions(paths: list[str], doc: Mapping[str, Any], index: Optional[str]) -> dict[str, int]:
    """Where the positional index applies: the first array met along a filter path."""
    if index is None:
        return {}
    for path in paths:
        value: Any = doc
        walked: list[str] = []
        for part in path.split("."):
            if isinstance(value, list):
                return {".".join(walked): int(index)}
            if not isinstance(value, Mapping) or part not in value:
                break
            value = value[part]
            walked.append(part)
        else:
            if isinstance(value, list):
                return {".".join(walked): int(index)}
    return {}


class BsonArith:
    """MongoDB's ordering of BSON values (Ming's ``mim.BsonArith``)."""

    @classmethod
    def cmp(cls, x: Any, y: Any) -> int:
        """-1, 0 or 1 as MongoDB orders ``x`` and ``y`` (across types too)."""
        return compare(x, y)
