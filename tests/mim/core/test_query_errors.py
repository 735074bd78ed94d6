"""Malformed filters fail as the server fails them: OperationFailure with MongoDB's
code and message, raised while the filter is parsed (before any document is read).

Sources: src/mongo/db/matcher/expression_parser.cpp (parse, parseSubField,
parseTreeTopLevel, parseMOD, parseNot, parseElemMatch, parseAll, parseType, $size),
matcher_type_set.cpp, expression_leaf.cpp; pymongo's common.validate_is_mapping for
the client-side TypeError.
"""

import re

import pytest
from bson.son import SON
from pymongo.errors import OperationFailure

from .helpers import query_error

TOP_LEVEL_HINT = ("If you have a field name that starts with a '$' symbol, consider using "
                  "$getField or $setField.")

MALFORMED = [
    ({"a": {"$foo": 1}}, 2, "unknown operator: $foo"),
    ({"a": {"$eq": 1, "$foo": 1}}, 2, "unknown operator: $foo"),
    ({"a": {"$gt": 1, "b": 1}}, 2, "unknown operator: b"),
    ({"$foo": 1}, 2, f"unknown top level operator: $foo. {TOP_LEVEL_HINT}"),
    ({"$gt": 1}, 2, f"unknown top level operator: $gt. {TOP_LEVEL_HINT}"),
    ({"$and": 1}, 2, "$and must be an array"),
    ({"$or": {}}, 2, "$or must be an array"),
    ({"$nor": "x"}, 2, "$nor must be an array"),
    ({"$and": []}, 2, "$and/$or/$nor must be a nonempty array"),
    ({"$or": []}, 2, "$and/$or/$nor must be a nonempty array"),
    ({"$nor": []}, 2, "$and/$or/$nor must be a nonempty array"),
    ({"$or": [1]}, 2, "$or/$and/$nor entries need to be full objects"),
    ({"a": {"$in": 5}}, 2, "$in needs an array"),
    ({"a": {"$nin": "x"}}, 2, "$nin needs an array"),
    ({"a": {"$in": [{"$eq": 1}]}}, 2, "cannot nest $ under $in"),
    ({"a": {"$mod": 3}}, 2, "malformed mod, needs to be an array"),
    ({"a": {"$mod": [3]}}, 2, "malformed mod, not enough elements"),
    ({"a": {"$mod": [3, 1, 1]}}, 2, "malformed mod, too many elements"),
    ({"a": {"$mod": [None, 1]}}, 2, "malformed mod, divisor not a number"),
    ({"a": {"$mod": [3, "1"]}}, 2, "malformed mod, remainder not a number"),
    ({"a": {"$mod": [0, 0]}}, 2, "divisor cannot be 0"),
    ({"a": {"$size": "1"}}, 2, "$size needs a number"),
    ({"a": {"$size": 1.5}}, 2, "$size must be a whole number"),
    ({"a": {"$size": -2}}, 2, "$size may not be negative"),
    ({"a": {"$type": "nope"}}, 2, "Unknown type name alias: nope"),
    ({"a": {"$type": 42}}, 2, "Invalid numerical type code: 42"),
    ({"a": {"$type": []}}, 9, "a must match at least one type"),
    ({"a": {"$type": None}}, 14, "type must be represented as a number or a string"),
    ({"a": {"$not": 1}}, 2, "$not needs a regex or a document"),
    ({"a": {"$not": {}}}, 2, "$not cannot be empty"),
    ({"a": {"$not": {"b": 1}}}, 2, "unknown operator: b"),
    ({"a": {"$elemMatch": 1}}, 2, "$elemMatch needs an Object"),
    ({"a": {"$all": 1}}, 2, "$all needs an array"),
    ({"a": {"$regex": 1}}, 2, "$regex has to be a string"),
    ({"a": {"$regex": "x", "$options": 2}}, 2, "$options has to be a string"),
    ({"a": {"$options": "i"}}, 2, "$options needs a $regex"),
    ({"a": {"$regex": "x", "$options": "iz"}}, 51108, "invalid flag in regex options: z"),
    ({"a": {"$regex": "[", "$options": ""}}, 51091, None),
    ({"a": {"$gt": re.compile("x")}}, 2, "Can't have RegEx as arg to predicate over field 'a'."),
    ({"a": {"$ne": re.compile("x")}}, 2, "Can't have regex as arg to $ne."),
    ({"a": {"$bitsAllSet": -5}}, 9, "Expected a positive number in: $bitsAllSet: -5"),
    ({"a": {"$bitsAnySet": [-1]}}, 2, "bit positions must be >= 0 but got: 0: -1"),
]


@pytest.mark.parametrize("filter, code, message", MALFORMED)
def test_malformed_filters(coll, filter, code, message):
    err = query_error(coll, filter, code, message)
    assert err.details["code"] == code
    assert err.details["ok"] == 0


def test_code_names(coll):
    err = query_error(coll, {"a": {"$foo": 1}}, 2)
    assert err.details["codeName"] == "BadValue"
    err = query_error(coll, {"a": {"$type": []}}, 9)
    assert err.details["codeName"] == "FailedToParse"
    err = query_error(coll, {"a": {"$type": {}}}, 14)
    assert err.details["codeName"] == "TypeMismatch"


def test_errors_are_raised_even_when_no_document_is_read(coll):
    coll.database.create_collection("empty")
    with pytest.raises(OperationFailure) as info:
        list(coll.database.empty.find({"a": {"$foo": 1}}))
    assert info.value.code == 2


def test_errors_hidden_behind_a_false_clause_are_still_raised(coll):
    # parsing validates the whole filter, whatever the data
    query_error(coll, {"$or": [{"_id": "nothing"}, {"a": {"$size": "x"}}]}, 2,
                "$size needs a number")


def test_malformed_filter_in_writes_changes_nothing(coll):
    coll.insert_many([{"_id": 1, "a": 1}, {"_id": 2, "a": 2}])
    with pytest.raises(OperationFailure) as info:
        coll.update_many({"$or": [{"a": 1}, {"a": {"$bad": 1}}]}, {"$set": {"b": 1}})
    assert info.value.code == 2
    with pytest.raises(OperationFailure):
        coll.delete_many({"a": {"$in": 1}})
    with pytest.raises(OperationFailure):
        coll.count_documents({"a": {"$mod": []}})
    assert list(coll.find({}, sort=[("_id", 1)])) == [{"_id": 1, "a": 1}, {"_id": 2, "a": 2}]


@pytest.mark.parametrize("filter, name", [
    ({"$text": {"$search": "x"}}, "$text"),
    ({"$where": "this.a == 1"}, "$where"),
])
def test_operators_of_later_issues_raise_an_error_naming_them(coll, filter, name):
    coll.insert_one({"a": 1, "loc": [0, 0]})
    with pytest.raises(OperationFailure) as info:
        list(coll.find(filter))
    assert name in str(info.value.details["errmsg"])


MAPPING_MESSAGE = ("filter must be an instance of dict, bson.son.SON, or any other type that "
                   "inherits from collections.Mapping")


@pytest.mark.parametrize("bad", ["a", 5, ["a", 1], ("a", 1)])
def test_non_mapping_filter_is_a_type_error(coll, bad):
    # pymongo validates filters client-side (common.validate_is_mapping)
    with pytest.raises(TypeError) as info:
        coll.find(bad)
    assert str(info.value) == MAPPING_MESSAGE
    with pytest.raises(TypeError):
        coll.count_documents(bad)
    with pytest.raises(TypeError):
        coll.delete_one(bad)
    with pytest.raises(TypeError):
        coll.update_one(bad, {"$set": {"a": 1}})


def test_mapping_types_are_accepted(coll):
    coll.insert_one({"_id": 1, "a": 1, "b": 2})
    assert coll.find_one(SON([("a", 1), ("b", 2)]))["_id"] == 1
