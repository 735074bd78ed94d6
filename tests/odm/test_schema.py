"""odm.schema: every schema type's documented behaviour."""
from __future__ import annotations

import datetime as dt
import decimal
import re

import bson
import pytest

from odm import Object, schema as S
from odm.schema import Invalid, Missing


def invalid(item, value, **kw) -> Invalid:
    with pytest.raises(Invalid) as info:
        item.validate(value, **kw)
    return info.value


# -- Invalid ----------------------------------------------------------------
def test_invalid_carries_message_value_and_state():
    err = Invalid("Not a valid email address", "x@", state="st")
    assert str(err) == "Not a valid email address"
    assert repr(err) == "Invalid('Not a valid email address')"
    assert (err.msg, err.value, err.state) == ("Not a valid email address", "x@", "st")
    assert err.error_list is None and err.error_dict is None


def test_invalid_state_defaults_to_none():
    assert Invalid("m", 1).state is None


def test_object_errors_are_reported_per_key_with_error_dict():
    item = S.Object(dict(name=S.String(required=True), n=int))
    err = invalid(item, {"n": "a"})
    assert set(err.error_dict) == {"name", "n"}
    assert str(err.error_dict["name"]) == "Missing field"
    assert str(err).splitlines() == ["n:" + str(err.error_dict["n"]), "name:Missing field"]


def test_nested_errors_show_their_path():
    err = invalid(S.SchemaItem.make({"a": [{"b": int}]}), {"a": [{"b": 1}, {"b": "x"}]})
    assert str(err).startswith("a:[1]:b:")
    inner = err.error_dict["a"]
    assert inner.error_list[0] is None and isinstance(inner.error_list[1], Invalid)


def test_array_errors_use_error_list_aligned_with_items():
    err = invalid(S.Array(int), [1, "a", 2, "b"])
    assert [e is None for e in err.error_list] == [True, False, True, False]
    assert [line.split(":")[0] for line in str(err).splitlines()] == ["[1]", "[3]"]


# -- SchemaItem.make -------------------------------------------------------
@pytest.mark.parametrize(
    "spec, expected",
    [
        (int, S.Int),
        (str, S.String),
        (float, S.Float),
        (bool, S.Bool),
        (dt.datetime, S.DateTime),
        (dt.date, S.DateTime),
        (bytes, S.Binary),
        (bson.ObjectId, S.ObjectId),
        (decimal.Decimal, S.NumberDecimal),
        (None, S.Anything),
        ([], S.Array),
        ([int], S.Array),
        ({"a": int}, S.Object),
        ({str: int}, S.Object),
        (5, S.Value),
        ("literal", S.Value),
        (S.Int, S.Int),
    ],
)
def test_make_builds_the_schema_for_a_python_description(spec, expected):
    assert type(S.SchemaItem.make(spec)) is expected


def test_make_passes_arguments_to_the_schema_class():
    item = S.SchemaItem.make(int, required=True, if_missing=3)
    assert item.required is True and item.if_missing == 3
    assert S.SchemaItem.make(S.String, if_missing="x").validate(Missing) == "x"


def test_make_returns_an_instance_unchanged():
    item = S.String()
    assert S.SchemaItem.make(item) is item


def test_make_list_items_and_dict_values_are_made_recursively():
    item = S.SchemaItem.make({"tags": [str], "meta": {"n": int}})
    assert type(item.fields["tags"].field_type) is S.String
    assert type(item.fields["meta"].fields["n"]) is S.Int
    assert type(S.SchemaItem.make([]).field_type) is S.Anything


def test_make_literal_must_match_exactly():
    item = S.SchemaItem.make(1, required=True)
    assert item.validate(1) == 1
    assert str(invalid(item, 2)) == "2 != 1"
    assert str(invalid(item, Missing)) == "Missing field"


def test_make_rejects_a_list_of_several_types():
    with pytest.raises(ValueError):
        S.SchemaItem.make([int, str])


def test_base_schema_item_validate_is_abstract():
    with pytest.raises(NotImplementedError):
        S.SchemaItem().validate(1)


# -- FancySchemaItem ---------------------------------------------------------
def test_required_rejects_missing_but_not_falsy_values():
    item = S.String(required=True)
    assert str(invalid(item, Missing)) == "Missing field"
    assert item.validate("") == ""


def test_if_missing_value_and_callable():
    assert S.Int(if_missing=5).validate(Missing) == 5
    calls = []
    item = S.Int(if_missing=lambda: calls.append(1) or len(calls))
    assert [item.validate(Missing), item.validate(Missing)] == [1, 2]
    assert item.validate(7) == 7


def test_if_missing_missing_leaves_the_key_out():
    item = S.Object({"a": S.String(if_missing=Missing), "b": int})
    assert item.validate({"b": 1}) == {"b": 1}


def test_custom_schema_overrides_validate_hook():
    class EmailSchema(S.FancySchemaItem):
        regex = re.compile(r"[\w\.\+\-]+\@[\w]+\.[a-z]{2,3}$")

        def _validate(self, value, **kw):
            if not self.regex.match(value):
                raise S.Invalid("Not a valid email address", value)
            return value

    assert EmailSchema().validate("a@b.com") == "a@b.com"
    assert repr(invalid(EmailSchema(), "nope")) == "Invalid('Not a valid email address')"
    assert EmailSchema(if_missing="x@y.org").validate(Missing) == "x@y.org"
    assert str(invalid(EmailSchema(required=True), Missing)) == "Missing field"
    err = invalid(S.Object({"email": EmailSchema}), {"email": "bad"})
    assert repr(err) == "Invalid('email:Not a valid email address')"


# -- Anything / Deprecated ---------------------------------------------------
def test_anything_accepts_all_and_turns_dicts_into_objects():
    value = {"a": {"b": 1}, "c": [{"d": 2}, 3]}
    result = S.Anything().validate(value)
    assert result == value
    assert isinstance(result, Object) and isinstance(result.a, Object) and result.c[0].d == 2
    assert S.Anything().validate(Missing) is Missing
    assert S.Anything().validate(5) == 5


def test_deprecated_fields_are_stripped():
    item = S.Object({"a": int, "old": S.Deprecated()})
    assert item.validate({"a": 1, "old": "x"}) == {"a": 1}


# -- scalars -----------------------------------------------------------------
def test_scalar_rejects_documents_and_arrays():
    assert str(invalid(S.Scalar(), [1])) == "[1] is not a scalar"
    invalid(S.Scalar(), {"a": 1})
    assert S.Scalar().validate("x") == "x"


def test_absent_scalars_default_to_none_and_none_is_accepted():
    for item in (S.Scalar(), S.String(), S.Int(), S.Float(), S.Bool(), S.DateTime(), S.Binary(), S.NumberDecimal()):
        assert item.validate(Missing) is None
        assert item.validate(None) is None


@pytest.mark.parametrize(
    "item, good, bad",
    [
        (S.String(), "x", 1),
        (S.Bool(), True, 1),
        (S.Float(), 1.5, "1.5"),
        (S.Int(), 3, 3.5),
        (S.Binary(), b"ab", "ab"),
        (S.DateTimeTZ(), dt.datetime(2020, 1, 1), "2020"),
    ],
)
def test_particular_scalars_check_their_type(item, good, bad):
    assert item.validate(good) == good
    err = invalid(item, bad)
    assert err.value == bad and "is not of type" in str(err)


def test_float_accepts_ints():
    assert S.Float().validate(3) == 3


def test_int_accepts_integral_floats():
    result = S.Int().validate(10.0)
    assert result == 10 and type(result) is int


def test_binary_accepts_bson_binary_and_field_bytes():
    assert S.Binary().validate(bson.Binary(b"x", 5)) == bson.Binary(b"x", 5)
    assert type(S.SchemaItem.make(bytes)) is S.Binary


def test_custom_particular_scalar_type():
    class Positive(S.ParticularScalar):
        type = int

    assert Positive().validate(1) == 1
    invalid(Positive(), "1")


def test_make_of_unknown_class_accepts_its_instances():
    class Thing:
        pass

    t = Thing()
    assert S.SchemaItem.make(Thing).validate(t) is t
    invalid(S.SchemaItem.make(Thing), 3)


# -- dates ----------------------------------------------------------------------
def test_datetime_converts_aware_values_to_naive_utc():
    aware = dt.datetime(2020, 1, 1, 12, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert S.DateTime().validate(aware) == dt.datetime(2020, 1, 1, 10, 30)


def test_datetime_keeps_millisecond_precision_as_stored():
    value = dt.datetime(2020, 1, 1, 0, 0, 0, 123456)
    assert S.DateTime().validate(value) == dt.datetime(2020, 1, 1, 0, 0, 0, 123000)


def test_datetime_converts_dates():
    assert S.DateTime().validate(dt.date(2021, 5, 6)) == dt.datetime(2021, 5, 6)


def test_datetimetz_keeps_the_zone():
    tz = dt.timezone(dt.timedelta(hours=-3))
    value = dt.datetime(2020, 1, 1, 12, tzinfo=tz)
    assert S.DateTimeTZ().validate(value).tzinfo is tz


def test_datetime_if_missing_callable():
    before = dt.datetime.utcnow().replace(microsecond=0)
    value = S.SchemaItem.make(dt.datetime, if_missing=dt.datetime.utcnow).validate(Missing)
    assert isinstance(value, dt.datetime) and value >= before


# -- ObjectId -------------------------------------------------------------------
def test_objectid_is_generated_when_missing():
    first = S.ObjectId().validate(Missing)
    second = S.ObjectId().validate(Missing)
    assert isinstance(first, bson.ObjectId) and first != second


def test_objectid_if_missing_none():
    assert S.ObjectId(if_missing=None).validate(Missing) is None


def test_objectid_from_string():
    oid = bson.ObjectId()
    assert S.ObjectId().validate(str(oid)) == oid
    assert S.ObjectId().validate(oid) is oid
    assert "is not a valid ObjectId" in str(invalid(S.ObjectId(), "zz"))
    assert str(invalid(S.ObjectId(), 5)) == "5 is not a bson.ObjectId"


def test_objectid_required():
    assert str(invalid(S.ObjectId(required=True), Missing)) == "Missing field"


# -- NumberDecimal ------------------------------------------------------------
def test_number_decimal_returns_decimal128():
    assert S.NumberDecimal().validate(decimal.Decimal("1.23456789")) == bson.Decimal128("1.23456789")


def test_number_decimal_precision_and_default_rounding_half_down():
    item = S.NumberDecimal(precision=2)
    assert item.validate(decimal.Decimal("1.235")) == bson.Decimal128("1.23")
    assert item.validate(decimal.Decimal("1.236")) == bson.Decimal128("1.24")
    assert item.validate(1) == bson.Decimal128("1.00")
    assert item.validate(bson.Decimal128("1.239")) == bson.Decimal128("1.24")


def test_number_decimal_rounding_mode():
    item = S.NumberDecimal(precision=1, rounding=decimal.ROUND_UP)
    assert item.validate(decimal.Decimal("1.01")) == bson.Decimal128("1.1")


def test_number_decimal_is_idempotent():
    item = S.NumberDecimal(precision=3)
    once = item.validate(2.5)
    assert item.validate(once) == once


def test_number_decimal_rejects_strings_and_bools():
    invalid(S.NumberDecimal(), "1.2")
    invalid(S.NumberDecimal(), True)


# -- Value / OneOf ---------------------------------------------------------------
def test_value():
    assert S.Value(3).validate(3) == 3
    assert str(invalid(S.Value(3), 4)) == "4 != 3"
    assert str(invalid(S.Value(3, required=True), Missing)) == "Missing field"


def test_one_of():
    item = S.OneOf("a", "b")
    assert item.validate("a") == "a"
    assert str(invalid(item, "c")) == "'c' is not in ('a', 'b')"


# -- Array ---------------------------------------------------------------------
def test_array_defaults_to_a_new_empty_list():
    item = S.Array(int)
    first, second = item.validate(Missing), item.validate(None)
    assert first == [] and second == [] and first is not second


def test_array_accepts_tuples_and_stores_lists():
    assert S.Array(int).validate((1, 2)) == [1, 2]


def test_array_rejects_non_lists():
    assert str(invalid(S.Array(int), 5)) == "Not a list or tuple"


def test_array_if_missing_value_is_validated():
    assert S.Array(int, if_missing=[1.0]).validate(Missing) == [1]


def test_array_required():
    assert str(invalid(S.Array(int, required=True), Missing)) == "Missing field"


def test_array_validate_ranges_only_checks_given_slices():
    item = S.Array(int)
    assert item.validate([1, "x", 3], validate_ranges=[slice(2, 3)]) == [1, "x", 3]
    invalid(item, [1, "x", 3], validate_ranges=[slice(0, 2)])


def test_array_of_objects_validates_each():
    result = S.SchemaItem.make([{"a": int, "b": S.String(if_missing="z")}]).validate([{"a": 1}])
    assert result == [{"a": 1, "b": "z"}] and isinstance(result[0], Object)


# -- Object ----------------------------------------------------------------------
def test_object_returns_attribute_dict():
    result = S.Object({"a": int}).validate({"a": 1})
    assert isinstance(result, Object) and result.a == 1


def test_object_extra_keys():
    item = S.Object({"a": int})
    assert str(invalid(item, {"a": 1, "b": 2})) == "Extra keys: {'b'}"
    assert item.validate({"a": 1, "b": 2}, allow_extra=True) == {"a": 1, "b": 2}
    assert item.validate({"a": 1, "b": 2}, allow_extra=True, strip_extra=True) == {"a": 1}


def test_object_extra_key_options_reach_nested_objects():
    item = S.Object({"a": {"x": int}})
    assert item.validate({"a": {"x": 1, "y": 2}}, allow_extra=True, strip_extra=True) == {"a": {"x": 1}}
    invalid(item, {"a": {"x": 1, "y": 2}})


def test_object_missing_is_built_from_field_defaults():
    item = S.Object({"a": int, "tags": [str], "any": S.Anything(), "c": S.String(if_missing="z")})
    assert item.validate(Missing) == {"a": None, "tags": [], "c": "z"}


def test_object_key_order_is_mings():
    """Key order as Ming 0.17.3 produces it (checked by running Ming on the same inputs)."""
    meta = S.Object({"tags": S.Array(S.String), "categories": S.Array(S.String)})
    # a validated sub-document has its named fields in sorted key order ...
    assert list(meta.validate({"tags": ["x"], "categories": []})) == ["categories", "tags"]
    assert list(meta.validate({})) == ["categories", "tags"]
    item = S.Object({"b": int, "a": int, "_id": int, "A": int, "1": int, "c": {"z": int, "y": int}})
    assert list(item.validate({"b": 1, "a": 2, "c": {"z": 1, "y": 2}})) == ["1", "A", "_id", "a", "b", "c"]
    assert list(item.validate({"c": {"z": 1, "y": 2}})["c"]) == ["y", "z"]
    assert list(S.Array({"b": int, "a": int}).validate([{"b": 1, "a": 2}])[0]) == ["a", "b"]
    # ... but one built for an absent value keeps declaration order (so does an absent nested one)
    assert list(meta.validate(Missing)) == ["tags", "categories"]
    assert list(item.validate({})["c"]) == ["z", "y"]
    assert list(S.Object({"b": S.String(), "a": S.String(if_missing="x")}).validate(Missing)) == ["b", "a"]
    # with allow_extra and not strip_extra the input's order stays, absent fields follow sorted
    kept = S.Object({"b": int, "a": int, "d": int, "c": int}).validate(
        {"zz": 3, "b": 1, "Z": 1, "a": 2}, allow_extra=True, strip_extra=False)
    assert list(kept) == ["zz", "b", "Z", "a", "c", "d"]
    stripped = S.Object({"b": int, "a": int}).validate({"b": 1, "zz": 3, "a": 2}, allow_extra=True, strip_extra=True)
    assert list(stripped) == ["a", "b"]
    # {type: schema} keys keep the input's order
    assert list(S.SchemaItem.make({str: int}).validate({"b": 1, "a": 2})) == ["b", "a"]


def test_object_required_and_if_missing():
    assert str(invalid(S.Object({"a": int}, required=True), Missing)) == "Missing field"
    assert S.Object({"a": int}, if_missing=None).validate(Missing) is None


def test_object_rejects_non_documents():
    assert str(invalid(S.Object({"a": int}), 5)) == "notdict: 5"


def test_object_with_type_keys_validates_every_key():
    item = S.SchemaItem.make({str: int})
    assert item.validate({"a": 1, "b": 2}) == {"a": 1, "b": 2}
    err = invalid(item, {"a": "x"})
    assert list(err.error_dict) == ["a"]


def test_object_named_fields_take_precedence_over_type_keys():
    item = S.SchemaItem.make({"name": str, str: int})
    assert item.validate({"name": "n", "x": 1}) == {"name": "n", "x": 1}
    invalid(item, {"name": "n", "x": "y"})


def test_field_dict_accepts_any_document():
    item = S.SchemaItem.make(dict)
    assert item.validate({"a": {"b": 1}}) == {"a": {"b": 1}}


def test_validation_is_idempotent():
    item = S.SchemaItem.make(
        {"_id": S.ObjectId(), "when": dt.datetime, "tags": [str], "sub": {"n": int, "d": S.NumberDecimal(precision=2)}}
    )
    once = item.validate({"when": dt.datetime(2020, 1, 1, 1, 1, 1, 999999), "sub": {"n": 1.0, "d": 1.005}})
    assert item.validate(once) == once


# -- Document (polymorphic) --------------------------------------------------------
def test_document_schema_without_managed_class_is_an_object():
    doc = S.Document({"a": int})
    assert doc.validate({"a": 1}) == {"a": 1}
    assert doc.get_polymorphic_cls({"a": 1}) is None


def test_document_schema_promotes_to_the_registered_class():
    from odm import Document, Field

    class Animal(Document):
        class __mongometa__:
            polymorphic_on = "kind"
            polymorphic_identity = "animal"

        kind = Field(str, if_missing="animal")
        name = Field(str)

    class Dog(Animal):
        class __mongometa__:
            polymorphic_identity = "dog"

        kind = Field(str, if_missing="dog")
        barks = Field(bool, if_missing=True)

    schema = Animal.m.schema
    assert schema.polymorphic_on == "kind"
    assert schema.polymorphic_registry == {"animal": Animal, "dog": Dog}
    assert schema.get_polymorphic_cls({"kind": "dog"}) is Dog
    dog = schema.validate({"kind": "dog", "name": "rex"})
    assert type(dog) is Dog and dog.barks is True
    plain = schema.validate({"name": "generic"})
    assert type(plain) is Animal and plain.kind == "animal"
    # unknown identities fall back to the class being validated
    assert type(schema.validate({"kind": "cat", "name": "tom"})) is Animal


# -- Migrate ---------------------------------------------------------------------
def test_migrate_prefers_the_new_schema():
    calls = []
    item = S.Migrate({"a": int}, {"b": int}, lambda d: calls.append(d) or {"b": d["a"]})
    assert item.validate({"b": 2}) == {"b": 2} and calls == []
    assert item.validate({"a": 1}) == {"b": 1} and calls == [{"a": 1}]


def test_migrate_raises_the_new_schema_error_when_both_fail():
    item = S.Migrate({"a": int}, {"b": int}, lambda d: {"b": d["a"]})
    err = invalid(item, {"c": 1})
    assert str(err) == "Extra keys: {'c'}"
    err = invalid(item, {"b": "x"})
    assert list(err.error_dict) == ["b"]


def test_migrate_result_is_validated_by_the_new_schema():
    item = S.Migrate({"a": int}, {"b": int}, lambda d: {"b": "not an int"})
    invalid(item, {"a": 1})


def test_migrate_chains():
    v1 = S.Migrate({"n": str}, {"name": str}, lambda d: {"name": d["n"]})
    v2 = S.Migrate(v1, {"full_name": str}, lambda d: {"full_name": d["name"].upper()})
    assert v2.validate({"n": "ada"}) == {"full_name": "ADA"}


def test_migrate_obj_to_list_with_value_name():
    convert = S.Migrate.obj_to_list("key", "value")
    item = S.Migrate({str: int}, [{"key": str, "value": int}], convert)
    assert item.validate({"x": 1, "y": 2}) == [{"key": "x", "value": 1}, {"key": "y", "value": 2}]


def test_migrate_obj_to_list_expanding_documents():
    convert = S.Migrate.obj_to_list("name")
    assert convert({"a": {"size": 1}, "b": {"size": 2}}) == [{"size": 1, "name": "a"}, {"size": 2, "name": "b"}]


def test_schema_module_exports_missing_and_invalid():
    import odm

    assert odm.schema.Missing is odm.Missing
    assert issubclass(odm.schema.Invalid, Exception)
