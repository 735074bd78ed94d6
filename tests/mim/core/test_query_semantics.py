"""How filters meet arrays, embedded documents, null/missing and types.

Sources: manual "Query an Array", "Query on Embedded/Nested Documents", "Query an
Array of Embedded Documents", "Query for Null or Missing Fields", "Comparison/Sort
Order" (type bracketing); the classic matcher's path traversal (ElementPath with
leaf and non-leaf array traversal) in src/mongo/db/matcher/.
"""

import re

from bson.regex import Regex

from .helpers import matching

# the manual's "Query an Array" collection
INVENTORY = [
    {"item": "journal", "tags": ["blank", "red"], "dim_cm": [14, 21]},
    {"item": "notebook", "tags": ["red", "blank"], "dim_cm": [14, 21]},
    {"item": "paper", "tags": ["red", "blank", "plain"], "dim_cm": [14, 21]},
    {"item": "planner", "tags": ["blank", "red"], "dim_cm": [22.85, 30]},
    {"item": "postcard", "tags": ["blue"], "dim_cm": [10, 15.25]},
]


def test_whole_array_equality_is_exact_and_ordered(coll):
    assert matching(coll, INVENTORY, {"tags": ["red", "blank"]}) == [1]
    assert matching(coll, INVENTORY, {"tags": {"$all": ["red", "blank"]}}) == [0, 1, 2, 3]


def test_scalar_equality_matches_any_element(coll):
    assert matching(coll, INVENTORY, {"tags": "red"}) == [0, 1, 2, 3]


def test_array_operand_matches_the_array_or_an_element_that_is_that_array(coll):
    docs = [{"a": [1, 2]}, {"a": [[1, 2], 3]}, {"a": [2, 1]}, {"a": [[[1, 2]]]}]
    assert matching(coll, docs, {"a": [1, 2]}) == [0, 1]


def test_only_one_level_of_array_is_expanded(coll):
    docs = [{"a": [[1]]}, {"a": [1]}, {"a": 1}]
    assert matching(coll, docs, {"a": 1}) == [1, 2]
    assert matching(coll, docs, {"a": {"$gt": 0}}) == [1, 2]


def test_range_conditions_may_be_met_by_different_elements(coll):
    # manual: dim_cm {$gt: 15, $lt: 20}: one element > 15 and another < 20, or one in range
    assert matching(coll, INVENTORY, {"dim_cm": {"$gt": 15, "$lt": 20}}) == [0, 1, 2, 4]
    assert matching(coll, INVENTORY, {"dim_cm": {"$elemMatch": {"$gt": 22, "$lt": 30}}}) == [3]


def test_numeric_path_component_addresses_an_array_position(coll):
    assert matching(coll, INVENTORY, {"dim_cm.1": {"$gt": 25}}) == [3]
    assert matching(coll, INVENTORY, {"tags.0": "red"}) == [1, 2]


def test_numeric_path_component_on_documents_is_a_field_name(coll):
    docs = [{"a": {"0": 5}}, {"a": [5]}, {"a": [{"0": 5}]}, {"a": [7, 5]}]
    assert matching(coll, docs, {"a.0": 5}) == [0, 1, 2]


def test_numeric_components_through_nested_arrays(coll):
    docs = [{"a": [[1, 2], [3]]}, {"a": [[3]]}]
    assert matching(coll, docs, {"a.0.1": 2}) == [0]
    assert matching(coll, docs, {"a.1": [3]}) == [0]
    assert matching(coll, docs, {"a.0": 3}) == [1]


# the manual's "Query an Array of Embedded Documents" collection
STOCK = [
    {"item": "journal", "instock": [{"warehouse": "A", "qty": 5}, {"warehouse": "C", "qty": 15}]},
    {"item": "notebook", "instock": [{"warehouse": "C", "qty": 5}]},
    {"item": "paper", "instock": [{"warehouse": "A", "qty": 60}, {"warehouse": "B", "qty": 15}]},
    {"item": "planner", "instock": [{"warehouse": "A", "qty": 40}, {"warehouse": "B", "qty": 5}]},
    {"item": "postcard", "instock": [{"warehouse": "B", "qty": 15}, {"warehouse": "C", "qty": 35}]},
]


def test_embedded_document_element_equality(coll):
    assert matching(coll, STOCK, {"instock": {"warehouse": "A", "qty": 5}}) == [0]
    assert matching(coll, STOCK, {"instock": {"qty": 5, "warehouse": "A"}}) == []


def test_dotted_path_through_an_array_of_documents(coll):
    assert matching(coll, STOCK, {"instock.qty": {"$lte": 20}}) == [0, 1, 2, 3, 4]
    assert matching(coll, STOCK, {"instock.0.qty": {"$lte": 20}}) == [0, 1, 4]
    # different elements can satisfy different conditions
    assert matching(coll, STOCK, {"instock.qty": {"$gt": 10, "$lte": 20}}) == [0, 2, 3, 4]
    assert matching(coll, STOCK, {"instock.qty": 5, "instock.warehouse": "A"}) == [0, 3]
    assert matching(coll, STOCK, {"instock": {"$elemMatch": {"qty": 5, "warehouse": "A"}}}) \
        == [0]


def test_dotted_path_does_not_descend_into_nested_arrays(coll):
    docs = [{"a": [[{"b": 1}]]}, {"a": [{"b": 1}]}, {"a": {"b": [1]}}, {"a": [{"b": [[1]]}]}]
    assert matching(coll, docs, {"a.b": 1}) == [1, 2]


def test_dotted_path_skips_scalar_array_elements(coll):
    docs = [{"a": [1, {"b": 2}]}, {"a": [1, 2]}]
    assert matching(coll, docs, {"a.b": 2}) == [0]


def test_deep_paths_through_several_arrays(coll):
    docs = [{"a": [{"b": [{"c": 1}, {"c": 2}]}, {"b": {"c": 3}}]}, {"a": {"b": {"c": 4}}}]
    assert matching(coll, docs, {"a.b.c": 3}) == [0]
    assert matching(coll, docs, {"a.b.c": {"$gte": 2}}) == [0, 1]


def test_null_matches_null_and_missing(coll):
    # manual: {item: null} matches documents where item is null or missing
    docs = [{"item": None}, {}, {"item": 0}, {"item": [None, 1]}, {"item": []}, {"item": [1]}]
    assert matching(coll, docs, {"item": None}) == [0, 1, 3]
    assert matching(coll, docs, {"item": {"$eq": None}}) == [0, 1, 3]
    assert matching(coll, docs, {"item": {"$type": "null"}}) == [0, 3]
    assert matching(coll, docs, {"item": {"$exists": False}}) == [1]


def test_null_on_dotted_paths(coll):
    docs = [{"a": {"b": None}}, {"a": {"c": 1}}, {"a": 5}, {}, {"a": {"b": 1}}]
    assert matching(coll, docs, {"a.b": None}) == [0, 1, 2, 3]


def test_ne_and_nin_against_arrays(coll):
    # $ne/$nin are negations: an array is excluded when any element equals the value
    assert matching(coll, INVENTORY, {"tags": {"$ne": "red"}}) == [4]
    assert matching(coll, INVENTORY, {"tags": {"$nin": ["blue", "plain"]}}) == [0, 1, 3]
    assert matching(coll, INVENTORY, {"tags": {"$ne": ["red", "blank"]}}) == [0, 2, 3, 4]
    assert matching(coll, STOCK, {"instock.warehouse": {"$ne": "A"}}) == [1, 4]


def test_ne_null_means_present_and_not_null(coll):
    docs = [{"a": None}, {}, {"a": 1}, {"a": [None]}, {"a": [1]}]
    assert matching(coll, docs, {"a": {"$ne": None}}) == [2, 4]


def test_type_brackets_in_range_queries(coll):
    docs = [{"a": 5}, {"a": "5"}, {"a": [4, "9"]}, {"a": True}, {"a": None}]
    assert matching(coll, docs, {"a": {"$gt": 4}}) == [0]
    assert matching(coll, docs, {"a": {"$gte": "5"}}) == [1, 2]
    assert matching(coll, docs, {"a": {"$lt": 10}}) == [0, 2]


def test_regex_against_arrays_and_non_strings(coll):
    docs = [{"a": ["x", "abc"]}, {"a": 1}, {"a": ["ab", 2]}, {"a": [1, 2]}, {"a": {"s": "abc"}},
            {"a": Regex("b")}]
    assert matching(coll, docs, {"a": re.compile("b")}) == [0, 2, 5]
    assert matching(coll, docs, {"a": {"$regex": "^a", "$options": ""}}) == [0, 2]
    assert matching(coll, docs, {"a": {"$not": re.compile("b")}}) == [1, 3, 4]


def test_conditions_on_the_same_array_through_and(coll):
    f = {"$and": [{"tags": "plain"}, {"tags": "blank"}]}
    assert matching(coll, INVENTORY, f) == [2]


def test_dbref_fields_are_queried_as_the_documents_they_are_stored_as(coll):
    # A DBRef is stored as {$ref, $id, $db}: its fields are reachable by path, in
    # arrays too (the manual's "Database References" page queries "$id").
    from bson.dbref import DBRef
    coll.insert_many([{"_id": 1, "r": DBRef("x", 5)},
                      {"_id": 2, "r": [DBRef("x", 6), DBRef("y", 7)]}])
    assert [d["_id"] for d in coll.find({"r.$id": 5})] == [1]
    assert [d["_id"] for d in coll.find({"r.$ref": "y"})] == [2]
    assert sorted(coll.distinct("r.$id")) == [5, 6, 7]
