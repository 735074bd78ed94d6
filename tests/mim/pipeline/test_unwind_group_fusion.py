"""``$unwind`` followed by ``$group``: the group sees one document per array
element (the manual's ``$unwind`` rules: a missing, null or empty array gives
no document, a non-array value one, each element one), whether the unwind
hands it fresh documents or reuses one per input document; ``$group``'s
accumulators and their types as the manual documents them."""

from __future__ import annotations

import math

from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.son import SON

from mim.engine.languages.collation import parse_collation
from mim.engine.pipeline import ListCatalog, PipelineContext, compile_pipeline

DOCS = [
    {"_id": 1, "tags": ["a", "b", "a"], "score": 1.5, "n": 1},
    {"_id": 2, "tags": [], "score": 100.0, "n": 2},
    {"_id": 3, "score": 1000.0, "n": 3},                      # no tags
    {"_id": 4, "tags": None, "score": 10000.0, "n": 4},
    {"_id": 5, "tags": "b", "score": 0.25, "n": 5},           # not an array: one document
    {"_id": 6, "tags": [1, 1.0, Int64(1), "1"], "score": 2.0, "n": Int64(6)},
]


def run(stages, docs=DOCS):
    return list(compile_pipeline(stages, PipelineContext(ListCatalog(), {}))(list(docs), {}))


def by_id(rows):
    return sorted(rows, key=lambda row: repr(row["_id"]))


def test_unwound_groups_count_elements_not_documents():
    out = run([{"$unwind": "$tags"},
               {"$group": {"_id": "$tags", "count": {"$sum": 1}, "docs": {"$count": {}},
                           "total": {"$sum": "$score"}, "ns": {"$sum": "$n"}}}])
    # 1, 1.0 and NumberLong(1) are one group (equal values), "1" another
    assert by_id(out) == by_id([
        {"_id": "a", "count": 2, "docs": 2, "total": 3.0, "ns": 2},
        {"_id": "b", "count": 2, "docs": 2, "total": 1.75, "ns": 6},
        {"_id": 1, "count": 3, "docs": 3, "total": 6.0, "ns": Int64(18)},
        {"_id": "1", "count": 1, "docs": 1, "total": 2.0, "ns": Int64(6)},
    ])
    one = next(row for row in out if row["_id"] == 1)
    assert type(one["_id"]) is int  # the group's _id is its first document's value
    assert type(one["count"]) is int and type(one["ns"]) is Int64


def test_sum_types_promote_as_documented():
    docs = [{"_id": i, "t": ["x"], "v": v} for i, v in
            enumerate([1, 2, Int64(3), 4.5, Decimal128("1"), "ignored", None])]
    out = run([{"$unwind": "$t"}, {"$group": {
        "_id": "$t", "ints": {"$sum": {"$cond": [{"$eq": [{"$type": "$v"}, "int"]}, "$v", 0]}},
        "longs": {"$sum": {"$cond": [{"$in": [{"$type": "$v"}, ["int", "long"]]}, "$v", 0]}},
        "doubles": {"$sum": {"$cond": [{"$eq": [{"$type": "$v"}, "decimal"]}, 0, "$v"]}},
        "all": {"$sum": "$v"}, "twice": {"$sum": 2}}}], docs)
    total = out[0].pop("all")
    assert type(total) is Decimal128 and total.to_decimal() == 11.5  # a decimal makes it decimal
    assert out == [{"_id": "x", "ints": 3, "longs": Int64(6), "doubles": 10.5, "twice": 14}]
    assert type(out[0]["ints"]) is int and type(out[0]["longs"]) is Int64
    assert type(out[0]["doubles"]) is float and type(out[0]["twice"]) is int


def test_constant_sum_widens_past_int32():
    docs = [{"_id": i, "t": ["x", "y"]} for i in range(3)]
    out = run([{"$unwind": "$t"}, {"$group": {"_id": None,
                                              "big": {"$sum": 2 ** 31 - 1}}}], docs)
    assert out == [{"_id": None, "big": Int64(6 * (2 ** 31 - 1))}]
    assert type(out[0]["big"]) is Int64


def test_preserve_null_and_empty_arrays_groups_them_under_null():
    out = run([{"$unwind": {"path": "$tags", "preserveNullAndEmptyArrays": True}},
               {"$group": {"_id": "$tags", "ids": {"$push": "$_id"}}}])
    groups = {repr(row["_id"]): row["ids"] for row in out}
    assert groups["None"] == [2, 3, 4]  # the empty array, the missing field and null
    assert groups["'a'"] == [1, 1] and groups["'b'"] == [1, 5]


def test_include_array_index_is_seen_by_the_group():
    out = run([{"$unwind": {"path": "$tags", "includeArrayIndex": "i"}},
               {"$match": {"_id": 1}},
               {"$group": {"_id": "$tags", "positions": {"$push": "$i"}}}])
    assert by_id(out) == [{"_id": "a", "positions": [Int64(0), Int64(2)]},
                          {"_id": "b", "positions": [Int64(1)]}]


def test_push_root_keeps_one_document_per_element():
    out = run([{"$unwind": "$tags"}, {"$match": {"_id": {"$in": [1, 5]}}},
               {"$group": {"_id": None, "docs": {"$push": "$$ROOT"},
                           "current": {"$push": "$$CURRENT.tags"}}}])
    assert [d["tags"] for d in out[0]["docs"]] == ["a", "b", "a", "b"]
    assert out[0]["current"] == ["a", "b", "a", "b"]
    docs = [{"_id": 1, "tags": ["a", "b"]}]
    out = run([{"$unwind": "$tags"}, {"$group": {"_id": None, "docs": {"$push": "$$ROOT"}}}],
              docs)
    assert out[0]["docs"] == [{"_id": 1, "tags": "a"}, {"_id": 1, "tags": "b"}]


def test_group_directly_after_unwind_with_root():
    out = run([{"$unwind": "$tags"},
               {"$group": {"_id": "$_id", "docs": {"$push": "$$ROOT"}}},
               {"$match": {"_id": 1}}])
    assert out == [{"_id": 1, "docs": [{"_id": 1, "tags": t, "score": 1.5, "n": 1}
                                       for t in ("a", "b", "a")]}]


def test_top_and_bottom_sort_the_unwound_documents():
    docs = [{"_id": 1, "tags": ["a", "c", "b"], "n": 1}, {"_id": 2, "tags": ["c", "d"], "n": 2}]
    out = run([{"$unwind": "$tags"},
               {"$group": {"_id": None,
                           "top": {"$top": {"sortBy": {"tags": -1, "n": 1}, "output": "$_id"}},
                           "bottom": {"$bottom": {"sortBy": {"tags": -1, "n": 1},
                                                  "output": ["$_id", "$tags"]}},
                           "firsts": {"$topN": {"n": 3, "sortBy": {"tags": -1, "_id": -1},
                                                "output": ["$_id", "$tags"]}}}}], docs)
    assert out == [{"_id": None, "top": 2, "bottom": [1, "a"],
                    "firsts": [[2, "d"], [2, "c"], [1, "c"]]}]


def test_first_last_min_max_avg_add_to_set_over_elements():
    out = run([{"$unwind": "$tags"}, {"$match": {"tags": {"$type": "string"}}},
               {"$group": {"_id": None, "first": {"$first": "$tags"}, "last": {"$last": "$tags"},
                           "min": {"$min": "$tags"}, "max": {"$max": "$tags"},
                           "avg": {"$avg": "$score"}, "set": {"$addToSet": "$tags"}}}])
    row = out[0]
    assert (row["first"], row["last"], row["min"], row["max"]) == ("a", "1", "1", "b")
    assert row["avg"] == (1.5 * 3 + 0.25 + 2.0) / 5
    assert sorted(row["set"]) == ["1", "a", "b"]


def test_nested_path_and_documents_in_the_array():
    docs = [{"_id": 1, "o": {"items": [{"k": "x", "q": 2}, {"k": "y", "q": 3}, {"k": "x"}]}},
            {"_id": 2, "o": {"items": {"k": "y", "q": 5}}},
            {"_id": 3, "o": {}}]
    out = run([{"$unwind": "$o.items"},
               {"$group": {"_id": "$o.items.k", "q": {"$sum": "$o.items.q"}, "n": {"$sum": 1}}}],
              docs)
    assert by_id(out) == [{"_id": "x", "q": 2, "n": 2}, {"_id": "y", "q": 8, "n": 2}]


def test_collation_groups_strings_by_it():
    ctx = PipelineContext(ListCatalog(), {},
                          collation=parse_collation({"locale": "en", "strength": 2}))
    docs = [{"_id": 1, "t": ["a", "A", "b"]}, {"_id": 2, "t": ["B"]}]
    out = list(compile_pipeline([{"$unwind": "$t"}, {"$group": {"_id": "$t", "n": {"$sum": 1}}}],
                                ctx)(docs, {}))
    assert sorted((row["_id"].lower(), row["n"]) for row in out) == [("a", 2), ("b", 2)]


def test_top_level_fields_group_over_many_documents():
    # more documents than the groups buffer before folding, mixed numeric types
    values = [1, 2.5, Int64(3), 2 ** 40, -0.5, "x", None, 0.125, 7, 0.25]  # exact sums
    docs = [{"_id": i, "g": ["p", "q", None][i % 3], "v": values[i % len(values)]}
            for i in range(9000)]
    docs.append({"_id": "missing g", "v": 1})
    out = run([{"$group": {"_id": "$g", "n": {"$count": {}}, "sum": {"$sum": "$v"},
                           "avg": {"$avg": "$v"}, "min": {"$min": "$v"}, "max": {"$max": "$v"},
                           "std": {"$stdDevPop": "$g"}}}], docs)
    expected = {}
    for doc in docs:
        g = doc.get("g")
        e = expected.setdefault(g, {"n": 0, "numbers": [], "all": []})
        e["n"] += 1
        e["all"].append(doc["v"])
        if type(doc["v"]) in (int, float, Int64):
            e["numbers"].append(doc["v"])
    assert [row["_id"] for row in out] == ["p", "q", None]
    for row in out:
        e = expected[row["_id"]]
        assert row["n"] == e["n"]
        assert row["sum"] == math.fsum(e["numbers"]) and type(row["sum"]) is float
        assert row["avg"] == math.fsum(e["numbers"]) / len(e["numbers"])
        assert row["min"] == min(e["numbers"]) and row["max"] == "x"  # strings sort after numbers
        assert row["std"] is None


def test_sum_of_doubles_is_compensated():
    docs = [{"_id": i, "v": v} for i, v in enumerate([1e16, 1.0, -1e16, 1.0] * 600)]
    out = run([{"$group": {"_id": None, "s": {"$sum": "$v"}}}], docs)
    assert out == [{"_id": None, "s": 1200.0}]  # naive double addition gives 0.0 or 600.0


def test_sum_widens_int32_to_long_and_long_to_double():
    docs = [{"_id": i, "v": 2 ** 31 - 1} for i in range(4)]
    out = run([{"$group": {"_id": None, "s": {"$sum": "$v"}}}], docs)
    assert out == [{"_id": None, "s": Int64(4 * (2 ** 31 - 1))}] and type(out[0]["s"]) is Int64
    docs = [{"_id": i, "v": Int64(2 ** 62)} for i in range(4)]
    out = run([{"$group": {"_id": None, "s": {"$sum": "$v"}}}], docs)
    assert out == [{"_id": None, "s": float(2 ** 64)}]


def test_constant_and_missing_ids_and_mappings():
    docs = [SON([("_id", 1), ("a", 2)]), {"_id": 2, "a": 3}, {"_id": 3}]
    assert run([{"$group": {"_id": None, "t": {"$sum": "$a"}, "c": {"$sum": 1}}}], docs) == \
        [{"_id": None, "t": 5, "c": 3}]
    assert run([{"$group": {"_id": "$nope", "t": {"$sum": "$a"}}}], docs) == \
        [{"_id": None, "t": 5}]
    assert run([{"$group": {"_id": "$$REMOVE", "t": {"$sum": "$a"}}}], docs) == \
        [{"_id": None, "t": 5}]
    assert run([{"$unwind": "$a"}, {"$group": {"_id": "$a", "n": {"$sum": 1}}}], docs) == \
        [{"_id": 2, "n": 1}, {"_id": 3, "n": 1}]
    assert run([{"$unwind": "$a"}, {"$group": {"_id": 7, "n": {"$sum": "$a"}}}], docs) == \
        [{"_id": 7, "n": 5}]


def test_sum_of_infinities_and_nan():
    def total(values):
        docs = [{"_id": i, "v": v} for i, v in enumerate(values)]
        return run([{"$group": {"_id": None, "s": {"$sum": "$v"}}}], docs)[0]["s"]

    assert total([1.0, math.inf, 2.5]) == math.inf
    assert total([-math.inf, 1.0, -2.0]) == -math.inf
    assert math.isnan(total([math.inf, -math.inf, 1.0]))
    assert math.isnan(total([1.5, math.nan, 2.0]))
    assert total([-0.0, -0.0]) == 0.0
    assert total([0.1] * 10) == 1.0  # compensated: naive addition gives 0.9999999999999999


def test_accumulators_over_the_unwound_field_read_each_element():
    # MongoEngine's QuerySet.sum/average over a ListField: $unwind of the list, then a
    # $group whose $sum/$avg read that same field, one element per document
    docs = [{"_id": 1, "values": [150.0, 100.0]}, {"_id": 2, "values": [530.0, 100.0]},
            {"_id": 3, "values": 20.0}, {"_id": 4, "values": []}, {"_id": 5}]
    out = run([{"$unwind": "$values"},
               {"$group": {"_id": "avg", "total": {"$sum": "$values"}, "avg": {"$avg": "$values"},
                           "min": {"$min": "$values"}, "max": {"$max": "$values"},
                           "first": {"$first": "$values"}, "n": {"$sum": 1}}}], docs)
    assert out == [{"_id": "avg", "total": 900.0, "avg": 180.0, "min": 20.0, "max": 530.0,
                    "first": 150.0, "n": 5}]
    out = run([{"$unwind": "$values"},
               {"$group": {"_id": "$values", "total": {"$sum": "$values"},
                           "ids": {"$sum": "$_id"}}}], docs)
    assert by_id(out) == by_id([{"_id": 150.0, "total": 150.0, "ids": 1},
                                {"_id": 100.0, "total": 200.0, "ids": 3},
                                {"_id": 530.0, "total": 530.0, "ids": 2},
                                {"_id": 20.0, "total": 20.0, "ids": 3}])
