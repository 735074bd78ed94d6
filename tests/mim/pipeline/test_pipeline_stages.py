"""Pipeline stages run as pure functions over lists, with a ListCatalog."""

import pytest
from bson.int64 import Int64

from mim.engine.values.errors import ServerError
from mim.engine.pipeline import ListCatalog, PipelineContext, compile_pipeline

SALES = [
    {"_id": 1, "item": "abc", "price": 10, "quantity": 2, "tags": ["a", "b"]},
    {"_id": 2, "item": "jkl", "price": 20, "quantity": 1, "tags": []},
    {"_id": 3, "item": "xyz", "price": 5, "quantity": 10},
    {"_id": 4, "item": "abc", "price": 10, "quantity": 5, "tags": ["b"]},
]


def run(stages, docs=SALES, catalog=None, **variables):
    ctx = PipelineContext(catalog or ListCatalog(), variables)
    return list(compile_pipeline(stages, ctx)(list(docs), variables))


def fails(stages, **kw):
    with pytest.raises(ServerError) as info:
        run(stages, **kw)
    return info.value


def test_match_sort_limit_skip():
    out = run([{"$match": {"price": {"$gte": 10}}}, {"$sort": {"quantity": -1}}, {"$skip": 1},
               {"$limit": 1}])
    assert [d["_id"] for d in out] == [1]


def test_group_manual_example():
    out = run([{"$group": {"_id": "$item", "totalSaleAmount": {"$sum": {
        "$multiply": ["$price", "$quantity"]}}, "count": {"$count": {}},
        "avgQty": {"$avg": "$quantity"}}}, {"$sort": {"_id": 1}}])
    assert out == [{"_id": "abc", "totalSaleAmount": 70, "count": 2, "avgQty": 3.5},
                   {"_id": "jkl", "totalSaleAmount": 20, "count": 1, "avgQty": 1.0},
                   {"_id": "xyz", "totalSaleAmount": 50, "count": 1, "avgQty": 10.0}]


def test_group_accumulators():
    out = run([{"$group": {"_id": None, "items": {"$addToSet": "$item"}, "first": {"$first":
               "$item"}, "last": {"$last": "$item"}, "max": {"$max": "$price"},
               "tags": {"$push": "$tags"}, "top": {"$top": {"sortBy": {"price": -1},
                                                          "output": "$item"}},
               "two": {"$firstN": {"n": 2, "input": "$_id"}}}}])
    assert out == [{"_id": None, "items": ["abc", "jkl", "xyz"], "first": "abc", "last": "abc",
                    "max": 20, "tags": [["a", "b"], [], ["b"]], "top": "jkl", "two": [1, 2]}]


def test_group_errors():
    assert fails([{"$group": {"total": {"$sum": 1}}}]).code == 15955
    assert fails([{"$group": {"_id": 1, "x": {"$bogus": 1}}}]).code == 15952


def test_unwind():
    assert [d["tags"] for d in run([{"$unwind": "$tags"}])] == ["a", "b", "b"]
    out = run([{"$unwind": {"path": "$tags", "includeArrayIndex": "i",
                            "preserveNullAndEmptyArrays": True}}])
    assert [(d["_id"], d.get("tags"), d["i"]) for d in out] == \
        [(1, "a", Int64(0)), (1, "b", Int64(1)), (2, None, None), (3, None, None),
         (4, "b", Int64(0))]
    assert fails([{"$unwind": "tags"}]).code == 28818


def test_project_inclusion_exclusion_and_computed():
    out = run([{"$project": {"item": 1, "total": {"$multiply": ["$price", "$quantity"]}}},
               {"$limit": 1}])
    assert out == [{"_id": 1, "item": "abc", "total": 20}]
    out = run([{"$project": {"tags": 0, "_id": 0}}, {"$limit": 1}])
    assert out == [{"item": "abc", "price": 10, "quantity": 2}]
    assert fails([{"$project": {"a": 1, "b": 0}}]).code == 31254


def test_add_fields_set_unset():
    out = run([{"$set": {"total": {"$multiply": ["$price", "$quantity"]}, "meta.x": 1}},
               {"$unset": ["tags", "price"]}, {"$limit": 1}])
    assert out == [{"_id": 1, "item": "abc", "quantity": 2, "total": 20, "meta": {"x": 1}}]


def test_count_sort_by_count_replace_root():
    assert run([{"$count": "n"}]) == [{"n": 4}]
    assert run([{"$match": {"x": 1}}, {"$count": "n"}]) == []
    assert run([{"$sortByCount": "$item"}])[0] == {"_id": "abc", "count": 2}
    assert run([{"$replaceRoot": {"newRoot": {"i": "$item"}}}, {"$limit": 1}]) == [{"i": "abc"}]
    assert fails([{"$replaceWith": "$price"}]).code == 40228


def test_lookup_equality_and_pipeline():
    catalog = ListCatalog({"inventory": [{"_id": 1, "sku": "abc", "stock": 120},
                                         {"_id": 2, "sku": "xyz", "stock": 0},
                                         {"_id": 3, "description": "empty"}]})
    out = run([{"$lookup": {"from": "inventory", "localField": "item", "foreignField": "sku",
                            "as": "inv"}}], catalog=catalog)
    assert [len(d["inv"]) for d in out] == [1, 0, 1, 1]
    out = run([{"$match": {"_id": 3}}, {"$lookup": {
        "from": "inventory", "let": {"want": "$quantity"},
        "pipeline": [{"$match": {"$expr": {"$lt": ["$stock", "$$want"]}}}], "as": "low"}}],
        catalog=catalog)
    # document 3 has no stock: missing sorts below every number, so $lt is true
    assert [d["_id"] for d in out[0]["low"]] == [2, 3]


def test_lookup_missing_local_field_matches_missing_foreign_field():
    catalog = ListCatalog({"other": [{"_id": "n", "k": None}, {"_id": "m"}, {"_id": "v", "k": 1}]})
    out = run([{"$match": {"_id": 3}}, {"$lookup": {"from": "other", "localField": "tags",
                                                   "foreignField": "k", "as": "o"}}],
              catalog=catalog)
    assert [d["_id"] for d in out[0]["o"]] == ["n", "m"]


def test_facet_union_with_bucket_out():
    catalog = ListCatalog({"more": [{"_id": 9, "item": "new", "price": 1}]})
    out = run([{"$facet": {"n": [{"$count": "n"}], "cheap": [{"$match": {"price": 5}},
                                                            {"$project": {"_id": 1}}]}}])
    assert out == [{"n": [{"n": 4}], "cheap": [{"_id": 3}]}]
    assert [d["_id"] for d in run([{"$unionWith": "more"}], catalog=catalog)] == [1, 2, 3, 4, 9]
    out = run([{"$bucket": {"groupBy": "$price", "boundaries": [0, 10, 100]}}])
    assert out == [{"_id": 0, "count": 1}, {"_id": 10, "count": 3}]
    assert run([{"$out": "copy"}], catalog=catalog) == []
    assert len(catalog.collections["copy"]) == 4


def test_redact_and_documents():
    out = run([{"$redact": {"$cond": [{"$eq": ["$item", "abc"]}, "$$KEEP", "$$PRUNE"]}}])
    assert [d["_id"] for d in out] == [1, 4]
    assert run([{"$documents": [{"a": 1}]}], docs=[]) == [{"a": 1}]


def test_unknown_and_malformed_stages():
    e = fails([{"$foo": 1}])
    assert (e.code, e.errmsg) == (40324, "Unrecognized pipeline stage name: '$foo'")
    assert fails([{"$match": {}, "$limit": 1}]).code == 40323
    assert fails([{"$out": "x"}, {"$limit": 1}]).code == 40601
    assert fails([{"$limit": 0}]).code == 15958
    assert fails([{"$geoNear": {}}]).code == 5860400  # "$geoNear requires a 'near' argument"


def test_sort_then_limit_is_top_k():
    out = run([{"$sort": {"price": 1, "_id": -1}}, {"$limit": 2}])
    assert [d["_id"] for d in out] == [3, 4]


def test_pipeline_via_client_aggregate():
    import mim
    client = mim.MongoClient()
    coll = client.db_pipeline_test.sales
    coll.insert_many([dict(d) for d in SALES])
    out = list(coll.aggregate([{"$group": {"_id": "$item", "q": {"$sum": "$quantity"}}},
                               {"$sort": {"q": -1}}]))
    assert out == [{"_id": "xyz", "q": 10}, {"_id": "abc", "q": 7}, {"_id": "jkl", "q": 1}]


def test_replace_root_spec_is_idl_parsed():
    import pytest
    from pymongo.errors import OperationFailure
    import mim
    coll = mim.MongoClient(server=mim.Server())["t"]["c"]
    coll.insert_one({"_id": 1, "a": 1})
    for stage, code, msg in [
            ({"$replaceRoot": {"x": 1}}, 40415, "BSON field '$replaceRoot.x' is an unknown field."),
            ({"$replaceRoot": {}}, 40414,
             "BSON field '$replaceRoot.newRoot' is missing but a required field"),
            ({"$replaceRoot": {"newRoot": "$a"}}, 40228, "'newRoot' expression  must evaluate"),
            ({"$replaceWith": "$a"}, 40228, "'replacement document' must evaluate")]:
        with pytest.raises(OperationFailure) as info:
            list(coll.aggregate([stage]))
        assert info.value.code == code and msg in str(info.value), info.value


def test_project_rejects_positional_projection():
    import pytest
    from pymongo.errors import OperationFailure
    import mim
    coll = mim.MongoClient(server=mim.Server())["t"]["c"]
    coll.insert_one({"_id": 1, "a": [1]})
    for spec in ({"a.$": 1}, {"a": {"b.$": 1}}, {"a.$.b": 1}):
        with pytest.raises(OperationFailure) as info:
            list(coll.aggregate([{"$project": spec}]))
        assert info.value.code == 31324
        assert "Invalid $project :: caused by :: Cannot use positional projection in " \
               "aggregation projection" in str(info.value)
