"""``mim dump`` / ``mim restore``: mongodump's and mongorestore's work, through a client.

Both take any pymongo-style client or database: an in-process
:class:`mim.MongoClient`, or a :class:`pymongo.MongoClient` connected to
``mim serve`` or to any MongoDB server.  They use only the public driver API
(``list_collections``, ``find_raw_batches``, ``list_indexes``,
``create_collection``, ``createIndexes``, ``insert_many``), so data moves
between mim and a real server, and the files are read and written by
mongodump/mongorestore themselves:

    >>> from mim import tools
    >>> tools.dump(client, "dump")                 # dump/<db>/<coll>.bson + .metadata.json
    >>> tools.restore(other_client, "dump", drop=True)

The directory layout, file-name escaping and metadata shape are those of
:mod:`mim.wire.dump` (``mim serve --dump-on-exit`` writes the same files).
Like mongodump, a whole-server dump leaves out the ``local`` database;
``system.*`` collections (users, roles, views' catalog) are left out unless
named with ``collection=``.

A progress bar is shown on stderr when it is a terminal and ``tqdm`` is
installed (``pip install mim-odm[progress]``); otherwise nothing is printed.
"""

from __future__ import annotations

import gzip as gzip_module
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from bson.codec_options import CodecOptions, DatetimeConversion
from bson.raw_bson import RawBSONDocument
from pymongo.errors import BulkWriteError

from . import __version__
from .wire.archive import ArchiveNamespace, read_archive, write_archive
from .wire.dump import DumpError, read_dump, split_documents, write_namespace

try:  # the optional extra "progress"
    from tqdm import tqdm as _tqdm
except ImportError:  # pragma: no cover - depends on the installation
    _tqdm = None

__all__ = ["dump", "restore", "DumpError", "RestoreResult"]

#: databases mongodump leaves out of a whole-server dump ("local can only be
#: explicitly dumped", mongo-tools CreateAllIntents)
_SKIPPED_DATABASES = frozenset({"local"})
#: documents sent per insert_many during a restore
_INSERT_BATCH = 1000
#: restored documents are sent as read; dates beyond Python's datetime range
#: must not stop the driver reading their _id
_RAW_OPTIONS = CodecOptions(document_class=RawBSONDocument,
                            datetime_conversion=DatetimeConversion.DATETIME_AUTO)
#: createCollection options a list_collections entry carries that are the
#: server's own bookkeeping, not the user's choice
_INDEX_FIELDS_DROPPED = ("ns",)


class Progress:
    """A tqdm bar when stderr is a terminal and tqdm is installed, else nothing
    (``enabled``: force it on or off)."""

    def __init__(self, total: int | None, description: str, enabled: bool | None = None,
                 unit: str = "doc") -> None:
        show = sys.stderr.isatty() if enabled is None else enabled
        self._bar = (_tqdm(total=total, desc=description, unit=unit, file=sys.stderr,
                           leave=False, unit_scale=unit == "B")
                     if show and _tqdm is not None else None)

    def update(self, count: int) -> None:
        if self._bar is not None:
            self._bar.update(count)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _namespace_pattern(pattern: str) -> re.Pattern[str]:
    """mongodump's ``--nsInclude``/``--nsExclude`` pattern: ``*`` matches any run
    of characters, everything else (``\\`` escapes) literally."""
    parts = []
    escaped = False
    for char in pattern:
        if escaped:
            parts.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "*":
            parts.append(".*")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.DOTALL)


class _NamespaceFilter:
    def __init__(self, include: Sequence[str], exclude: Sequence[str]) -> None:
        self._include = [_namespace_pattern(p) for p in include]
        self._exclude = [_namespace_pattern(p) for p in exclude]

    def accepts(self, namespace: str) -> bool:
        if self._include and not any(p.fullmatch(namespace) for p in self._include):
            return False
        return not any(p.fullmatch(namespace) for p in self._exclude)


def _split_source(source: Any) -> tuple[Any, Any]:
    """(client, database or None) for a client or a database object.

    Asked of the class: a database's ``__getattr__`` answers any name with a
    collection."""
    kind = type(source)
    if hasattr(kind, "list_database_names"):
        return source, None
    if hasattr(kind, "list_collections") and hasattr(kind, "client"):
        return source.client, source
    raise TypeError(f"expected a MongoClient or a Database, not {type(source).__name__}")


def _databases(client: Any, database: Any, db: str | None) -> list[Any]:
    if database is not None:
        if db is not None and db != database.name:
            raise ValueError(f"db={db!r} does not name the database given ({database.name!r})")
        return [database]
    if db is not None:
        return [client[db]]
    return [client[name] for name in client.list_database_names()
            if name not in _SKIPPED_DATABASES]


def _metadata(info: dict, indexes: list[dict]) -> dict:
    """mongodump's metadata document: options, indexes, uuid, collectionName, type."""
    metadata: dict[str, Any] = {"options": dict(info.get("options", {})), "indexes": indexes}
    uuid = info.get("info", {}).get("uuid")
    if uuid is not None:
        metadata["uuid"] = bytes(uuid).hex()
    metadata["collectionName"] = info["name"]
    metadata["type"] = info.get("type", "collection")
    return metadata


def _index_specs(collection: Any) -> list[dict]:
    specs = []
    for spec in collection.list_indexes():
        spec = dict(spec)
        for field in _INDEX_FIELDS_DROPPED:
            spec.pop(field, None)
        spec["key"] = dict(spec["key"])
        specs.append(spec)
    return specs


def _counted(batches: Iterable[bytes], bar: _Progress) -> Iterator[bytes]:
    for batch in batches:
        bar.update(_count_documents(batch))
        yield batch


def _count_documents(batch: bytes) -> int:
    count = offset = 0
    while offset < len(batch):
        offset += int.from_bytes(batch[offset:offset + 4], "little")
        count += 1
    return count


@dataclass
class _Source:
    """One namespace to dump: where it lives and its list_collections entry."""

    database: Any
    info: dict

    @property
    def namespace(self) -> str:
        return f"{self.database.name}.{self.info['name']}"

    @property
    def is_view(self) -> bool:
        return self.info.get("type") == "view"


def _sources(source: Any, db: str | None, collection: str | None,
             wanted: _NamespaceFilter) -> list[_Source]:
    client, database = _split_source(source)
    found = []
    for database in _databases(client, database, db):
        filters = {"name": collection} if collection is not None else {}
        for info in database.list_collections(filter=filters):
            source_ns = _Source(database, info)
            if info["name"].startswith("system.") and collection is None:
                continue
            if wanted.accepts(source_ns.namespace):
                found.append(source_ns)
    return found


def _batches(item: _Source, progress: bool | None) -> Iterator[bytes]:
    """The collection's BSON, batch by batch, advancing a progress bar."""
    coll = item.database[item.info["name"]]
    bar = Progress(coll.estimated_document_count(), item.namespace, progress)
    try:
        yield from _counted(coll.find_raw_batches(), bar)
    finally:
        bar.close()


def _metadata_of(item: _Source) -> dict:
    indexes = [] if item.is_view else _index_specs(item.database[item.info["name"]])
    return _metadata(item.info, indexes)


def dump(source: Any, out: str | os.PathLike[str] = "dump", *, db: str | None = None,
         collection: str | None = None, gzip: bool = False,
         archive: str | os.PathLike[str] | BinaryIO | None = None,
         ns_include: Sequence[str] = (), ns_exclude: Sequence[str] = (),
         progress: bool | None = None) -> list[str]:
    """Write the data of ``source`` (a client or a database) to ``out`` in
    mongodump's directory format; returns the namespaces written.

    ``db``/``collection`` narrow the dump as ``--db``/``--collection`` do;
    ``ns_include``/``ns_exclude`` as ``--nsInclude``/``--nsExclude`` (``*``
    wildcards); ``gzip`` compresses each file as ``--gzip`` does.  Files of
    the namespaces dumped are overwritten; other files in ``out`` are kept
    (as mongodump does).  ``archive`` (a file name or a binary stream) writes
    one mongodump archive instead of a directory (``out`` is then unused;
    with ``gzip`` the whole archive is compressed).  ``progress`` forces the
    progress bar on or off (default: on when stderr is a terminal).
    """
    if collection is not None and db is None and _split_source(source)[1] is None:
        raise ValueError("collection= needs db= (mongodump: --collection requires --db)")
    items = _sources(source, db, collection, _NamespaceFilter(ns_include, ns_exclude))
    if archive is not None:
        _dump_archive(source, items, archive, gzip, progress)
        return [item.namespace for item in items]
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    for item in items:
        write_namespace(root, item.database.name, item.info["name"],
                        None if item.is_view else _batches(item, progress),
                        _metadata_of(item), gzip)
    return [item.namespace for item in items]


def _dump_archive(source: Any, items: list[_Source], archive: Any, compress: bool,
                  progress: bool | None) -> None:
    namespaces = [ArchiveNamespace(item.database.name, item.info["name"], _metadata_of(item),
                                   type=item.info.get("type", "collection"))
                  for item in items]
    by_name = {(ns.db, ns.collection): item for ns, item in zip(namespaces, items)}
    server_version = _split_source(source)[0].server_info().get("version", "")

    def documents(ns: ArchiveNamespace) -> Iterator[bytes]:
        return _batches(by_name[(ns.db, ns.collection)], progress)

    with _open_archive(archive, "wb", compress) as stream:
        write_archive(stream, namespaces, server_version, f"mim {__version__}", documents)


class _Unclosed:
    """A caller's stream, used in a ``with`` without being closed by it."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream

    def __enter__(self) -> BinaryIO:
        return self.stream

    def __exit__(self, *exc: object) -> None:
        self.stream.flush()


def _open_archive(archive: Any, mode: str, compress: bool) -> Any:
    """A ``with``-able binary stream on ``archive`` (a path or an open stream),
    gzip-wrapped when ``compress``."""
    if isinstance(archive, (str, os.PathLike)):
        return gzip_module.open(archive, mode) if compress else open(archive, mode)
    if compress:
        return gzip_module.GzipFile(fileobj=archive, mode=mode)
    return _Unclosed(archive)


class RestoreResult(list):
    """The namespaces restored (a list), with ``failures``: the documents the
    server refused (duplicate keys and the like), as mongorestore counts them."""

    failures: int = 0


#: createCollection fields a view's metadata carries
_VIEW_OPTIONS = ("viewOn", "pipeline", "collation")


@dataclass
class _Restorable:
    """One namespace to restore, from a dump directory or an archive."""

    db: str
    name: str
    metadata: dict
    is_view: bool
    documents: Callable[[], list[tuple[bytes, dict]]]


def _from_directory(path: str | os.PathLike[str], compressed: bool,
                    database: str | None) -> Iterator[_Restorable]:
    for entry in read_dump(path, compressed, database):
        def documents(entry: Any = entry) -> list[tuple[bytes, dict]]:
            if entry.data_file is None:
                return []
            return split_documents(entry.read_data(), entry.data_file)
        yield _Restorable(entry.db, entry.name, entry.metadata, entry.is_view, documents)


def _from_archive(archive: Any, compressed: bool) -> Iterator[_Restorable]:
    with _open_archive(archive, "rb", compressed) as stream:
        data = stream.read()
    source = str(archive) if isinstance(archive, (str, os.PathLike)) else "archive"
    for ns in read_archive(data, source):
        def documents(ns: ArchiveNamespace = ns) -> list[tuple[bytes, dict]]:
            return split_documents(ns.data or b"", Path(source))
        yield _Restorable(ns.db, ns.collection, ns.metadata, ns.type == "view", documents)


def restore(target: Any, path: str | os.PathLike[str] = "dump", *, db: str | None = None,
            collection: str | None = None, gzip: bool = False, drop: bool = False,
            archive: str | os.PathLike[str] | BinaryIO | None = None,
            ns_include: Sequence[str] = (), ns_exclude: Sequence[str] = (),
            progress: bool | None = None) -> RestoreResult:
    """Load the mongodump directory ``path`` (or the mongodump ``archive``, a
    file name or binary stream) into ``target`` (a client or a database) as
    mongorestore does; returns the namespaces restored.

    ``drop`` drops each collection before restoring it (``--drop``); without
    it, documents are added to an existing collection and those the server
    refuses (a duplicate ``_id``) are counted in ``failures``, the rest
    restored.  Collections are created with their dumped options (capped,
    validator, collation…) and indexes.  ``db``/``collection``/``ns_include``/
    ``ns_exclude``/``gzip`` select as mongorestore's flags do; with ``db``,
    ``path`` may be one database's directory (``mongorestore --db DB DIR``);
    with a database as ``target``, the dump's databases all land in it.
    """
    client, database = _split_source(target)
    wanted = _NamespaceFilter(ns_include, ns_exclude)
    result = RestoreResult()
    try:
        entries = list(_from_archive(archive, gzip) if archive is not None
                       else _from_directory(path, gzip, db))
    except (OSError, EOFError, ValueError) as exc:
        raise DumpError(f"cannot restore: {exc}") from None
    for entry in entries:
        namespace = f"{entry.db}.{entry.name}"
        if ((db is not None and entry.db != db)
                or (collection is not None and entry.name != collection)
                or not wanted.accepts(namespace)):
            continue
        destination = database if database is not None else client[entry.db]
        if entry.is_view:
            if drop:
                destination.drop_collection(entry.name)
            options = entry.metadata.get("options", {})
            destination.create_collection(
                entry.name, **{k: options[k] for k in _VIEW_OPTIONS if k in options})
        else:
            try:
                documents = entry.documents()
            except (OSError, EOFError, ValueError) as exc:
                raise DumpError(f"cannot restore {namespace}: {exc}") from None
            result.failures += _restore_collection(destination, entry.name, entry.metadata,
                                                   documents, drop, progress, namespace)
        result.append(namespace)
    return result


def _restore_collection(database: Any, name: str, metadata: dict,
                        documents: list[tuple[bytes, dict]], drop: bool,
                        progress: bool | None, namespace: str) -> int:
    """Create ``name`` as dumped, insert ``documents``; the number refused."""
    if drop:
        database.drop_collection(name)
    if name not in database.list_collection_names(filter={"name": name}):
        database.create_collection(name, **dict(metadata.get("options", {})))
    indexes = [spec for spec in metadata.get("indexes", []) if spec.get("name") != "_id_"]
    if indexes:
        database.command("createIndexes", name,
                         indexes=[{k: v for k, v in spec.items() if k not in _INDEX_FIELDS_DROPPED}
                                  for spec in indexes])
    coll = database[name]
    failures = 0
    bar = Progress(len(documents), namespace, progress)
    try:
        for start in range(0, len(documents), _INSERT_BATCH):
            batch = [RawBSONDocument(raw, codec_options=_RAW_OPTIONS)
                     for raw, _shadow in documents[start:start + _INSERT_BATCH]]
            try:
                coll.insert_many(batch, ordered=False)
            except BulkWriteError as exc:
                failures += len(exc.details.get("writeErrors", []))
            bar.update(len(batch))
    finally:
        bar.close()
    return failures
