"""Errors reported while compiling an update, before any document is read."""

import pytest
from mim.engine.update import UPDATE_OPERATORS, compile_update

from .helpers import apply, compile_fails


def test_unknown_modifier():
    compile_fails({"$foo": {"a": 1}}, 9, "Unknown modifier: $foo. Expected a valid update modifier "
                                         "or pipeline-style update specified as an array")


@pytest.mark.parametrize("arg, rendered, type_", [
    ("string", '"string"', "string"), (42.12345, "42.12345", "double"), ([], "[]", "array"),
    (None, "null", "null"), (1, "1", "int"),
])
def test_modifier_argument_must_be_a_document(arg, rendered, type_):
    compile_fails({"$set": arg}, 9,
                  f"Modifiers operate on fields but we found type {type_} instead. For example: "
                  f"{{$mod: {{<field>: ...}}}} not {{$set: {rendered}}}")


def test_conflicting_paths():
    compile_fails({"$set": {"a": 1}, "$inc": {"a": 1}}, 40,
                  "Updating the path 'a' would create a conflict at 'a'")
    compile_fails({"$set": {"a.b": 1}, "$unset": {"a": 1}}, 40,
                  "Updating the path 'a' would create a conflict at 'a'")
    compile_fails({"$set": {"a": 1}, "$unset": {"a.b": 1}}, 40,
                  "Updating the path 'a.b' would create a conflict at 'a'")
    compile_fails({"$set": {"a.b.c": 1}, "$inc": {"a.b": 1}}, 40,
                  "Updating the path 'a.b' would create a conflict at 'a.b'")


def test_sibling_paths_do_not_conflict():
    out = apply({"_id": 1}, {"$set": {"a.b": 1, "a.c": 2, "ab": 3}})
    assert out == {"_id": 1, "a": {"b": 1, "c": 2}, "ab": 3}


def test_empty_paths():
    compile_fails({"$set": {"": 1}}, 56, "An empty update path is not valid.")
    compile_fails({"$set": {"a..b": 1}}, 56,
                  "The update path 'a..b' contains an empty field name, which is not allowed.")
    compile_fails({"$inc": {"a.": 1}}, 56,
                  "The update path 'a.' contains an empty field name, which is not allowed.")


def test_validation_happens_before_any_document_is_touched():
    doc = {"_id": 1, "a": 1}
    with pytest.raises(Exception):
        compile_update({"$set": {"a": 2}, "$bogus": {"b": 1}})
    assert doc == {"_id": 1, "a": 1}


def test_a_failing_update_raises_instead_of_half_applying():
    # the caller applies to a copy and discards it on error; the error itself must come
    from mim.engine.values.errors import ServerError
    update = compile_update({"$set": {"a": 2}, "$inc": {"s": 1}})
    doc = {"_id": 1, "a": 1, "s": "x"}
    with pytest.raises(ServerError) as info:
        update.apply(doc)
    assert info.value.code == 14


def test_operator_table_lists_every_operator():
    assert set(UPDATE_OPERATORS) == {
        "$set", "$unset", "$inc", "$mul", "$min", "$max", "$rename", "$currentDate",
        "$setOnInsert", "$addToSet", "$pop", "$pull", "$pullAll", "$push", "$bit"}


def test_update_argument_type():
    compile_fails(5, 14, "Update argument must be either an object or an array")


def test_pipeline_with_array_filters_is_rejected():
    compile_fails([{"$set": {"a": 1}}], 9,
                  "arrayFilters may not be specified for pipeline-style updates",
                  array_filters=[{"x": 1}])

