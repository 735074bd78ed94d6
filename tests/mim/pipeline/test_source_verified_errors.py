"""Error codes and messages checked against MongoDB's server source (the file
named in each test), not written from memory."""

from __future__ import annotations

import pytest
from pymongo.errors import OperationFailure


def fail(coll, pipeline):
    with pytest.raises(OperationFailure) as info:
        list(coll.aggregate(pipeline))
    return info.value.code, info.value.details["errmsg"]


class TestTopBottomN:
    """accumulatorNParseArgs in src/mongo/db/pipeline/accumulator_multi.cpp."""

    @pytest.fixture
    def coll(self, db):
        db.c.insert_many([{"_id": 1, "g": 1, "s": 5}, {"_id": 2, "g": 1, "s": 3}])
        return db.c

    def group(self, acc):
        return [{"$group": {"_id": "$g", "x": acc}}]

    def test_not_an_object(self, coll):
        assert fail(coll, self.group({"$topN": 1})) == (
            5788001, "specification must be an object; found $topN: 1")

    def test_unknown_argument(self, coll):
        assert fail(coll, self.group({"$top": {"n": 1, "output": "$s", "sortBy": {"s": 1}}})) \
            == (5788002, "Unknown argument to $top 'n'")
        assert fail(coll, self.group({"$bottomN": {"n": 1, "x": 1}})) == (
            5788002, "Unknown argument to $bottomN 'x'")

    def test_missing_fields_in_order_n_output_sortby(self, coll):
        assert fail(coll, self.group({"$topN": {}})) == (5788003, "Missing value for 'n'")
        assert fail(coll, self.group({"$topN": {"n": 1}})) == (
            5788004, "Missing value for 'output'")
        assert fail(coll, self.group({"$topN": {"n": 1, "output": "$s"}})) == (
            5788005, "Missing value for 'sortBy'")
        assert fail(coll, self.group({"$bottom": {"output": "$s"}})) == (
            5788005, "Missing value for 'sortBy'")

    def test_sortby_not_an_object(self, coll):
        assert fail(coll, self.group({"$top": {"output": "$s", "sortBy": 1}})) == (
            10065, "invalid parameter: expected an object (sortBy)")

    def test_n_validation(self, coll):
        assert fail(coll, self.group({"$topN": {"n": 1.5, "output": "$s", "sortBy": {"s": 1}}})) \
            == (5787903, "Value for 'n' must be of integral type, but found 1.5")
        assert fail(coll, self.group({"$firstN": {"n": "$missing", "input": "$s"}}))[0] == 5787902

    def test_first_n_group_spec_not_object(self, coll):
        assert fail(coll, self.group({"$firstN": 2})) == (
            5787801, "specification must be an object; found $firstN: 2")
        assert fail(coll, self.group({"$maxN": 2})) == (
            5787900, "specification must be an object; found $maxN: 2")


class TestPercentileAccumulator:
    """AccumulatorPercentile/AccumulatorMedian::parseArgs in accumulator_percentile.cpp."""

    def test_spec_not_object(self, db):
        db.c.insert_one({"v": 1})
        assert fail(db.c, [{"$group": {"_id": None, "m": {"$median": 1}}}]) == (
            7436100, "specification must be an object; found $median: 1")
        assert fail(db.c, [{"$group": {"_id": None, "m": {"$percentile": [0.5]}}}]) == (
            7429703, "specification must be an object; found $percentile: [ 0.5 ]")

    def test_method_bad_value(self, db):
        db.c.insert_one({"v": 1})
        assert fail(db.c, [{"$group": {"_id": None, "m": {"$median": {
            "input": "$v", "method": "continuous"}}}}]) == (
            2, "Currently only 'approximate' can be used as percentile 'method'.")


class TestWindowBounds:
    """WindowBounds::parse in src/mongo/db/pipeline/window_function/window_bounds.cpp."""

    @pytest.fixture
    def coll(self, db):
        db.c.insert_many([{"_id": i, "t": i} for i in range(3)])
        return db.c

    def run(self, coll, window, sort={"t": 1}):
        stage = {"output": {"s": {"$sum": "$t", "window": window}}}
        if sort is not None:
            stage["sortBy"] = sort
        return fail(coll, [{"$setWindowFields": stage}])

    @pytest.mark.parametrize("window,message", [
        (1, "'window' field must be an object"),
        ({"documents": [0, 1], "range": [0, 1]},
         "Window bounds can specify either 'documents' or 'unit', not both."),
        ({"documents": [0, 1], "unit": "day"},
         "Window bounds can only specify 'unit' with range-based bounds."),
        ({"foo": 1}, "'window' field can only contain 'documents' as the only argument or "
                     "'range' with an optional 'unit' field"),
        ({"documents": [0]}, "Window bounds must be a 2-element array: documents: [ 0 ]"),
        ({"documents": [0, 1], "x": 1},
         "'window' field that specifies documents cannot have other fields"),
        ({"documents": [0.5, 1]}, "Numeric document-based bounds must be an integer"),
        ({"documents": ["now", 1]}, "Window bounds must be 'unbounded', 'current', or a number."),
        ({"documents": ["$t", 1]}, "Window bounds must be 'unbounded', 'current', or a number."),
        ({"documents": [{"$add": ["$t", 1]}, 1]}, "Window bounds expression must be a constant."),
        ({"range": [0, 1], "x": 1},
         "'window' field that specifies range cannot have other fields besides 'unit'"),
        ({"range": ["a", 1]}, "Window bounds must be 'unbounded', 'current', or a number."),
        ({"range": [{"$literal": "a"}, 1]}, "Range-based bounds expression must be a number"),
        ({"range": [0, 1], "unit": "day", "x": 1},
         "'window' field that specifies unit cannot have other fields besides 'range'"),
        ({"range": [0, 1], "unit": 1}, "'unit' must be a string"),
        ({"range": [0.5, 1], "unit": "day"}, "With 'unit', range-based bounds must be an integer"),
        ({"range": [0, 1], "unit": "days"}, "unknown time unit value: days"),
    ])
    def test_failed_to_parse(self, coll, window, message):
        assert self.run(coll, window) == (9, message)

    def test_semantic_errors(self, coll):
        assert self.run(coll, {"documents": [1, "current"]}) == (
            5339900, "Lower bound must not exceed upper bound: [1, 0]")
        assert self.run(coll, {"documents": [-1, 0]}, sort=None) == (
            5339901, "Document-based bounds require a sortBy")
        assert self.run(coll, {"range": [-1, 0]}, sort={"t": 1, "_id": 1}) == (
            5339902, "Range-based bounds require sortBy a single field")

    def test_constant_expression_bounds_are_accepted(self, coll):
        out = list(coll.aggregate([{"$setWindowFields": {"sortBy": {"t": 1}, "output": {
            "s": {"$sum": "$t", "window": {"documents": [{"$add": [-1, 0]}, 0]}}}}}]))
        assert [d["s"] for d in out] == [0, 1, 3]


def test_densify_date_step_must_be_whole(db):
    # jstests/aggregation/sources/densify/parse.js in the server repository
    import datetime
    db.c.insert_one({"a": datetime.datetime(2020, 1, 1)})
    assert fail(db.c, [{"$densify": {"field": "a", "range": {
        "step": 1.1, "unit": "second",
        "bounds": [datetime.datetime(2020, 1, 1), datetime.datetime(2020, 1, 3)]}}}]) == (
        6586400, "The step parameter in a range satement must be a whole number when "
                 "densifying a date range")
    assert fail(db.c, [{"$densify": {"field": "a", "range": {
        "step": 1, "unit": "seconds", "bounds": "full"}}}]) == (
        9, "unknown time unit value: seconds")
