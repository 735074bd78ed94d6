"""$bitsAllSet $bitsAnySet $bitsAllClear $bitsAnyClear.

Sources: manual pages reference/operator/query/bits*; parseBitTest and
parseBitPositionsArray in expression_parser.cpp (errors print the offending
BSON element as ``name: value``); BitTestMatchExpression in expression_leaf.cpp.
"""

from bson.binary import Binary
from bson.decimal128 import Decimal128
from bson.int64 import Int64

from .helpers import matching, query_error

# the manual's collection (binaryValueofA shown in comments)
DOCS = [
    {"a": 54},                    # 0: 00110110
    {"a": 20},                    # 1: 00010100
    {"a": 20.0},                  # 2: 00010100
    {"a": Binary(b"\x66", 0)},    # 3: 01100110 (BinData(0, "Zg=="))
]


def test_bits_all_set(coll):
    assert matching(coll, DOCS, {"a": {"$bitsAllSet": [1, 5]}}) == [0, 3]
    assert matching(coll, DOCS, {"a": {"$bitsAllSet": 50}}) == [0]
    assert matching(coll, DOCS, {"a": {"$bitsAllSet": Binary(b"\x30", 0)}}) == [0]


def test_bits_any_set(coll):
    assert matching(coll, DOCS, {"a": {"$bitsAnySet": [1, 5]}}) == [0, 3]
    assert matching(coll, DOCS, {"a": {"$bitsAnySet": 35}}) == [0, 3]
    assert matching(coll, DOCS, {"a": {"$bitsAnySet": Binary(b"\x30", 0)}}) == [0, 1, 2, 3]


def test_bits_all_clear(coll):
    assert matching(coll, DOCS, {"a": {"$bitsAllClear": [1, 5]}}) == [1, 2]
    assert matching(coll, DOCS, {"a": {"$bitsAllClear": 35}}) == [1, 2]
    assert matching(coll, DOCS, {"a": {"$bitsAllClear": Binary(b"\x20", 0)}}) == [1, 2]


def test_bits_any_clear(coll):
    assert matching(coll, DOCS, {"a": {"$bitsAnyClear": [1, 5]}}) == [1, 2]
    assert matching(coll, DOCS, {"a": {"$bitsAnyClear": 35}}) == [0, 1, 2, 3]
    assert matching(coll, DOCS, {"a": {"$bitsAnyClear": Binary(b"\x30", 0)}}) == [1, 2, 3]


def test_negative_numbers_are_sign_extended(coll):
    # manual: numbers are two's complement; positions past 63 read the sign bit
    docs = [{"a": -1}, {"a": Int64(-2)}, {"a": 1}]
    assert matching(coll, docs, {"a": {"$bitsAllSet": [0, 63, 200]}}) == [0]
    assert matching(coll, docs, {"a": {"$bitsAllSet": [200]}}) == [0, 1]
    assert matching(coll, docs, {"a": {"$bitsAnyClear": [200]}}) == [2]


def test_bindata_positions_past_the_end_are_clear(coll):
    docs = [{"a": Binary(b"\x01", 0)}]
    assert matching(coll, docs, {"a": {"$bitsAllClear": [8, 100]}}) == [0]
    assert matching(coll, docs, {"a": {"$bitsAnySet": [0]}}) == [0]


def test_only_integral_numbers_and_bindata_are_tested(coll):
    docs = [{"a": 2.5}, {"a": "2"}, {"a": None}, {"a": True}, {"a": Decimal128("2")},
            {"a": [2, 3.5]}, {}]
    assert matching(coll, docs, {"a": {"$bitsAllSet": [1]}}) == [4, 5]
    assert matching(coll, docs, {"a": {"$bitsAllClear": [0]}}) == [4, 5]


def test_bitmask_errors(coll):
    query_error(coll, {"a": {"$bitsAllSet": -1}}, 9,
                "Expected a positive number in: $bitsAllSet: -1")
    query_error(coll, {"a": {"$bitsAnyClear": -1.0}}, 9,
                "Expected a positive number in: $bitsAnyClear: -1.0")
    query_error(coll, {"a": {"$bitsAllClear": 1.2}}, 9, "Expected an integer: $bitsAllClear: 1.2")
    query_error(coll, {"a": {"$bitsAnySet": "x"}}, 2,
                '$bitsAnySet takes an Array, a number, or a BinData but received: '
                '$bitsAnySet: "x"')
    query_error(coll, {"a": {"$bitsAllSet": None}}, 2,
                "$bitsAllSet takes an Array, a number, or a BinData but received: "
                "$bitsAllSet: null")


def test_bit_position_errors(coll):
    query_error(coll, {"a": {"$bitsAllSet": [1, -1]}}, 2,
                "bit positions must be >= 0 but got: 1: -1")
    query_error(coll, {"a": {"$bitsAllSet": ["a"]}}, 2,
                'bit positions must be an integer but got: 0: "a"')
    query_error(coll, {"a": {"$bitsAllSet": [0, 1.5]}}, 2,
                "bit positions must be an integer but got: 1: 1.5")
