"""$merge, $out, $collStats, $indexStats and aggregate options through Collection.aggregate."""

import datetime

import pytest
from bson.int64 import Int64
from pymongo.collation import Collation
from pymongo.errors import DuplicateKeyError, OperationFailure

SOURCE = [{"_id": 1, "a": 1, "b": "a"}, {"_id": 2, "a": 2, "b": "b"}, {"_id": 3, "a": 3, "b": "c"}]


@pytest.fixture
def source(db):
    db.source.insert_many([dict(d) for d in SOURCE])
    return db.source


def code_of(coll, pipeline, **kw):
    with pytest.raises(OperationFailure) as info:
        list(coll.aggregate(pipeline, **kw))
    return info.value.code


def target(db):
    return sorted(db.target.find(), key=lambda d: d["_id"])


def test_merge_default_modes_merge_and_insert(db, source):
    db.target.insert_many([{"_id": 1, "c": 1}, {"_id": 4, "a": 4}])
    assert list(source.aggregate([{"$merge": {"into": "target"}}])) == []
    assert target(db) == [{"_id": 1, "c": 1, "a": 1, "b": "a"}, {"_id": 2, "a": 2, "b": "b"},
                          {"_id": 3, "a": 3, "b": "c"}, {"_id": 4, "a": 4}]


def test_merge_string_form_creates_collection(db, source):
    list(source.aggregate([{"$merge": "target"}]))
    assert target(db) == SOURCE


def test_merge_replace_keep_existing_discard(db, source):
    db.target.insert_many([{"_id": 1, "c": 1}, {"_id": 4, "a": 4}])
    list(source.aggregate([{"$merge": {"into": "target", "whenMatched": "replace",
                                       "whenNotMatched": "discard"}}]))
    assert target(db) == [{"_id": 1, "a": 1, "b": "a"}, {"_id": 4, "a": 4}]
    list(source.aggregate([{"$project": {"a": {"$literal": 100}}}, {"$merge": {
        "into": "target", "whenMatched": "keepExisting", "whenNotMatched": "insert"}}]))
    assert target(db) == [{"_id": 1, "a": 1, "b": "a"}, {"_id": 2, "a": 100},
                          {"_id": 3, "a": 100}, {"_id": 4, "a": 4}]


def test_merge_fail_modes(db, source):
    db.target.insert_many([{"_id": 1, "b": 1}, {"_id": 3, "b": 3}])
    with pytest.raises(OperationFailure) as info:
        list(source.aggregate([{"$merge": {"into": "target", "whenMatched": "replace",
                                           "whenNotMatched": "fail"}}]))
    assert info.value.code == 13113
    # the documents before the failing one are written
    assert db.target.find_one({"_id": 1}) == {"_id": 1, "a": 1, "b": "a"}
    db.target.delete_many({})
    db.target.insert_one({"_id": 2, "z": 1})
    with pytest.raises(OperationFailure) as info:
        list(source.aggregate([{"$merge": {"into": "target", "whenMatched": "fail"}}]))
    assert info.value.code == 11000
    assert db.target.find_one({"_id": 1}) == {"_id": 1, "a": 1, "b": "a"}


def test_merge_pipeline_with_let_and_new(db, source):
    db.target.insert_many([{"_id": 1, "total": 10}, {"_id": 2, "total": 20}])
    list(source.aggregate([{"$merge": {
        "into": "target", "whenNotMatched": "discard",
        "whenMatched": [{"$set": {"total": {"$add": ["$total", "$$new.a"]}}}]}}]))
    assert target(db) == [{"_id": 1, "total": 11}, {"_id": 2, "total": 22}]
    list(source.aggregate([{"$merge": {
        "into": "target", "let": {"inc": {"$multiply": ["$a", 100]}},
        "whenNotMatched": "discard",
        "whenMatched": [{"$addFields": {"total": {"$add": ["$total", "$$inc"]}}}]}}]))
    assert target(db) == [{"_id": 1, "total": 111}, {"_id": 2, "total": 222}]


def test_merge_on_fields_needs_unique_index(db, source):
    with pytest.raises(OperationFailure) as info:
        list(source.aggregate([{"$project": {"_id": 0}}, {"$merge": {"into": "target",
                                                                      "on": "b"}}]))
    assert info.value.code == 51183
    db.target.create_index("b", unique=True)
    db.target.insert_one({"_id": "x", "b": "a", "old": True})
    list(source.aggregate([{"$project": {"_id": 0}}, {"$merge": {"into": "target", "on": "b"}}]))
    docs = list(db.target.find({}, {"_id": 0}).sort("b", 1))
    assert docs == [{"b": "a", "old": True, "a": 1}, {"b": "b", "a": 2}, {"b": "c", "a": 3}]
    # the matched document keeps its _id; new ones get an ObjectId
    assert db.target.find_one({"b": "a"})["_id"] == "x"


def test_merge_on_field_missing_and_other_db(db, source):
    db.target.create_index([("b", 1)], unique=True)
    assert code_of(source, [{"$project": {"b": 0}}, {"$merge": {"into": "target",
                                                                "on": "b"}}]) == 51132
    list(source.aggregate([{"$merge": {"into": {"db": "reports", "coll": "copy"}}}]))
    assert sorted(d["_id"] for d in db.client.reports.copy.find()) == [1, 2, 3]


def test_merge_replace_cannot_change_id(db, source):
    db.target.create_index("b", unique=True)
    db.target.insert_one({"_id": 9, "b": "a"})
    assert code_of(source, [{"$merge": {"into": "target", "on": "b",
                                        "whenMatched": "replace"}}]) == 66


def test_merge_spec_errors(db, source):
    assert code_of(source, [{"$merge": {"on": "_id"}}]) == 40414
    assert code_of(source, [{"$merge": {"into": "t", "foo": 1}}]) == 40415
    assert code_of(source, [{"$merge": {"into": "t", "whenMatched": "bogus"}}]) == 2
    assert code_of(source, [{"$merge": {"into": "t", "whenNotMatched": "bogus"}}]) == 2
    assert code_of(source, [{"$merge": {"into": "t", "let": {"x": 1},
                                        "whenMatched": "merge"}}]) == 51199
    assert code_of(source, [{"$merge": 1}]) == 51182
    assert code_of(source, [{"$merge": "t"}, {"$limit": 1}]) == 40601


def test_out_replaces_and_to_other_db(db, source):
    db.copy.insert_one({"_id": "old"})
    db.copy.create_index("b")
    assert list(source.aggregate([{"$match": {"a": {"$gte": 2}}}, {"$out": "copy"}])) == []
    assert sorted(d["_id"] for d in db.copy.find()) == [2, 3]
    assert "b_1" in db.copy.index_information()
    list(source.aggregate([{"$out": {"db": "archive", "coll": "sales"}}]))
    assert db.client.archive.sales.count_documents({}) == 3
    assert code_of(source, [{"$out": {"coll": "x"}}]) == 40414
    assert code_of(source, [{"$out": 1}]) == 16990


def test_out_keeps_old_contents_when_unique_index_fails(db, source):
    db.copy.insert_one({"_id": "old", "b": 1})
    db.copy.create_index("k", unique=True)
    with pytest.raises(DuplicateKeyError):
        list(source.aggregate([{"$out": "copy"}]))
    assert list(db.copy.find()) == [{"_id": "old", "b": 1}]


def test_coll_stats_shape(db, source):
    source.create_index("a")
    out = list(source.aggregate([{"$collStats": {"count": {}, "storageStats": {},
                                                 "latencyStats": {"histograms": True}}}]))
    assert len(out) == 1
    stats = out[0]
    assert stats["ns"] == "pipeline.source"
    assert isinstance(stats["host"], str)
    assert isinstance(stats["localTime"], datetime.datetime)
    assert stats["count"] == 3
    assert stats["storageStats"]["count"] == 3
    assert stats["storageStats"]["nindexes"] == 2
    assert set(stats["storageStats"]["indexSizes"]) == {"_id_", "a_1"}
    assert stats["latencyStats"]["reads"]["ops"] == Int64(0)
    assert stats["latencyStats"]["reads"]["histogram"] == []
    out = list(source.aggregate([{"$collStats": {}}]))
    assert set(out[0]) == {"ns", "host", "localTime"}
    assert code_of(source, [{"$match": {}}, {"$collStats": {}}]) == 40602
    assert code_of(source, [{"$collStats": {"bogus": {}}}]) == 40415
    assert code_of(db.missing, [{"$collStats": {"storageStats": {}}}]) == 26


def test_index_stats_shape(db, source):
    source.create_index([("a", 1), ("b", -1)], name="ab")
    out = list(source.aggregate([{"$indexStats": {}}, {"$sort": {"name": 1}}]))
    assert [d["name"] for d in out] == ["_id_", "ab"]
    assert out[1]["key"] == {"a": 1, "b": -1}
    assert out[1]["spec"]["name"] == "ab"
    assert out[1]["accesses"]["ops"] == Int64(0)
    assert isinstance(out[1]["accesses"]["since"], datetime.datetime)
    assert code_of(source, [{"$match": {}}, {"$indexStats": {}}]) == 40602
    assert code_of(source, [{"$indexStats": {"a": 1}}]) == 28803


def test_geo_near_needs_a_geo_index(source):
    with pytest.raises(OperationFailure) as info:
        list(source.aggregate([{"$geoNear": {"near": [0, 0], "distanceField": "d"}}]))
    assert info.value.code == 27
    assert "$geoNear" in str(info.value)


def test_aggregate_options(db, source):
    source.create_index("a", name="a_idx")
    out = list(source.aggregate([{"$match": {"$expr": {"$gt": ["$a", "$$lim"]}}}],
                                let={"lim": 1}, batchSize=1, allowDiskUse=True,
                                maxTimeMS=1000, comment="hello", hint="a_idx"))
    assert [d["_id"] for d in out] == [2, 3]
    out = list(source.aggregate([{"$match": {"a": {"$gte": 2}}}], hint={"a": 1}))
    assert [d["_id"] for d in out] == [2, 3]
    out = list(source.aggregate([{"$sort": {"a": -1}}, {"$limit": 2}], hint=[("a", 1)]))
    assert [d["_id"] for d in out] == [3, 2]
    assert list(source.aggregate([{"$count": "n"}],
                                 collation=Collation("simple"))) == [{"n": 3}]


def test_aggregate_bad_hint_and_collation(source):
    with pytest.raises(OperationFailure) as info:
        list(source.aggregate([{"$match": {}}], hint="nope"))
    assert info.value.code == 2
    assert "hint provided does not correspond to an existing index" in str(info.value)
    with pytest.raises(OperationFailure):
        list(source.aggregate([], collation=Collation("fr", strength=9)))


def test_leading_match_and_sort_use_indexes(db):
    db.c.insert_many([{"_id": i, "k": i % 10, "v": -i} for i in range(200)])
    db.c.create_index("k")
    db.c.create_index("v")
    out = list(db.c.aggregate([{"$match": {"k": 3}}, {"$sort": {"v": 1}}, {"$limit": 3}]))
    assert [d["_id"] for d in out] == [193, 183, 173]
    out = list(db.c.aggregate([{"$sort": {"v": 1}}, {"$limit": 2}]))
    assert [d["_id"] for d in out] == [199, 198]
    out = list(db.c.aggregate([{"$match": {"k": {"$in": [1, 2]}, "_id": {"$lt": 15}}},
                               {"$group": {"_id": "$k", "n": {"$sum": 1}}},
                               {"$sort": {"_id": 1}}]))
    assert out == [{"_id": 1, "n": 2}, {"_id": 2, "n": 2}]
