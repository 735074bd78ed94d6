"""Many threads on one client (the web-app test-client pattern): no corruption,
no deadlock, every write atomic per document."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

import mim

THREADS = 16
TIMEOUT = 60  # seconds; far above what any of these take: reaching it means a deadlock


@pytest.fixture
def client():
    return mim.MongoClient(server=mim.Server())


def run_threads(target, count=THREADS):
    """Run ``target(i)`` in ``count`` threads started together; return their results."""
    barrier = threading.Barrier(count)

    def start(i):
        barrier.wait()
        return target(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(start, i) for i in range(count)]
        return [f.result(timeout=TIMEOUT) for f in futures]


def test_concurrent_increments_are_not_lost(client):
    coll = client.db.counters
    coll.insert_one({"_id": "hits", "n": 0, "by": {}})

    def work(i):
        for _ in range(200):
            coll.update_one({"_id": "hits"}, {"$inc": {"n": 1, f"by.t{i}": 1}})

    run_threads(work)
    document = coll.find_one({"_id": "hits"})
    assert document["n"] == THREADS * 200
    assert document["by"] == {f"t{i}": 200 for i in range(THREADS)}


def test_find_one_and_update_hands_out_unique_values(client):
    coll = client.db.sequences
    coll.insert_one({"_id": "order", "value": 0})

    def work(i):
        return [coll.find_one_and_update({"_id": "order"}, {"$inc": {"value": 1}},
                                         return_document=ReturnDocument.AFTER)["value"]
                for _ in range(100)]

    values = [v for chunk in run_threads(work) for v in chunk]
    assert sorted(values) == list(range(1, THREADS * 100 + 1))


def test_unique_index_admits_exactly_one_writer_per_key(client):
    coll = client.db.users
    coll.create_index("email", unique=True)

    def work(i):
        won = 0
        for k in range(50):
            try:
                coll.insert_one({"email": f"user{k}@example.com", "thread": i})
                won += 1
            except DuplicateKeyError:
                pass
        return won

    assert sum(run_threads(work)) == 50
    assert coll.count_documents({}) == 50
    assert len(coll.distinct("email")) == 50


def test_concurrent_upserts_of_one_key_make_one_document(client):
    coll = client.db.sessions
    coll.create_index("token", unique=True)

    def work(i):
        for k in range(30):
            try:
                coll.update_one({"token": k}, {"$inc": {"seen": 1}}, upsert=True)
            except DuplicateKeyError:  # a real server may raise this too under a race
                coll.update_one({"token": k}, {"$inc": {"seen": 1}})

    run_threads(work)
    assert coll.count_documents({}) == 30
    assert all(d["seen"] == THREADS for d in coll.find())


def test_readers_never_see_half_applied_updates(client):
    coll = client.db.pairs
    coll.insert_many([{"_id": k, "a": 0, "b": 0, "items": []} for k in range(10)])
    stop = threading.Event()
    torn: list = []

    def writer(i):
        for n in range(1, 150):
            coll.update_one({"_id": n % 10}, {"$set": {"a": n, "b": n},
                                               "$push": {"items": n}})

    def reader():
        while not stop.is_set():
            for document in coll.find():
                # one update sets a, b and appends to items: all three move together
                last = document["items"][-1] if document["items"] else 0
                if not document["a"] == document["b"] == last:
                    torn.append(document)

    readers = [threading.Thread(target=reader) for _ in range(4)]
    for thread in readers:
        thread.start()
    try:
        run_threads(writer, count=8)
    finally:
        stop.set()
        for thread in readers:
            thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in readers)
    assert torn == []
    total_items = sum(len(d["items"]) for d in coll.find())
    assert total_items == 8 * 149


def test_cursors_iterate_while_others_write(client):
    coll = client.db.stream
    coll.insert_many([{"k": k} for k in range(500)])

    def work(i):
        if i % 2:
            for k in range(200):
                coll.insert_one({"k": 1000 + i * 1000 + k})
                coll.delete_one({"k": k + i})
            return None
        seen = 0
        for _ in range(5):
            cursor = coll.find({"k": {"$gte": 0}}).sort("k", 1).batch_size(7)
            previous = -1
            for document in cursor:
                assert document["k"] > previous
                previous = document["k"]
                seen += 1
        return seen

    results = run_threads(work)
    assert all(r > 0 for r in results[0::2])


def test_mixed_workload_keeps_indexes_consistent(client):
    coll = client.db.mixed
    coll.create_index([("group", 1), ("value", -1)])
    coll.create_index("tag", sparse=True)

    def work(i):
        for k in range(100):
            key = {"_id": f"{i}-{k}"}
            coll.insert_one({**key, "group": k % 5, "value": k, "tag": i if k % 2 else None})
            if k % 3 == 0:
                coll.update_one(key, {"$inc": {"value": 1000}, "$unset": {"tag": ""}})
            if k % 7 == 0:
                coll.delete_one(key)

    run_threads(work)
    everything = list(coll.find())
    assert len(everything) == THREADS * (100 - len(range(0, 100, 7)))
    # answers through each index equal a plain scan
    by_group = Counter(d["group"] for d in everything)
    for group, count in by_group.items():
        assert coll.count_documents({"group": group}) == count
        hinted = list(coll.find({"group": group}).hint([("group", 1), ("value", -1)]))
        assert len(hinted) == count
    with_tag = [d for d in everything if d.get("tag") is not None]
    assert coll.count_documents({"tag": {"$gte": 0}}) == len(with_tag)
    assert coll.count_documents({"tag": {"$exists": True}}) == \
        len([d for d in everything if "tag" in d])


def test_threads_with_their_own_clients_share_the_address(client):
    mim.MongoClient("threads-shared").reset()

    def work(i):
        own = mim.MongoClient("threads-shared")
        own.db.c.insert_many([{"t": i, "k": k} for k in range(50)])
        return own.db.c.count_documents({"t": i})

    try:
        assert run_threads(work) == [50] * THREADS
        assert mim.MongoClient("threads-shared").db.c.count_documents({}) == THREADS * 50
    finally:
        mim.MongoClient("threads-shared").reset()


def test_patch_from_many_threads(client):
    import pymongo

    with mim.patch(server=client.server):
        def work(i):
            app_client = pymongo.MongoClient("mongodb://app:27017")
            app_client.app.events.insert_one({"thread": i})
            return isinstance(app_client, mim.MongoClient)

        assert all(run_threads(work))
    assert client.app.events.count_documents({}) == THREADS
