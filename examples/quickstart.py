"""mim quick start: the pymongo API, an in-memory server, nothing to install.

    python examples/quickstart.py
"""

from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError, OperationFailure

import mim


def main() -> None:
    client = mim.MongoClient("mongodb://localhost:27017/shop")
    db = client.get_default_database()
    db.products.drop()

    db.products.insert_many([
        {"_id": 1, "name": "pen", "price": 1.5, "tags": ["office", "cheap"], "stock": 120},
        {"_id": 2, "name": "notebook", "price": 4.0, "tags": ["office"], "stock": 40},
        {"_id": 3, "name": "lamp", "price": 25.0, "tags": ["home"], "stock": 3},
    ])
    db.products.create_index([("price", ASCENDING)])

    print("cheap office items:")
    for doc in db.products.find({"tags": "office", "price": {"$lt": 5}}, {"_id": 0, "name": 1}):
        print("  ", doc)

    updated = db.products.find_one_and_update(
        {"name": "lamp"}, {"$inc": {"stock": -1}}, return_document=ReturnDocument.AFTER)
    print("lamp stock after a sale:", updated["stock"])

    totals = db.products.aggregate([
        {"$unwind": "$tags"},
        {"$group": {"_id": "$tags", "items": {"$sum": 1}}},
        {"$sort": {"_id": 1}},
    ])
    print("items per tag:", {t["_id"]: t["items"] for t in totals})

    try:
        db.products.insert_one({"_id": 1, "name": "duplicate"})
    except DuplicateKeyError as exc:
        print("duplicate rejected like MongoDB:", exc.code, exc.details["errmsg"])

    try:
        db.products.find_one({"price": {"$foo": 1}})
    except OperationFailure as exc:
        print("bad filter rejected like MongoDB:", exc.code, exc.details["errmsg"])


if __name__ == "__main__":
    main()
