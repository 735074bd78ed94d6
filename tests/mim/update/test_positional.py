"""Positional $, all-positional $[] and filtered $[<identifier>] with arrayFilters."""

from .helpers import apply, compile_fails, fails


# -- $ --------------------------------------------------------------------------

def test_positional_updates_the_first_matched_element():
    doc = {"_id": 1, "grades": [85, 80, 80]}
    out = apply(doc, {"$set": {"grades.$": 82}}, query={"_id": 1, "grades": 80})
    assert out["grades"] == [85, 82, 80]


def test_positional_in_array_of_documents():
    doc = {"_id": 4, "grades": [{"grade": 80, "mean": 75, "std": 8},
                                {"grade": 85, "mean": 90, "std": 5},
                                {"grade": 85, "mean": 85, "std": 8}]}
    out = apply(doc, {"$set": {"grades.$.std": 6}}, query={"_id": 4, "grades.grade": 85})
    assert [g["std"] for g in out["grades"]] == [8, 6, 8]


def test_positional_with_elem_match():
    doc = {"_id": 5, "grades": [{"grade": 80, "mean": 75, "std": 8},
                                {"grade": 85, "mean": 90, "std": 5},
                                {"grade": 90, "mean": 85, "std": 3}]}
    out = apply(doc, {"$set": {"grades.$.std": 6}},
                query={"_id": 5, "grades": {"$elemMatch": {"grade": {"$lte": 90}, "mean": {"$gt": 80}}}})
    assert [g["std"] for g in out["grades"]] == [8, 6, 3]


def test_positional_with_range_condition_and_inc():
    doc = {"_id": 1, "a": [1, 5, 10]}
    out = apply(doc, {"$inc": {"a.$": 100}}, query={"a": {"$gt": 3}})
    assert out["a"] == [1, 105, 10]


def test_positional_combined_with_other_fields_in_path_order():
    doc = {"_id": 1, "a": [{"b": 1}, {"b": 2}]}
    out = apply(doc, {"$set": {"a.$.c": 1, "a.1.d": 2}}, query={"a.b": 2})
    assert out["a"] == [{"b": 1}, {"b": 2, "c": 1, "d": 2}]


def test_positional_merged_with_the_same_leaf_conflicts():
    fails({"_id": 1, "a": [1, 2]}, {"$set": {"a.$": 5, "a.1": 6}}, 40,
          "Update created a conflict at 'a.1'", query={"a": 2})


def test_positional_without_a_matching_array_query_fails():
    message = "The positional operator did not find the match needed from the query."
    fails({"_id": 1, "a": [1, 2]}, {"$set": {"a.$": 5}}, 2, message, query={"_id": 1})
    fails({"_id": 1, "a": [1, 2]}, {"$set": {"a.$": 5}}, 2, message)
    fails({"_id": 1, "a": [1, 2]}, {"$set": {"a.$": 5}}, 2, message, query={"a": {"$ne": 7}})


def test_positional_path_errors():
    compile_fails({"$set": {"a.$.b.$": 1}}, 2, "Too many positional (i.e. '$') elements found in path 'a.$.b.$'")
    compile_fails({"$set": {"$.a": 1}}, 2,
                  "Cannot have positional (i.e. '$') element in the first position in path '$.a'")


def test_positional_unset_sets_null():
    out = apply({"_id": 1, "a": [1, 2, 3]}, {"$unset": {"a.$": 1}}, query={"a": 2})
    assert out["a"] == [1, None, 3]


def test_positional_with_or_takes_the_matching_clause():
    doc = {"_id": 1, "a": [1, 2, 3], "b": [7, 8]}
    out = apply(doc, {"$set": {"a.$": 0}}, query={"$or": [{"x": 1}, {"a": 3}]})
    assert out["a"] == [1, 2, 0]


# -- $[] ------------------------------------------------------------------------

def test_all_positional_updates_every_element():
    doc = {"_id": 1, "grades": [85, 82, 80]}
    assert apply(doc, {"$inc": {"grades.$[]": 10}})["grades"] == [95, 92, 90]
    doc = {"_id": 1, "grades": [{"grade": 80, "mean": 75, "std": 8},
                                {"grade": 85, "mean": 90, "std": 6}]}
    out = apply(doc, {"$inc": {"grades.$[].std": -2}})
    assert [g["std"] for g in out["grades"]] == [6, 4]


def test_all_positional_nested_arrays():
    doc = {"_id": 1, "a": [[1, 2], [3]]}
    assert apply(doc, {"$inc": {"a.$[].$[]": 1}})["a"] == [[2, 3], [4]]


def test_all_positional_on_missing_or_non_array():
    fails({"_id": 1}, {"$set": {"a.$[]": 1}}, 2,
          "The path 'a' must exist in the document in order to apply array updates.")
    fails({"_id": 1, "a": 5}, {"$set": {"a.$[]": 1}}, 2,
          "Cannot apply array updates to non-array element a: 5")
    fails({"_id": 1, "a": {"b": 1}}, {"$set": {"a.b.c.$[]": 1}}, 2,
          "The path 'a.b.c' must exist in the document in order to apply array updates.")


# -- $[<identifier>] ------------------------------------------------------------------

def test_filtered_positional_manual_example():
    doc = {"_id": 1, "grades": [95, 92, 90]}
    out = apply(doc, {"$set": {"grades.$[element]": 100}},
                array_filters=[{"element": {"$gte": 100}}])
    assert out["grades"] == [95, 92, 90]
    doc = {"_id": 2, "grades": [98, 100, 102]}
    out = apply(doc, {"$set": {"grades.$[element]": 100}},
                array_filters=[{"element": {"$gte": 100}}])
    assert out["grades"] == [98, 100, 100]


def test_filtered_positional_on_documents():
    doc = {"_id": 1, "grades": [{"grade": 80, "mean": 75, "std": 6},
                                {"grade": 85, "mean": 100, "std": 4},
                                {"grade": 85, "mean": 100, "std": 6}]}
    out = apply(doc, {"$set": {"grades.$[elem].mean": 100}},
                array_filters=[{"elem.grade": {"$gte": 85}}])
    assert [g["mean"] for g in out["grades"]] == [75, 100, 100]
    out = apply(doc, {"$inc": {"grades.$[elem].std": -1}},
                array_filters=[{"elem.grade": {"$gte": 80}, "elem.std": {"$gt": 5}}])
    assert [g["std"] for g in out["grades"]] == [5, 4, 5]


def test_filtered_positional_with_all_positional_nested():
    doc = {"_id": 1, "grades": [{"type": "quiz", "questions": [10, 8, 5]},
                                {"type": "quiz", "questions": [8, 9, 6]},
                                {"type": "hw", "questions": [5, 4, 3]}]}
    out = apply(doc, {"$inc": {"grades.$[t].questions.$[score]": 2}},
                array_filters=[{"t.type": "quiz"}, {"score": {"$gte": 8}}])
    assert [g["questions"] for g in out["grades"]] == [[12, 10, 5], [10, 11, 6], [5, 4, 3]]


def test_filters_with_logical_operators():
    doc = {"_id": 1, "a": [1, 5, 9]}
    out = apply(doc, {"$set": {"a.$[x]": 0}},
                array_filters=[{"$or": [{"x": 1}, {"x": {"$gt": 8}}]}])
    assert out["a"] == [0, 5, 0]


def test_two_filters_matching_the_same_element_conflict():
    fails({"_id": 0, "a": [0]}, {"$set": {"a.$[i]": 2, "a.$[j]": 3}}, 40,
          "Update created a conflict at 'a.0'", array_filters=[{"i": 0}, {"j": 0}])
    out = apply({"_id": 0, "a": [0, 1]}, {"$set": {"a.$[i]": 2, "a.$[j]": 3}},
                array_filters=[{"i": 0}, {"j": 1}])
    assert out["a"] == [2, 3]


def test_array_filter_identifier_errors():
    compile_fails({"$set": {"a.$[i]": 5}}, 2, "No array filter found for identifier 'i' in path 'a.$[i]'")
    compile_fails({"$set": {"a.$[i]": 5}}, 9,
                  "The array filter for identifier 'j' was not used in the update "
                  "{ $set: { a.$[i]: 5 } }", array_filters=[{"i": 0}, {"j": 0}])
    compile_fails({"$set": {"$[i]": 5}}, 2,
                  "Cannot have array filter identifier (i.e. '$[<id>]') element in the first "
                  "position in path '$[i]'", array_filters=[{"i": 0}])


def test_array_filter_parse_errors():
    compile_fails({"$set": {"grades": "abc"}}, 9,
                  "The array filter for identifier 'element' was not used in the update "
                  "{ $set: { grades: \"abc\" } }", array_filters=[{"element": {"$gte": 100}}])
    compile_fails({"$set": {"grades.$[element]": 1}}, 9,
                  "Found multiple array filters with the same top-level field name element",
                  array_filters=[{"element": {"$gte": 100}}, {"element": {"$lt": 100}}])
    compile_fails({"$set": {"grades.$[element]": 1}}, 9,
                  "Error parsing array filter :: caused by :: Expected a single top-level field "
                  "name, found 'a' and 'b'", array_filters=[{"a": {"$gte": 1}, "b": 1}])
    compile_fails({"$set": {"grades.$[element]": 1}}, 9,
                  "Cannot use an expression without a top-level field name in arrayFilters",
                  array_filters=[{}])
    compile_fails({"$set": {"grades.$[E]": 1}}, 2,
                  "Error parsing array filter :: caused by :: The top-level field name must be an "
                  "alphanumeric string beginning with a lowercase letter, found 'E'",
                  array_filters=[{"E": 1}])


def test_filtered_update_on_non_array():
    fails({"_id": 1, "grades": "abc"}, {"$set": {"grades.$[element]": 1}}, 2,
          "Cannot apply array updates to non-array element grades: \"abc\"",
          array_filters=[{"element": {"$gte": 100}}])


def test_array_update_paths_conflict_at_parse_time():
    compile_fails({"$set": {"a.$[]": 1, "a.b": 2}}, 40,
                  "Updating the path 'a.b' would create a conflict at 'a'")


def test_nested_filters_merging_on_the_same_element_conflict_with_full_path():
    doc = {"_id": 0, "a": [{"x": 0, "b": [{"y": 0, "c": 0}]}]}
    fails(doc, {"$set": {"a.$[i].b.$[k].c": 1, "a.$[j].b.$[k].c": 2}}, 40,
          "Update created a conflict at 'a.0.b.$[k].c'",
          array_filters=[{"i.x": 0}, {"j.x": 0}, {"k.y": 0}])
    out = apply(doc, {"$set": {"a.$[i].b.$[k].c": 1, "a.$[j].b.$[k].d": 2}},
                array_filters=[{"i.x": 0}, {"j.x": 0}, {"k.y": 0}])
    assert out["a"] == [{"x": 0, "b": [{"y": 0, "c": 1, "d": 2}]}]
