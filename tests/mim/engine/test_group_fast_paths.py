"""Property: ``$group``'s fast paths answer as its general path does.

A ``$group`` of top-level fields (after an ``$unwind`` it unwinds itself or not)
buffers its inputs and folds them into ``$sum``/``$avg`` states many values at a
time (doubles through TwoSum, int32s through one ``sum``); the general path feeds
each document's expression value to the state one by one.  For generated
documents mixing every numeric type, infinities, nan, ±0, values near the
int32/int64/double limits, nulls, strings, missing fields and arrays, both give
the same documents, value types included (the manual: ``$sum`` keeps an int
while it fits, widens to a long, then to a double; a decimal makes it decimal;
non-numbers are ignored)."""

from __future__ import annotations

import math

from bson.decimal128 import Decimal128
from bson.int64 import Int64
from hypothesis import given, settings
from hypothesis import strategies as st

from mim.engine.languages.expressions.accumulators import AvgAccumulator, SumAccumulator
from mim.engine.pipeline import ListCatalog, PipelineContext, compile_pipeline
from mim.engine.pipeline import group as group_module

NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-1e6, 1e6).map(lambda x: round(x, 1)),
    st.sampled_from([0.1, -0.0, 0.0, 1e16, -1e16, 1.7e308, -1.7e308, 2.0 ** 53, 5e-324]),
    st.integers(-2 ** 31, 2 ** 31 - 1),
    st.sampled_from([2 ** 31 - 1, -2 ** 31, 2 ** 31, 2 ** 62, -2 ** 63]),
    st.integers(-2 ** 63, 2 ** 63 - 1).map(Int64),
    st.sampled_from([Decimal128("1.5"), Decimal128("-0"), Decimal128("NaN")]),
)
OTHERS = st.sampled_from([None, "s", True, [1, 2], {"x": 1}])
#: runs of one type (the fast paths' cases) more often than mixtures
VALUE_RUNS = st.one_of(
    st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=30),
    st.lists(st.floats(-1e3, 1e3).map(lambda x: round(x, 1)), max_size=30),
    st.lists(st.integers(-2 ** 31, 2 ** 31 - 1), max_size=30),
    st.lists(st.one_of(NUMBERS, OTHERS), max_size=30),
)
TAGS = st.one_of(st.lists(st.sampled_from(["a", "b", "c", 1, 1.0, None, Int64(1)]), max_size=4),
                 st.sampled_from(["a", None, 2]))


@st.composite
def documents(draw):
    values = draw(VALUE_RUNS)
    docs = []
    for i, value in enumerate(values):
        doc = {"_id": i, "v": value}
        if draw(st.integers(0, 9)) > 0:
            doc["tags"] = draw(TAGS)
        docs.append(doc)
    if draw(st.booleans()):
        docs.append({"_id": "no v", "tags": ["a"]})
    return docs


def run(stages, docs):
    return list(compile_pipeline(stages, PipelineContext(ListCatalog(), {}))(docs, {}))


def exact(rows):
    """The rows with every value's type and bits (nan, -0.0, Int64) kept."""
    return sorted(repr(sorted((k, type(v).__name__, repr(v)) for k, v in row.items()))
                  for row in rows)


def general(expression):
    """An accumulator input the column path does not read itself (same value)."""
    return {"$ifNull": [expression, None]}


@settings(max_examples=150, deadline=None)
@given(docs=documents())
def test_unwound_group_of_fields_answers_as_the_general_group(docs):
    for every in (4096, 3):
        group_module._FOLD_EVERY = every
        try:
            fast = run([{"$unwind": "$tags"},
                        {"$group": {"_id": "$tags", "n": {"$sum": 1}, "total": {"$sum": "$v"},
                                    "mean": {"$avg": "$v"}}}], docs)
            fields = run([{"$unwind": "$tags"}, {"$match": {}},
                          {"$group": {"_id": "$tags", "n": {"$sum": 1},
                                      "total": {"$sum": "$v"}, "mean": {"$avg": "$v"}}}], docs)
        finally:
            group_module._FOLD_EVERY = 4096
        slow = run([{"$unwind": "$tags"},
                    {"$group": {"_id": general("$tags"), "n": {"$sum": 1},
                                "total": {"$sum": general("$v")},
                                "mean": {"$avg": general("$v")}}}], docs)
        assert exact(fast) == exact(slow)
        assert exact(fields) == exact(slow)
    # an accumulator reading the unwound field itself gets each element
    fast = run([{"$unwind": "$tags"},
                {"$group": {"_id": "$v", "els": {"$sum": "$tags"}, "top": {"$max": "$tags"},
                            "n": {"$sum": 1}}}], docs)
    slow = run([{"$unwind": "$tags"},
                {"$group": {"_id": general("$v"), "els": {"$sum": general("$tags")},
                            "top": {"$max": general("$tags")}, "n": {"$sum": 1}}}], docs)
    assert exact(fast) == exact(slow)


@settings(max_examples=150, deadline=None)
@given(docs=documents())
def test_group_of_one_and_several_fields_answers_as_the_general_group(docs):
    for doc in docs:
        doc["w"] = doc["_id"] if type(doc["_id"]) is int else 0.5
    fast = run([{"$group": {"_id": "$tags", "total": {"$sum": "$v"}}}], docs)
    slow = run([{"$group": {"_id": general("$tags"), "total": {"$sum": general("$v")}}}], docs)
    assert exact(fast) == exact(slow)
    fast = run([{"$group": {"_id": None, "total": {"$sum": "$v"}, "w": {"$sum": "$w"},
                            "top": {"$max": "$v"}, "c": {"$count": {}}}}], docs)
    slow = run([{"$group": {"_id": None, "total": {"$sum": general("$v")},
                            "w": {"$sum": general("$w")}, "top": {"$max": general("$v")},
                            "c": {"$count": {}}}}], docs)
    assert exact(fast) == exact(slow)


def _state(acc):
    return [repr(getattr(acc, name)) for name in ("kind", "int_total", "float_total",
                                                  "float_comp", "dec_total", "count")]


@settings(max_examples=300, deadline=None)
@given(before=st.lists(NUMBERS, max_size=5), values=VALUE_RUNS)
def test_sum_of_many_values_is_the_sum_of_one_at_a_time(before, values):
    for cls in (SumAccumulator, AvgAccumulator):
        one_by_one, at_once = cls(), cls()
        for value in before:
            one_by_one.process(value)
            at_once.process(value)
        for value in values:
            one_by_one.process(value)
        at_once.process_values(values)
        assert _state(at_once) == _state(one_by_one)
        assert repr(at_once.result()) == repr(one_by_one.result())


def test_doubles_that_overflow_on_the_way_are_summed_one_at_a_time():
    # the running total overflows (inf), then an -inf makes it nan: the batch is
    # given to the general loop, which keeps the compensation of the finite steps
    for values in ([1.7e308, 1.7e308, -1.7e308], [1.0, math.inf, -math.inf],
                   [1e308, 1e308, -math.inf], [math.nan, 1.0]):
        one_by_one, at_once = SumAccumulator(), SumAccumulator()
        for value in values:
            one_by_one.process(value)
        at_once.process_values(values)
        assert _state(at_once) == _state(one_by_one)


def test_int32_batches_widen_as_one_at_a_time():
    acc = SumAccumulator()
    acc.process_values([2 ** 31 - 1] * 3)
    assert acc.result() == Int64(3 * (2 ** 31 - 1)) and type(acc.result()) is Int64
    acc = SumAccumulator()
    acc.process_values([1, 2, 3])
    assert acc.result() == 6 and type(acc.result()) is int


@settings(max_examples=150, deadline=None)
@given(docs=documents())
def test_group_by_unwound_element_with_one_or_no_fed_accumulator(docs):
    # the element-keyed run (_by_elements): rows are the value itself with one fed
    # accumulator, nothing with none; $first/$last see the rows in document order
    for accumulators in ({"n": {"$sum": 1}}, {"total": {"$sum": "$v"}},
                         {"mean": {"$avg": "$v"}, "n": {"$count": {}}},
                         {"first": {"$first": "$v"}, "last": {"$last": "$v"}}):
        slow_accumulators = {name: {op: general(arg) if isinstance(arg, str) else arg}
                             for name, spec in accumulators.items() for op, arg in spec.items()}
        slow = run([{"$unwind": "$tags"},
                    {"$group": {"_id": general("$tags"), **slow_accumulators}}], docs)
        for every in (4096, 2):
            group_module._FOLD_EVERY = every
            try:
                fast = run([{"$unwind": "$tags"},
                            {"$group": {"_id": "$tags", **accumulators}}], docs)
            finally:
                group_module._FOLD_EVERY = 4096
            assert exact(fast) == exact(slow)


def test_group_by_unwound_element_runs_by_element():
    # the benchmark's shape takes the element-keyed run, and answers as the manual's
    # example would: one group per distinct element, counts and sums per element
    stage = compile_pipeline([{"$unwind": "$tags"},
                              {"$group": {"_id": "$tags", "n": {"$sum": 1},
                                          "total": {"$sum": "$v"}}}],
                             PipelineContext(ListCatalog(), {}))
    docs = [{"_id": 1, "tags": ["a", "b"], "v": 1.5}, {"_id": 2, "tags": ["a"], "v": 2},
            {"_id": 3, "tags": "b", "v": Int64(3)}, {"_id": 4, "tags": [], "v": 9}]
    assert sorted(stage(docs, {}), key=lambda row: row["_id"]) == [
        {"_id": "a", "n": 2, "total": 3.5}, {"_id": "b", "n": 2, "total": 4.5}]
