"""The pytest plugin (entry point ``pytest11``), run through ``pytester``."""

from __future__ import annotations

import pymongo
import pytest

import mim


@pytest.fixture(autouse=True)
def _no_real_server_env(monkeypatch):
    monkeypatch.delenv("MONGODB_URI", raising=False)
    monkeypatch.delenv("MIM_REAL_SERVER", raising=False)


def test_plugin_is_registered_through_the_entry_point(pytester):
    pytester.makepyfile("""
        def test_registered(request):
            assert request.config.pluginmanager.has_plugin("mim")
    """)
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["mim: in-memory MongoDB (mim *)"])


def test_fixtures_are_fresh_per_test(pytester):
    pytester.makepyfile("""
        import mim

        def test_first(mim_client, mim_db):
            assert isinstance(mim_client, mim.MongoClient)
            assert mim_db.client is mim_client
            mim_db.items.insert_one({"_id": 1})
            mim_client.other.c.insert_one({"_id": 2})
            assert len(list(mim_db.items.find())) == 1   # (find: no aggregate needed)

        def test_second_sees_nothing(mim_client, mim_db):
            assert mim_db.items.count_documents({}) == 0
            assert [n for n in mim_client.list_database_names() if n not in ("admin", "config", "local")] == []

        def test_server_is_private(mim_client, mim_server):
            assert mim_client.server is mim_server
            assert mim.MongoClient().server is not mim_server
    """)
    pytester.runpytest().assert_outcomes(passed=3)


def test_session_fixtures_are_shared_and_separate_from_per_test_ones(pytester):
    pytester.makepyfile("""
        def test_a(mim_session_db, mim_db):
            mim_session_db.log.insert_one({"test": "a"})
            assert mim_db.log.count_documents({}) == 0

        def test_b(mim_session_db, mim_session_client):
            assert mim_session_db.client is mim_session_client
            assert [d["test"] for d in mim_session_db.log.find()] == ["a"]
    """)
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


def test_mim_patch_fixture_redirects_code_under_test(pytester):
    pytester.makepyfile(app="""
        from pymongo import MongoClient

        def register(name):
            client = MongoClient("mongodb://users-db.internal:27017")
            client.app.users.insert_one({"name": name})
    """)
    pytester.makepyfile("""
        import pymongo
        import app

        def test_register(mim_patch, mim_client):
            app.register("ann")
            assert mim_patch is mim_client
            assert mim_client.app.users.find_one({}, {"_id": 0}) == {"name": "ann"}

        def test_unpatched_after():
            assert pymongo.MongoClient.__module__ == "pymongo.synchronous.mongo_client"
            client = pymongo.MongoClient(connect=False)
            assert type(client).__module__.startswith("pymongo")
            client.close()
    """)
    pytester.runpytest().assert_outcomes(passed=2)


def test_mim_marker(pytester):
    pytester.makepyfile("""
        import pymongo
        import pytest
        import mim

        @pytest.mark.mim
        def test_marked(mim_client):
            client = pymongo.MongoClient("anywhere")
            assert isinstance(client, mim.MongoClient)
            client.db.c.insert_one({"_id": 1})
            assert mim_client.db.c.count_documents({}) == 1

        @pytest.mark.mim(servers=["cache:27017"])
        def test_marked_with_servers():
            assert isinstance(pymongo.MongoClient("cache"), mim.MongoClient)
            other = pymongo.MongoClient("elsewhere", connect=False)
            assert not isinstance(other, mim.MongoClient)
            other.close()

        def test_unmarked():
            client = pymongo.MongoClient(connect=False)
            assert not isinstance(client, mim.MongoClient)
            client.close()

        @pytest.mark.mim
        class TestMarkedClass:
            def test_method(self):
                assert isinstance(pymongo.MongoClient(), mim.MongoClient)
    """)
    result = pytester.runpytest("--strict-markers")
    result.assert_outcomes(passed=4)


def test_marked_tests_do_not_leak_data(pytester):
    pytester.makepyfile("""
        import pymongo
        import pytest

        @pytest.mark.mim
        def test_write():
            pymongo.MongoClient().db.c.insert_one({"_id": 1})

        @pytest.mark.mim
        def test_read():
            assert pymongo.MongoClient().db.c.count_documents({}) == 0
    """)
    pytester.runpytest().assert_outcomes(passed=2)


def test_session_wide_patch_covers_import_time_clients(pytester):
    pytester.makepyfile(settings="""
        import pymongo
        # built at import time, before any fixture runs
        CLIENT = pymongo.MongoClient("mongodb://prod-db:27017", serverSelectionTimeoutMS=100)
    """)
    pytester.makepyfile("""
        import mim
        import settings

        def test_import_time_client_is_mim():
            assert isinstance(settings.CLIENT, mim.MongoClient)
            settings.CLIENT.app.c.insert_one({"_id": 1})

        def test_wiped_between_tests():
            assert settings.CLIENT.app.c.count_documents({}) == 0
    """)
    result = pytester.runpytest("--mim-patch")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*pymongo patched for the whole run*"])
    # and without the option the import-time client is a real one
    result = pytester.runpytest("-k", "client_is_mim")
    result.assert_outcomes(failed=1)


def test_failures_are_reported_normally(pytester):
    pytester.makepyfile("""
        def test_fails(mim_db):
            mim_db.c.insert_one({"_id": 1})
            assert mim_db.c.count_documents({}) == 2
    """)
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*assert 1 == 2*"])


# -- the same fixtures on a "real" server: mim's wire server, spoken to by pymongo ----

@pytest.fixture
def wire_server():
    with mim.serve() as server:
        yield server


REAL_SERVER_TESTS = """
    import pymongo
    import pytest
    import mim

    def test_real_client(mim_client, mim_db, mim_server):
        assert type(mim_client) is pymongo.MongoClient
        assert mim_server is None
        assert mim_db.name.startswith("mim_test_")
        mim_db.items.insert_one({"_id": 1})
        mim_client.scratch_made_by_test.c.insert_one({"_id": 1})
        assert len(list(mim_db.items.find())) == 1   # (find: no aggregate needed)

    def test_isolated(mim_client, mim_db):
        names = mim_client.list_database_names()
        assert "scratch_made_by_test" not in names
        assert not [n for n in names if n.startswith("mim_test_") and n != mim_db.name]

    def test_session_db(mim_session_db):
        mim_session_db.log.insert_one({})

    def test_session_db_survives_tests(mim_session_db, mim_client):
        assert len(list(mim_session_db.log.find())) == 1

    @pytest.mark.mim
    def test_marker_patches_nothing(mim_client):
        assert type(pymongo.MongoClient(connect=False)) is pymongo.MongoClient
"""


def test_real_server_option(pytester, wire_server):
    keep = pymongo.MongoClient(wire_server.uri)
    keep.preexisting.c.insert_one({"_id": "keep"})
    pytester.makepyfile(REAL_SERVER_TESTS)
    result = pytester.runpytest("-p", "no:randomly", "--mim-real-server", wire_server.uri)
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(["mim: fixtures on the real server mongodb://*"])
    # everything the run created is gone; what was there before is untouched
    assert [n for n in keep.list_database_names() if n not in ("admin", "config", "local")] == ["preexisting"] or \
        set(keep.list_database_names()) - {"admin", "config", "local"} == {"preexisting"}
    keep.close()


def test_real_server_from_environment(pytester, wire_server, monkeypatch):
    monkeypatch.setenv("MONGODB_URI", wire_server.uri)
    pytester.makepyfile("""
        import pymongo

        def test_real(mim_client):
            assert type(mim_client) is pymongo.MongoClient
    """)
    pytester.runpytest().assert_outcomes(passed=1)


def test_real_server_password_is_masked_in_header(pytester, wire_server):
    uri = wire_server.uri.replace("mongodb://", "mongodb://user:secret@")
    result = pytester.runpytest("--mim-real-server", uri, "--co")
    result.stdout.fnmatch_lines(["mim: fixtures on the real server mongodb://***@*"])
    assert "secret" not in result.stdout.str()
