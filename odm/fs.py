"""GridFS files as validated documents: :func:`filesystem`.

``filesystem('attachments', session, Field('owner', str))`` makes a document
class whose documents are the GridFS file records in ``attachments.files``
(``filename``, ``contentType``, ``length``, ``chunkSize``, ``uploadDate``,
``md5``, plus your own fields), with the bytes in ``attachments.chunks``.
Its manager stores and opens files::

    file_id = Attachment.m.put('report.pdf', data, owner='ada')
    with Attachment.m.new_file('log.txt', encoding='utf-8') as f:
        f.write('line one\\n')
    Attachment.m.get_last_version('report.pdf').read()

The storage layout is the GridFS specification's, so files written here can
be read by any driver's GridFS and the other way round.  It is implemented on
plain collection operations rather than on pymongo's ``gridfs`` package,
because that package only accepts pymongo's own ``Database`` class; this way
the same code runs on a real server, on mim, or on any other
pymongo-compatible database.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import io
import mimetypes
from collections.abc import Mapping
from typing import Any, Iterator, Optional, Union

from gridfs.errors import CorruptGridFile, NoFile

from . import schema as S
from .base import ASCENDING, DESCENDING, Missing
from .manager import InstanceManager, Manager
from .metadata import Document, Field, Index, declare_document

__all__ = ["filesystem", "FSManager", "FSInstanceManager", "FileWriter", "FileReader", "NoFile", "CorruptGridFile", "DEFAULT_CHUNK_SIZE"]

#: The GridFS default: 255 KiB, so a chunk and its envelope fit in 256 KiB.
DEFAULT_CHUNK_SIZE = 255 * 1024
#: Encoding of ``str`` written to a file when none is given (Ming's default).
DEFAULT_ENCODING = "ascii"

_DataSource = Union[bytes, bytearray, memoryview, str, Any]


def _utcnow_ms() -> _dt.datetime:
    now = _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class _FileRecordFields:
    """Read access to the file record's standard fields, shared by readers and writers."""

    doc: Any

    @property
    def _id(self) -> Any:
        return self.doc["_id"]

    @property
    def filename(self) -> Optional[str]:
        return self.doc.get("filename")

    @property
    def content_type(self) -> Optional[str]:
        return self.doc.get("contentType")


class FileWriter(_FileRecordFields):
    """A file being written: ``write()`` bytes, then ``close()`` (or leave the ``with`` block).

    Chunks go to the database as they fill up; the file record is written on
    close, so a file never appears half-written.  Leaving a ``with`` block by
    an exception aborts the file: its chunks are removed and no record is
    written.  ``str`` data is encoded with the file's ``encoding`` (``'ascii'``
    unless ``new_file``/``put`` were given another, as in Ming).
    """

    def __init__(self, manager: "FSManager", doc: Any, chunk_size: int, encoding: str = DEFAULT_ENCODING) -> None:
        self._manager = manager
        self.doc = doc
        self._chunks = manager.chunks_collection
        self.chunk_size = chunk_size
        self._encoding = encoding
        self._buffer = bytearray()
        self._n = 0
        self._length = 0
        self._md5 = hashlib.md5(usedforsecurity=False)
        self.closed = False

    @property
    def length(self) -> int:
        return self._length

    def write(self, data: _DataSource) -> None:
        """Append bytes, ``str`` (encoded with the file's ``encoding``) or a readable file's contents."""
        if self.closed:
            raise ValueError("cannot write to a closed file")
        if hasattr(data, "read"):
            while True:
                block = data.read(self.chunk_size)
                if not block:
                    return
                self.write(block)
        if isinstance(data, str):
            data = data.encode(self._encoding)
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"can only write bytes or str, not {type(data).__name__}")
        data = bytes(data)
        self._md5.update(data)
        self._length += len(data)
        self._buffer.extend(data)
        while len(self._buffer) >= self.chunk_size:
            self._flush_chunk(bytes(self._buffer[: self.chunk_size]))
            del self._buffer[: self.chunk_size]

    def writelines(self, sequence: Any) -> None:
        for line in sequence:
            self.write(line)

    def _flush_chunk(self, data: bytes) -> None:
        self._chunks.insert_one({"files_id": self._id, "n": self._n, "data": data})
        self._n += 1

    def close(self) -> None:
        """Write the last chunk and the file record."""
        if self.closed:
            return
        if self._buffer:
            self._flush_chunk(bytes(self._buffer))
            self._buffer.clear()
        self.doc["length"] = self._length
        self.doc["md5"] = self._md5.hexdigest()
        self.doc["uploadDate"] = _utcnow_ms()
        try:
            self.doc.m.insert()
        except Exception:
            self._remove_chunks()
            raise
        finally:
            self.closed = True

    def abort(self) -> None:
        """Throw the file away: remove the chunks written so far."""
        self.closed = True
        self._remove_chunks()

    def _remove_chunks(self) -> None:
        self._chunks.delete_many({"files_id": self._id})

    def __enter__(self) -> "FileWriter":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:
            self.abort()
        else:
            self.close()


class FileReader(_FileRecordFields, io.RawIOBase):
    """A stored file opened for reading, with its record's fields as attributes.

    ``read()``, ``readline()``, ``seek()``/``tell()`` and line iteration work
    as on any binary file; ``doc`` is the validated file document, and its
    keys (including your own fields) are also readable as attributes.
    """

    def __init__(self, manager: "FSManager", doc: Any) -> None:
        super().__init__()
        self.doc = doc
        self._chunks = manager.chunks_collection
        self._position = 0
        self._cached: tuple[int, bytes] = (-1, b"")

    # -- record ----------------------------------------------------------
    @property
    def name(self) -> Optional[str]:
        return self.filename

    @property
    def length(self) -> int:
        return int(self.doc.get("length") or 0)

    @property
    def chunk_size(self) -> int:
        return int(self.doc.get("chunkSize") or DEFAULT_CHUNK_SIZE)

    @property
    def upload_date(self) -> Optional[_dt.datetime]:
        return self.doc.get("uploadDate")

    @property
    def md5(self) -> Optional[str]:
        return self.doc.get("md5")

    @property
    def metadata(self) -> Any:
        return self.doc.get("metadata")

    @property
    def aliases(self) -> Any:
        return self.doc.get("aliases")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self.doc[name]
        except KeyError:
            raise AttributeError(name) from None

    # -- reading -------------------------------------------------------------
    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def _chunk(self, n: int) -> bytes:
        if self._cached[0] == n:
            return self._cached[1]
        raw = self._chunks.find_one({"files_id": self._id, "n": n})
        if raw is None:
            raise CorruptGridFile(f"no chunk #{n} for file {self._id!r}")
        data = bytes(raw["data"])
        last = (self.length - 1) // self.chunk_size
        expected = self.chunk_size if n < last else self.length - last * self.chunk_size
        if len(data) != expected:
            raise CorruptGridFile(f"chunk #{n} of file {self._id!r} has {len(data)} bytes, expected {expected}")
        self._cached = (n, data)
        return data

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        remaining = max(self.length - self._position, 0)
        if size is None or size < 0 or size > remaining:
            size = remaining
        pieces = []
        while size > 0:
            n, offset = divmod(self._position, self.chunk_size)
            piece = self._chunk(n)[offset: offset + size]
            pieces.append(piece)
            self._position += len(piece)
            size -= len(piece)
        return b"".join(pieces)

    def readall(self) -> bytes:
        return self.read()

    def readinto(self, buffer: Any) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readline(self, size: Optional[int] = -1) -> bytes:  # type: ignore[override]
        limit = self.length - self._position if size is None or size < 0 else size
        out = bytearray()
        while len(out) < limit and self._position < self.length:
            n, offset = divmod(self._position, self.chunk_size)
            chunk = self._chunk(n)[offset:]
            end = chunk.find(b"\n")
            take = len(chunk) if end < 0 else end + 1
            take = min(take, limit - len(out))
            out += chunk[:take]
            self._position += take
            if end >= 0 and take == end + 1:
                break
        return bytes(out)

    def seek(self, pos: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self.length}[whence]
        target = base + pos
        if target < 0:
            raise OSError("seek before the start of the file")
        self._position = target
        return target

    def tell(self) -> int:
        return self._position

    def __iter__(self) -> Iterator[bytes]:
        while True:
            line = self.readline()
            if not line:
                return
            yield line

    def __repr__(self) -> str:
        return f"<FileReader {self.filename!r} {self._id!r} {self.length} bytes>"


class FSManager(Manager):
    """The manager of a :func:`filesystem` class: file storage on top of the usual queries."""

    #: ``<root>`` of ``<root>.files`` / ``<root>.chunks``.
    root_collection: str = "fs"

    @property
    def chunks_collection(self) -> Any:
        """The raw ``<root>.chunks`` collection (its ``files_id``/``n`` index created on first use)."""
        session = self._session()
        collection = session.db[f"{self.root_collection}.chunks"]
        bind = session.bind
        key = ("gridfs-chunks", self.root_collection)
        if bind is not None and key not in bind._ensured_indexes:
            bind._ensured_indexes.add(key)
            collection.create_index([("files_id", ASCENDING), ("n", ASCENDING)], unique=True)
        return collection

    @property
    def fs(self) -> "GridFSView":
        """This bucket with pymongo's ``gridfs.GridFS`` method names (Ming's ``.m.fs``)."""
        return GridFSView(self)

    @staticmethod
    def _guess_type(filename: Optional[str]) -> Optional[str]:
        """The content type a file name suggests; ``application/octet-stream`` (any
        bytes) when it suggests none, as Ming records."""
        if not filename:
            return None
        return mimetypes.guess_type(filename, strict=False)[0] or "application/octet-stream"

    def new_file(self, filename: Optional[str] = None, **kwargs: Any) -> FileWriter:
        """Open a new file for writing (use it as a context manager).

        Keywords: ``contentType``/``content_type`` (guessed from the name when
        not given), ``chunkSize``/``chunk_size``, ``encoding`` for ``str``
        data (``'ascii'`` by default, as in Ming), ``_id``, ``metadata``, ``aliases``, and the class's own fields.
        The record is validated now, so bad metadata fails before any data is
        written.
        """
        encoding = kwargs.pop("encoding", DEFAULT_ENCODING)
        chunk_size = int(kwargs.pop("chunk_size", kwargs.pop("chunkSize", DEFAULT_CHUNK_SIZE)))
        if chunk_size <= 0:
            raise ValueError("chunk size must be positive")
        content_type = kwargs.pop("content_type", kwargs.pop("contentType", None)) or self._guess_type(filename)
        data: dict[str, Any] = dict(kwargs)
        if filename is not None:
            data["filename"] = filename
        if content_type is not None:
            data["contentType"] = content_type
        data.update(chunkSize=chunk_size, length=0, uploadDate=_utcnow_ms())
        doc = self.make(data)
        return FileWriter(self, doc, chunk_size, encoding)

    def put(self, filename: Optional[str], data: _DataSource, **kwargs: Any) -> Any:
        """Store ``data`` (bytes, ``str`` encoded with ``encoding=``, or a readable file); return the new file's ``_id``."""
        with self.new_file(filename, **kwargs) as f:
            f.write(data)
        return f._id

    def _open(self, raw_doc: Optional[Mapping]) -> FileReader:
        if raw_doc is None:
            raise NoFile("no file matches")
        return FileReader(self, self.make(raw_doc, allow_extra=True, strip_extra=False))

    def get_file(self, file_id: Any) -> FileReader:
        """Open the file with this ``_id``; :class:`gridfs.errors.NoFile` if there is none."""
        raw = self.collection.find_one({"_id": file_id})
        if raw is None:
            raise NoFile(f"no file with _id {file_id!r}")
        return self._open(raw)

    def get_version(self, filename: Optional[str] = None, version: int = -1, **kwargs: Any) -> FileReader:
        """Open one version of a file: ``0`` is the first uploaded, ``-1`` (default) the latest.

        Extra keywords filter on other fields of the file record.
        """
        query = dict(kwargs)
        if filename is not None:
            query["filename"] = filename
        if version >= 0:
            cursor = self.collection.find(query).sort("uploadDate", ASCENDING).skip(version)
        else:
            cursor = self.collection.find(query).sort("uploadDate", DESCENDING).skip(-version - 1)
        for raw in cursor.limit(1):
            return self._open(raw)
        raise NoFile(f"no version {version} of file {filename!r}")

    def get_last_version(self, filename: Optional[str] = None, **kwargs: Any) -> FileReader:
        """Open the most recently uploaded file with this name."""
        return self.get_version(filename, -1, **kwargs)

    def exists(self, document_or_id: Any = None, **kwargs: Any) -> bool:
        """Whether a file exists with this ``_id``, or matching this filter / these keywords."""
        if document_or_id is None:
            query: Mapping = kwargs
        elif isinstance(document_or_id, Mapping):
            query = document_or_id
        else:
            query = {"_id": document_or_id}
        return self.collection.find_one(query, projection={"_id": 1}) is not None

    def delete(self, file_id: Any) -> None:
        """Delete a file: its record, then its chunks."""
        self.collection.delete_one({"_id": file_id})
        self.chunks_collection.delete_many({"files_id": file_id})

    def remove(self, *args: Any, **kwargs: Any) -> Any:
        """Delete every matching file, chunks included."""
        spec = args[0] if args else kwargs.get("filter", {})
        ids = [d["_id"] for d in self.collection.find(spec or {}, projection={"_id": 1})]
        result = self._session().remove(self.cls, *args, **kwargs)
        if ids:
            self.chunks_collection.delete_many({"files_id": {"$in": ids}})
        return result


class GridFSView:
    """A :func:`filesystem` bucket seen through pymongo's ``gridfs.GridFS`` API.

    Ming's ``.m.fs`` *is* a ``gridfs.GridFS``; code written against it calls
    ``get(file_id)``, ``put(data, filename=...)`` and so on.  Each method is the
    bucket manager's own, under GridFS's name and argument order.
    """

    def __init__(self, manager: FSManager) -> None:
        self._manager = manager

    def get(self, file_id: Any) -> FileReader:
        """Open the file with this ``_id`` (``NoFile`` if there is none)."""
        return self._manager.get_file(file_id)

    def put(self, data: _DataSource, filename: Optional[str] = None, **kwargs: Any) -> Any:
        """Store ``data``; return the new file's ``_id``."""
        return self._manager.put(filename, data, **kwargs)

    def new_file(self, filename: Optional[str] = None, **kwargs: Any) -> FileWriter:
        """Open a new file for writing."""
        return self._manager.new_file(filename, **kwargs)

    def get_version(self, filename: Optional[str] = None, version: int = -1, **kwargs: Any) -> FileReader:
        return self._manager.get_version(filename, version, **kwargs)

    def get_last_version(self, filename: Optional[str] = None, **kwargs: Any) -> FileReader:
        return self._manager.get_last_version(filename, **kwargs)

    def exists(self, document_or_id: Any = None, **kwargs: Any) -> bool:
        return self._manager.exists(document_or_id, **kwargs)

    def delete(self, file_id: Any) -> None:
        """Delete a file and its chunks."""
        self._manager.delete(file_id)

    def list(self) -> list:
        """The distinct file names in the bucket."""
        return [name for name in self._manager.collection.distinct("filename") if name is not None]


class FSInstanceManager(InstanceManager):
    """The ``.m`` of a file document: ``delete()`` removes the data too; ``open()`` reads it."""

    mgr: FSManager

    def delete(self) -> None:
        self.mgr.delete(self.inst["_id"])

    def open(self) -> FileReader:
        """Open this file for reading."""
        return FileReader(self.mgr, self.inst)


FSManager.InstanceManagerClass = FSInstanceManager  # type: ignore[attr-defined]


class _FileDocument(Document):
    """Base of filesystem classes: makes the metaclass give them an :class:`FSManager`."""

    _odm_manager_class_ = FSManager

    @property
    def content_type(self) -> Optional[str]:
        """The ``contentType`` key (Ming names the attribute ``content_type``)."""
        return self.get("contentType")

    @content_type.setter
    def content_type(self, value: Optional[str]) -> None:
        self["contentType"] = value


def _standard_fields() -> list[Field]:
    return [
        Field("_id", S.ObjectId),
        Field("filename", S.String(if_missing=Missing)),
        Field("contentType", S.String(if_missing=Missing)),
        Field("length", S.Int(if_missing=0)),
        Field("chunkSize", S.Int(if_missing=DEFAULT_CHUNK_SIZE)),
        Field("uploadDate", S.DateTime(if_missing=_utcnow_ms)),
        Field("md5", S.String(if_missing=Missing)),
        Field("aliases", S.Anything()),
        Field("metadata", S.Anything()),
    ]


def filesystem(name: str, session: Any, *fields: Any, **kwargs: Any) -> type:
    """Declare a GridFS bucket whose file records are validated documents.

    ``name`` is the bucket (``fs`` in most drivers): records live in
    ``<name>.files`` and data in ``<name>.chunks``.  ``fields`` add your own
    (validated) keys to the records; ``Index`` arguments and
    ``__mongometa__`` options work as for :func:`odm.collection`.
    """
    own_fields = [f for f in fields if isinstance(f, Field)]
    indexes = [f for f in fields if isinstance(f, Index)]
    unknown = [f for f in fields if not isinstance(f, (Field, Index))]
    if unknown:
        raise TypeError(f"filesystem() takes Field and Index arguments, not {unknown!r}")
    standard = {f.name: f for f in _standard_fields()}
    for field in own_fields:
        if field.name is None:
            raise TypeError("fields passed to filesystem() need a name: Field('name', schema)")
        standard[field.name] = field
    meta = dict(kwargs)
    meta.update(name=f"{name}.files", session=session)
    meta["indexes"] = [Index("filename", "uploadDate")] + indexes + list(meta.get("indexes", []))
    cls = declare_document(f"Filesystem<{name}>", (_FileDocument,), meta, list(standard.values()))
    cls.m.root_collection = name
    return cls
