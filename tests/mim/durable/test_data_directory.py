"""``mim.Server(dbpath=…)``: data that outlives the process.

What a restart must give back is exactly what was acknowledged: every
document byte for byte, every index, collection option and view; a torn last
journal write is cut off, damage before it stops start-up; one process at a
time holds the directory.
"""

from __future__ import annotations

import datetime
import fcntl
import logging
import os
import uuid

import bson
from bson.raw_bson import RawBSONDocument
import pytest
from bson import (Binary, Code, DBRef, Decimal128, Int64, MaxKey, MinKey, ObjectId, Regex,
                  Timestamp)
from bson.codec_options import CodecOptions
from pymongo.errors import DuplicateKeyError, OperationFailure, WriteError

import mim
from mim.engine.ops.durable import CorruptDataFile, DataDirectoryLocked, open_data_directory
from mim.engine.ops.durable.frames import MAGIC, read_frames
from mim.engine.ops.durable.records import decode_records

RAW = CodecOptions(document_class=RawBSONDocument)


def _client(server):
    return mim.MongoClient(server=server)


def _reopen(path, **kwargs):
    return mim.Server(dbpath=str(path), **kwargs)


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "data"


def every_bson_type() -> dict:
    return {
        "_id": ObjectId(), "double": 1.5, "string": "héllo", "object": {"a": {"b": [1]}},
        "array": [1, "two", [3]], "binary": Binary(b"\x00\x01", 0), "uuid": Binary(uuid.uuid4().bytes, 4),
        "user_binary": Binary(b"x", 128), "oid": ObjectId(), "bool": True,
        "date": datetime.datetime(2024, 2, 29, 12, 0, 0, 123000),
        "null": None, "regex": Regex("^a.c$", "im"), "code": Code("function(){}"),
        "code_w_scope": Code("x", {"x": 1}), "int32": 7, "timestamp": Timestamp(1700000000, 3),
        "int64": Int64(2 ** 40), "decimal": Decimal128("-0.000"), "minkey": MinKey(),
        "maxkey": MaxKey(), "dbref": DBRef("c", 1, "db"), "nan": float("nan"),
    }


def test_documents_come_back_byte_for_byte(data_dir):
    server = _reopen(data_dir)
    doc = every_bson_type()
    coll = _client(server).db.everything
    coll.insert_one(doc)
    before = coll.with_options(codec_options=RAW).find_one().raw
    server.close()

    again = _reopen(data_dir)
    try:
        after = _client(again).db.everything.with_options(codec_options=RAW).find_one().raw
        assert after == before
    finally:
        again.close()


def test_writes_indexes_options_and_views_survive_a_restart(data_dir):
    server = _reopen(data_dir)
    db = _client(server).shop
    db.items.insert_many([{"_id": i, "sku": f"s{i}", "qty": i} for i in range(10)])
    db.items.create_index("sku", unique=True)
    db.items.create_index([("qty", -1)], partialFilterExpression={"qty": {"$gt": 2}},
                          name="big")
    db.items.update_one({"_id": 1}, {"$set": {"qty": 100}})
    db.items.replace_one({"_id": 2}, {"sku": "s2", "replaced": True})
    db.items.delete_many({"_id": {"$gte": 8}})
    db.create_collection("ruled", validator={"qty": {"$type": "int"}})
    db.create_collection("ring", capped=True, size=4096, max=3)
    db.ring.insert_many([{"n": n} for n in range(5)])
    db.create_collection("cheap", viewOn="items", pipeline=[{"$match": {"qty": {"$lt": 5}}}])
    db.old.insert_one({"x": 1})
    db.old.rename("new")
    db.gone.insert_one({"x": 1})
    db.gone.drop()
    _client(server).dropme.c.insert_one({})
    _client(server).drop_database("dropme")
    expected_items = list(db.items.find())
    server.close()

    again = _reopen(data_dir)
    try:
        client = _client(again)
        db = client.shop
        assert list(db.items.find()) == expected_items
        assert db.items.find_one({"_id": 1})["qty"] == 100
        assert db.items.find_one({"_id": 2}) == {"_id": 2, "sku": "s2", "replaced": True}
        info = db.items.index_information()
        assert info["sku_1"]["unique"] is True
        assert info["big"]["partialFilterExpression"] == {"qty": {"$gt": 2}}
        with pytest.raises(DuplicateKeyError):
            db.items.insert_one({"sku": "s3"})
        with pytest.raises(WriteError) as failed:
            db.ruled.insert_one({"qty": "many"})
        assert failed.value.code == 121
        assert [d["n"] for d in db.ring.find()] == [2, 3, 4]
        db.ring.insert_one({"n": 5})
        assert [d["n"] for d in db.ring.find()] == [3, 4, 5]
        assert [d["_id"] for d in db.cheap.find()] == [0, 3, 4]
        assert sorted(db.list_collection_names()) == ["cheap", "items", "new", "ring", "ruled"]
        assert "dropme" not in client.list_database_names()
    finally:
        again.close()


def test_collmod_survives_a_restart(data_dir):
    server = _reopen(data_dir)
    db = _client(server).db
    db.create_collection("c")
    db.c.create_index("t", expireAfterSeconds=60)
    db.command("collMod", "c", validator={"a": {"$exists": True}}, validationLevel="moderate")
    db.command("collMod", "c", index={"keyPattern": {"t": 1}, "expireAfterSeconds": 120})
    server.close()

    again = _reopen(data_dir)
    try:
        db = _client(again).db
        options = db.c.options()
        assert options["validator"] == {"a": {"$exists": True}}
        assert options["validationLevel"] == "moderate"
        assert db.c.index_information()["t_1"]["expireAfterSeconds"] == 120
        with pytest.raises(WriteError):
            db.c.insert_one({"b": 1})
    finally:
        again.close()


def test_a_second_server_on_the_same_directory_is_refused(data_dir):
    server = _reopen(data_dir)
    try:
        with pytest.raises(DataDirectoryLocked, match="mongod.lock"):
            _reopen(data_dir)
    finally:
        server.close()
    _reopen(data_dir).close()  # released on close


def test_a_lock_left_by_a_killed_process_is_detected_and_taken(data_dir, caplog):
    server = _reopen(data_dir)
    _client(server).db.c.insert_one({"_id": 1})
    server.data_directory.commit()
    # what a SIGKILL leaves: the pid still in the lock file, the flock gone with the process
    lock_handle = server.data_directory._lock_handle
    fcntl.flock(lock_handle.fileno(), fcntl.LOCK_UN)
    with caplog.at_level(logging.WARNING, logger="mim.engine"):
        again = _reopen(data_dir)
    try:
        assert "unclean shutdown" in caplog.text
        assert _client(again).db.c.find_one() == {"_id": 1}
    finally:
        again.close()
        lock_handle.close()


def _journal(data_dir) -> str:
    names = sorted(n for n in os.listdir(data_dir) if n.startswith("journal."))
    return os.path.join(data_dir, names[-1])


def _three_commits(data_dir):
    server = _reopen(data_dir)
    coll = _client(server).db.c
    for i in range(3):
        coll.insert_one({"_id": i})
        server.data_directory.commit()
    server.close()


def test_a_torn_last_write_is_cut_off_with_a_warning(data_dir, caplog):
    _three_commits(data_dir)
    path = _journal(data_dir)
    size = os.path.getsize(path)
    with open(path, "r+b") as handle:
        handle.truncate(size - 3)  # the last frame only partly reached the disk
    with caplog.at_level(logging.WARNING, logger="mim.engine"):
        again = _reopen(data_dir)
    try:
        assert "torn last write" in caplog.text
        assert [d["_id"] for d in _client(again).db.c.find()] == [0, 1]
        _client(again).db.c.insert_one({"_id": 9})
    finally:
        again.close()
    third = _reopen(data_dir)
    try:
        assert [d["_id"] for d in _client(third).db.c.find()] == [0, 1, 9]
    finally:
        third.close()


def test_a_damaged_last_frame_with_a_bad_checksum_is_cut_off(data_dir):
    _three_commits(data_dir)
    path = _journal(data_dir)
    with open(path, "r+b") as handle:
        handle.seek(-2, os.SEEK_END)
        handle.write(b"\xff\xfe")
    again = _reopen(data_dir)
    try:
        assert [d["_id"] for d in _client(again).db.c.find()] == [0, 1]
    finally:
        again.close()


def test_damage_before_the_last_frame_stops_start_up_naming_file_and_offset(data_dir):
    _three_commits(data_dir)
    path = _journal(data_dir)
    first_payload = len(MAGIC) + 8 + 10
    with open(path, "r+b") as handle:
        handle.seek(first_payload)
        byte = handle.read(1)
        handle.seek(first_payload)
        handle.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(CorruptDataFile) as failed:
        _reopen(data_dir)
    assert failed.value.path == path
    assert failed.value.offset == len(MAGIC)
    assert f"offset {len(MAGIC)}" in str(failed.value)
    # nothing was cut: the file is left for repair
    _reopen_error = os.path.getsize(path)
    assert _reopen_error > len(MAGIC)


def test_compaction_on_demand_keeps_everything_and_shrinks_the_journal(data_dir):
    server = _reopen(data_dir)
    coll = _client(server).db.c
    coll.create_index("n")
    for i in range(200):
        coll.insert_one({"_id": i, "n": i})
        coll.update_one({"_id": i}, {"$inc": {"n": 1}})
    server.data_directory.commit()
    journal_before = os.path.getsize(_journal(data_dir))
    server.data_directory.compact()
    assert os.path.getsize(_journal(data_dir)) < journal_before
    assert sorted(n for n in os.listdir(data_dir) if not n.endswith(".lock")) == \
        ["journal.1", "snapshot.1"]
    coll.insert_one({"_id": 1000, "n": 0})
    server.close()

    again = _reopen(data_dir)
    try:
        coll = _client(again).db.c
        assert coll.count_documents({}) == 201
        assert coll.find_one({"_id": 5})["n"] == 6
        assert "n_1" in coll.index_information()
    finally:
        again.close()


def test_compaction_runs_by_itself_when_the_journal_grows(data_dir):
    server = mim.Server()
    directory = open_data_directory(server, str(data_dir), compact_bytes=4096)
    server.data_directory = directory
    coll = _client(server).db.c
    for i in range(100):
        coll.insert_one({"_id": i, "pad": "x" * 100})
        directory.commit()
    assert directory.generation >= 2
    server.close()
    again = _reopen(data_dir)
    try:
        assert _client(again).db.c.count_documents({}) == 100
    finally:
        again.close()


def test_a_compaction_cut_short_recovers_from_the_older_files(data_dir):
    """A crash after the new journal began but before the new snapshot was
    renamed into place: the old journal and the new one together hold it all."""
    server = _reopen(data_dir)
    coll = _client(server).db.c
    coll.insert_many([{"_id": i} for i in range(5)])
    server.data_directory.commit()
    server.close()
    journal0 = os.path.join(data_dir, "journal.0")
    # what the crash left: journal.0 complete, journal.1 begun, a half-written snapshot
    with open(os.path.join(data_dir, "journal.1"), "wb") as handle:
        handle.write(MAGIC)
    with open(os.path.join(data_dir, "snapshot.1.tmp"), "wb") as handle:
        handle.write(MAGIC + b"\x10\x00")
    again = _reopen(data_dir)
    try:
        assert _client(again).db.c.count_documents({}) == 5
        assert os.path.exists(journal0)
        assert not os.path.exists(os.path.join(data_dir, "snapshot.1.tmp"))
    finally:
        again.close()


def test_group_commit_writes_on_an_interval(data_dir):
    server = _reopen(data_dir, commit_interval_ms=5)
    coll = _client(server).db.c
    for i in range(50):
        coll.insert_one({"_id": i})
    server.close()
    again = _reopen(data_dir)
    try:
        assert _client(again).db.c.count_documents({}) == 50
    finally:
        again.close()


@pytest.mark.parametrize("bad", [0, 501])
def test_commit_interval_is_bounded_as_mongods(data_dir, bad):
    with pytest.raises(ValueError, match="between 1 and 500"):
        _reopen(data_dir, commit_interval_ms=bad)


def test_a_command_is_journaled_before_its_reply(data_dir):
    server = _reopen(data_dir)
    db = _client(server).db
    db.command("insert", "c", documents=[{"_id": 1}])
    # no close, no explicit commit: the command's reply came after the fsync
    assert not server.data_directory._pending
    size = os.path.getsize(_journal(data_dir))
    assert size > len(MAGIC)
    server.close()


def test_an_in_memory_server_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    server = mim.Server()
    _client(server).db.c.insert_one({})
    assert server.data_directory is None
    assert os.listdir(tmp_path) == []
    with pytest.raises(ValueError):
        mim.Server(commit_interval_ms=10)


def test_failed_writes_leave_nothing_in_the_journal(data_dir):
    server = _reopen(data_dir)
    coll = _client(server).db.c
    coll.insert_one({"_id": 1})
    with pytest.raises(DuplicateKeyError):
        coll.insert_one({"_id": 1, "second": True})
    with pytest.raises(OperationFailure):
        coll.update_one({"_id": 1}, {"$inc": {"_id": 1}})
    server.close()
    again = _reopen(data_dir)
    try:
        assert list(_client(again).db.c.find()) == [{"_id": 1}]
    finally:
        again.close()


def test_users_live_in_admin_system_users_and_survive_a_restart(data_dir):
    server = _reopen(data_dir)
    client = _client(server)
    client.admin.command("createUser", "ada", pwd="lovelace", roles=["root"])
    client.shop.command("createUser", "bob", pwd="builder", roles=["read"],
                        customData={"team": 7})
    client.shop.command("grantRolesToUser", "bob", roles=["readWrite"])
    stored = client.admin["system.users"].find_one({"_id": "shop.bob"})
    assert stored["user"] == "bob" and stored["db"] == "shop"
    assert stored["roles"] == [{"role": "read", "db": "shop"}, {"role": "readWrite", "db": "shop"}]
    assert "builder" not in repr(stored)  # salted SCRAM keys only
    assert set(stored["credentials"]) == {"SCRAM-SHA-1", "SCRAM-SHA-256"}
    server.close()

    again = _reopen(data_dir)
    try:
        info = _client(again).shop.command("usersInfo", "bob")["users"]
        assert [(u["user"], u["customData"]) for u in info] == [("bob", {"team": 7})]
        assert {r["role"] for r in info[0]["roles"]} == {"read", "readWrite"}
        names = [u["user"] for u in
                 _client(again).admin.command("usersInfo", {"forAllDBs": True})["users"]]
        assert names == ["ada", "bob"]
    finally:
        again.close()


def test_user_defined_roles_survive_a_restart(data_dir):
    """Roles are documents of ``admin.system.roles``, written through the one write path."""
    server = _reopen(data_dir)
    client = _client(server)
    client.shop.command("createRole", "orders", roles=["read"], privileges=[
        {"resource": {"db": "shop", "collection": "orders"}, "actions": ["insert"]}])
    client.shop.command("createUser", "bob", pwd="builder", roles=["orders"])
    server.close()

    again = _reopen(data_dir)
    try:
        shop = _client(again).shop
        role = shop.command("rolesInfo", "orders", showPrivileges=True)["roles"][0]
        assert role["privileges"] == [{"resource": {"db": "shop", "collection": "orders"},
                                       "actions": ["insert"]}]
        assert role["inheritedRoles"] == [{"role": "read", "db": "shop"}]
        user = shop.command("usersInfo", "bob", showPrivileges=True)["users"][0]
        assert user["inheritedRoles"] == [{"role": "orders", "db": "shop"},
                                          {"role": "read", "db": "shop"}]
    finally:
        again.close()


class _RecordingBar:
    def __init__(self, log, total, description):
        self.log, self.total, self.description, self.done = log, total, description, 0
        log.append(self)

    def update(self, count):
        self.done += count

    def close(self):
        self.closed = True


def test_replay_and_compaction_report_progress(data_dir):
    bars: list = []

    def progress(total, description):
        return _RecordingBar(bars, total, description)

    server = _reopen(data_dir)
    _client(server).db.c.insert_many([{"_id": i} for i in range(50)])
    server.close()
    again = mim.Server(dbpath=str(data_dir), progress=progress)
    try:
        replay = [b for b in bars if b.description.startswith("replaying journal.")]
        # the bar counts the journal's bytes: all its frames' payloads were read
        journal_size = os.path.getsize(_journal(data_dir))
        assert replay[0].total == journal_size
        assert 0 < replay[0].done < journal_size
        assert all(getattr(b, "closed", False) for b in replay)
        again.data_directory.compact()
        compaction = [b for b in bars if b.description.startswith("compacting")]
        assert compaction[0].total == compaction[0].done == 51  # create + 50 documents
    finally:
        again.close()


def _frames(path):
    return [decode_records(payload) for payload in read_frames(path, repair=False)]


def test_a_transaction_reaches_the_journal_as_one_frame_at_commit(data_dir):
    server = _reopen(data_dir)
    client = _client(server)
    coll = client.db.c
    coll.insert_one({"_id": "before"})
    with client.start_session() as session:
        with session.start_transaction():
            for i in range(3):
                coll.insert_one({"_id": i}, session=session)
            # nothing of the open transaction is in the journal yet
            inserted_before_commit = [bson_id(r) for frame in _frames(_journal(data_dir))
                                      for r in frame if r["op"] == "i"]
            assert inserted_before_commit == ["before"]
    frames = _frames(_journal(data_dir))
    last = frames[-1]
    # all or nothing after a crash: the commit is one checksummed frame
    assert [bson_id(r) for r in last if r["op"] == "i"] == [0, 1, 2]
    with client.start_session() as session:
        session.start_transaction()
        coll.insert_one({"_id": "aborted"}, session=session)
        session.abort_transaction()
    assert len(_frames(_journal(data_dir))) == len(frames)  # an abort writes nothing
    server.close()
    again = _reopen(data_dir)
    try:
        assert sorted(map(str, (d["_id"] for d in _client(again).db.c.find()))) == \
            ["0", "1", "2", "before"]
    finally:
        again.close()


def bson_id(record):
    return bson.decode(bytes(record["doc"]))["_id"]


def test_measurements_sharing_an_id_survive_replay_and_compaction(data_dir):
    # a time-series collection has no _id index: the journal names each
    # measurement by its record id, so writes to one of two twins replay exactly
    t0 = datetime.datetime(2024, 1, 1)
    server = _reopen(data_dir)
    db = _client(server).db
    db.create_collection("ts", timeseries={"timeField": "t", "metaField": "m"})
    db.ts.insert_many([{"_id": 1, "t": t0, "m": "a"}, {"_id": 1, "t": t0, "m": "b"},
                       {"_id": 1, "t": t0, "m": "c"}])
    db.ts.update_many({"m": "b"}, {"$set": {"m": "B"}})
    db.ts.delete_one({"m": "c"})
    server.close()
    again = _reopen(data_dir)
    try:
        assert [d["m"] for d in _client(again).db.ts.find()] == ["a", "B"]
        again.data_directory.compact()
        _client(again).db.ts.delete_many({"m": "a"})
    finally:
        again.close()
    third = _reopen(data_dir)
    try:
        assert [(d["_id"], d["m"]) for d in _client(third).db.ts.find()] == [(1, "B")]
    finally:
        third.close()
