"""Read-only views (MongoDB 7.0 manual, "Views": create, behavior, restrictions)."""

from __future__ import annotations

import pytest
from pymongo.errors import OperationFailure, WriteError


def _error(fn):
    with pytest.raises(OperationFailure) as info:
        fn()
    return info.value.code, info.value.details["errmsg"]


# -- create and list ----------------------------------------------------------------


def test_list_collections_shows_the_view(inventory):
    infos = {i["name"]: i for i in inventory.list_collections()}
    assert infos["in_stock"] == {
        "name": "in_stock", "type": "view",
        "options": {"viewOn": "inventory", "pipeline": [{"$match": {"quantity": {"$gt": 0}}}]},
        "info": {"readOnly": True}}
    assert infos["inventory"]["type"] == "collection"
    assert inventory.list_collections(filter={"type": "view"}).to_list() == [infos["in_stock"]]


def test_create_command_and_view_on_missing_collection(db):
    assert db.command("create", "v", viewOn="nowhere", pipeline=[])["ok"] == 1.0
    assert list(db.v.find()) == []
    assert db.v.count_documents({}) == 0
    assert db.command("dbStats")["views"] == 1


def test_create_validation(db):
    db.c.insert_one({})
    assert _error(lambda: db.command("create", "v", viewOn=1)) == (
        14, "BSON field 'create.viewOn' is the wrong type 'int', expected type 'string'")
    assert _error(lambda: db.command("create", "v", viewOn="c", pipeline={})) == (
        14, "BSON field 'create.pipeline' is the wrong type 'object', expected type 'array'")
    assert _error(lambda: db.command("create", "v", viewOn="c", pipeline=[1])) == (
        14, "BSON field 'create.pipeline.0' is the wrong type 'int', expected type 'object'")
    assert _error(lambda: db.command("create", "v", pipeline=[])) == (
        72, "'pipeline' requires 'viewOn' to also be specified")
    assert _error(lambda: db.command("create", "v", viewOn="c",
                                     pipeline=[{"$nope": 1}]))[0] == 40324
    assert _error(lambda: db.command("create", "v", viewOn="c", pipeline=[{"$out": "x"}])) == (
        167, "The aggregation stage $out in location 0 of the pipeline cannot be used in the "
             "view definition of viewsdb.v because it writes to disk")
    assert "v" not in db.list_collection_names()


def test_name_already_exists(db):
    db.c.insert_one({})
    db.command("create", "v", viewOn="c")
    assert _error(lambda: db.command("create", "c", viewOn="v")) == (
        48, "Collection viewsdb.c already exists.")
    assert _error(lambda: db.command("create", "v", viewOn="c")) == (
        48, "A view already exists. NS: viewsdb.v")
    assert _error(lambda: db.command("create", "v")) == (
        48, "A view already exists. NS: viewsdb.v")


def test_cycles_are_refused(db):
    assert _error(lambda: db.command("create", "self", viewOn="self")) == (
        5, "View cycle detected: viewsdb.self => viewsdb.self => viewsdb.self")
    db.command("create", "a", viewOn="b")
    assert _error(lambda: db.command("create", "b", viewOn="a")) == (
        5, "View cycle detected: viewsdb.b => viewsdb.b => viewsdb.a => viewsdb.b")
    assert sorted(db.list_collection_names()) == ["a"]


# -- reads ----------------------------------------------------------------------


def test_find_appends_the_query_to_the_view_pipeline(inventory):
    view = inventory.in_stock
    assert [d["_id"] for d in view.find()] == [1, 2, 3]
    assert list(view.find({"price": 10}, {"item": 1, "_id": 0})) == [{"item": "abc"}]
    assert [d["_id"] for d in view.find().sort("price", -1).skip(1).limit(1)] == [1]
    assert view.find_one({"item": "xyz"})["quantity"] == 10


def test_count_distinct_and_estimated_count(inventory):
    view = inventory.in_stock
    assert view.count_documents({}) == 3
    assert view.count_documents({"price": 10}) == 1
    assert view.count_documents({}, skip=1, limit=1) == 1
    assert view.estimated_document_count() == 3
    assert view.distinct("item") == ["abc", "jkl", "xyz"]
    assert view.distinct("tags", {"price": {"$gte": 10}}) == ["blank", "red"]


def test_aggregate_on_a_view_and_views_on_views(inventory):
    inventory.command("create", "cheap", viewOn="in_stock",
                      pipeline=[{"$match": {"price": {"$lt": 15}}},
                                {"$project": {"item": 1}}])
    assert list(inventory.cheap.find()) == [{"_id": 1, "item": "abc"}, {"_id": 3, "item": "xyz"}]
    assert list(inventory.cheap.aggregate([{"$sort": {"item": -1}}, {"$limit": 1}])) == [
        {"_id": 3, "item": "xyz"}]
    assert inventory.cheap.count_documents({}) == 2
    # the view reflects later changes to the collection
    inventory.inventory.update_one({"_id": 4}, {"$set": {"quantity": 5}})
    assert inventory.cheap.count_documents({}) == 3


def test_lookup_from_a_view(inventory):
    inventory.orders.insert_one({"_id": 1, "item": "abc"})
    out = list(inventory.orders.aggregate([
        {"$lookup": {"from": "in_stock", "localField": "item", "foreignField": "item",
                     "as": "stock"}}]))
    assert [d["_id"] for d in out[0]["stock"]] == [1]


# -- writes and catalog operations ------------------------------------------------------


def test_writes_on_a_view_fail(inventory):
    view = inventory.in_stock
    message = "Namespace viewsdb.in_stock is a view, not a collection"
    for write in (lambda: view.insert_one({"x": 1}),
                  lambda: view.update_one({}, {"$set": {"x": 1}}),
                  lambda: view.replace_one({}, {"x": 1}),
                  lambda: view.delete_many({})):
        with pytest.raises(WriteError) as info:
            write()
        assert (info.value.code, info.value.details["errmsg"]) == (166, message)
    assert _error(lambda: view.find_one_and_delete({})) == (166, message)
    assert _error(lambda: view.find_one_and_update({}, {"$set": {"x": 1}})) == (166, message)
    assert _error(lambda: view.create_index("item")) == (166, message)
    assert _error(lambda: view.index_information()) == (166, message)
    assert _error(lambda: inventory.command("collStats", "in_stock")) == (166, message)
    assert inventory.inventory.count_documents({}) == 4
    assert inventory.list_collection_names(filter={"type": "collection"}) == ["inventory"]


def test_rename_and_drop(inventory):
    assert _error(lambda: inventory.in_stock.rename("other")) == (
        166, "cannot rename view: viewsdb.in_stock")
    assert _error(lambda: inventory.inventory.rename("in_stock")) == (
        48, "a view already exists with that name: viewsdb.in_stock")
    inventory.in_stock.drop()
    assert inventory.list_collection_names() == ["inventory"]
    assert inventory.inventory.count_documents({}) == 4
    assert list(inventory.in_stock.find()) == []
