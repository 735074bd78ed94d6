"""odm.fs: GridFS file documents."""
from __future__ import annotations

import hashlib
import io

import bson
import pytest

from odm import Field, schema
from odm.fs import CorruptGridFile, FileReader, NoFile, filesystem


@pytest.fixture
def Attachment(session):
    return filesystem("attachments", session, Field("owner", str))


def test_filesystem_class_lives_in_the_files_collection(Attachment):
    assert Attachment.m.collection_name == "attachments.files"
    assert {f.name for f in Attachment.m.fields} == {
        "_id", "filename", "contentType", "length", "chunkSize", "uploadDate", "md5", "aliases", "metadata", "owner"
    }


def test_put_and_get_file(Attachment, session):
    file_id = Attachment.m.put("hello.txt", b"hello world", owner="ada")
    assert isinstance(file_id, bson.ObjectId)
    record = session.db["attachments.files"].find_one()
    assert record["filename"] == "hello.txt" and record["contentType"] == "text/plain"
    assert record["length"] == 11 and record["md5"] == hashlib.md5(b"hello world").hexdigest()
    assert record["owner"] == "ada"
    f = Attachment.m.get_file(file_id)
    assert isinstance(f, FileReader)
    assert f.read() == b"hello world"
    assert (f.filename, f.content_type, f.length, f.owner) == ("hello.txt", "text/plain", 11, "ada")
    assert f.upload_date is not None and f.doc._id == file_id


def test_file_records_are_queryable_documents(Attachment):
    Attachment.m.put("a.png", b"x", owner="ada")
    Attachment.m.put("b.pdf", b"yy", owner="bob")
    docs = Attachment.m.find().sort("filename").all()
    assert [(d.filename, d.contentType, d.length, d.owner) for d in docs] == [
        ("a.png", "image/png", 1, "ada"),
        ("b.pdf", "application/pdf", 2, "bob"),
    ]
    assert type(docs[0]) is Attachment
    assert Attachment.m.get(owner="bob").filename == "b.pdf"
    assert docs[0].m.open().read() == b"x"


def test_own_fields_are_validated_before_anything_is_written(Attachment, session):
    with pytest.raises(schema.Invalid):
        Attachment.m.put("x.txt", b"data", owner=5)
    with pytest.raises(schema.Invalid):
        Attachment.m.put("x.txt", b"data", unknown_field=1)
    assert session.db["attachments.chunks"].count_documents({}) == 0
    assert session.db["attachments.files"].count_documents({}) == 0


def test_large_files_are_split_into_chunks(Attachment, session):
    data = bytes(range(256)) * 40  # 10240 bytes
    file_id = Attachment.m.put("blob.bin", data, chunk_size=1000)
    chunks = list(session.db["attachments.chunks"].find({"files_id": file_id}).sort("n"))
    assert [c["n"] for c in chunks] == list(range(11))
    assert len(chunks[-1]["data"]) == 240
    f = Attachment.m.get_file(file_id)
    assert f.chunk_size == 1000
    assert f.read(10) == data[:10]
    f.seek(995)
    assert f.read(10) == data[995:1005] and f.tell() == 1005
    f.seek(-5, io.SEEK_END)
    assert f.read() == data[-5:]
    f.seek(0)
    assert f.read() == data


def test_new_file_context_manager_and_text(Attachment):
    with Attachment.m.new_file("notes.txt", encoding="utf-8", owner="ada") as f:
        f.write("line one\n")
        f.writelines(["line two\n", b"line three"])
    assert f.closed and f.length == len("line one\nline two\nline three")
    reader = Attachment.m.get_last_version("notes.txt")
    assert list(reader) == [b"line one\n", b"line two\n", b"line three"]
    reader.seek(0)
    assert reader.readline() == b"line one\n" and reader.readline(4) == b"line"
    with Attachment.m.new_file("x.txt") as g:
        g.write("text without encoding")
    assert Attachment.m.get_last_version("x.txt").read() == b"text without encoding"
    with pytest.raises(UnicodeEncodeError):
        with Attachment.m.new_file("y.txt") as g:
            g.write("caf\u00e9")
    assert not Attachment.m.exists(filename="y.txt")


def test_a_failed_write_leaves_nothing_behind(Attachment, session):
    with pytest.raises(RuntimeError):
        with Attachment.m.new_file("broken.bin", chunk_size=2) as f:
            f.write(b"abcdef")
            raise RuntimeError("boom")
    assert session.db["attachments.chunks"].count_documents({}) == 0
    assert not Attachment.m.exists(filename="broken.bin")


def test_put_reads_file_objects(Attachment):
    file_id = Attachment.m.put("stream.bin", io.BytesIO(b"0123456789"), chunk_size=3)
    assert Attachment.m.get_file(file_id).read() == b"0123456789"


def test_versions(Attachment):
    ids = [Attachment.m.put("doc.txt", f"v{i}".encode()) for i in range(3)]
    # make the upload order unambiguous even on fast clocks
    import datetime

    for i, file_id in enumerate(ids):
        Attachment.m.update_partial({"_id": file_id}, {"$set": {"uploadDate": datetime.datetime(2020, 1, 1 + i)}})
    assert Attachment.m.get_last_version("doc.txt").read() == b"v2"
    assert Attachment.m.get_version("doc.txt", 0).read() == b"v0"
    assert Attachment.m.get_version("doc.txt", 1).read() == b"v1"
    assert Attachment.m.get_version("doc.txt", -2).read() == b"v1"
    with pytest.raises(NoFile):
        Attachment.m.get_version("doc.txt", 3)
    with pytest.raises(NoFile):
        Attachment.m.get_last_version("other.txt")
    with pytest.raises(NoFile):
        Attachment.m.get_file(bson.ObjectId())


def test_exists_and_delete(Attachment, session):
    keep = Attachment.m.put("keep.txt", b"k", owner="ada")
    gone = Attachment.m.put("gone.txt", b"g", owner="bob")
    assert Attachment.m.exists(gone) and Attachment.m.exists(filename="gone.txt") and Attachment.m.exists({"owner": "bob"})
    Attachment.m.get(_id=gone).m.delete()
    assert not Attachment.m.exists(gone)
    assert session.db["attachments.chunks"].count_documents({"files_id": gone}) == 0
    Attachment.m.delete(keep)
    assert Attachment.m.count() == 0 and session.db["attachments.chunks"].count_documents({}) == 0


def test_remove_deletes_chunks_of_matching_files(Attachment, session):
    for owner in ("ada", "ada", "bob"):
        Attachment.m.put("f.txt", b"data", owner=owner)
    Attachment.m.remove({"owner": "ada"})
    assert [d.owner for d in Attachment.m.find()] == ["bob"]
    assert session.db["attachments.chunks"].count_documents({}) == 1


def test_missing_chunks_are_reported(Attachment, session):
    file_id = Attachment.m.put("x.bin", b"abcdef", chunk_size=2)
    session.db["attachments.chunks"].delete_one({"files_id": file_id, "n": 1})
    with pytest.raises(CorruptGridFile):
        Attachment.m.get_file(file_id).read()


def test_chunk_index_and_file_index_are_created(Attachment, session):
    Attachment.m.put("a.txt", b"a")
    chunk_keys = [v["key"] for v in session.db["attachments.chunks"].index_information().values()]
    assert [("files_id", 1), ("n", 1)] in [list(map(tuple, k)) for k in chunk_keys]
    file_keys = [list(map(tuple, v["key"])) for v in Attachment.m.index_information().values()]
    assert [("filename", 1), ("uploadDate", 1)] in file_keys


@pytest.mark.parametrize("real_backend", ["wire", "pymongo"])
def test_files_interoperate_with_pymongo_gridfs(real_backend):
    """Runs through real pymongo only (wire server, MONGODB_URI): pymongo's gridfs accepts nothing but its own Database."""
    import gridfs

    from conftest import make_datastore
    from odm import Session

    ds = make_datastore(real_backend)
    try:
        Attachment = filesystem("attachments", Session(ds), Field("owner", str))
        bucket = gridfs.GridFS(ds.db, "attachments")
        ours = Attachment.m.put("ours.txt", b"from odm", chunk_size=3)
        assert bucket.get(ours).read() == b"from odm"
        theirs = bucket.put(b"from pymongo", filename="theirs.txt")
        f = Attachment.m.get_file(theirs)
        assert f.read() == b"from pymongo" and f.filename == "theirs.txt"
    finally:
        ds.conn.drop_database(ds.name)
