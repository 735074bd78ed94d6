"""Writing an engine's data to disk in mongodump's layout, and reading it back.

``PATH/<database>/<collection>.bson`` holds the collection's documents, the
exact BSON bytes stored, concatenated in natural order (what ``mongodump``
writes and ``mongorestore`` or ``bsondump`` read).
``PATH/<database>/<collection>.metadata.json`` is canonical extended JSON:
``{"options": …, "indexes": [ … ], "uuid": "…", "collectionName": …,
"type": "collection"}``.  A view is a ``.metadata.json`` alone, with
``"type": "view"`` and ``{"viewOn": …, "pipeline": …}`` as its options (as
mongodump writes views).  Empty databases are not written.

File names are never built from a name as it stands: a collection name may
hold ``/`` or ``..`` (the server allows both), so it is escaped as mongodump
escapes it (Go's ``url.PathEscape``; names longer than 238 bytes once escaped
are cut to 208 bytes + ``%24`` + the SHA-1 of the name, base64url) and every
path written is checked to lie under the dump directory.

A dump is written to a fresh directory next to ``PATH`` and then swapped in
for ``PATH``, so a dump is whole or absent: files of collections dropped since
an earlier dump do not survive, and a failure half-way leaves ``PATH`` as it
was.  ``PATH`` therefore belongs to mim: an existing ``PATH`` that holds
anything but a dump is refused rather than replaced.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import os
import shutil
import tempfile
import urllib.parse
from pathlib import Path
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

from bson import json_util
from bson.errors import InvalidBSON

from ..engine.values.errors import ServerError
from ..engine.storage.store import Server, decode_shadow
from ..engine.storage.validation import build_validator
from ..engine.ops.views import ViewDefinition, create_view

__all__ = ["dump", "restore", "DumpError", "encode_collection_file_name",
           "check_dump_target", "write_namespace", "read_dump", "DumpEntry",
           "split_documents"]

_JSON = json_util.JSONOptions(json_mode=json_util.JSONMode.CANONICAL)

#: url.PathEscape leaves these unescaped besides letters, digits and ``-_.~``
_PATH_SEGMENT_SAFE = "$&+:=@"
#: mongodump's limits: an escaped name longer than this is truncated and hashed
_MAX_ESCAPED_NAME = 238
_TRUNCATED_NAME = 208
_DATA_SUFFIX = ".bson"
_METADATA_SUFFIX = ".metadata.json"


class DumpError(Exception):
    """A dump or restore that cannot be done (unwritable path, foreign files,
    a corrupt file); the message says what and where."""


def encode_collection_file_name(name: str) -> str:
    """The file name stem mongodump uses for collection ``name``.

    ``util.EscapeCollectionName`` (``url.PathEscape``), then, for escaped
    names over 238 bytes, the first 208 bytes + ``%24`` + base64url(SHA-1).
    """
    escaped = urllib.parse.quote(name, safe=_PATH_SEGMENT_SAFE)
    if len(escaped) > _MAX_ESCAPED_NAME:
        digest = hashlib.sha1(name.encode("utf-8")).digest()
        escaped = (escaped[:_TRUNCATED_NAME] + "%24"
                   + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("="))
    return escaped


def _under(root: Path, path: Path) -> Path:
    """``path``, after checking it cannot leave ``root`` (no name may escape a dump)."""
    resolved_root = os.path.realpath(root)
    resolved = os.path.realpath(path)
    if os.path.commonpath([resolved_root, resolved]) != resolved_root or resolved == resolved_root:
        raise DumpError(f"refusing to write {path}: outside the dump directory {root}")
    return path


def _snapshot(engine: Server) -> list[tuple[str, str, list[bytes] | None, dict]]:
    """Every collection's bytes and metadata, and every view, at one moment."""
    entries: list[tuple[str, str, list[bytes] | None, dict]] = []
    with engine.lock:
        for db_name, database in engine.databases.items():
            for coll_name, coll in database.collections.items():
                if coll.member_state:
                    continue  # the oplog: the member's, as mongodump leaves local alone
                raws = [stored.raw for stored in coll.documents.values()]
                metadata = {"options": dict(coll.options), "indexes": coll.indexes.list(),
                            "collectionName": coll_name, "type": "collection"}
                if getattr(coll, "uuid", None) is not None:
                    metadata["uuid"] = coll.uuid.hex
                entries.append((db_name, coll_name, raws, metadata))
            for view_name, view in database.views.items():
                info = view.info()
                entries.append((db_name, view_name, None,
                                {"options": info["options"], "indexes": [],
                                 "collectionName": view_name, "type": "view"}))
    return entries


def _is_dump_layout(path: Path) -> bool:
    """True when ``path`` holds nothing but database directories of dump files."""
    for entry in path.iterdir():
        if not entry.is_dir() or entry.is_symlink():
            return False
        for item in entry.iterdir():
            if not item.is_file() or not item.name.endswith((_DATA_SUFFIX, _METADATA_SUFFIX)):
                return False
    return True


def check_dump_target(path: str | os.PathLike[str]) -> Path:
    """Check that a dump can be written to ``path`` (before any data is at stake).

    Raises :class:`DumpError` when the parent directory is missing or not
    writable, or when ``path`` exists and is not a dump mim may replace.
    """
    target = Path(path).absolute()
    parent = target.parent
    if not parent.is_dir():
        raise DumpError(f"cannot dump to {target}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise DumpError(f"cannot dump to {target}: directory {parent} is not writable")
    if target.exists() or target.is_symlink():
        if not target.is_dir() or target.is_symlink():
            raise DumpError(f"cannot dump to {target}: it exists and is not a directory")
        if not os.access(target, os.W_OK | os.X_OK):
            raise DumpError(f"cannot dump to {target}: it is not writable")
        if not _is_dump_layout(target):
            raise DumpError(f"cannot dump to {target}: it holds files that are not a dump; "
                            f"refusing to replace it")
    return target


def _open_output(path: Path, compress: bool) -> BinaryIO:
    if compress:
        return gzip.open(path.with_name(path.name + ".gz"), "wb")
    return open(path, "wb")


def write_namespace(root: Path, db_name: str, coll_name: str,
                    chunks: Iterable[bytes] | None, metadata: dict,
                    compress: bool = False) -> None:
    """Write one collection (``chunks``: its BSON, concatenated documents) or
    view (``chunks`` is None) under ``root`` as mongodump lays it out; with
    ``compress``, as ``mongodump --gzip`` does (``.bson.gz``, ``.metadata.json.gz``)."""
    directory = _under(root, root / db_name)
    directory.mkdir(exist_ok=True)
    stem = encode_collection_file_name(coll_name)
    if chunks is not None:
        with _open_output(_under(root, directory / (stem + _DATA_SUFFIX)), compress) as out:
            for chunk in chunks:
                out.write(chunk)
    with _open_output(_under(root, directory / (stem + _METADATA_SUFFIX)), compress) as out:
        out.write(json_util.dumps(metadata, json_options=_JSON).encode("utf-8"))


def _write_tree(root: Path, entries: list[tuple[str, str, list[bytes] | None, dict]]) -> None:
    for db_name, coll_name, raws, metadata in entries:
        write_namespace(root, db_name, coll_name, raws, metadata)


def dump(engine: Server, path: str | os.PathLike[str]) -> list[str]:
    """Write every collection and view of ``engine`` to ``path``; returns the
    namespaces written.

    The copy is taken under the engine's lock, so it is one consistent moment.
    The files are written to a new directory beside ``path`` which then
    replaces ``path``; on any failure ``path`` is left as it was and
    :class:`DumpError` says why.
    """
    target = check_dump_target(path)
    entries = _snapshot(engine)
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.mim-dump-", dir=target.parent))
    except OSError as exc:
        raise DumpError(f"cannot dump to {target}: {exc.strerror or exc}") from None
    try:
        _write_tree(staging, entries)
        _swap_in(staging, target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise DumpError(f"cannot dump to {target}: {exc.strerror or exc}") from None
    except DumpError:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [f"{db_name}.{name}" for db_name, name, _raws, _meta in entries]


def _swap_in(staging: Path, target: Path) -> None:
    """Put the finished dump ``staging`` at ``target`` (the old one removed after)."""
    os.chmod(staging, 0o755)
    if not target.exists():
        os.rename(staging, target)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{target.name}.mim-old-", dir=target.parent))
    retired.rmdir()
    os.rename(target, retired)
    try:
        os.rename(staging, target)
    except OSError:
        os.rename(retired, target)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def _collection_stems(directory: Path, suffix: str) -> list[str]:
    stems = set()
    for item in directory.iterdir():
        for kind in (_METADATA_SUFFIX, _DATA_SUFFIX):
            if item.name.endswith(kind + suffix):
                stems.add(item.name[:-len(kind + suffix)])
    return sorted(stems)


class DumpEntry:
    """One namespace found in a dump directory: its metadata, and a reader
    for its documents (``None`` for a view, or a metadata file alone)."""

    def __init__(self, db: str, name: str, metadata: dict, data_file: Path | None,
                 compressed: bool) -> None:
        self.db = db
        self.name = name
        self.metadata = metadata
        self.data_file = data_file
        self.compressed = compressed

    @property
    def is_view(self) -> bool:
        return self.metadata.get("type") == "view"

    def read_data(self) -> bytes:
        """The ``.bson`` file's bytes (decompressed)."""
        assert self.data_file is not None
        if self.compressed:
            with gzip.open(self.data_file, "rb") as source:
                return source.read()
        return self.data_file.read_bytes()


def read_dump(path: str | os.PathLike[str], compressed: bool = False,
              database: str | None = None) -> Iterator[DumpEntry]:
    """The namespaces of the dump directory ``path`` (mongodump's layout;
    with ``compressed``, the ``--gzip`` one), database by database.

    With ``database``, ``path`` may also be one database's directory (its
    ``.bson`` files directly inside), restored into ``database`` as
    ``mongorestore --db DB DIR`` does.  The collection name comes from the
    metadata (``collectionName``), else from the file name, unescaped.
    Raises :class:`DumpError` for a path that is not a directory or a
    metadata file that cannot be read.
    """
    root = Path(path)
    if not root.is_dir():
        raise DumpError(f"cannot restore from {root}: not a directory")
    suffix = ".gz" if compressed else ""
    if database is not None and _collection_stems(root, suffix):
        yield from _read_database_directory(root, database, suffix)
        return
    for directory in sorted(p for p in root.iterdir() if p.is_dir()):
        yield from _read_database_directory(directory, directory.name, suffix)


def _read_database_directory(directory: Path, db_name: str, suffix: str) -> Iterator[DumpEntry]:
    for stem in _collection_stems(directory, suffix):
        meta_file = directory / (stem + _METADATA_SUFFIX + suffix)
        data_file = directory / (stem + _DATA_SUFFIX + suffix)
        metadata: dict[str, Any] = {}
        try:
            if meta_file.exists():
                text = (gzip.decompress(meta_file.read_bytes()).decode("utf-8")
                        if suffix else meta_file.read_text(encoding="utf-8"))
                metadata = json_util.loads(text)
        except (OSError, ValueError, EOFError) as exc:
            raise DumpError(f"cannot restore {meta_file}: {exc}") from None
        name = metadata.get("collectionName") or urllib.parse.unquote(stem)
        yield DumpEntry(db_name, name, metadata,
                        data_file if data_file.exists() else None, bool(suffix))


def restore(engine: Server, path: str | os.PathLike[str]) -> list[str]:
    """Load a dump written by :func:`dump` (or mongodump) into ``engine``.

    Collections and views that already exist are replaced.  Returns the
    namespaces loaded.  A corrupt file or an invalid name raises
    :class:`DumpError` naming the file.
    """
    loaded = []
    for entry in read_dump(path):
        where = Path(path) / entry.db / entry.name
        try:
            if entry.is_view:
                _restore_view(engine, entry.db, entry.name, entry.metadata)
            elif entry.data_file is not None:
                _restore_collection(engine, entry.db, entry.name, entry.metadata,
                                    split_documents(entry.read_data(), entry.data_file))
            else:
                continue
        except ServerError as exc:
            raise DumpError(f"cannot restore {where}: {exc.errmsg}") from None
        except (OSError, ValueError, EOFError) as exc:
            raise DumpError(f"cannot restore {where}: {exc}") from None
        loaded.append(f"{entry.db}.{entry.name}")
    return loaded


def _restore_collection(engine: Server, db: str, name: str, metadata: dict,
                        documents: list[tuple[bytes, dict]]) -> None:
    with engine.lock:
        database = engine.get_database(db, create=True)
        database.views.pop(name, None)
        database.drop_collection(name)
        coll = database.create_collection(name, dict(metadata.get("options", {})))
        # the validator comes back compiled; restored documents are not re-checked
        coll.validator = build_validator(coll.options)
        for spec in metadata.get("indexes", []):
            spec = dict(spec)
            spec.pop("ns", None)
            if spec.get("name") != "_id_":
                coll.indexes.create(spec)
        for raw, shadow in documents:
            coll.insert(raw, shadow)


def _restore_view(engine: Server, db: str, name: str, metadata: dict) -> None:
    options = dict(metadata.get("options", {}))
    with engine.lock:
        database = engine.get_database(db, create=True)
        database.drop_collection(name)
        existing: ViewDefinition | None = database.views.pop(name, None)
        try:
            create_view(engine, db, name, options)
        except ServerError:
            if existing is not None:
                database.views[name] = existing
            raise


def split_documents(data: bytes, source: Path) -> list[tuple[bytes, dict]]:
    """The documents of a ``.bson`` file, each validated and decoded once."""
    documents = []
    offset = 0
    while offset < len(data):
        if offset + 4 > len(data):
            raise ValueError(f"{source}: truncated document at byte {offset}")
        size = int.from_bytes(data[offset:offset + 4], "little")
        if size < 5 or offset + size > len(data):
            raise ValueError(f"{source}: bad document size {size} at byte {offset}")
        raw = data[offset:offset + size]
        try:
            # validate before anything is stored; dates out of datetime's range
            # stay DatetimeMS, as mongorestore keeps them
            shadow = decode_shadow(raw)
        except (InvalidBSON, ValueError, OverflowError) as exc:
            raise ValueError(f"{source}: invalid document at byte {offset}: {exc}") from None
        documents.append((raw, shadow))
        offset += size
    return documents
