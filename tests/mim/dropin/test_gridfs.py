"""mim.gridfs: pymongo's GridFS / GridFSBucket API on a mim database."""

from __future__ import annotations

import io

import pytest
from bson.int64 import Int64
from bson.objectid import ObjectId
from gridfs.errors import CorruptGridFile, FileExists, NoFile
from pymongo.errors import ConfigurationError
from pymongo.write_concern import WriteConcern

import mim
from mim.gridfs import DEFAULT_CHUNK_SIZE, GridFS, GridFSBucket, GridIn, GridOut


@pytest.fixture
def db():
    return mim.MongoClient(server=mim.Server()).gridtest


@pytest.fixture
def fs(db):
    return GridFS(db)


@pytest.fixture
def bucket(db):
    return GridFSBucket(db, chunk_size_bytes=10)


# -- GridFS ------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [0, 1, 9, 10, 11, 100, 1005])
def test_put_get_round_trip_across_chunk_boundaries(fs, db, size):
    data = bytes(range(256)) * (size // 256 + 1)
    data = data[:size]
    file_id = fs.put(data, filename="f.bin", chunkSize=10)
    assert fs.get(file_id).read() == data
    assert db.fs.chunks.count_documents({"files_id": file_id}) == -(-size // 10)
    ns = [c["n"] for c in db.fs.chunks.find({"files_id": file_id}).sort("n", 1)]
    assert ns == list(range(len(ns)))


def test_file_document_layout(fs, db):
    file_id = fs.put(b"abc", filename="a.txt", contentType="text/plain", owner="ann")
    document = db.fs.files.find_one({"_id": file_id})
    assert set(document) == {"_id", "filename", "contentType", "owner", "chunkSize", "length",
                             "uploadDate"}
    assert document["length"] == 3 and isinstance(document["length"], Int64)
    assert document["chunkSize"] == DEFAULT_CHUNK_SIZE
    grid_out = fs.get(file_id)
    assert (grid_out.filename, grid_out.name, grid_out.content_type) == ("a.txt",) * 2 + \
        ("text/plain",)
    assert grid_out.owner == "ann"
    assert grid_out.upload_date == document["uploadDate"]
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        grid_out.nope


def test_indexes_are_created_on_first_write(fs, db):
    fs.put(b"x", filename="a")
    files = {tuple(v["key"]) for v in db.fs.files.index_information().values()}
    chunks = db.fs.chunks.index_information()
    assert (("filename", 1), ("uploadDate", 1)) in files
    assert chunks["files_id_1_n_1"]["unique"] is True


def test_str_needs_an_encoding(fs):
    with pytest.raises(TypeError, match="must specify an encoding"):
        fs.put("text")
    file_id = fs.put("héllo", encoding="utf-8")
    assert fs.get(file_id).read() == "héllo".encode()
    with pytest.raises(TypeError, match="can only write strings or file-like"):
        fs.put(12)


def test_put_from_file_like(fs):
    file_id = fs.put(io.BytesIO(b"0123456789" * 50), chunkSize=7)
    assert fs.get(file_id).read() == b"0123456789" * 50


def test_duplicate_id_raises_file_exists(fs):
    fs.put(b"one", _id="same")
    with pytest.raises(FileExists, match="file with _id 'same' already exists"):
        fs.put(b"two", _id="same")
    with pytest.raises(FileExists):
        fs.put(b"", _id="same")
    assert fs.get("same").read() == b"one"


def test_versions_and_last_version(fs):
    for body in (b"v0", b"v1", b"v2"):
        fs.put(body, filename="doc")
    assert fs.get_last_version("doc").read() == b"v2"
    assert fs.get_version("doc", 0).read() == b"v0"
    assert fs.get_version("doc", -2).read() == b"v1"
    with pytest.raises(NoFile, match="no version 5 for filename 'doc'"):
        fs.get_version("doc", 5)
    with pytest.raises(NoFile):
        fs.get_last_version("missing")


def test_get_missing_raises_no_file(fs):
    with pytest.raises(NoFile, match="with _id 'nope'"):
        fs.get("nope")


def test_delete_list_exists_find(fs, db):
    a = fs.put(b"a", filename="a", tag=1)
    b = fs.put(b"bb", filename="b", tag=2)
    fs.put(b"anonymous")
    assert sorted(fs.list()) == ["a", "b"]
    assert fs.exists(a) and fs.exists({"filename": "b"}) and fs.exists(tag=2)
    assert not fs.exists(tag=3)
    names = [f.filename for f in fs.find({"tag": {"$gte": 1}}).sort("tag", -1)]
    assert names == ["b", "a"]
    assert fs.find_one(b).read() == b"bb"
    assert fs.find_one({"filename": "zzz"}) is None
    fs.delete(a)
    assert not fs.exists(a)
    assert db.fs.chunks.count_documents({"files_id": a}) == 0
    fs.delete(a)  # deleting twice is not an error for GridFS


def test_cursor_chaining_returns_grid_outs(fs):
    for i in range(5):
        fs.put(str(i).encode(), filename=f"f{i}", i=i)
    cursor = fs.find().sort("i", 1).skip(1).limit(2)
    files = list(cursor)
    assert all(isinstance(f, GridOut) for f in files)
    assert [f.read() for f in files] == [b"1", b"2"]
    assert [f.i for f in fs.find({"i": {"$gt": 2}}).to_list()] == [3, 4]
    with pytest.raises(NotImplementedError):
        fs.find().add_option(2)


def test_grid_in_attributes(db):
    grid_in = GridIn(db.fs, filename="x", chunk_size=4, content_type="a/b")
    with pytest.raises(AttributeError, match="can only get 'length' on a closed file"):
        grid_in.length
    grid_in.write(b"abcdefghij")
    grid_in.writelines([b"k", b"l"])
    grid_in.color = "red"
    grid_in.close()
    grid_in.close()
    assert grid_in.closed and grid_in.length == 12 and grid_in.chunk_size == 4
    grid_in.size_label = "small"  # after close: written straight to the file document
    document = db.fs.files.find_one({"_id": grid_in._id})
    assert document["color"] == "red" and document["size_label"] == "small"
    assert document["contentType"] == "a/b"
    with pytest.raises(ValueError, match="closed file"):
        grid_in.write(b"more")


def test_grid_in_context_manager_error_does_not_store_file_document(db):
    with pytest.raises(RuntimeError):
        with GridIn(db.fs, _id=1, chunk_size=2) as grid_in:
            grid_in.write(b"abcdef")
            raise RuntimeError
    assert db.fs.files.find_one({"_id": 1}) is None


def test_abort_removes_chunks(db):
    grid_in = GridIn(db.fs, _id=7, chunk_size=2)
    grid_in.write(b"a" * (2 * 80))  # more than one insert batch of chunks
    grid_in.abort()
    assert db.fs.chunks.count_documents({"files_id": 7}) == 0
    assert grid_in.closed


def test_grid_out_reading(fs):
    file_id = fs.put(b"line1\nline2\nlast", chunkSize=4)
    grid_out = fs.get(file_id)
    assert grid_out.readline() == b"line1\n"
    assert grid_out.tell() == 6
    assert grid_out.read(3) == b"lin"
    assert grid_out.readchunk() == b"e2\n"  # the rest of chunk #2 (bytes 8..11)
    assert grid_out.read() == b"last"
    assert grid_out.read() == b""
    assert grid_out.seek(-4, io.SEEK_END) == 12 and grid_out.read(2) == b"la"
    grid_out.seek(2)
    assert grid_out.read(3) == b"ne1"
    assert grid_out.seek(1, io.SEEK_CUR) == 6
    with pytest.raises(OSError):
        grid_out.seek(-1)
    grid_out.seek(0)
    assert list(grid_out) == [b"line1\n", b"line2\n", b"last"]
    grid_out.seek(0)
    assert grid_out.readlines() == [b"line1\n", b"line2\n", b"last"]
    with pytest.raises(io.UnsupportedOperation):
        grid_out.write(b"x")


def test_corrupt_files_are_detected(fs, db):
    missing = fs.put(b"abcdefgh", chunkSize=4)
    db.fs.chunks.delete_one({"files_id": missing, "n": 1})
    with pytest.raises(CorruptGridFile, match="no chunk #1"):
        fs.get(missing).read()
    truncated = fs.put(b"abcdefgh", chunkSize=4)
    db.fs.chunks.update_one({"files_id": truncated, "n": 0}, {"$set": {"data": b"ab"}})
    with pytest.raises(CorruptGridFile, match="truncated chunk #0"):
        fs.get(truncated).read()
    extra = fs.put(b"abcd", chunkSize=4)
    db.fs.chunks.insert_one({"files_id": extra, "n": 1, "data": b"zz"})
    with pytest.raises(CorruptGridFile, match="Extra chunk"):
        fs.get(extra).read()


def test_unacknowledged_write_concern_is_refused(db):
    with pytest.raises(ConfigurationError):
        GridFS(db.with_options(write_concern=WriteConcern(w=0)))
    with pytest.raises(ConfigurationError):
        GridFSBucket(db, write_concern=WriteConcern(w=0))
    with pytest.raises(TypeError, match="database must be an instance of Database"):
        GridFS("not a database")


def test_custom_collection_name(db):
    fs = GridFS(db, "images")
    file_id = fs.put(b"png")
    assert db.images.files.count_documents({}) == 1
    assert db.images.chunks.count_documents({"files_id": file_id}) == 1
    assert "fs.files" not in db.list_collection_names()


# -- GridFSBucket ---------------------------------------------------------------------------

def test_bucket_upload_download(bucket, db):
    data = b"x" * 25 + b"y" * 10
    file_id = bucket.upload_from_stream("f", data, metadata={"kind": "test"})
    assert isinstance(file_id, ObjectId)
    assert db.fs.chunks.count_documents({"files_id": file_id}) == 4
    stream = bucket.open_download_stream(file_id)
    assert stream.read() == data and stream.metadata == {"kind": "test"}
    out = io.BytesIO()
    bucket.download_to_stream(file_id, out)
    assert out.getvalue() == data


def test_bucket_upload_streams_and_ids(bucket):
    bucket.upload_from_stream_with_id("my-id", "f", io.BytesIO(b"stream"))
    assert bucket.open_download_stream("my-id").read() == b"stream"
    with pytest.raises(FileExists):
        bucket.upload_from_stream_with_id("my-id", "g", b"again")
    with bucket.open_upload_stream("h", chunk_size_bytes=3) as grid_in:
        grid_in.write(b"abcdefg")
    assert bucket.open_download_stream(grid_in._id).chunk_size == 3
    with pytest.raises(TypeError, match="filename must be an instance of str"):
        bucket.open_upload_stream(5)


def test_bucket_revisions_by_name(bucket):
    for body in (b"r0", b"r1", b"r2"):
        bucket.upload_from_stream("doc", body)
    assert bucket.open_download_stream_by_name("doc").read() == b"r2"
    assert bucket.open_download_stream_by_name("doc", revision=0).read() == b"r0"
    assert bucket.open_download_stream_by_name("doc", revision=-3).read() == b"r0"
    out = io.BytesIO()
    bucket.download_to_stream_by_name("doc", out, revision=1)
    assert out.getvalue() == b"r1"
    with pytest.raises(NoFile, match="no version 3 for filename 'doc'"):
        bucket.open_download_stream_by_name("doc", revision=3)


def test_bucket_rename_delete_find(bucket, db):
    a = bucket.upload_from_stream("a", b"aaa")
    bucket.upload_from_stream("b", b"b1")
    bucket.upload_from_stream("b", b"b2")
    bucket.rename(a, "renamed")
    assert bucket.open_download_stream(a).filename == "renamed"
    with pytest.raises(NoFile, match="because none matched file_id"):
        bucket.rename(ObjectId(), "x")
    bucket.rename_by_name("b", "c")
    assert sorted(f.filename for f in bucket.find()) == ["c", "c", "renamed"]
    with pytest.raises(NoFile, match="none matched filename 'b'"):
        bucket.rename_by_name("b", "d")
    bucket.delete(a)
    with pytest.raises(NoFile, match="no file could be deleted"):
        bucket.delete(a)
    with pytest.raises(NoFile):
        bucket.open_download_stream(a)
    bucket.delete_by_name("c")
    assert db.fs.files.count_documents({}) == 0
    assert db.fs.chunks.count_documents({}) == 0
    with pytest.raises(NoFile):
        bucket.delete_by_name("c")


def test_bucket_find_with_options(bucket):
    for i in range(4):
        bucket.upload_from_stream(f"f{i}", b"-" * i)
    found = bucket.find({"length": {"$gte": 1}}, sort=[("length", -1)], limit=2)
    assert [f.filename for f in found] == ["f3", "f2"]


def test_bucket_name(db):
    bucket = GridFSBucket(db, bucket_name="photos")
    bucket.upload_from_stream("p", b"jpg")
    assert db.photos.files.count_documents({"filename": "p"}) == 1
