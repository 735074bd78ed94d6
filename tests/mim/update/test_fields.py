"""$set $unset $inc $mul $min $max $rename $currentDate $setOnInsert."""

import datetime

from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.timestamp import Timestamp

from .helpers import apply, compile_fails, fails, same


# -- $set ---------------------------------------------------------------------

def test_set_top_level_embedded_and_array_fields():
    # the manual's $set example
    doc = {"_id": 100, "quantity": 250, "instock": True, "reorder": False,
           "details": {"model": "14QQ", "make": "Clothes Corp"},
           "tags": ["apparel", "clothing"], "ratings": [{"by": "Customer007", "rating": 4}]}
    out = apply(doc, {"$set": {"quantity": 500, "details": {"model": "2600", "make": "Fashionaires"},
                               "tags": ["coats", "outerwear", "clothing"]}})
    assert out["quantity"] == 500
    assert out["details"] == {"model": "2600", "make": "Fashionaires"}
    assert out["tags"] == ["coats", "outerwear", "clothing"]
    out = apply(doc, {"$set": {"details.make": "Kustom Kidz"}})
    assert out["details"] == {"model": "14QQ", "make": "Kustom Kidz"}
    out = apply(doc, {"$set": {"tags.1": "rain gear", "ratings.0.rating": 2}})
    assert out["tags"] == ["apparel", "rain gear"]
    assert out["ratings"] == [{"by": "Customer007", "rating": 2}]


def test_set_creates_intermediate_documents_and_appends_new_fields():
    out = apply({"_id": 1, "z": 1}, {"$set": {"a.b.c": 5}})
    assert list(out) == ["_id", "z", "a"]
    assert out["a"] == {"b": {"c": 5}}


def test_set_past_the_end_of_an_array_pads_with_null():
    out = apply({"_id": 1, "a": [1]}, {"$set": {"a.3": 9}})
    assert out["a"] == [1, None, None, 9]
    out = apply({"_id": 1, "a": []}, {"$set": {"a.1.b": 2}})
    assert out["a"] == [None, {"b": 2}]


def test_set_numeric_part_on_a_document_is_a_field_name():
    out = apply({"_id": 1, "a": {}}, {"$set": {"a.0": 1}})
    assert out["a"] == {"0": 1}
    out = apply({"_id": 1}, {"$set": {"a.0": 1}})
    assert out["a"] == {"0": 1}


def test_set_existing_field_keeps_its_position_and_type():
    out = apply({"_id": 1, "a": 1, "b": 2}, {"$set": {"a": 1.5}})
    assert list(out) == ["_id", "a", "b"]
    assert same(out["a"], 1.5)
    out = apply({"_id": 1, "a": 1}, {"$set": {"a": 1.0}})
    assert same(out["a"], 1.0)


def test_set_same_value_leaves_document_identical():
    doc = {"_id": 1, "a": {"x": 1, "y": [1, 2]}, "b": 1}
    out = apply(doc, {"$set": {"a": {"x": 1, "y": [1, 2]}, "b": 1}})
    assert same(out, doc)


def test_set_through_a_scalar_is_path_not_viable():
    fails({"_id": 1, "a": 5}, {"$set": {"a.b": 1}}, 28, "Cannot create field 'b' in element {a: 5}")
    fails({"_id": 1, "a": [1, 2]}, {"$set": {"a.b": 1}}, 28,
          "Cannot create field 'b' in element {a: [ 1, 2 ]}")


def test_set_values_are_not_shared_between_documents():
    from mim.engine.update import compile_update
    update = compile_update({"$set": {"a": {"b": [1]}}})
    first, second = {"_id": 1}, {"_id": 2}
    update.apply(first)
    update.apply(second)
    first["a"]["b"].append(2)
    assert second["a"] == {"b": [1]}


def test_empty_operator_argument_is_a_noop():
    # MongoDB 5.0+ accepts an empty operand ({$set: {}}) and changes nothing
    doc = {"_id": 1, "a": 1}
    assert same(apply(doc, {"$set": {}}), doc)
    assert same(apply(doc, {"$unset": {}, "$inc": {}}), doc)


# -- field order ----------------------------------------------------------------

def test_operators_apply_in_lexicographic_path_order():
    # MongoDB 5.0+: new fields are appended in lexicographic order of their paths,
    # whatever the order of operators and fields in the update
    out = apply({"_id": 1}, {"$set": {"c": 1, "a": 1}, "$inc": {"b": 1}})
    assert list(out) == ["_id", "a", "b", "c"]
    out = apply({"_id": 1}, {"$set": {"b.z": 1, "b.a": 2}})
    assert list(out["b"]) == ["a", "z"]


def test_numeric_names_are_processed_in_numeric_order():
    # manual, "Update Operators" > Behavior: since 5.0 fields with string names are
    # processed in lexicographic order and fields with numeric names in numeric order
    # (the server's pathsupport::cmpPathsAndArrayIndexes; zero-padded names are strings)
    out = apply({"_id": 1, "a": {}}, {"$set": {"a.10": 1, "a.9": 2, "a.1": 3, "a.b": 4,
                                               "a.02": 5}})
    assert list(out["a"]) == ["02", "1", "9", "10", "b"]


def test_manual_numeric_order_on_an_array_pads_once():
    # {$set: {"a.2": …, "a.10": …}}: "a.2" is processed before "a.10"
    out = apply({"_id": 1, "a": []}, {"$set": {"a.10": "ten", "a.2": "two"}})
    assert out["a"] == [None, None, "two"] + [None] * 7 + ["ten"]


# -- $unset -------------------------------------------------------------------

def test_unset_removes_fields_and_ignores_missing_ones():
    doc = {"_id": 1, "sku": "abc123", "quantity": 5, "instock": True}
    out = apply(doc, {"$unset": {"quantity": "", "instock": "", "nothere": ""}})
    assert out == {"_id": 1, "sku": "abc123"}


def test_unset_of_an_array_element_sets_null():
    out = apply({"_id": 1, "a": [1, 2, 3]}, {"$unset": {"a.1": 1}})
    assert out["a"] == [1, None, 3]


def test_unset_through_a_scalar_is_a_noop():
    doc = {"_id": 1, "a": 5}
    assert same(apply(doc, {"$unset": {"a.b.c": 1}}), doc)


def test_unset_nested_field():
    out = apply({"_id": 1, "a": {"b": 1, "c": 2}}, {"$unset": {"a.b": True}})
    assert out == {"_id": 1, "a": {"c": 2}}


# -- $inc / $mul ----------------------------------------------------------------

def test_inc_manual_example():
    doc = {"_id": 1, "sku": "abc123", "quantity": 10, "metrics": {"orders": 2, "ratings": 3.5}}
    out = apply(doc, {"$inc": {"quantity": -2, "metrics.orders": 1}})
    assert out["quantity"] == 8 and out["metrics"]["orders"] == 3


def test_inc_missing_field_sets_the_increment():
    out = apply({"_id": 1}, {"$inc": {"a.b": Int64(5)}})
    assert same(out["a"]["b"], Int64(5))


def test_inc_int32_overflow_promotes_to_int64():
    out = apply({"_id": 1, "a": 2 ** 31 - 1}, {"$inc": {"a": 1}})
    assert same(out["a"], Int64(2 ** 31))
    out = apply({"_id": 1, "a": -(2 ** 31)}, {"$inc": {"a": -1}})
    assert same(out["a"], Int64(-(2 ** 31) - 1))


def test_inc_result_types():
    assert same(apply({"_id": 1, "a": 1}, {"$inc": {"a": 1}})["a"], 2)
    assert same(apply({"_id": 1, "a": 1}, {"$inc": {"a": Int64(1)}})["a"], Int64(2))
    assert same(apply({"_id": 1, "a": 1}, {"$inc": {"a": 0.5}})["a"], 1.5)
    assert same(apply({"_id": 1, "a": Int64(1)}, {"$inc": {"a": 1.0}})["a"], 2.0)
    assert same(apply({"_id": 1, "a": 1}, {"$inc": {"a": Decimal128("1.5")}})["a"],
                Decimal128("2.5"))


def test_inc_int64_overflow_fails():
    fails({"_id": "int64-max", "v": Int64(2 ** 63 - 1)}, {"$inc": {"v": 1}}, 2,
          "Failed to apply $inc operations to current value ((NumberLong)9223372036854775807) "
          "for document {_id: \"int64-max\"}")
    fails({"_id": 1, "v": 42}, {"$inc": {"v": Int64(2 ** 63 - 1)}}, 2,
          "Failed to apply $inc operations to current value ((NumberInt)42) for document {_id: 1}")


def test_inc_on_a_non_number_is_type_mismatch():
    fails({"_id": 1, "a": "x"}, {"$inc": {"a": 1}}, 14,
          "Cannot apply $inc to a value of non-numeric type. {_id: 1} has the field 'a' of "
          "non-numeric type string")
    fails({"_id": "array-documents-nested", "v": [{"foo": [{"bar": "hello"}]}]},
          {"$inc": {"v.0.foo.0.bar": 1}}, 14,
          "Cannot apply $inc to a value of non-numeric type. {_id: \"array-documents-nested\"} "
          "has the field 'bar' of non-numeric type string")


def test_inc_with_a_non_numeric_argument():
    compile_fails({"$inc": {"a": "1"}}, 14, "Cannot increment with non-numeric argument: {a: \"1\"}")
    compile_fails({"$mul": {"a": None}}, 14, "Cannot multiply with non-numeric argument: {a: null}")


def test_inc_by_zero_is_a_noop_but_changes_type_with_a_double():
    doc = {"_id": 1, "a": 5}
    assert same(apply(doc, {"$inc": {"a": 0}}), doc)
    assert same(apply(doc, {"$inc": {"a": 0.0}})["a"], 5.0)


def test_mul_manual_examples():
    doc = {"_id": 1, "item": "Hats", "price": Decimal128("10.99"), "quantity": 25}
    out = apply(doc, {"$mul": {"price": Decimal128("1.25"), "quantity": 2}})
    assert out["price"] == Decimal128("13.7375") and same(out["quantity"], 50)
    # a missing field is created as zero of the argument's type
    out = apply({"_id": 2, "item": "Unknown"}, {"$mul": {"price": Int64(100)}})
    assert same(out["price"], Int64(0))
    # mixed types: int * float is a double
    out = apply({"_id": 3, "item": "Scarf", "price": 10}, {"$mul": {"price": 2.5}})
    assert same(out["price"], 25.0)


def test_mul_type_errors():
    fails({"_id": 1, "a": [1]}, {"$mul": {"a": 2}}, 14,
          "Cannot apply $mul to a value of non-numeric type. {_id: 1} has the field 'a' of "
          "non-numeric type array")


# -- $min / $max ----------------------------------------------------------------

def test_min_and_max_manual_examples():
    doc = {"_id": 1, "highScore": 800, "lowScore": 200}
    assert apply(doc, {"$min": {"lowScore": 150}})["lowScore"] == 150
    assert same(apply(doc, {"$min": {"lowScore": 250}}), doc)
    assert apply(doc, {"$max": {"highScore": 950}})["highScore"] == 950
    assert same(apply(doc, {"$max": {"highScore": 870.0}})["highScore"], 870.0)
    assert same(apply(doc, {"$max": {"highScore": 800.0}}), doc)


def test_min_max_compare_dates_and_across_types():
    old = datetime.datetime(2013, 10, 1, tzinfo=datetime.timezone.utc)
    new = datetime.datetime(2013, 9, 25, tzinfo=datetime.timezone.utc)
    out = apply({"_id": 1, "dateEntered": old}, {"$min": {"dateEntered": new}})
    assert out["dateEntered"].replace(tzinfo=datetime.timezone.utc) == new
    # BSON order: numbers < strings, null < numbers
    assert apply({"_id": 1, "a": 5}, {"$max": {"a": "x"}})["a"] == "x"
    assert apply({"_id": 1, "a": 5}, {"$min": {"a": None}})["a"] is None
    assert apply({"_id": 1}, {"$min": {"a": 3}})["a"] == 3


# -- $rename --------------------------------------------------------------------

def test_rename_manual_examples():
    doc = {"_id": 1, "alias": ["The American Cincinnatus", "The American Fabius"],
           "mobile": "555-555-5555", "nmae": {"first": "george", "last": "washington"}}
    out = apply(doc, {"$rename": {"nmae": "name"}})
    assert "nmae" not in out and out["name"] == {"first": "george", "last": "washington"}
    out = apply({"_id": 1, "name": {"first": "george", "last": "washington"}},
                {"$rename": {"name.first": "name.fname"}})
    assert out["name"] == {"last": "washington", "fname": "george"}
    out = apply(doc, {"$rename": {"wife": "spouse"}})
    assert same(out, doc)
    out = apply(doc, {"$rename": {"mobile": "contact.mobile"}})
    assert out["contact"] == {"mobile": "555-555-5555"} and "mobile" not in out


def test_rename_appends_the_target_and_overwrites_existing():
    out = apply({"_id": 1, "b": 1, "c": 2}, {"$rename": {"b": "a"}})
    assert list(out) == ["_id", "c", "a"]
    out = apply({"_id": 1, "a": 1, "b": 2}, {"$rename": {"a": "b"}})
    assert out == {"_id": 1, "b": 1}


def test_rename_errors():
    compile_fails({"$rename": {"a": "a"}}, 2, "The source and target field for $rename must differ: a: \"a\"")
    compile_fails({"$rename": {"a": "a.b"}}, 2,
                  "The source and target field for $rename must not be on the same path: a: \"a.b\"")
    compile_fails({"$rename": {"a": 1}}, 2, "The 'to' field for $rename must be a string: a: 1")
    compile_fails({"$rename": {"a.$": "b"}}, 2, "The source field for $rename may not be dynamic: a.$")
    compile_fails({"$rename": {"a": "b.$[]"}}, 2,
                  "The destination field for $rename may not be dynamic: b.$[]")
    compile_fails({"$rename": {"a": "b"}, "$set": {"b": 1}}, 40,
                  "Updating the path 'b' would create a conflict at 'b'")
    compile_fails({"$rename": {"a": "b"}, "$set": {"a": 1}}, 40,
                  "Updating the path 'a' would create a conflict at 'a'")


def test_rename_through_arrays_fails():
    fails({"_id": 1, "a": [{"b": 1}]}, {"$rename": {"a.0.b": "c"}}, 2,
          "The source field cannot be an array element, 'a.0.b' in doc with _id: 1 has an array "
          "field called 'a'")
    fails({"_id": 1, "a": [{"b": 1}], "c": 1}, {"$rename": {"c": "a.0.d"}}, 2,
          "The destination field cannot be an array element, 'a.0.d' in doc with _id: 1 has an "
          "array field called 'a'")


# -- $currentDate ---------------------------------------------------------------

def test_current_date_date_and_timestamp():
    before = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=1)
    out = apply({"_id": 1, "status": "a"},
                {"$currentDate": {"lastModified": True, "cancellation.date": {"$type": "timestamp"}},
                 "$set": {"status": "D"}})
    assert isinstance(out["lastModified"], datetime.datetime)
    assert out["lastModified"] >= before
    assert isinstance(out["cancellation"]["date"], Timestamp)
    out = apply({"_id": 1}, {"$currentDate": {"d": {"$type": "date"}}})
    assert isinstance(out["d"], datetime.datetime)


def test_current_date_errors():
    compile_fails({"$currentDate": {"a": 1}}, 2,
                  "int is not valid type for $currentDate. Please use a boolean ('true') or a "
                  "$type expression ({$type: 'timestamp/date'}).")
    compile_fails({"$currentDate": {"a": {"$type": "x"}}}, 2,
                  "The '$type' string field is required to be 'date' or 'timestamp': "
                  "{$currentDate: {field : {$type: 'date'}}}")
    compile_fails({"$currentDate": {"a": {"$type": "date", "b": 1}}}, 2,
                  "Unrecognized $currentDate option: b")


# -- $setOnInsert ---------------------------------------------------------------

def test_set_on_insert_only_applies_on_insert():
    doc = {"_id": 1, "item": "apple"}
    update = {"$set": {"item": "apple"}, "$setOnInsert": {"defaultQty": 100}}
    assert same(apply(doc, update), doc)
    assert apply(doc, update, is_insert=True) == {"_id": 1, "item": "apple", "defaultQty": 100}


# -- _id ------------------------------------------------------------------------

def test_modifying_id_is_immutable_field():
    message = "Performing an update on the path '_id' would modify the immutable field '_id'"
    fails({"_id": 1}, {"$set": {"_id": 2}}, 66, message)
    fails({"_id": 1}, {"$inc": {"_id": 1}}, 66, message)
    fails({"_id": 1}, {"$unset": {"_id": 1}}, 66, message)
    fails({"_id": 1}, {"$set": {"_id": 1.0}}, 66, message)
    fails({"_id": {"a": 1}}, {"$set": {"_id.a": 2}}, 66,
          "Performing an update on the path '_id.a' would modify the immutable field '_id'")
    fails({"_id": 1, "a": 1}, {"$rename": {"a": "_id"}}, 66, message)


def test_setting_id_to_the_same_value_is_allowed():
    doc = {"_id": 1, "a": 1}
    assert same(apply(doc, {"$set": {"_id": 1, "a": 2}}), {"_id": 1, "a": 2})
