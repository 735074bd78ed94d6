"""Find projections.

Sources: manual "Project Fields to Return from Query", reference/operator/projection/
{positional,elemMatch,slice}, and src/mongo/db/query/projection_parser.cpp (codes
31249 31250 31253 31254 31255 31256 31270 31274 31275 31276 31394 31395 51270).
"""

import pytest
from pymongo.errors import OperationFailure

INVENTORY = [
    {"_id": 1, "item": "journal", "status": "A", "size": {"h": 14, "w": 21, "uom": "cm"},
     "instock": [{"warehouse": "A", "qty": 5}]},
    {"_id": 2, "item": "notebook", "status": "A", "size": {"h": 8.5, "w": 11, "uom": "in"},
     "instock": [{"warehouse": "C", "qty": 5}, 7, {"warehouse": "D"}]},
]


@pytest.fixture
def inv(coll):
    coll.insert_many([dict(d) for d in INVENTORY])
    return coll


def first(coll, projection, filter=None):
    return coll.find_one(filter if filter is not None else {"_id": 2}, projection)


def test_inclusion_returns_id_and_fields_in_document_order(inv):
    assert first(inv, {"status": 1, "item": 1}) == {"_id": 2, "item": "notebook", "status": "A"}
    assert list(first(inv, {"status": 1, "item": 1})) == ["_id", "item", "status"]


def test_inclusion_without_id(inv):
    assert first(inv, {"item": 1, "_id": 0}) == {"item": "notebook"}
    assert first(inv, {"_id": False, "item": True}) == {"item": "notebook"}


def test_id_alone(inv):
    assert first(inv, {"_id": 1}) == {"_id": 2}
    expected = {k: v for k, v in INVENTORY[1].items() if k != "_id"}
    assert first(inv, {"_id": 0}) == expected


def test_exclusion(inv):
    assert first(inv, {"status": 0, "instock": 0}) == {
        "_id": 2, "item": "notebook", "size": {"h": 8.5, "w": 11, "uom": "in"}}


def test_exclusion_with_id_included_explicitly(inv):
    assert first(inv, {"_id": 1, "status": 0, "size": 0, "instock": 0}) == {
        "_id": 2, "item": "notebook"}


def test_non_boolean_numbers_are_flags(inv):
    assert first(inv, {"item": 5}) == {"_id": 2, "item": "notebook"}
    assert first(inv, {"item": 0.0, "size": 0, "instock": False, "status": 0}) == {"_id": 2}


def test_inclusion_of_an_embedded_field(inv):
    assert first(inv, {"item": 1, "size.uom": 1}) == {"_id": 2, "item": "notebook",
                                                      "size": {"uom": "in"}}
    assert first(inv, {"item": 1, "size": {"uom": 1}}) == {"_id": 2, "item": "notebook",
                                                           "size": {"uom": "in"}}


def test_exclusion_of_an_embedded_field(inv):
    assert first(inv, {"size.uom": 0, "instock": 0}) == {
        "_id": 2, "item": "notebook", "status": "A", "size": {"h": 8.5, "w": 11}}


def test_inclusion_through_an_array_of_documents(inv):
    # non-document elements are dropped; documents keep only the projected fields
    assert first(inv, {"instock.qty": 1, "_id": 0}) == {"instock": [{"qty": 5}, {}]}


def test_exclusion_through_an_array_of_documents(inv):
    assert first(inv, {"instock.qty": 0, "size": 0, "_id": 0, "item": 0, "status": 0}) == {
        "instock": [{"warehouse": "C"}, 7, {"warehouse": "D"}]}


def test_projecting_a_missing_field(inv):
    assert first(inv, {"nope": 1}) == {"_id": 2}
    assert first(inv, {"nope.x": 1, "_id": 0}) == {}
    assert first(inv, {"item.x": 1, "_id": 0}) == {}


def test_list_form_is_inclusion(inv):
    # pymongo: a list of field names is {name: 1, ...}
    assert first(inv, ["item", "status"]) == {"_id": 2, "item": "notebook", "status": "A"}
    assert first(inv, ("item",)) == {"_id": 2, "item": "notebook"}
    # an empty list becomes {}, which pymongo does not send: the whole document comes back
    assert first(inv, []) == INVENTORY[1]


def test_mixing_inclusion_and_exclusion(inv):
    with pytest.raises(OperationFailure) as info:
        first(inv, {"item": 1, "status": 0})
    assert info.value.code == 31254
    assert info.value.details["errmsg"] == "Cannot do exclusion on field status in inclusion projection"
    with pytest.raises(OperationFailure) as info:
        first(inv, {"status": 0, "item": 1})
    assert info.value.code == 31253
    assert info.value.details["errmsg"] == "Cannot do inclusion on field item in exclusion projection"


def test_path_collisions(inv):
    with pytest.raises(OperationFailure) as info:
        first(inv, {"size": 1, "size.uom": 1})
    assert info.value.code == 31249
    assert info.value.details["errmsg"] == "Path collision at size.uom remaining portion uom"
    with pytest.raises(OperationFailure) as info:
        first(inv, {"size.uom": 1, "size": 1})
    assert info.value.code == 31250
    assert info.value.details["errmsg"] == "Path collision at size"


def test_empty_sub_projection_is_rejected(inv):
    with pytest.raises(OperationFailure) as info:
        first(inv, {"size": {}})
    assert info.value.code == 51270


# -- $slice -------------------------------------------------------------------------

POSTS = {"_id": 1, "title": "t", "comments": [1, 2, 3, 4, 5], "meta": {"tags": ["a", "b", "c"]},
         "scalar": 5}


@pytest.fixture
def posts(coll):
    coll.insert_one(dict(POSTS))
    return coll


@pytest.mark.parametrize("arg, expected", [
    (2, [1, 2]), (-2, [4, 5]), (0, []), (10, [1, 2, 3, 4, 5]), (-10, [1, 2, 3, 4, 5]),
    ([1, 2], [2, 3]), ([-2, 1], [4]), ([-10, 2], [1, 2]), ([10, 2], []), ([3, 10], [4, 5]),
])
def test_slice(posts, arg, expected):
    doc = posts.find_one({}, {"comments": {"$slice": arg}})
    assert doc["comments"] == expected
    # $slice alone is an exclusion projection: the other fields stay
    assert doc["title"] == "t" and doc["scalar"] == 5


def test_slice_with_inclusion(posts):
    assert posts.find_one({}, {"title": 1, "comments": {"$slice": 1}}) == {
        "_id": 1, "title": "t", "comments": [1]}


def test_slice_with_id_included_is_an_inclusion(posts):
    assert posts.find_one({}, {"_id": 1, "comments": {"$slice": 1}}) == {"_id": 1,
                                                                         "comments": [1]}


def test_slice_on_an_embedded_array_and_on_non_arrays(posts):
    doc = posts.find_one({}, {"meta.tags": {"$slice": -1}, "scalar": {"$slice": 1}})
    assert doc["meta"] == {"tags": ["c"]}
    assert doc["scalar"] == 5


# -- $elemMatch ----------------------------------------------------------------------

SCHOOLS = [
    {"_id": 1, "zipcode": "63109",
     "students": [{"name": "john", "school": 102, "age": 10},
                  {"name": "jess", "school": 102, "age": 11},
                  {"name": "jeff", "school": 108, "age": 15}]},
    {"_id": 2, "zipcode": "63110",
     "students": [{"name": "ajax", "school": 100, "age": 7},
                  {"name": "achilles", "school": 100, "age": 8}]},
    {"_id": 3, "zipcode": "63109",
     "students": [{"name": "ajax", "school": 100, "age": 7},
                  {"name": "achilles", "school": 100, "age": 8}]},
    {"_id": 4, "zipcode": "63109",
     "students": [{"name": "barney", "school": 102, "age": 7},
                  {"name": "ruth", "school": 102, "age": 16}]},
]


@pytest.fixture
def schools(coll):
    coll.insert_many([dict(d) for d in SCHOOLS])
    return coll


def test_elem_match_projection(schools):
    # manual example
    got = list(schools.find({"zipcode": "63109"}, {"students": {"$elemMatch": {"school": 102}}},
                            sort=[("_id", 1)]))
    assert got == [
        {"_id": 1, "students": [{"name": "john", "school": 102, "age": 10}]},
        {"_id": 3},
        {"_id": 4, "students": [{"name": "barney", "school": 102, "age": 7}]},
    ]


def test_elem_match_projection_with_several_conditions(schools):
    got = list(schools.find({"zipcode": "63109"},
                            {"students": {"$elemMatch": {"school": 102, "age": {"$gt": 10}}}},
                            sort=[("_id", 1)]))
    assert got == [
        {"_id": 1, "students": [{"name": "jess", "school": 102, "age": 11}]},
        {"_id": 3},
        {"_id": 4, "students": [{"name": "ruth", "school": 102, "age": 16}]},
    ]


def test_elem_match_projection_with_other_fields(schools):
    got = schools.find_one({"_id": 1}, {"zipcode": 1, "students": {"$elemMatch": {"age": 15}}})
    assert got == {"_id": 1, "zipcode": "63109",
                   "students": [{"name": "jeff", "school": 108, "age": 15}]}


def test_elem_match_projection_errors(schools):
    with pytest.raises(OperationFailure) as info:
        schools.find_one({}, {"a.b": {"$elemMatch": {"x": 1}}})
    assert info.value.code == 31275
    assert info.value.details["errmsg"] == "Cannot use $elemMatch projection on a nested field."
    with pytest.raises(OperationFailure) as info:
        schools.find_one({}, {"students": {"$elemMatch": 1}})
    assert info.value.code == 31274


# -- positional $ -------------------------------------------------------------------------

STUDENTS = [
    {"_id": 1, "semester": 1, "grades": [70, 87, 90]},
    {"_id": 2, "semester": 1, "grades": [90, 88, 92]},
    {"_id": 3, "semester": 1, "grades": [85, 100, 90]},
    {"_id": 4, "semester": 2, "grades": [79, 85, 80]},
]


@pytest.fixture
def students(coll):
    coll.insert_many([dict(d) for d in STUDENTS])
    return coll


def test_positional_projection(students):
    # manual example: the first element that matched the query condition on the array
    got = list(students.find({"semester": 1, "grades": {"$gte": 85}}, {"grades.$": 1},
                             sort=[("_id", 1)]))
    assert got == [{"_id": 1, "grades": [87]}, {"_id": 2, "grades": [90]},
                   {"_id": 3, "grades": [85]}]


def test_positional_projection_with_array_of_documents(coll):
    coll.insert_one({"_id": 7, "grades": [{"grade": 80, "mean": 75}, {"grade": 85, "mean": 90},
                                          {"grade": 90, "mean": 85}]})
    got = coll.find_one({"grades.mean": {"$gt": 80}}, {"grades.$": 1})
    assert got == {"_id": 7, "grades": [{"grade": 85, "mean": 90}]}
    got = coll.find_one({"grades": {"$elemMatch": {"mean": {"$gt": 70}, "grade": {"$gt": 85}}}},
                        {"grades.$": 1})
    assert got == {"_id": 7, "grades": [{"grade": 90, "mean": 85}]}


def test_positional_projection_errors(students):
    cases = [
        ({"grades.$": 0}, 31395, "positional projection cannot be used with exclusion"),
        ({"grades.$": 1, "semester.$": 1}, 31276,
         "Cannot specify more than one positional projection per query."),
        ({"grades.$.x": 1}, 31394, None),
        ({"grades.$": 1, "x": {"$elemMatch": {"a": 1}}}, 31255,
         "Cannot specify positional operator and $elemMatch."),
        ({"x": {"$elemMatch": {"a": 1}}, "grades.$": 1}, 31256,
         "Cannot specify positional operator and $elemMatch."),
    ]
    for projection, code, message in cases:
        with pytest.raises(OperationFailure) as info:
            students.find_one({"grades": 90}, projection)
        assert info.value.code == code, projection
        if message:
            assert info.value.details["errmsg"] == message


def test_sub_projection_mixing_is_checked_too(inv):
    with pytest.raises(OperationFailure) as info:
        first(inv, {"size": {"uom": 1, "h": 0}})
    assert info.value.code == 31254
    assert info.value.details["errmsg"] == "Cannot do exclusion on field h in inclusion projection"


def test_literal_values_are_computed_fields(inv):
    # 4.4+: a non-numeric, non-boolean value is a literal expression (inclusion)
    assert first(inv, {"item": 1, "label": "x"}) == {"_id": 2, "item": "notebook", "label": "x"}
    with pytest.raises(OperationFailure) as info:
        first(inv, {"item": 0, "label": "x"})
    assert info.value.code == 31310


def test_dollar_prefixed_projection_field(inv):
    with pytest.raises(OperationFailure) as info:
        first(inv, {"$item": 1})
    assert info.value.code == 16410
