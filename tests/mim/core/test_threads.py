"""Thread safety: single-document writes are atomic; no update is lost.

Source: MongoDB manual, "Atomicity and Transactions" (a write operation is atomic on
the level of a single document), and pymongo's MongoClient being thread-safe.
"""

import threading

THREADS = 8
ROUNDS = 200


def test_concurrent_inc_and_inserts_lose_nothing(client):
    coll = client.testdb.counters
    coll.insert_one({"_id": "c", "n": 0, "m": 0})
    errors = []
    start = threading.Barrier(THREADS)

    def work(worker: int) -> None:
        try:
            start.wait()
            for i in range(ROUNDS):
                coll.update_one({"_id": "c"}, {"$inc": {"n": 1}})
                coll.find_one_and_update({"_id": "c"}, {"$inc": {"m": 2}})
                client.testdb.log.insert_one({"worker": worker, "i": i})
                coll.update_many({"_id": "c"}, {"$inc": {"n": 1}})
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert coll.find_one({"_id": "c"}) == {"_id": "c", "n": 2 * THREADS * ROUNDS,
                                            "m": 2 * THREADS * ROUNDS}
    assert client.testdb.log.count_documents({}) == THREADS * ROUNDS
    assert len(client.testdb.log.distinct("worker")) == THREADS


def test_readers_never_see_half_written_documents(client):
    coll = client.testdb.pairs
    coll.insert_one({"_id": 1, "a": 0, "b": 0})
    stop = threading.Event()
    torn = []

    def writer() -> None:
        for i in range(1, 2000):
            coll.update_one({"_id": 1}, {"$set": {"a": i, "b": i}})
        stop.set()

    def reader() -> None:
        while not stop.is_set():
            doc = coll.find_one({"_id": 1})
            if doc["a"] != doc["b"]:
                torn.append(doc)

    threads = [threading.Thread(target=writer)] + [threading.Thread(target=reader)
                                                   for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert torn == []
    assert coll.find_one({"_id": 1}) == {"_id": 1, "a": 1999, "b": 1999}


def test_concurrent_inserts_of_the_same_id_insert_once(client):
    from pymongo.errors import DuplicateKeyError
    coll = client.testdb.unique
    results = []
    start = threading.Barrier(THREADS)

    def work() -> None:
        start.wait()
        try:
            coll.insert_one({"_id": "only"})
            results.append("ok")
        except DuplicateKeyError:
            results.append("dup")

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1
    assert results.count("dup") == THREADS - 1
