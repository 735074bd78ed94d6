"""Update pipelines: $set/$addFields, $unset, $project, $replaceRoot/$replaceWith."""

import pytest

from .helpers import apply, compile_fails, fails


def test_set_and_unset_stages_manual_example():
    doc = {"_id": 1, "member": "abc123", "status": "A", "points": 2, "misc1": "note to self",
           "misc2": "Need to activate"}
    out = apply(doc, [{"$set": {"status": "Modified", "comments": ["$misc1", "$misc2"]}},
                      {"$unset": ["misc1", "misc2"]}])
    assert out == {"_id": 1, "member": "abc123", "status": "Modified", "points": 2,
                   "comments": ["note to self", "Need to activate"]}


def test_expressions_see_the_stage_input():
    out = apply({"_id": 1, "a": 1}, [{"$set": {"a": {"$add": ["$a", 1]}, "b": "$a"}},
                                     {"$set": {"c": "$a"}}])
    assert out == {"_id": 1, "a": 2, "b": 1, "c": 2}


def test_add_fields_alias_and_nested_paths():
    out = apply({"_id": 1, "a": {"x": 1}}, [{"$addFields": {"a.y": 2, "b": {"c": 3}}}])
    assert out == {"_id": 1, "a": {"x": 1, "y": 2}, "b": {"c": 3}}


def test_add_fields_through_an_array_sets_each_element():
    out = apply({"_id": 1, "a": [{"x": 1}, 2]}, [{"$set": {"a.y": 5}}])
    assert out["a"] == [{"x": 1, "y": 5}, {"y": 5}]


def test_remove_variable_removes_a_field():
    out = apply({"_id": 1, "a": 1, "b": 2}, [{"$set": {"a": "$$REMOVE"}}])
    assert out == {"_id": 1, "b": 2}


def test_replace_root_and_replace_with_keep_id():
    doc = {"_id": 1, "name": {"first": "John", "last": "Backus"}}
    assert apply(doc, [{"$replaceRoot": {"newRoot": "$name"}}]) == \
        {"_id": 1, "first": "John", "last": "Backus"}
    assert apply(doc, [{"$replaceWith": {"$mergeObjects": [{"x": 0}, "$name"]}}]) == \
        {"_id": 1, "x": 0, "first": "John", "last": "Backus"}


def test_replacement_must_be_a_document():
    fails({"_id": 1, "n": 1}, [{"$replaceRoot": {"newRoot": "$n"}}], 40228,
          "'newRoot' expression  must evaluate to an object, but resulting value was: 1. Type of "
          "resulting value: 'int'. Input document: {_id: 1, n: 1}")


def test_project_stage():
    out = apply({"_id": 1, "a": 1, "b": 2, "c": 3}, [{"$project": {"a": 1, "c": 1}}])
    assert out == {"_id": 1, "a": 1, "c": 3}


def test_pipeline_cannot_change_id():
    fails({"_id": 1}, [{"$set": {"_id": 2}}], 66,
          "After applying the update, the (immutable) field '_id' was found to have been altered "
          "to _id: 2")
    # dropping _id keeps the original
    assert apply({"_id": 1, "a": 1}, [{"$unset": "_id"}]) == {"_id": 1, "a": 1}


def test_stage_validation():
    compile_fails([{"$match": {"a": 1}}], 72, "$match is not allowed to be used within an update")
    compile_fails([{"$bogus": {}}], 40324, "Unrecognized pipeline stage name: '$bogus'")
    compile_fails([{"$set": {"a": 1}, "$unset": "b"}], 40323,
                  "A pipeline stage specification object must contain exactly one field.")
    compile_fails([{"$set": 1}], 40272, "$set specification stage must be an object, got int")


def test_empty_pipeline_is_a_noop():
    assert apply({"_id": 1, "a": 1}, []) == {"_id": 1, "a": 1}


def test_let_variables_are_visible():
    from mim.engine.update import compile_update
    update = compile_update([{"$set": {"a": "$$x"}}], variables={"x": 5})
    doc = {"_id": 1}
    update.apply(doc)
    assert doc == {"_id": 1, "a": 5}


def test_undefined_variable_is_a_compile_error():
    from mim.engine.values.errors import ServerError
    from mim.engine.update import compile_update
    with pytest.raises(ServerError):
        compile_update([{"$set": {"a": "$$nope"}}])


# Update pipelines run aggregation stages (pipeline_executor.cpp parses them with
# Pipeline::parse): $project is the aggregation $project, not the find projection.
def test_pipeline_project_slice_is_the_aggregation_expression():
    # {$slice: 1} is the $slice *expression* with one argument (code 28667)
    compile_fails([{"$project": {"a": {"$slice": 1}}}], 28667)
    assert apply({"_id": 1, "a": [1, 2, 3]}, [{"$project": {"a": {"$slice": ["$a", 2]}}}]) \
        == {"_id": 1, "a": [1, 2]}


def test_pipeline_project_computed_fields_and_exclusion():
    assert apply({"_id": 1, "a": 1, "b": 2}, [{"$project": {"x": {"$add": ["$a", "$b"]}}}]) \
        == {"_id": 1, "x": 3}
    assert apply({"_id": 1, "a": 1, "b": 2}, [{"$project": {"a": 0}}]) == {"_id": 1, "b": 2}


def test_pipeline_project_empty_is_51272():
    compile_fails([{"$project": {}}], 51272)
