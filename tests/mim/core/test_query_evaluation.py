"""$mod, $regex (options i m s x; BSON Regex and re.Pattern values), $expr, $comment.

Sources: manual pages reference/operator/query/{mod,regex,expr,comment};
parseMOD / parseRegexDocument / parseExpr in expression_parser.cpp;
RegexMatchExpression and ModMatchExpression in expression_leaf.cpp.
"""

import re

from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.regex import Regex

from .helpers import matching, query_error

# -- $mod -----------------------------------------------------------------------

QTY = [{"qty": 0}, {"qty": 5}, {"qty": 12}, {"qty": -12}, {"qty": 5.9}, {"qty": -5.9},
       {"qty": Int64(4)}, {"qty": Decimal128("8.5")}, {"qty": "12"}, {}]


def test_mod_manual_example(coll):
    # {qty: {$mod: [4, 0]}}
    assert matching(coll, QTY, {"qty": {"$mod": [4, 0]}}) == [0, 2, 3, 6, 7]


def test_mod_truncates_dividend_toward_zero(coll):
    # 5.9 -> 5 and -5.9 -> -5; the remainder keeps the dividend's sign
    assert matching(coll, QTY, {"qty": {"$mod": [4, 1]}}) == [1, 4]
    assert matching(coll, QTY, {"qty": {"$mod": [4, -1]}}) == [5]


def test_mod_truncates_divisor_and_remainder(coll):
    # manual: floating point divisor/remainder are truncated toward zero (5.1+)
    assert matching(coll, QTY, {"qty": {"$mod": [4.9, 0.9]}}) == [0, 2, 3, 6, 7]
    assert matching(coll, QTY, {"qty": {"$mod": [Decimal128("-4.5"), 0]}}) == [0, 2, 3, 6, 7]


def test_mod_negative_divisor(coll):
    assert matching(coll, QTY, {"qty": {"$mod": [-4, 1]}}) == [1, 4]


def test_mod_against_arrays_and_non_numbers(coll):
    docs = [{"a": [3, 9]}, {"a": ["9"]}, {"a": float("nan")}, {"a": float("inf")}]
    assert matching(coll, docs, {"a": {"$mod": [3, 0]}}) == [0]


def test_mod_errors(coll):
    query_error(coll, {"a": {"$mod": 4}}, 2, "malformed mod, needs to be an array")
    query_error(coll, {"a": {"$mod": []}}, 2, "malformed mod, not enough elements")
    query_error(coll, {"a": {"$mod": [4]}}, 2, "malformed mod, not enough elements")
    query_error(coll, {"a": {"$mod": [4, 1, 2]}}, 2, "malformed mod, too many elements")
    query_error(coll, {"a": {"$mod": ["4", 1]}}, 2, "malformed mod, divisor not a number")
    query_error(coll, {"a": {"$mod": [4, None]}}, 2, "malformed mod, remainder not a number")
    query_error(coll, {"a": {"$mod": [0, 1]}}, 2, "divisor cannot be 0")
    query_error(coll, {"a": {"$mod": [0.5, 1]}}, 2, "divisor cannot be 0")
    query_error(coll, {"a": {"$mod": [float("nan"), 1]}}, 2,
                "malformed mod, divisor value is invalid :: caused by :: "
                "Unable to coerce NaN/Inf to integral type")
    query_error(coll, {"a": {"$mod": [4, float("inf")]}}, 2,
                "malformed mod, remainder value is invalid :: caused by :: "
                "Unable to coerce NaN/Inf to integral type")
    query_error(coll, {"a": {"$mod": [1e19, 1]}}, 2,
                "malformed mod, divisor value is invalid :: caused by :: "
                "Out of bounds coercing to integral value")


# -- $regex ------------------------------------------------------------------------

PRODUCTS = [
    {"sku": "abc123", "description": "Single line description."},
    {"sku": "abc789", "description": "First line\nSecond line"},
    {"sku": "xyz456", "description": "Many spaces before     line"},
    {"sku": "xyz789", "description": "Multiple\nline description"},
    {"sku": "Abc789", "description": "appended"},
]


def test_regex_forms(coll):
    # manual: {sku: {$regex: /789$/}}, {sku: {$regex: '789$'}}, {sku: /789$/}
    assert matching(coll, PRODUCTS, {"sku": {"$regex": "789$"}}) == [1, 3, 4]
    assert matching(coll, PRODUCTS, {"sku": {"$regex": Regex("789$")}}) == [1, 3, 4]
    assert matching(coll, PRODUCTS, {"sku": {"$regex": re.compile("789$")}}) == [1, 3, 4]
    assert matching(coll, PRODUCTS, {"sku": re.compile("789$")}) == [1, 3, 4]
    assert matching(coll, PRODUCTS, {"sku": Regex("789$")}) == [1, 3, 4]


def test_regex_option_i(coll):
    # manual: {sku: {$regex: /^ABC/i}}
    assert matching(coll, PRODUCTS, {"sku": {"$regex": "^ABC", "$options": "i"}}) == [0, 1, 4]
    assert matching(coll, PRODUCTS, {"sku": {"$regex": Regex("^ABC", "i")}}) == [0, 1, 4]
    assert matching(coll, PRODUCTS, {"sku": re.compile("^ABC", re.IGNORECASE)}) == [0, 1, 4]
    assert matching(coll, PRODUCTS, {"sku": {"$options": "i", "$regex": "^ABC"}}) == [0, 1, 4]


def test_regex_option_m(coll):
    # manual: {description: {$regex: /^S/, $options: 'm'}}
    assert matching(coll, PRODUCTS, {"description": {"$regex": "^S", "$options": "m"}}) == [0, 1]
    assert matching(coll, PRODUCTS, {"description": {"$regex": "^S"}}) == [0]
    assert matching(coll, PRODUCTS, {"description": {"$regex": "line$", "$options": "m"}}) \
        == [1, 2]


def test_regex_option_s(coll):
    # manual: {description: {$regex: /m.*line/, $options: 'si'}}
    assert matching(coll, PRODUCTS, {"description": {"$regex": "m.*line", "$options": "si"}}) \
        == [2, 3]
    assert matching(coll, PRODUCTS, {"description": {"$regex": "m.*line", "$options": "i"}}) \
        == [2]


def test_regex_option_x(coll):
    # manual: whitespace in the pattern is ignored and # starts a comment with x
    pattern = "abc #category code\n123 #item number"
    assert matching(coll, PRODUCTS, {"sku": {"$regex": pattern, "$options": "x"}}) == [0]
    assert matching(coll, PRODUCTS, {"sku": {"$regex": "a b c", "$options": "x"}}) == [0, 1]


def test_regex_matches_array_elements_and_ignores_non_strings(coll):
    docs = [{"a": ["xx", "abc"]}, {"a": 123}, {"a": None}, {}, {"a": {"b": "abc"}}, {"a": "ab"}]
    assert matching(coll, docs, {"a": re.compile("^ab")}) == [0, 5]
    assert matching(coll, docs, {"a": {"$regex": "1"}}) == []


def test_regex_matches_equal_stored_regex_values(coll):
    # expression_leaf.cpp: a stored regex matches when pattern and flags are equal
    docs = [{"a": Regex("^ab", "i")}, {"a": Regex("^ab")}, {"a": "ab"}]
    assert matching(coll, docs, {"a": Regex("^ab", "i")}) == [0, 2]
    assert matching(coll, docs, {"a": {"$regex": "^ab"}}) == [1, 2]


def test_regex_errors(coll):
    query_error(coll, {"a": {"$regex": 5}}, 2, "$regex has to be a string")
    query_error(coll, {"a": {"$regex": "x", "$options": 1}}, 2, "$options has to be a string")
    query_error(coll, {"a": {"$options": "i"}}, 2, "$options needs a $regex")
    query_error(coll, {"a": {"$regex": Regex("x", "i"), "$options": "m"}}, 51075,
                "options set in both $regex and $options")
    query_error(coll, {"a": {"$options": "m", "$regex": Regex("x", "i")}}, 51074,
                "options set in both $regex and $options")
    query_error(coll, {"a": {"$regex": "x", "$options": "q"}}, 51108,
                "invalid flag in regex options: q")
    err = query_error(coll, {"a": {"$regex": "("}}, 51091)
    assert err.details["errmsg"].startswith("Regular expression is invalid: ")
    query_error(coll, {"a": {"$regex": "a\x00b"}}, 2,
                "Regular expression cannot contain an embedded null byte")


# -- $expr -------------------------------------------------------------------------

MONTHLY = [
    {"category": "food", "budget": 400, "spent": 450},
    {"category": "drinks", "budget": 100, "spent": 150},
    {"category": "clothes", "budget": 100, "spent": 50},
    {"category": "misc", "budget": 500, "spent": 300},
    {"category": "travel", "budget": 200, "spent": 650},
]


def test_expr_compares_two_fields(coll):
    # manual ($expr)
    assert matching(coll, MONTHLY, {"$expr": {"$gt": ["$spent", "$budget"]}}) == [0, 1, 4]


def test_expr_with_conditional(coll):
    f = {"$expr": {"$lt": [{"$cond": {"if": {"$gte": ["$budget", 200]},
                                      "then": {"$multiply": ["$budget", 0.5]},
                                      "else": "$budget"}}, "$spent"]}}
    assert matching(coll, MONTHLY, f) == [0, 1, 3, 4]


def test_expr_combines_with_field_conditions(coll):
    f = {"budget": 100, "$expr": {"$lt": ["$spent", "$budget"]}}
    assert matching(coll, MONTHLY, f) == [2]


def test_expr_truthiness(coll):
    docs = [{"v": 0}, {"v": 1}, {"v": None}, {}, {"v": "x"}, {"v": []}, {"v": False}]
    assert matching(coll, docs, {"$expr": "$v"}) == [1, 4, 5]


def test_expr_only_at_top_level(coll):
    # expression_parser.cpp parseExpr
    query_error(coll, {"a": {"$elemMatch": {"$expr": {"$eq": [1, 1]}}}}, 2,
                "$expr can only be applied to the top-level document")


def test_expr_is_not_a_field_operator(coll):
    query_error(coll, {"a": {"$expr": 1}}, 2, "unknown operator: $expr")


# -- $comment -----------------------------------------------------------------------

def test_comment_does_not_change_the_result(coll):
    assert matching(coll, MONTHLY, {"budget": 100, "$comment": "two of them"}) == [1, 2]
