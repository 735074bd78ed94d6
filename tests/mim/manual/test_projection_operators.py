"""Projection operators: the MongoDB manual's worked examples
(mongodb/docs source/reference/operator/projection/<operator>.txt), run as data."""

import datetime

import pytest

from .harness import ids, run

SCHOOLS = [
    {"_id": 1, "zipcode": "63109", "students": [
        {"name": "john", "school": 102, "age": 10}, {"name": "jess", "school": 102, "age": 11},
        {"name": "jeff", "school": 108, "age": 15}]},
    {"_id": 2, "zipcode": "63110", "students": [
        {"name": "ajax", "school": 100, "age": 7}, {"name": "achilles", "school": 100, "age": 8}]},
    {"_id": 3, "zipcode": "63109", "students": [
        {"name": "ajax", "school": 100, "age": 7}, {"name": "achilles", "school": 100, "age": 8}]},
    {"_id": 4, "zipcode": "63109", "students": [
        {"name": "barney", "school": 102, "age": 7}, {"name": "ruth", "school": 102, "age": 16}]},
]

EXAMPLES = [
    dict(name="elemMatch/zipcode-search", docs=SCHOOLS, filter={"zipcode": "63109"},
         projection={"students": {"$elemMatch": {"school": 102}}},
         expected=[{"_id": 1, "students": [{"name": "john", "school": 102, "age": 10}]},
                   {"_id": 3},
                   {"_id": 4, "students": [{"name": "barney", "school": 102, "age": 7}]}]),
    dict(name="elemMatch/multiple-fields", docs=SCHOOLS, filter={"zipcode": "63109"},
         projection={"students": {"$elemMatch": {"school": 102, "age": {"$gt": 10}}}},
         expected=[{"_id": 1, "students": [{"name": "jess", "school": 102, "age": 11}]},
                   {"_id": 3},
                   {"_id": 4, "students": [{"name": "ruth", "school": 102, "age": 16}]}]),
    dict(name="elemMatch/with-sort", docs=SCHOOLS, filter={"zipcode": "63109"},
         projection={"students": {"$elemMatch": {"school": 102}}},
         sort={"students.age": -1}, ordered=True,
         expected=[{"_id": 4, "students": [{"name": "barney", "school": 102, "age": 7}]},
                   {"_id": 1, "students": [{"name": "john", "school": 102, "age": 10}]},
                   {"_id": 3}]),
]


POSTS = [
    {"_id": 1, "title": "Bagels are not croissants.",
     "comments": [{"comment": "0. true"}, {"comment": "1. croissants aren't bagels."}]},
    {"_id": 2, "title": "Coffee please.",
     "comments": [{"comment": "0. fooey"}, {"comment": "1. tea please"},
                  {"comment": "2. iced coffee"}, {"comment": "3. cappuccino"},
                  {"comment": "4. whatever"}]},
]


def posts(name, arg, first, second):
    return dict(name=name, docs=POSTS, projection={"comments": {"$slice": arg}},
                expected=[dict(POSTS[0], comments=[POSTS[0]["comments"][i] for i in first]),
                          dict(POSTS[1], comments=[POSTS[1]["comments"][i] for i in second])])


EXAMPLES += [
    posts("slice/first-3", 3, [0, 1], [0, 1, 2]),
    posts("slice/last-3", -3, [0, 1], [2, 3, 4]),
    posts("slice/skip-1-take-3", [1, 3], [1], [1, 2, 3]),
    posts("slice/skip-back-1-take-3", [-1, 3], [1], [4]),
]

POS_STUDENTS = [
    {"_id": 1, "semester": 1, "grades": [70, 87, 90]},
    {"_id": 2, "semester": 1, "grades": [90, 88, 92]},
    {"_id": 3, "semester": 1, "grades": [85, 100, 90]},
    {"_id": 4, "semester": 2, "grades": [79, 85, 80]},
    {"_id": 5, "semester": 2, "grades": [88, 88, 92]},
    {"_id": 6, "semester": 2, "grades": [95, 90, 96]},
]
POS_STUDENTS_DOCS = [
    {"_id": 7, "semester": 3, "grades": [{"grade": 80, "mean": 75, "std": 8},
                                         {"grade": 85, "mean": 90, "std": 5},
                                         {"grade": 90, "mean": 85, "std": 3}]},
    {"_id": 8, "semester": 3, "grades": [{"grade": 92, "mean": 88, "std": 8},
                                         {"grade": 78, "mean": 90, "std": 5},
                                         {"grade": 88, "mean": 85, "std": 3}]},
]
EXAMPLES += [
    # ------------------------------------------------------------ positional $
    dict(name="positional-projection/array-values", docs=POS_STUDENTS,
         filter={"semester": 1, "grades": {"$gte": 85}}, projection={"grades.$": 1},
         expected=[{"_id": 1, "grades": [87]}, {"_id": 2, "grades": [90]},
                   {"_id": 3, "grades": [85]}]),
    dict(name="positional-projection/array-documents", docs=POS_STUDENTS_DOCS,
         filter={"grades.mean": {"$gt": 70}}, projection={"grades.$": 1},
         expected=[{"_id": 7, "grades": [{"grade": 80, "mean": 75, "std": 8}]},
                   {"_id": 8, "grades": [{"grade": 92, "mean": 88, "std": 8}]}]),
]

@pytest.mark.parametrize("ex", EXAMPLES, ids=ids(EXAMPLES))
def test_manual_example(db, ex):
    run(db, ex)


def test_manual_elem_match_field_order(db):
    # $elemMatch (projection) > Field Order: regardless of the ordering of the fields in
    # the document, the $elemMatch projection of an existing field returns the field
    # after the other existing field inclusions
    db.players.insert_one({"name": "player1",
                           "games": [{"game": "abc", "score": 8}, {"game": "xyz", "score": 5}],
                           "joined": datetime.datetime(2020, 1, 1),
                           "lastLogin": datetime.datetime(2020, 5, 1)})
    out = db.players.find_one({}, {"games": {"$elemMatch": {"score": {"$gt": 5}}},
                                   "joined": 1, "lastLogin": 1})
    assert list(out) == ["_id", "joined", "lastLogin", "games"]
    assert out["games"] == [{"game": "abc", "score": 8}]
