"""The in-process driver transport: real pymongo clients, mim as the server.

What is asserted is pymongo's behaviour against a MongoDB 7.0 standalone (its
classes, its gridfs, its monitoring events, its error mapping), with the data
landing on the mim server that ``mim.MongoClient`` sees.
"""

from __future__ import annotations

import asyncio
import pathlib
import threading
import time

import gridfs
import pymongo
import pytest
from pymongo import monitoring
from pymongo.errors import DuplicateKeyError, OperationFailure

import mim
from mim import driver


class Commands(monitoring.CommandListener):
    def __init__(self):
        self.events = []

    def started(self, event):
        self.events.append(("started", event.command_name, event.database_name))

    def succeeded(self, event):
        self.events.append(("succeeded", event.command_name))

    def failed(self, event):
        self.events.append(("failed", event.command_name, event.failure.get("code")))


class Pool(monitoring.ConnectionPoolListener):
    def __init__(self):
        self.kinds = []

    def _record(self, event):
        self.kinds.append(type(event).__name__)

    pool_created = pool_ready = pool_cleared = pool_closed = _record
    connection_created = connection_ready = connection_closed = _record
    connection_check_out_started = connection_check_out_failed = _record
    connection_checked_out = connection_checked_in = _record


@pytest.fixture
def server():
    return mim.Server()


@pytest.fixture
def client(server):
    c = mim.driver_client(server=server)
    yield c
    c.close()


def test_a_real_pymongo_client_on_the_mim_server(client, server):
    assert type(client) is pymongo.MongoClient
    assert isinstance(client.app, pymongo.database.Database)
    assert client.options.pool_options.max_pool_size == 100
    client.app.c.insert_one({"_id": 1, "x": 1})
    assert mim.MongoClient(server=server).app.c.find_one() == {"_id": 1, "x": 1}
    assert client.app.c.find_one({"_id": 1}) == {"_id": 1, "x": 1}
    with pytest.raises(DuplicateKeyError) as info:
        client.app.c.insert_one({"_id": 1})
    assert info.value.code == 11000


def test_shares_the_server_of_an_address():
    sync_face = mim.MongoClient("mongodb://driver-shared:27017")
    sync_face.reset()
    sync_face.app.c.insert_one({"_id": "seed"})
    client = mim.driver_client("mongodb://driver-shared:27017/app?appname=t")
    try:
        assert client.get_default_database().c.find_one() == {"_id": "seed"}
        assert client.options.pool_options.metadata["application"] == {"name": "t"}
    finally:
        client.close()
        sync_face.reset()


def test_pymongo_gridfs(client, server):
    fs = gridfs.GridFS(client.files)
    file_id = fs.put(b"hello world", filename="a.txt")
    assert fs.get(file_id).read() == b"hello world"
    bucket = gridfs.GridFSBucket(client.files)
    bucket_id = bucket.upload_from_stream("b.txt", b"bucket data")
    assert bucket.open_download_stream(bucket_id).read() == b"bucket data"
    grid_in = gridfs.GridIn(client.files.fs, filename="c.txt", chunkSize=4)
    grid_in.write(b"0123456789")
    grid_in.close()
    assert gridfs.GridOut(client.files.fs, grid_in._id).read() == b"0123456789"
    stored = mim.MongoClient(server=server).files
    assert stored.fs.chunks.count_documents({"files_id": grid_in._id}) == 3
    assert sorted(stored.fs.files.distinct("filename")) == ["a.txt", "b.txt", "c.txt"]


def test_command_and_pool_monitoring_events(server):
    commands, pool = Commands(), Pool()
    client = mim.driver_client(server=server, event_listeners=[commands, pool])
    try:
        client.app.c.insert_one({"_id": 1})
        with pytest.raises(OperationFailure):
            client.app.c.find_one({"$bogus": 1})
    finally:
        client.close()
    assert commands.events[:4] == [("started", "insert", "app"), ("succeeded", "insert"),
                                   ("started", "find", "app"), ("failed", "find", 2)]
    # closing the client ends its server sessions, as pymongo does with any server
    assert commands.events[4:] == [("started", "endSessions", "admin"),
                                   ("succeeded", "endSessions")]
    for kind in ("PoolCreatedEvent", "ConnectionCreatedEvent", "ConnectionReadyEvent",
                 "ConnectionCheckedOutEvent", "ConnectionCheckedInEvent", "PoolClosedEvent"):
        assert kind in pool.kinds


def test_sessions_are_pymongos(client):
    with client.start_session() as session:
        client.app.c.insert_one({"_id": 1}, session=session)
        assert client.app.c.find_one({}, session=session) == {"_id": 1}
    assert type(session) is pymongo.client_session.ClientSession


def test_close_is_prompt_while_a_monitor_waits(server):
    client = mim.driver_client(server=server, heartbeatFrequencyMS=60_000)
    client.app.c.find_one()
    time.sleep(0.2)  # the monitor's streaming hello is now waiting
    started = time.monotonic()
    client.close()
    assert time.monotonic() - started < 2.0


def test_tls_is_refused():
    with pytest.raises(pymongo.errors.ConfigurationError, match="no TLS"):
        mim.driver_client(server=mim.Server(), tls=True)


def test_other_addresses_use_the_network():
    assert driver._wire_for_address(("db.example", 27017)) is None


# -- async ----------------------------------------------------------------------------------

def test_a_real_pymongo_async_client(server):
    async def main():
        client = mim.driver_async_client(server=server, heartbeatFrequencyMS=500)
        try:
            assert type(client) is pymongo.AsyncMongoClient
            await client.app.c.insert_many([{"_id": i} for i in range(5)])
            assert [d["_id"] async for d in client.app.c.find().sort("_id", -1).limit(2)] \
                == [4, 3]
            bucket = gridfs.AsyncGridFSBucket(client.files)
            file_id = await bucket.upload_from_stream("a", b"async bytes")
            stream = await bucket.open_download_stream(file_id)
            assert await stream.read() == b"async bytes"
            ticks = 0
            # the monitors' streaming hellos wait on timers, never on the loop
            for _ in range(10):
                await asyncio.sleep(0.1)
                ticks += 1
            assert ticks == 10
        finally:
            started = time.monotonic()
            await client.close()
            assert time.monotonic() - started < 2.0
    asyncio.run(main())
    assert mim.MongoClient(server=server).app.c.count_documents({}) == 5


# -- mim.patch(driver=True) ---------------------------------------------------------------------

def test_patch_driver_mode_keeps_pymongos_classes(server):
    with mim.patch(["db.example:27017"], server=server, driver=True) as patch:
        client = pymongo.MongoClient("mongodb://db.example:27017/app")
        try:
            assert type(client) is pymongo.MongoClient
            client.get_default_database().c.insert_one({"_id": 1})
            assert type(gridfs.GridFS(client.app)) is gridfs.GridFS
        finally:
            client.close()
        assert patch.servers == {("db.example", 27017): server}
        assert driver._wire_for_address(("other.example", 27017)) is None
    assert mim.MongoClient(server=server).app.c.find_one() == {"_id": 1}
    assert driver._wire_for_address(("db.example", 27017)) is None


def test_patch_driver_mode_async(server):
    async def main():
        client = pymongo.AsyncMongoClient("mongodb://db.example:27017")
        try:
            assert type(client) is pymongo.AsyncMongoClient
            await client.app.c.insert_one({"_id": "async"})
        finally:
            await client.close()
    with mim.patch(server=server, driver=True):
        asyncio.run(main())
    assert mim.MongoClient(server=server).app.c.find_one() == {"_id": "async"}


# -- pytest fixtures ----------------------------------------------------------------------------

def test_driver_fixtures(mim_driver_db, mim_db):
    assert type(mim_driver_db) is pymongo.database.Database
    mim_driver_db.c.insert_one({"_id": 1})
    assert mim_db.c.find_one() == {"_id": 1}


@pytest.mark.asyncio
async def test_driver_async_fixture(mim_driver_async_client, mim_client):
    await mim_driver_async_client.test.c.insert_one({"_id": 2})
    assert mim_client.test.c.find_one() == {"_id": 2}


def test_readme_example_runs():
    readme = (pathlib.Path(__file__).resolve().parents[3] / "README.md").read_text()
    section = readme.split("### pymongo's own classes: the in-process driver transport")[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(code, "README.md", "exec"), {})


def test_threads_share_one_driver_client(client, server):
    """pymongo's pool hands each thread its own in-process connection."""
    def work(k):
        for i in range(50):
            client.app.c.insert_one({"_id": f"{k}-{i}"})
            assert client.app.c.find_one({"_id": f"{k}-{i}"}) == {"_id": f"{k}-{i}"}
    threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert mim.MongoClient(server=server).app.c.count_documents({}) == 300
    assert driver.wire_for(server).total_connections > 1


def test_zlib_compression_is_negotiated_per_connection(server):
    """The handshake's compressors hold for the connection's later messages, as over
    a socket: pymongo compresses its requests and mim answers compressed."""
    client = mim.driver_client(server=server, compressors="zlib")
    try:
        client.app.c.insert_one({"_id": 1})
        assert client.app.c.find_one() == {"_id": 1}
    finally:
        client.close()
    counts = driver.wire_for(server).compression_counts
    assert counts[("zlib", "in")] >= 2 and counts[("zlib", "out")] >= 2


def test_scram_authentication_is_the_servers(server):
    """pymongo authenticates each connection with SCRAM against mim's users, as
    against a mongod: an unknown user fails with AuthenticationFailed (18)."""
    stranger = mim.driver_client(server=server, username="u", password="p",
                                 serverSelectionTimeoutMS=3000)
    try:
        with pytest.raises(OperationFailure) as info:
            stranger.app.c.find_one()
        assert info.value.code == 18
    finally:
        stranger.close()
    mim.MongoClient(server=server).admin.command("createUser", "u", pwd="p", roles=["root"])
    user = mim.driver_client(server=server, username="u", password="p")
    try:
        status = user.admin.command("connectionStatus")
        assert status["authInfo"]["authenticatedUsers"] == [{"user": "u", "db": "admin"}]
    finally:
        user.close()


@pytest.mark.mim(driver=True)
def test_marker_driver_mode(mim_client):
    client = pymongo.MongoClient("mongodb://app-db.example:27017", serverSelectionTimeoutMS=3000)
    try:
        assert type(client) is pymongo.MongoClient
        client.app.c.insert_one({"_id": "marked"})
    finally:
        client.close()
    assert mim_client.app.c.find_one() == {"_id": "marked"}


def _close_next_insert(admin_command):
    return admin_command("configureFailPoint", "failCommand", mode={"times": 1},
                         data={"failCommands": ["insert"], "closeConnection": True})


def test_a_closed_connection_is_pymongos_auto_reconnect(server):
    # failCommand's closeConnection drops the connection before the command runs:
    # pymongo reports a lost connection as AutoReconnect (a ConnectionFailure)
    client = mim.driver_client(server=server, retryWrites=False)
    try:
        _close_next_insert(client.admin.command)
        with pytest.raises(pymongo.errors.AutoReconnect):
            client.app.c.insert_one({"_id": 1})
        client.app.c.insert_one({"_id": 2})
        assert [d["_id"] for d in client.app.c.find()] == [2]
    finally:
        client.close()


def test_a_closed_connection_is_pymongos_auto_reconnect_async(server):
    async def main():
        client = mim.driver_async_client(server=server, retryWrites=False)
        try:
            await _close_next_insert(client.admin.command)
            with pytest.raises(pymongo.errors.AutoReconnect):
                await client.app.c.insert_one({"_id": 1})
            await client.app.c.insert_one({"_id": 2})
            assert [d["_id"] async for d in client.app.c.find()] == [2]
        finally:
            await client.close()
    asyncio.run(main())
