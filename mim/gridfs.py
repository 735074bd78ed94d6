"""GridFS for mim: pymongo's ``gridfs`` API on plain collection operations.

pymongo's own ``gridfs.GridFS`` and ``gridfs.GridFSBucket`` refuse anything
that is not a ``pymongo.database.Database`` (an ``isinstance`` check on a
class mim cannot register with) and their cursor class is a subclass of
pymongo's network cursor.  This module offers the same classes, names,
signatures, file-document layout (``fs.files`` / ``fs.chunks``, the
``{filename: 1, uploadDate: 1}`` and unique ``{files_id: 1, n: 1}`` indexes)
and errors (:mod:`gridfs.errors`), built only on the public collection API,
so it works on a mim database and on a real pymongo one alike::

    from mim.gridfs import GridFS, GridFSBucket
    fs = GridFS(mim.MongoClient().files)
    file_id = fs.put(b"hello", filename="a.txt")
    assert fs.get(file_id).read() == b"hello"

While :func:`mim.patch` is active, ``gridfs.GridFS(db)`` and
``gridfs.GridFSBucket(db)`` given a mim database return these classes too.
"""

from __future__ import annotations

import datetime
import io
import math
import os
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from bson.int64 import Int64
from bson.objectid import ObjectId
from gridfs.errors import CorruptGridFile, FileExists, NoFile
from pymongo import ASCENDING, DESCENDING
from pymongo.errors import BulkWriteError, ConfigurationError, DuplicateKeyError, OperationFailure
from pymongo.read_preferences import ReadPreference

__all__ = ["GridFS", "GridFSBucket", "GridIn", "GridOut", "GridOutCursor", "NoFile",
           "FileExists", "CorruptGridFile", "DEFAULT_CHUNK_SIZE"]

DEFAULT_CHUNK_SIZE = 255 * 1024
_FILES_INDEX = {"filename": ASCENDING, "uploadDate": ASCENDING}
_CHUNKS_INDEX = {"files_id": ASCENDING, "n": ASCENDING}
_CLOSED_ONLY = {"length": "length", "upload_date": "uploadDate", "md5": "md5"}
_CHUNK_BATCH = 64  # chunks buffered before one insert_many


def _plain(entity: Any, read_preference: Any = None) -> Any:
    """``entity`` without a custom type registry (as pymongo's gridfs does)."""
    options = entity.codec_options.with_options(type_registry=None)
    return entity.with_options(codec_options=options,
                               read_preference=read_preference or entity.read_preference)


def _check_database(database: Any) -> None:
    if not (hasattr(database, "get_collection") and hasattr(database, "write_concern")):
        raise TypeError(f"database must be an instance of Database, not {type(database)}")


def _ensure_index(collection: Any, keys: dict[str, int], unique: bool) -> None:
    """Create ``keys`` on an empty collection unless an index with that key exists."""
    if collection.find_one(projection={"_id": 1}) is not None:
        return
    try:
        existing = [dict(spec["key"]) for spec in collection.list_indexes()]
    except OperationFailure:
        existing = []
    if keys not in existing:
        collection.create_index(list(keys.items()), unique=unique)


# -- writing ---------------------------------------------------------------------------

class GridIn:
    """A file being written to GridFS; its document is stored on :meth:`close`."""

    def __init__(self, root_collection: Any, session: Any = None, **kwargs: Any) -> None:
        if not root_collection.write_concern.acknowledged:
            raise ConfigurationError("root_collection must use acknowledged write_concern")
        if "content_type" in kwargs:
            kwargs["contentType"] = kwargs.pop("content_type")
        if "chunk_size" in kwargs:
            kwargs["chunkSize"] = kwargs.pop("chunk_size")
        kwargs.setdefault("_id", ObjectId())
        kwargs.setdefault("chunkSize", DEFAULT_CHUNK_SIZE)
        coll = _plain(root_collection, ReadPreference.PRIMARY)
        state = {"_coll": coll, "_chunks": coll.chunks, "_file": kwargs,
                 "_buffer": bytearray(), "_pending": [], "_position": 0, "_chunk_number": 0,
                 "_closed": False, "_ensured_index": False, "_session": session}
        for name, value in state.items():
            object.__setattr__(self, name, value)

    # file-document fields -------------------------------------------------------------
    @property
    def _id(self) -> Any:
        return self._file["_id"]

    @property
    def filename(self) -> str | None:
        return self._file.get("filename")

    @filename.setter
    def filename(self, value: str) -> None:
        self.set("filename", value)

    name = filename

    @property
    def content_type(self) -> str | None:
        return self._file.get("contentType")

    @content_type.setter
    def content_type(self, value: str) -> None:
        self.set("contentType", value)

    @property
    def chunk_size(self) -> int:
        return self._file["chunkSize"]

    @property
    def length(self) -> int:
        self._require_closed("length")
        return self._file.get("length", 0)

    @property
    def upload_date(self) -> datetime.datetime:
        self._require_closed("upload_date")
        return self._file.get("uploadDate")

    @property
    def md5(self) -> str | None:
        self._require_closed("md5")
        return self._file.get("md5")

    @property
    def closed(self) -> bool:
        return self._closed

    def _require_closed(self, field: str) -> None:
        if not self._closed:
            raise AttributeError(f"can only get {_CLOSED_ONLY[field]!r} on a closed file")

    def __getattr__(self, name: str) -> Any:
        file = self.__dict__.get("_file", {})
        if name in _CLOSED_ONLY and not self.__dict__.get("_closed"):
            # a property raised AttributeError: say why, as pymongo does
            raise AttributeError(f"can only get {_CLOSED_ONLY[name]!r} on a closed file")
        if name in file:
            return file[name]
        raise AttributeError(f"GridIn object has no attribute '{name}'")

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self.__dict__ or hasattr(type(self), name):
            object.__setattr__(self, name, value)
        else:
            self.set(name, value)

    def set(self, name: str, value: Any) -> None:
        """Set a field of the file document (written at once if the file is closed)."""
        self._file[name] = value
        if self._closed:
            self._coll.files.update_one({"_id": {"$eq": self._file["_id"]}},
                                        {"$set": {name: value}})

    # writing --------------------------------------------------------------------------
    def write(self, data: Any) -> None:
        """Write bytes, a ``str`` (when the file has an ``encoding``) or a readable object."""
        if self._closed:
            raise ValueError("cannot write to a closed file")
        read = getattr(data, "read", None)
        if read is None:
            if not isinstance(data, (str, bytes, bytearray, memoryview)):
                raise TypeError("can only write strings or file-like objects")
            if isinstance(data, str):
                if "encoding" not in self._file:
                    raise TypeError("must specify an encoding for file in order to write str")
                data = data.encode(self._file["encoding"])
            self._buffer += data
        else:
            while True:
                try:
                    piece = read(self.chunk_size)
                except BaseException:
                    self.abort()
                    raise
                if not piece:
                    break
                if isinstance(piece, str):
                    if "encoding" not in self._file:
                        raise TypeError("must specify an encoding for file in order to write str")
                    piece = piece.encode(self._file["encoding"])
                self._buffer += piece
                self._flush_full_chunks()
        self._flush_full_chunks()

    def writelines(self, sequence: Iterable[Any]) -> None:
        for line in sequence:
            self.write(line)

    def writeable(self) -> bool:
        return True

    writable = writeable

    def readable(self) -> bool:
        return False

    def seekable(self) -> bool:
        return False

    def read(self, size: int = -1) -> bytes:
        raise io.UnsupportedOperation("read")

    def _flush_full_chunks(self) -> None:
        size = self.chunk_size
        while len(self._buffer) >= size:
            self._add_chunk(bytes(self._buffer[:size]))
            del self._buffer[:size]
        if len(self._pending) >= _CHUNK_BATCH:
            self._insert_pending()

    def _add_chunk(self, data: bytes) -> None:
        self._pending.append({"files_id": self._file["_id"], "n": self._chunk_number,
                              "data": data})
        self._chunk_number += 1
        self._position += len(data)

    def _insert_pending(self) -> None:
        if not self._ensured_index:
            _ensure_index(self._coll.files, _FILES_INDEX, False)
            _ensure_index(self._chunks, _CHUNKS_INDEX, True)
            object.__setattr__(self, "_ensured_index", True)
        if not self._pending:
            return
        try:
            self._chunks.insert_many(self._pending)
        except BulkWriteError as exc:
            if any(e.get("code") == 11000 for e in exc.details.get("writeErrors", ())):
                raise FileExists(f"file with _id {self._file['_id']!r} already exists") from None
            raise
        object.__setattr__(self, "_pending", [])

    def close(self) -> None:
        """Store the last chunk and the file document; closing twice is allowed."""
        if self._closed:
            return
        if self._buffer:
            self._add_chunk(bytes(self._buffer))
            object.__setattr__(self, "_buffer", bytearray())
        self._insert_pending()
        self._file["length"] = Int64(self._position)
        self._file["uploadDate"] = datetime.datetime.now(tz=datetime.timezone.utc)
        try:
            self._coll.files.insert_one(self._file)
        except DuplicateKeyError:
            raise FileExists(f"file with _id {self._file['_id']!r} already exists") from None
        object.__setattr__(self, "_closed", True)

    def abort(self) -> None:
        """Remove every chunk (and the file document) written so far, and close."""
        self._chunks.delete_many({"files_id": {"$eq": self._file["_id"]}})
        self._coll.files.delete_one({"_id": {"$eq": self._file["_id"]}})
        object.__setattr__(self, "_closed", True)

    def __enter__(self) -> "GridIn":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        if exc_type is None:
            self.close()
        else:
            object.__setattr__(self, "_closed", True)
        return False


# -- reading ---------------------------------------------------------------------------

class GridOut(io.IOBase):
    """A GridFS file opened for reading (lazily: the file document is loaded on first use)."""

    def __init__(self, root_collection: Any, file_id: Any = None,
                 file_document: Any = None, session: Any = None) -> None:
        super().__init__()
        coll = _plain(root_collection)
        self._files = coll.files
        self._chunks = coll.chunks
        self._file_id = file_id
        self._file = file_document
        self._position = 0
        self._chunk: bytes = b""          # the chunk holding the current position
        self._chunk_n = -1
        self._session = session

    def open(self) -> None:
        """Load the file document; :class:`~gridfs.errors.NoFile` if there is none."""
        if not self._file:
            self._file = self._files.find_one({"_id": {"$eq": self._file_id}})
            if not self._file:
                raise NoFile(f"no file in gridfs collection {self._files!r} with _id "
                             f"{self._file_id!r}")

    def _field(self, name: str, default: Any = None) -> Any:
        self.open()
        return self._file.get(name, default)

    _id = property(lambda self: self._field("_id"))
    filename = property(lambda self: self._field("filename"))
    name = filename
    content_type = property(lambda self: self._field("contentType"))
    length = property(lambda self: self._field("length", 0))
    chunk_size = property(lambda self: self._field("chunkSize"))
    upload_date = property(lambda self: self._field("uploadDate"))
    aliases = property(lambda self: self._field("aliases"))
    metadata = property(lambda self: self._field("metadata"))
    md5 = property(lambda self: self._field("md5"))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(f"GridOut object has no attribute '{name}'")
        self.open()
        if name in self._file:
            return self._file[name]
        raise AttributeError(f"GridOut object has no attribute '{name}'")

    # chunk access -----------------------------------------------------------------------
    def _num_chunks(self) -> int:
        return math.ceil(int(self.length) / int(self.chunk_size)) if self.length else 0

    def _load_chunk(self, n: int) -> bytes:
        if n == self._chunk_n:
            return self._chunk
        chunk = self._chunks.find_one({"files_id": {"$eq": self._id}, "n": n})
        if chunk is None:
            raise CorruptGridFile(f"no chunk #{n}")
        size, length, count = int(self.chunk_size), int(self.length), self._num_chunks()
        expected = size if n < count - 1 else length - size * (count - 1)
        data = bytes(chunk["data"])
        if len(data) != expected:
            raise CorruptGridFile(f"truncated chunk #{n}: expected chunk length to be "
                                  f"{expected} but found chunk with length {len(data)}")
        self._chunk, self._chunk_n = data, n
        return data

    def _check_no_extra_chunk(self) -> None:
        count = self._num_chunks()
        extra = self._chunks.find_one({"files_id": {"$eq": self._id}, "n": {"$gte": count}})
        if extra is not None and len(extra["data"]):
            raise CorruptGridFile(f"Extra chunk found: expected {count} chunks but found "
                                  f"chunk with n={extra['n']}")

    def readchunk(self) -> bytes:
        """The rest of the chunk holding the current position (``b""`` at the end)."""
        self.open()
        if self._position >= int(self.length):
            return b""
        size = int(self.chunk_size)
        data = self._load_chunk(self._position // size)[self._position % size:]
        self._position += len(data)
        return data

    def _read(self, size: int, line: bool) -> bytes:
        self.open()
        remainder = int(self.length) - self._position
        if size < 0 or size > remainder:
            size = remainder
        pieces: list[bytes] = []
        received = 0
        while received < size:
            chunk_size = int(self.chunk_size)
            data = self._load_chunk(self._position // chunk_size)[self._position % chunk_size:]
            data = data[:size - received]
            if line:
                newline = data.find(b"\n")
                if newline >= 0:
                    data = data[:newline + 1]
                    size = received + len(data)
            pieces.append(data)
            received += len(data)
            self._position += len(data)
        if self._position >= int(self.length) and remainder and received == remainder:
            self._check_no_extra_chunk()
        return b"".join(pieces)

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (everything left when negative or omitted)."""
        return self._read(-1 if size is None else size, line=False)

    def readline(self, size: int = -1) -> bytes:
        return self._read(-1 if size is None else size, line=True)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def writable(self) -> bool:
        return False

    def tell(self) -> int:
        return self._position

    def seek(self, pos: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_SET:
            new_pos = pos
        elif whence == os.SEEK_CUR:
            new_pos = self._position + pos
        elif whence == os.SEEK_END:
            new_pos = int(self.length) + pos
        else:
            raise OSError(22, "Invalid value for `whence`")
        if new_pos < 0:
            raise OSError(22, "Invalid value for `pos` - must be positive")
        self._position = new_pos
        return new_pos

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        line = self.readline()
        if line:
            return line
        raise StopIteration

    def write(self, value: Any) -> Any:
        raise io.UnsupportedOperation("write")

    def writelines(self, lines: Any) -> Any:
        raise io.UnsupportedOperation("writelines")

    def fileno(self) -> int:
        raise io.UnsupportedOperation("fileno")

    def truncate(self, size: int | None = None) -> Any:
        raise io.UnsupportedOperation("truncate")

    def isatty(self) -> bool:
        return False

    def __enter__(self) -> "GridOut":
        return self

    def __exit__(self, *exc: Any) -> bool:
        self.close()
        return False

    def __del__(self) -> None:
        pass


class GridOutCursor:
    """A cursor over ``<root>.files`` that yields :class:`GridOut` objects."""

    def __init__(self, collection: Any, filter: Mapping[str, Any] | None = None, skip: int = 0,
                 limit: int = 0, no_cursor_timeout: bool = False, sort: Any = None,
                 batch_size: int = 0, session: Any = None) -> None:
        self._root_collection = _plain(collection)
        self._cursor = self._root_collection.files.find(
            filter, skip=skip, limit=limit, no_cursor_timeout=no_cursor_timeout, sort=sort,
            batch_size=batch_size)

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._cursor, name)
        if not callable(attribute):
            return attribute

        def chained(*args: Any, **kwargs: Any) -> Any:
            result = attribute(*args, **kwargs)
            return self if result is self._cursor else result
        return chained

    def __iter__(self) -> "GridOutCursor":
        return self

    def next(self) -> GridOut:
        return GridOut(self._root_collection, file_document=next(self._cursor))

    __next__ = next

    def to_list(self, length: int | None = None) -> list[GridOut]:
        if length is None:
            return list(self)
        if length < 1:
            raise ValueError("to_list() length must be greater than 0")
        return [file for file, _ in zip(self, range(length))]

    def clone(self) -> "GridOutCursor":
        copy = object.__new__(GridOutCursor)
        copy._root_collection = self._root_collection
        copy._cursor = self._cursor.clone()
        return copy

    def add_option(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("Method does not exist for GridOutCursor")

    remove_option = add_option

    def __enter__(self) -> "GridOutCursor":
        return self

    def __exit__(self, *exc: Any) -> None:
        self._cursor.close()


def _version_cursor(files: Any, query: dict, version: int) -> Any:
    """Version ``version`` (0 = oldest, -1 = newest) of the files matching ``query``.

    Uploads within the same millisecond tie on ``uploadDate``; ``_id`` breaks the
    tie so the newest upload wins, as a backward scan of the ``filename_1_uploadDate_1``
    index does on a real server.
    """
    if version < 0:
        order = [("uploadDate", DESCENDING), ("_id", DESCENDING)]
        return files.find(query).sort(order).skip(abs(version) - 1).limit(-1)
    order = [("uploadDate", ASCENDING), ("_id", ASCENDING)]
    return files.find(query).sort(order).skip(version).limit(-1)


# -- the two front doors ---------------------------------------------------------------

class GridFS:
    """The legacy GridFS API (``put``/``get``/``find``/``delete`` …) on ``<collection>``."""

    def __init__(self, database: Any, collection: str = "fs") -> None:
        _check_database(database)
        database = _plain(database)
        if not database.write_concern.acknowledged:
            raise ConfigurationError("database must use acknowledged write_concern")
        self._collection = database[collection]
        self._files = self._collection.files
        self._chunks = self._collection.chunks

    def new_file(self, **kwargs: Any) -> GridIn:
        return GridIn(self._collection, **kwargs)

    def put(self, data: Any, **kwargs: Any) -> Any:
        """Store ``data`` (bytes, ``str`` with ``encoding=``, or a readable) and return its id."""
        with GridIn(self._collection, **kwargs) as grid_file:
            grid_file.write(data)
        return grid_file._id

    def get(self, file_id: Any, session: Any = None) -> GridOut:
        grid_out = GridOut(self._collection, file_id)
        grid_out.open()
        return grid_out

    def get_version(self, filename: str | None = None, version: int = -1, session: Any = None,
                    **kwargs: Any) -> GridOut:
        query = dict(kwargs)
        if filename is not None:
            query["filename"] = filename
        for document in _version_cursor(self._files, query, version):
            return GridOut(self._collection, file_document=document)
        raise NoFile(f"no version {version} for filename {filename!r}")

    def get_last_version(self, filename: str | None = None, session: Any = None,
                         **kwargs: Any) -> GridOut:
        return self.get_version(filename=filename, **kwargs)

    def delete(self, file_id: Any, session: Any = None) -> None:
        self._files.delete_one({"_id": {"$eq": file_id}})
        self._chunks.delete_many({"files_id": {"$eq": file_id}})

    def list(self, session: Any = None) -> list[str]:
        return [name for name in self._files.distinct("filename") if name is not None]

    def find_one(self, filter: Any = None, session: Any = None, *args: Any,
                 **kwargs: Any) -> GridOut | None:
        if filter is not None and not isinstance(filter, Mapping):
            filter = {"_id": filter}
        for grid_out in self.find(filter, *args, **kwargs):
            return grid_out
        return None

    def find(self, *args: Any, **kwargs: Any) -> GridOutCursor:
        return GridOutCursor(self._collection, *args, **kwargs)

    def exists(self, document_or_id: Any = None, session: Any = None, **kwargs: Any) -> bool:
        if kwargs:
            return self._files.find_one(kwargs, ["_id"]) is not None
        return self._files.find_one(document_or_id, ["_id"]) is not None


class GridFSBucket:
    """The GridFS specification's bucket API on ``<bucket_name>.files`` / ``.chunks``."""

    def __init__(self, db: Any, bucket_name: str = "fs",
                 chunk_size_bytes: int = DEFAULT_CHUNK_SIZE, write_concern: Any = None,
                 read_preference: Any = None) -> None:
        _check_database(db)
        db = _plain(db)
        concern = write_concern if write_concern is not None else db.write_concern
        if not concern.acknowledged:
            raise ConfigurationError("write concern must be acknowledged")
        self._bucket_name = bucket_name
        self._collection = db[bucket_name]
        self._chunks = self._collection.chunks.with_options(write_concern=write_concern,
                                                            read_preference=read_preference)
        self._files = self._collection.files.with_options(write_concern=write_concern,
                                                          read_preference=read_preference)
        self._chunk_size_bytes = chunk_size_bytes

    def _upload_options(self, filename: str, chunk_size_bytes: int | None,
                        metadata: Mapping[str, Any] | None) -> dict[str, Any]:
        if not isinstance(filename, str):
            raise TypeError(f"filename must be an instance of str, not {type(filename)}")
        options: dict[str, Any] = {"filename": filename,
                                   "chunk_size": chunk_size_bytes or self._chunk_size_bytes}
        if metadata is not None:
            options["metadata"] = metadata
        return options

    def open_upload_stream(self, filename: str, chunk_size_bytes: int | None = None,
                           metadata: Mapping[str, Any] | None = None,
                           session: Any = None) -> GridIn:
        return GridIn(self._collection, **self._upload_options(filename, chunk_size_bytes,
                                                               metadata))

    def open_upload_stream_with_id(self, file_id: Any, filename: str,
                                   chunk_size_bytes: int | None = None,
                                   metadata: Mapping[str, Any] | None = None,
                                   session: Any = None) -> GridIn:
        options = self._upload_options(filename, chunk_size_bytes, metadata)
        return GridIn(self._collection, _id=file_id, **options)

    def upload_from_stream(self, filename: str, source: Any, chunk_size_bytes: int | None = None,
                           metadata: Mapping[str, Any] | None = None,
                           session: Any = None) -> ObjectId:
        with self.open_upload_stream(filename, chunk_size_bytes, metadata) as grid_in:
            grid_in.write(source)
        return grid_in._id

    def upload_from_stream_with_id(self, file_id: Any, filename: str, source: Any,
                                   chunk_size_bytes: int | None = None,
                                   metadata: Mapping[str, Any] | None = None,
                                   session: Any = None) -> None:
        with self.open_upload_stream_with_id(file_id, filename, chunk_size_bytes,
                                             metadata) as grid_in:
            grid_in.write(source)

    def open_download_stream(self, file_id: Any, session: Any = None) -> GridOut:
        grid_out = GridOut(self._collection, file_id)
        grid_out.open()
        return grid_out

    def download_to_stream(self, file_id: Any, destination: Any, session: Any = None) -> None:
        with self.open_download_stream(file_id) as grid_out:
            _copy_chunks(grid_out, destination)

    def delete(self, file_id: Any, session: Any = None) -> None:
        result = self._files.delete_one({"_id": {"$eq": file_id}})
        self._chunks.delete_many({"files_id": {"$eq": file_id}})
        if not result.deleted_count:
            raise NoFile(f"no file could be deleted because none matched {file_id}")

    def delete_by_name(self, filename: str, session: Any = None) -> None:
        ids = [f["_id"] for f in self._files.find({"filename": filename}, {"_id": 1})]
        result = self._files.delete_many({"_id": {"$in": ids}})
        self._chunks.delete_many({"files_id": {"$in": ids}})
        if not result.deleted_count:
            raise NoFile(f"no file could be deleted because none matched filename "
                         f"{filename!r}")

    def find(self, *args: Any, **kwargs: Any) -> GridOutCursor:
        return GridOutCursor(self._collection, *args, **kwargs)

    def open_download_stream_by_name(self, filename: str, revision: int = -1,
                                     session: Any = None) -> GridOut:
        if not isinstance(filename, str):
            raise TypeError(f"filename must be an instance of str, not {type(filename)}")
        for document in _version_cursor(self._files, {"filename": filename}, revision):
            return GridOut(self._collection, file_document=document)
        raise NoFile(f"no version {revision} for filename {filename!r}")

    def download_to_stream_by_name(self, filename: str, destination: Any, revision: int = -1,
                                   session: Any = None) -> None:
        with self.open_download_stream_by_name(filename, revision) as grid_out:
            _copy_chunks(grid_out, destination)

    def rename(self, file_id: Any, new_filename: str, session: Any = None) -> None:
        result = self._files.update_one({"_id": {"$eq": file_id}},
                                        {"$set": {"filename": new_filename}})
        if not result.matched_count:
            raise NoFile(f"no files could be renamed {new_filename!r} because none matched "
                         f"file_id {file_id}")

    def rename_by_name(self, filename: str, new_filename: str, session: Any = None) -> None:
        result = self._files.update_many({"filename": filename},
                                         {"$set": {"filename": new_filename}})
        if not result.matched_count:
            raise NoFile(f"no files could be renamed {new_filename!r} because none matched "
                         f"filename {filename!r}")


def _copy_chunks(grid_out: GridOut, destination: Any) -> None:
    while True:
        chunk = grid_out.readchunk()
        if not chunk:
            break
        destination.write(chunk)
