"""Issue 16 item 2: maxTimeMS is enforced (50 MaxTimeMSExpired) in scans,
pipelines and regex matching; the server's size and memory limits answer with
the server's codes; a long read does not block other clients."""

from __future__ import annotations

import threading
import time

import bson
import pytest
from pymongo.errors import ExecutionTimeout, OperationFailure

import mim.engine.pipeline.memory as memory
import mim.engine.values.deadline as deadline

SLOW_EXPR = {"$expr": {"$gt": [{"$size": {"$range": [0, 3000]}}, 5]}}
ENDLESS_DENSIFY = {"$densify": {"field": "n", "range": {"step": 1e-9, "bounds": [0, 10]}}}


@pytest.fixture
def coll(client):
    coll = client.limits.things
    coll.insert_many([{"_id": i, "s": "a" * 30} for i in range(3000)])
    return coll


def _expired(info) -> None:
    assert info.value.code == 50
    assert info.value.details["codeName"] == "MaxTimeMSExpired"
    assert "operation exceeded time limit" in str(info.value)


def test_a_scan_stops_at_max_time_ms(coll):
    started = time.monotonic()
    with pytest.raises(ExecutionTimeout) as info:
        list(coll.find(SLOW_EXPR).max_time_ms(50))
    _expired(info)
    assert time.monotonic() - started < 5
    with pytest.raises(ExecutionTimeout):
        coll.count_documents(SLOW_EXPR, maxTimeMS=50)
    with pytest.raises(ExecutionTimeout):
        coll.distinct("s", SLOW_EXPR, maxTimeMS=50)
    assert len(list(coll.find({"_id": {"$lt": 5}}).max_time_ms(60000))) == 5  # in time: fine


def test_a_pipeline_stops_at_max_time_ms(coll):
    started = time.monotonic()
    with pytest.raises(ExecutionTimeout) as info:
        list(coll.aggregate([ENDLESS_DENSIFY], maxTimeMS=100))
    _expired(info)
    assert time.monotonic() - started < 5
    with pytest.raises(ExecutionTimeout):
        coll.database.command({"aggregate": "things", "pipeline": [{"$match": SLOW_EXPR}],
                               "cursor": {}, "maxTimeMS": 50})


def test_max_time_ms_values_are_checked(coll):
    db = coll.database
    for value, message in ((-1, "-1 value for maxTimeMS is out of range"),
                           (2**31, "2147483648 value for maxTimeMS is out of range"),
                           ("x", "maxTimeMS must be a number"),
                           (1.5, "maxTimeMS has non-integral value")):
        with pytest.raises(OperationFailure) as info:
            db.command({"find": "things", "maxTimeMS": value})
        assert info.value.code == 2
        assert info.value.details["errmsg"] == message
    assert db.command({"find": "things", "filter": {"_id": 1}, "maxTimeMS": 0})["ok"] == 1.0


def test_a_catastrophic_regex_stops_at_max_time_ms(coll):
    # checked first: with plain `re` the 30-a match below would run for minutes
    assert deadline.INTERRUPTIBLE_REGEX  # the test extra installs the regex package
    # (a|a)+ backtracks 2**30 ways on 30 a's that end without a match
    coll.insert_one({"_id": "evil", "s": "a" * 30 + "!"})
    started = time.monotonic()
    with pytest.raises(ExecutionTimeout) as info:
        list(coll.find({"s": {"$regex": "^(a|a)+$"}}).max_time_ms(200))
    _expired(info)
    with pytest.raises(ExecutionTimeout):
        list(coll.aggregate([{"$match": {"$expr": {"$regexMatch": {
            "input": "$s", "regex": "^(a|a)+$"}}}}], maxTimeMS=200))
    assert time.monotonic() - started < 20


def test_without_the_regex_package_the_deadline_is_checked_between_matches(coll, monkeypatch):
    monkeypatch.setattr(deadline, "_interruptible_re", None)
    coll.insert_many([{"s": "a" * 18 + "!"} for _ in range(200)])  # ~10 ms each with re
    started = time.monotonic()
    with pytest.raises(ExecutionTimeout):
        list(coll.find({"s": {"$regex": "^(a|a)+$"}}).max_time_ms(100))
    assert time.monotonic() - started < 10


def test_densify_stops_at_the_generated_document_limit(coll):
    with pytest.raises(OperationFailure) as info:
        list(coll.aggregate([{"$limit": 1}, ENDLESS_DENSIFY]))
    assert info.value.code == 5897900
    assert info.value.details["errmsg"] == (
        "Generated 500001 documents in $densify, which is over the limit of 500000. Increase "
        "the 'internalQueryMaxAllowedDensifyDocs' parameter to allow more generated documents")


def _project(coll, expression):
    return list(coll.aggregate([{"$limit": 1}, {"$project": {"_id": 0, "v": expression}}]))


def _doubling(operator: str, seed) -> dict:
    return {"$reduce": {"input": {"$range": [0, 40]}, "initialValue": seed,
                        "in": {operator: ["$$value", "$$value"]}}}


def test_memory_limits_answer_with_the_servers_codes(coll):
    with pytest.raises(OperationFailure) as info:
        _project(coll, {"$range": [0, 2**31 - 1]})
    assert info.value.code == 146
    assert info.value.details["errmsg"] == (
        "$range would use too much memory (34359738392 bytes) and cannot spill to disk. "
        "Memory limit: 104857600 bytes")
    assert _project(coll, {"$size": {"$range": [0, 1_000_000]}}) == [{"v": 1_000_000}]
    with pytest.raises(OperationFailure) as info:
        _project(coll, _doubling("$concat", "ab"))
    assert info.value.code == 13548
    assert "past the 64MB limit." in info.value.details["errmsg"]
    with pytest.raises(OperationFailure) as info:
        _project(coll, _doubling("$concatArrays", [1]))
    assert info.value.code == 146


def test_a_produced_document_over_16_mb_is_refused(coll):
    coll.insert_one({"_id": "big", "s": "x" * 9_000_000})
    with pytest.raises(OperationFailure) as info:
        list(coll.aggregate([{"$match": {"_id": "big"}},
                             {"$project": {"a": "$s", "b": "$s"}}]))
    assert info.value.code == 10334
    size = len(bson.encode({"_id": "big", "a": "x" * 9_000_000, "b": "x" * 9_000_000}))
    assert info.value.details["errmsg"] == (
        f"BSONObj size: {size} (0x{size:X}) is invalid. Size must be between 0 and "
        f"16793600(16MB) First element: _id: \"big\"")


#: a filter whose ``$expr`` takes long per document: a read that runs for a while
SLOWER = {"$expr": {"$gt": [{"$size": {"$range": [0, 30000]}}, 5]}}


def _run_beside(client, long_read, write=None):
    """Run ``long_read`` in a thread while this one makes five short round trips
    (``find_one``, then ``write`` when given, then ``ping``), and check that they
    ran while it did, each a small part of its time; ``long_read``'s result."""
    done = threading.Event()
    errors: list[BaseException] = []
    answers: list = []

    def worker_body() -> None:
        try:
            answers.append(long_read())
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            done.set()

    worker = threading.Thread(target=worker_body)
    started = time.monotonic()
    worker.start()
    time.sleep(0.05)
    waits = []
    for _ in range(5):
        before = time.monotonic()
        assert client.other.small.find_one() == {"_id": 1}
        if write is not None:
            write()
        client.admin.command("ping")
        waits.append(time.monotonic() - before)
    finished_early = done.is_set()
    worker.join(60)
    assert not errors
    total = time.monotonic() - started
    assert not finished_early and max(waits) < total / 4, (waits, total)
    return answers[0]


def test_a_long_aggregation_does_not_block_other_clients(face, coll):
    client, engine = face
    client.other.small.insert_one({"_id": 1})
    # the round trips ran while the aggregation did, each a small part of its time
    _run_beside(client, lambda: list(coll.aggregate([{"$match": SLOWER}, {"$count": "n"}])),
                write=lambda: client.other.small.insert_one({}))


NO_MATCH_SLOWLY = {"$expr": {"$lt": [{"$size": {"$range": [0, 3000]}}, 5]}}


def test_find_and_modify_stops_at_max_time_ms(coll):
    # pymongo sends maxTimeMS from **kwargs in the findAndModify command; the
    # server stops the scan with 50 MaxTimeMSExpired and modifies nothing
    for run in (lambda: coll.find_one_and_update(NO_MATCH_SLOWLY, {"$set": {"x": 1}},
                                                 upsert=True, maxTimeMS=50),
                lambda: coll.find_one_and_replace(NO_MATCH_SLOWLY, {"x": 1}, upsert=True,
                                                  maxTimeMS=50),
                lambda: coll.find_one_and_delete(NO_MATCH_SLOWLY, maxTimeMS=50)):
        started = time.monotonic()
        with pytest.raises(ExecutionTimeout) as info:
            run()
        _expired(info)
        assert time.monotonic() - started < 5
    assert coll.count_documents({}) == 3000
    assert coll.count_documents({"x": 1}) == 0
    assert coll.find_one_and_update({"_id": 1}, {"$set": {"x": 1}}, maxTimeMS=60000)["_id"] == 1


def test_max_time_ms_of_counts_is_checked_and_applied(coll):
    assert coll.estimated_document_count(maxTimeMS=60000) == 3000
    with pytest.raises(OperationFailure) as info:
        coll.estimated_document_count(maxTimeMS="x")
    assert info.value.code == 2
    assert info.value.details["errmsg"] == "maxTimeMS must be a number"
    with pytest.raises(OperationFailure) as info:
        coll.find_one_and_delete({"_id": 1}, maxTimeMS=-1)
    assert info.value.details["errmsg"] == "-1 value for maxTimeMS is out of range"
    assert coll.find_one({"_id": 1}) is not None
    with pytest.raises(ExecutionTimeout):
        coll.database.command({"count": "things", "query": SLOW_EXPR, "maxTimeMS": 50})
    with pytest.raises(ExecutionTimeout):
        coll.database.command({"distinct": "things", "key": "s", "query": SLOW_EXPR,
                               "maxTimeMS": 50})


@pytest.fixture
def small_memory_limits(monkeypatch):
    """The server's 100 MB limits, lowered (as setParameter would) to 64 KB so a
    test need not hold 100 MB; the wire server runs in this process."""
    monkeypatch.setattr(memory, "SORT_MEMORY_LIMIT", 64 * 1024)
    monkeypatch.setattr(memory, "GROUP_MEMORY_LIMIT", 64 * 1024)
    monkeypatch.setattr(memory, "BUCKET_AUTO_MEMORY_LIMIT", 64 * 1024)
    monkeypatch.setattr(memory, "WINDOW_MEMORY_LIMIT", 64 * 1024)


def test_blocking_stages_need_disk_use_beyond_their_memory_limit(coll, small_memory_limits):
    # 7.0: allowDiskUse defaults to true (allowDiskUseByDefault); only an
    # explicit allowDiskUse: false fails, with 292 QueryExceededMemoryLimitNoDiskUseAllowed
    by_size = [{"$sort": {"s": 1, "_id": -1}}]
    grouped = [{"$group": {"_id": "$_id", "s": {"$first": "$s"}}}]
    with pytest.raises(OperationFailure) as info:
        list(coll.aggregate(by_size, allowDiskUse=False))
    assert info.value.code == 292
    assert info.value.details["codeName"] == "QueryExceededMemoryLimitNoDiskUseAllowed"
    assert info.value.details["errmsg"] == (f"Sort exceeded memory limit of {64 * 1024} bytes, "
                                            "but did not opt in to external sorting.")
    with pytest.raises(OperationFailure) as info:
        coll.database.command({"aggregate": "things", "pipeline": grouped, "cursor": {},
                               "allowDiskUse": False})
    assert info.value.code == 292
    assert info.value.details["errmsg"] == ("Exceeded memory limit for $group, but didn't "
                                            "allow external sort. Pass allowDiskUse:true to "
                                            "opt in.")
    assert len(list(coll.aggregate(by_size))) == 3000
    assert len(list(coll.aggregate(grouped, allowDiskUse=True))) == 3000
    # a top-k sort holds only k documents; small groups stay within the limit
    assert [d["_id"] for d in coll.aggregate(by_size + [{"$limit": 2}], allowDiskUse=False)] \
        == [2999, 2998]
    assert list(coll.aggregate([{"$group": {"_id": None, "n": {"$sum": 1}}}],
                               allowDiskUse=False)) == [{"_id": None, "n": 3000}]


@pytest.mark.parametrize("command", ["count", "distinct"])
def test_a_long_count_or_distinct_does_not_block_other_clients(face, coll, command):
    # count and distinct match on a snapshot taken under the lock, then release it
    client, _ = face
    client.other.small.insert_one({"_id": 1})
    spec = {"count": "things", "query": SLOWER} if command == "count" else \
        {"distinct": "things", "key": "s", "query": SLOWER}
    # a document written after the snapshot is not counted
    answer = _run_beside(client, lambda: coll.database.command(spec),
                         write=lambda: coll.insert_one({"late": True}))
    if command == "count":
        assert answer["n"] == 3000
    else:
        assert answer["values"] == ["a" * 30]


@pytest.mark.parametrize("shape", ["scan", "scan+sort", "index", "index+sort"])
def test_a_long_find_does_not_block_other_clients(face, coll, shape):
    # a collection scan matches its snapshot after letting the lock go; an index
    # scan holds it a few milliseconds, then fetches the rest and lets go
    client, _ = face
    client.other.small.insert_one({"_id": 1})
    if shape.startswith("index"):
        coll.create_index("s")
        query = {"s": "a" * 30, **SLOWER}
    else:
        query = SLOWER
    sort = [("_id", -1)] if shape.endswith("sort") else None
    hint = "s_1" if shape.startswith("index") else None
    answer = _run_beside(client,
                         lambda: [d["_id"] for d in coll.find(query, sort=sort, hint=hint)],
                         write=lambda: coll.insert_one({"late": True}))
    expected = list(range(3000))
    assert answer == (expected[::-1] if sort else expected)


def test_a_find_sort_honours_allow_disk_use(coll, small_memory_limits):
    # find's blocking sort has the same 100 MB limit (lowered here); only an
    # explicit allowDiskUse: false makes it fail, in the find command's context
    message = (f"Executor error during find command :: caused by :: Sort exceeded memory "
               f"limit of {64 * 1024} bytes, but did not opt in to external sorting.")
    for cursor in (coll.find(sort=[("s", 1), ("_id", -1)], allow_disk_use=False),
                   coll.find().sort([("s", 1), ("_id", -1)]).allow_disk_use(False)):
        with pytest.raises(OperationFailure) as info:
            list(cursor)
        assert info.value.code == 292
        assert info.value.details["codeName"] == "QueryExceededMemoryLimitNoDiskUseAllowed"
        assert info.value.details["errmsg"] == message
    with pytest.raises(OperationFailure) as info:
        coll.database.command({"find": "things", "sort": {"s": 1}, "allowDiskUse": False})
    assert info.value.details["errmsg"] == message
    # the default (7.0: allowDiskUse true), an explicit true, a top-k sort within the
    # limit, one document, and an index-provided order all succeed
    assert len(list(coll.find(sort=[("s", 1)]))) == 3000
    assert len(list(coll.find(sort=[("s", 1)], allow_disk_use=True))) == 3000
    top = coll.find(sort=[("s", 1), ("_id", -1)], limit=2, allow_disk_use=False)
    assert [d["_id"] for d in top] == [2999, 2998]
    assert coll.find_one(sort=[("s", 1), ("_id", -1)], allow_disk_use=False)["_id"] == 2999
    coll.create_index("s")
    assert len(list(coll.find(sort=[("s", 1)], allow_disk_use=False))) == 3000
    # a top-k sort over the limit fails with the top-k sorter's wording
    with pytest.raises(OperationFailure) as info:
        list(coll.find(sort=[("s", 1), ("_id", -1)], limit=2000, allow_disk_use=False))
    assert info.value.details["errmsg"] == (message + " Aborting operation. Pass "
                                            "allowDiskUse:true to opt in.")


def test_allow_disk_use_of_another_type_is_refused(coll):
    # OptionalBool::parseFromBSON: a bool or nothing, else 14 TypeMismatch
    for command in ({"find": "things", "allowDiskUse": 1},
                    {"aggregate": "things", "pipeline": [], "cursor": {}, "allowDiskUse": "yes"}):
        with pytest.raises(OperationFailure) as info:
            coll.database.command(command)
        assert info.value.code == 14
        expected = "int" if command.get("find") else "string"
        assert info.value.details["errmsg"] == (f"Field 'allowDiskUse' should be a boolean "
                                                f"value, but found: {expected}")
    with pytest.raises(OperationFailure) as info:
        coll.aggregate([], allowDiskUse=1)
    assert info.value.code == 14
    # pymongo's own client-side checks
    with pytest.raises(TypeError):
        coll.find(allow_disk_use="yes")
    with pytest.raises(TypeError):
        coll.find().allow_disk_use(1)


def test_bucket_auto_and_set_window_fields_have_memory_limits(coll, small_memory_limits):
    # $bucketAuto's sorter may not spill without allowDiskUse (292, the sorter's
    # words); $setWindowFields sorts first when it partitions or sorts (292), and
    # a partition held beyond its limit fails with 5414201
    bucket_auto = [{"$bucketAuto": {"groupBy": "$_id", "buckets": 3}}]
    with pytest.raises(OperationFailure) as info:
        list(coll.aggregate(bucket_auto, allowDiskUse=False))
    assert info.value.code == 292
    assert info.value.details["errmsg"] == (f"Sort exceeded memory limit of {64 * 1024} "
                                            "bytes, but did not opt in to external sorting.")
    assert [b["count"] for b in coll.aggregate(bucket_auto)] == [1000, 1000, 1000]
    sorted_window = [{"$setWindowFields": {"sortBy": {"_id": 1},
                                           "output": {"n": {"$documentNumber": {}}}}}]
    with pytest.raises(OperationFailure) as info:
        list(coll.aggregate(sorted_window, allowDiskUse=False))
    assert info.value.code == 292
    whole = [{"$setWindowFields": {"output": {"n": {"$count": {}}}}}]
    with pytest.raises(OperationFailure) as info:
        list(coll.aggregate(whole, allowDiskUse=False))
    assert info.value.code == 5414201
    assert info.value.details["errmsg"].startswith(
        "Exceeded memory limit in DocumentSourceSetWindowFields, used ")
    assert info.value.details["errmsg"].endswith(f" bytes but max allowed is {64 * 1024}")
    assert len(list(coll.aggregate(whole))) == 3000
    assert len(list(coll.aggregate(sorted_window, allowDiskUse=True))) == 3000
    # small partitions stay within the limit
    small = [{"$setWindowFields": {"partitionBy": "$_id", "output": {"n": {"$count": {}}}}},
             {"$limit": 1}]
    assert len(list(coll.aggregate([{"$limit": 100}] + small, allowDiskUse=False))) == 1


def test_a_long_indexed_aggregation_does_not_block_other_clients(face, coll):
    # a leading $match answered by an index lets the lock go as find does
    client, _ = face
    coll.create_index("s")
    client.other.small.insert_one({"_id": 1})
    answer = _run_beside(client, lambda: list(coll.aggregate(
        [{"$match": {"s": "a" * 30, **SLOWER}}, {"$count": "n"}])))
    assert answer == [{"n": 3000}]
