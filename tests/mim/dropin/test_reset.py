"""Wiping in-process servers: one (client.reset / Server.reset / patch.reset) or all."""

from __future__ import annotations

import pymongo

import mim


def test_client_reset_wipes_its_server_only():
    a = mim.MongoClient("reset-a")
    b = mim.MongoClient("reset-b")
    a.db.c.insert_one({"_id": 1})
    a.db.c.create_index("x", unique=True)
    b.db.c.insert_one({"_id": 1})
    mim.MongoClient("reset-a").reset()  # any client of the address will do
    assert [n for n in a.list_database_names() if n not in ("admin", "config", "local")] == []
    assert list(a.db.c.list_indexes()) == []
    assert b.db.c.count_documents({}) == 1
    a.db.c.insert_many([{"x": 1}, {"x": 1}])  # the unique index went with the reset
    assert a.db.c.count_documents({}) == 2
    b.reset()
    a.reset()


def test_reset_all_wipes_every_shared_server_but_not_private_ones():
    private = mim.MongoClient(server=mim.Server())
    private.db.c.insert_one({})
    for address in ("reset-x", "reset-y:1234"):
        mim.MongoClient(address).db.c.insert_one({})
    mim.reset_all()
    assert all(server.database_names() == [] for server in mim.servers().values())
    assert mim.MongoClient("reset-y", 1234).db.c.count_documents({}) == 0
    assert private.db.c.count_documents({}) == 1


def test_servers_lists_shared_servers_by_address():
    client = mim.MongoClient("mongodb://Reset-Listed:4321")
    assert any(server is client.server for server in mim.servers().values())


def test_patch_reset_wipes_what_the_patch_handed_out():
    untouched = mim.MongoClient("reset-untouched")
    untouched.db.c.insert_one({})
    with mim.patch(servers=["reset-p1", "reset-p2"]) as patch:
        pymongo.MongoClient("reset-p1").db.c.insert_one({})
        pymongo.MongoClient("reset-p2").db.c.insert_one({})
        patch.reset()
        assert [n for n in pymongo.MongoClient("reset-p1").list_database_names() if n not in ("admin", "config", "local")] == []
    assert [n for n in mim.MongoClient("reset-p2").list_database_names() if n not in ("admin", "config", "local")] == []
    assert untouched.db.c.count_documents({}) == 1
    untouched.reset()


def test_patch_reset_with_own_server():
    server = mim.Server()
    with mim.patch(server=server) as patch:
        pymongo.MongoClient("anything").db.c.insert_one({})
    assert server.database_names() == ["db"]
    patch.reset()
    assert server.database_names() == []
