"""$bit."""

from bson.int64 import Int64

from .helpers import apply, compile_fails, fails, same


def test_bit_manual_examples():
    assert apply({"_id": 1, "expdata": 13}, {"$bit": {"expdata": {"and": 10}}})["expdata"] == 8
    assert apply({"_id": 2, "expdata": 3}, {"$bit": {"expdata": {"or": 5}}})["expdata"] == 7
    assert apply({"_id": 3, "expdata": 1}, {"$bit": {"expdata": {"xor": 5}}})["expdata"] == 4


def test_bit_types_and_missing_field():
    assert same(apply({"_id": 1, "a": 1}, {"$bit": {"a": {"or": Int64(2)}}})["a"], Int64(3))
    assert same(apply({"_id": 1, "a": Int64(6)}, {"$bit": {"a": {"and": 3}}})["a"], Int64(2))
    assert same(apply({"_id": 1}, {"$bit": {"a": {"or": 5}}})["a"], 5)
    assert apply({"_id": 1, "a": 12}, {"$bit": {"a": {"and": 10, "or": 1}}})["a"] == 9


def test_bit_errors():
    compile_fails({"$bit": {"a": 5}}, 2, "The $bit modifier is not compatible with a int. You must "
                                         "pass in an embedded document: {$bit: {field: {and/or/xor: #}}")
    compile_fails({"$bit": {"a": {"not": 5}}}, 2,
                  "The $bit modifier only supports 'and', 'or', and 'xor', not 'not' which is an "
                  "unknown operator: {not: 5}")
    compile_fails({"$bit": {"a": {"and": 5.0}}}, 2,
                  "The $bit modifier field must be an Integer(32/64 bit); a 'double' is not "
                  "supported here: {and: 5.0}")
    compile_fails({"$bit": {"a": {}}}, 2, "You must pass in at least one bitwise operation. The "
                                          "format is: {$bit: {field: {and/or/xor: #}}")
    fails({"_id": 1, "a": 1.5}, {"$bit": {"a": {"and": 1}}}, 2,
          "Cannot apply $bit to a value of non-integral type._id: 1 has the field a of "
          "non-integer type double")
