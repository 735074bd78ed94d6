"""DBRef field paths beyond projections: a ``$lookup`` whose ``foreignField`` goes
through a DBRef, and grouping by a DBRef's ``$ref`` (field_path.cpp allows ``$id``,
``$ref`` and ``$db``)."""

from __future__ import annotations

import pytest
from bson.dbref import DBRef

import mim


@pytest.fixture
def db():
    client = mim.MongoClient(server=mim.Server())
    database = client.shop
    database.doors.insert_many([{"_id": 10, "color": "red"}, {"_id": 11, "color": "blue"}])
    database.houses.insert_many([
        {"_id": 1, "door": DBRef("doors", 10, "shop")},
        {"_id": 2, "door": DBRef("doors", 11)},
    ])
    yield database
    client.close()


def test_lookup_through_a_dbref_foreign_field(db):
    out = list(db.doors.aggregate([
        {"$lookup": {"from": "houses", "localField": "_id", "foreignField": "door.$id",
                     "as": "houses"}},
        {"$project": {"houses": "$houses._id"}}]))
    assert out == [{"_id": 10, "houses": [1]}, {"_id": 11, "houses": [2]}]


def test_group_by_dbref_collection(db):
    out = list(db.houses.aggregate([{"$group": {"_id": "$door.$ref", "n": {"$sum": 1}}}]))
    assert out == [{"_id": "doors", "n": 2}]
