"""mim.patch: pymongo.MongoClient builds mim clients while active, and only then."""

from __future__ import annotations

import asyncio
import importlib
import sys
import textwrap
import types
import unittest

import gridfs
import pymongo
import pymongo.collection
import pymongo.database
import pymongo.mongo_client
import pytest
from pymongo.client_options import ClientOptions
from pymongo.synchronous.collection import Collection as RealCollection
from pymongo.synchronous.database import Database as RealDatabase
from pymongo.write_concern import WriteConcern
from pymongo import MongoClient as EarlyMongoClient  # bound before any patch
from pymongo.synchronous.mongo_client import MongoClient as RealMongoClient

import mim
import mim.gridfs
from mim.patching import client_addresses, is_patched


def real_client(*args, **kwargs):
    """A real pymongo client that never tries to reach a server during the test."""
    kwargs.setdefault("connect", False)
    kwargs.setdefault("serverSelectionTimeoutMS", 50)
    return pymongo.MongoClient(*args, **kwargs)


@pytest.fixture(autouse=True)
def _clean():
    mim.reset_all()
    yield
    assert not is_patched(), "a test left a patch active"
    assert pymongo.MongoClient is RealMongoClient
    mim.reset_all()


def test_every_import_style_is_redirected():
    with mim.patch():
        from pymongo import MongoClient as LateMongoClient
        clients = [pymongo.MongoClient(), EarlyMongoClient(), LateMongoClient(),
                   pymongo.mongo_client.MongoClient(), RealMongoClient()]
    assert all(type(c) is mim.MongoClient for c in clients)
    clients[0].db.items.insert_one({"_id": 1})
    # one address, one server: they all see the write
    assert all(c.db.items.find_one() == {"_id": 1} for c in clients)


def test_patched_clients_share_data_with_mim_clients_per_address():
    with mim.patch():
        pymongo.MongoClient("mongodb://db.example.com:27018/app").app.c.insert_one({"x": 1})
        other = pymongo.MongoClient("db.example.com", 27019)
        assert other.app.c.count_documents({}) == 0
    direct = mim.MongoClient("mongodb://db.example.com:27018")
    assert direct.app.c.find_one({}, {"_id": 0}) == {"x": 1}


def test_module_created_at_import_time_inside_patch():
    source = textwrap.dedent("""
        from pymongo import MongoClient
        client = MongoClient("mongodb://app-db:27017")
        def save(doc):
            return client.app.docs.insert_one(doc).inserted_id
    """)
    module = types.ModuleType("fake_app_module")
    with mim.patch():
        exec(compile(source, "fake_app_module", "exec"), module.__dict__)
        module.save({"_id": "a"})
    assert type(module.client) is mim.MongoClient
    assert mim.MongoClient("app-db").app.docs.find_one() == {"_id": "a"}


def test_nothing_is_patched_outside():
    assert type(real_client("localhost", 27017)) is RealMongoClient
    with mim.patch():
        pass
    client = real_client()
    assert type(client) is RealMongoClient
    client.close()
    assert pymongo.MongoClient is RealMongoClient
    assert pymongo.mongo_client.MongoClient is RealMongoClient


def test_restored_even_on_error():
    with pytest.raises(ZeroDivisionError):
        with mim.patch():
            assert pymongo.MongoClient is not RealMongoClient
            1 / 0
    assert pymongo.MongoClient is RealMongoClient
    client = real_client()
    assert type(client) is RealMongoClient
    client.close()


def test_only_given_servers_are_redirected():
    with mim.patch(servers=["db1", ("db2", 27018), "mongodb://db3:27019/x"]):
        assert type(pymongo.MongoClient("db1")) is mim.MongoClient
        assert type(pymongo.MongoClient("mongodb://db1:27017/app")) is mim.MongoClient
        assert type(pymongo.MongoClient("db2", 27018)) is mim.MongoClient
        assert type(pymongo.MongoClient("mongodb://user:pw@db3:27019")) is mim.MongoClient
        for args in (("db1", 27018), ("db2",), ("elsewhere",)):
            client = real_client(*args)
            assert type(client) is RealMongoClient, args
            client.close()


def test_local_names_are_one_server():
    with mim.patch(servers="localhost"):
        a = pymongo.MongoClient("127.0.0.1")
        b = pymongo.MongoClient("mongodb://localhost:27017")
    assert type(a) is type(b) is mim.MongoClient
    a.db.c.insert_one({"_id": 1})
    assert b.db.c.count_documents({}) == 1


def test_replica_set_seed_list_is_redirected_if_any_member_is():
    with mim.patch(servers=["node2:27017"]):
        client = pymongo.MongoClient("mongodb://node1:27017,node2:27017/?replicaSet=rs")
    assert type(client) is mim.MongoClient


def test_nested_patches_restore_in_order():
    private = mim.Server()
    with mim.patch(servers=["a"]) as outer:
        with mim.patch(servers=["b"], server=private) as inner:
            assert type(pymongo.MongoClient("a")) is mim.MongoClient
            pymongo.MongoClient("b").db.c.insert_one({"_id": "in-private"})
            assert outer.active and inner.active
        assert not inner.active and outer.active
        assert pymongo.MongoClient is not RealMongoClient
        client = real_client("b")
        assert type(client) is RealMongoClient
        client.close()
    assert pymongo.MongoClient is RealMongoClient
    assert mim.MongoClient(server=private).db.c.count_documents({}) == 1
    assert mim.MongoClient("b").db.c.count_documents({}) == 0  # shared server untouched


def test_inner_patch_with_own_server_wins():
    private = mim.Server()
    with mim.patch():
        with mim.patch(server=private):
            assert pymongo.MongoClient("x").server is private
        assert pymongo.MongoClient("x").server is not private


def test_patch_cannot_start_twice_or_stop_when_inactive():
    p = mim.patch()
    with p:
        with pytest.raises(RuntimeError, match="already active"):
            p.start()
    with pytest.raises(RuntimeError, match="not active"):
        p.stop()


def test_bad_server_spec():
    with pytest.raises(TypeError, match="a server is"):
        mim.patch(servers=[42])
    with pytest.raises(TypeError, match="mim.Server"):
        mim.patch(server="localhost")


def test_isinstance_and_issubclass():
    with mim.patch(servers=["h"]):
        client = pymongo.MongoClient("h")
        assert isinstance(client, pymongo.MongoClient)
        assert isinstance(client, pymongo.mongo_client.MongoClient)
        assert issubclass(mim.MongoClient, pymongo.MongoClient)
        real = real_client("elsewhere")
        assert type(real) is RealMongoClient
        assert isinstance(real, pymongo.MongoClient)
        real.close()
        assert not isinstance("text", pymongo.MongoClient)
        assert not issubclass(int, pymongo.MongoClient)
        # names bound before the patch are pymongo's own class: not fooled
        assert not isinstance(client, EarlyMongoClient)
        # the stand-in is still subscriptable for type hints
        assert pymongo.MongoClient[dict] == RealMongoClient[dict]
    assert not isinstance(client, pymongo.MongoClient)


def test_database_and_collection_pass_pymongos_isinstance_while_patched():
    # MongoEngine's own tests: isinstance(get_db(), pymongo.database.Database) and
    # isinstance(Doc._get_collection(), pymongo.collection.Collection)
    with mim.patch(server=mim.Server()):
        db = pymongo.MongoClient().shop
        assert isinstance(db, pymongo.database.Database)
        assert isinstance(db.items, pymongo.collection.Collection)
        assert issubclass(mim.Collection, pymongo.collection.Collection)
        assert not isinstance(pymongo.MongoClient(), pymongo.database.Database)
        assert not isinstance(db, pymongo.collection.Collection)
        assert pymongo.database.Database[dict] == RealDatabase[dict]
    assert pymongo.database.Database is RealDatabase
    assert pymongo.collection.Collection is RealCollection
    assert not isinstance(db, pymongo.database.Database)


def test_pymongo_database_and_collection_built_on_a_mim_object_are_mims():
    # pymongo's documented constructors: Database(client, name, codec_options=...),
    # Collection(database, name, create=False, ...)
    with mim.patch(server=mim.Server()):
        client = pymongo.MongoClient()
        db = pymongo.database.Database(client, "shop", write_concern=WriteConcern(w=1))
        coll = pymongo.collection.Collection(db, "items", create=True)
        assert (type(db), type(coll)) == (mim.Database, mim.Collection)
        assert db.write_concern == WriteConcern(w=1)
        coll.insert_one({"_id": 1})
        assert client.shop.list_collection_names() == ["items"]
        assert RealCollection(db, name="other").name == "other"


def test_client_options_are_pymongos_client_options():
    # pymongo >= 4.9 keeps its ClientOptions as client._options (MongoEngine reads
    # client._options.replica_set_name)
    client = mim.MongoClient("mongodb://localhost/?replicaSet=local-rs", server=mim.Server())
    assert isinstance(client._options, ClientOptions)
    assert client._options.replica_set_name == "local-rs"


def test_subclasses_are_not_redirected_and_survive_the_patch():
    class Early(RealMongoClient):
        pass
    with mim.patch():
        class Late(pymongo.MongoClient):
            pass
        for cls in (Early, Late):
            client = cls(connect=False)
            assert type(client) is cls
            assert isinstance(client, pymongo.MongoClient)
            client.close()
    client = Late(connect=False)
    assert isinstance(client, RealMongoClient)
    client.close()


def test_a_subclass_client_reaches_the_patched_address_in_process():
    # Flask-PyMongo's client is a subclass of pymongo's: it stays a real pymongo
    # client, and its connections reach the mim server a patched client for the same
    # address uses (a host that does not exist: the network is never reached)
    class AppClient(RealMongoClient):
        pass
    with mim.patch():
        pymongo.MongoClient("mongodb://subclass.invalid:27017").db.c.insert_one({"_id": 1})
        client = AppClient("mongodb://subclass.invalid:27017", serverSelectionTimeoutMS=2000)
        try:
            assert type(client) is AppClient
            assert client.db.c.find_one() == {"_id": 1}
            client.db.c.insert_one({"_id": 2})
        finally:
            client.close()
        assert pymongo.MongoClient("mongodb://subclass.invalid:27017").db.c.count_documents(
            {}) == 2


def test_constructor_options_reach_mim():
    with mim.patch():
        client = pymongo.MongoClient("mongodb://h/app?w=majority", tz_aware=True,
                                     document_class=dict)
        with pytest.raises(ValueError, match="serverSelectionTimeoutMS must be"):
            pymongo.MongoClient(serverSelectionTimeoutMS="soon")
        with pytest.raises(pymongo.errors.ConfigurationError, match="Unknown option"):
            pymongo.MongoClient(notAnOption=1)
    assert client.codec_options.tz_aware is True
    assert client.write_concern.document == {"w": "majority"}
    assert client.get_default_database().name == "app"


def test_patch_records_and_resets_its_servers():
    with mim.patch() as p:
        pymongo.MongoClient("h1").db.c.insert_one({})
        pymongo.MongoClient("h2", 1000).db.c.insert_one({})
    assert set(p.servers) == {("h1", 27017), ("h2", 1000)}
    assert mim.MongoClient("h1").db.c.count_documents({}) == 1
    p.reset()
    assert mim.MongoClient("h1").db.c.count_documents({}) == 0
    assert [n for n in mim.MongoClient("h2", 1000).list_database_names() if n not in ("admin", "config", "local")] == []


def test_decorator_on_function():
    @mim.patch()
    def work():
        client = pymongo.MongoClient()
        client.db.c.insert_one({"_id": 1})
        return type(client)

    assert work() is mim.MongoClient
    assert work.__name__ == "work"
    assert not is_patched()


def test_decorator_on_coroutine_function():
    @mim.patch()
    async def work():
        await asyncio.sleep(0)
        return type(pymongo.MongoClient())

    assert asyncio.run(work()) is mim.MongoClient
    assert not is_patched()


def test_same_decorator_used_reentrantly():
    patcher = mim.patch()

    @patcher
    def recurse(n):
        assert type(pymongo.MongoClient()) is mim.MongoClient
        return recurse(n - 1) if n else n

    assert recurse(3) == 0
    assert not is_patched()


def test_decorator_on_unittest_case_covers_setup():
    seen = []

    @mim.patch()
    class Case(unittest.TestCase):
        def setUp(self):
            self.client = pymongo.MongoClient()

        def test_it(self):
            seen.append(type(self.client))
            seen.append(is_patched())

    result = unittest.TextTestRunner(stream=open("/dev/null", "w")).run(
        unittest.defaultTestLoader.loadTestsFromTestCase(Case))
    assert result.wasSuccessful()
    assert seen == [mim.MongoClient, True]
    assert not is_patched()


def test_decorator_on_plain_class_patches_test_methods():
    @mim.patch()
    class Tests:
        def test_one(self):
            return type(pymongo.MongoClient())

        def helper(self):
            return is_patched()

    assert Tests().test_one() is mim.MongoClient
    assert Tests().helper() is False


def test_gridfs_accepts_mim_databases_while_patched():
    db = mim.MongoClient(server=mim.Server()).files
    with pytest.raises(TypeError):
        gridfs.GridFS(db)
    with mim.patch(servers=[]):  # no client redirected, gridfs still patched
        fs = gridfs.GridFS(db)
        bucket = gridfs.GridFSBucket(db, bucket_name="b")
        assert isinstance(fs, mim.gridfs.GridFS)
        assert isinstance(bucket, mim.gridfs.GridFSBucket)
        file_id = fs.put(b"hello", filename="h.txt")
        assert fs.get(file_id).read() == b"hello"
        bucket_id = bucket.upload_from_stream("b.txt", b"bucket")
        assert bucket.open_download_stream(bucket_id).read() == b"bucket"
        assert type(pymongo.MongoClient("x", connect=False)) is RealMongoClient
    with pytest.raises(TypeError):
        gridfs.GridFSBucket(db)


def test_gridfs_on_real_databases_is_untouched():
    client = real_client()
    with mim.patch(servers=["mim-only"]):
        assert type(gridfs.GridFS(client.db)) is gridfs.GridFS
    client.close()


def test_client_addresses():
    assert client_addresses() == [("localhost", 27017)]
    assert client_addresses("mongodb://u:p@A:1,b/db?x=1") == [("a", 1), ("b", 27017)]
    assert client_addresses(["h1:5", "[::1]:7"], 9) == [("h1", 5), ("localhost", 7)]
    assert client_addresses("mongodb+srv://cluster.example.com/db") == \
        [("cluster.example.com", 27017)]
    assert client_addresses("h", 1234) == [("h", 1234)]


def test_patch_survives_module_reload_of_code_under_test(tmp_path, monkeypatch):
    (tmp_path / "dropin_app_mod.py").write_text(textwrap.dedent("""
        import pymongo
        def make():
            return pymongo.MongoClient("mongodb://svc:27017")
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("dropin_app_mod")
    try:
        with mim.patch(servers=["svc"]):
            assert type(module.make()) is mim.MongoClient
        client = module.make.__globals__["pymongo"].MongoClient("svc", connect=False)
        assert type(client) is RealMongoClient
        client.close()
    finally:
        sys.modules.pop("dropin_app_mod", None)


def test_gridfs_grid_in_and_grid_out_accept_mim_collections_while_patched():
    # pymongo: GridIn(root_collection, session=None, **kwargs), GridOut(root_collection,
    # file_id=None, file_document=None, session=None)
    db = mim.MongoClient(server=mim.Server()).files
    with mim.patch(servers=[]):
        grid_in = gridfs.GridIn(db.fs, filename="a.txt")
        grid_in.write(b"hello")
        grid_in.close()
        grid_out = gridfs.GridOut(db.fs, grid_in._id)
        assert (type(grid_in), type(grid_out)) == (mim.gridfs.GridIn, mim.gridfs.GridOut)
        assert (grid_out.read(), grid_out.filename) == (b"hello", "a.txt")
