"""Field paths through DBRefs in aggregation.

MongoDB stores a DBRef as the document ``{$ref, $id[, $db]}``, and its
``FieldPath`` accepts the ``$``-prefixed names ``$id``, ``$ref`` and ``$db``
(server ``src/mongo/db/pipeline/field_path.cpp``, ``kAllowedDollarPrefixedFields``),
so ``"$author.$id"`` and a ``$lookup`` ``localField`` of ``"author.$id"`` (how
Beanie fetches links) read the referenced id; any other ``$`` name is still 16410.
"""

import pytest
from bson.dbref import DBRef
from pymongo.errors import OperationFailure


@pytest.fixture
def refs(db):
    db.authors.insert_many([{"_id": 1, "name": "a"}, {"_id": 2, "name": "b"}])
    db.books.insert_many([
        {"_id": 10, "author": DBRef("authors", 1)},
        {"_id": 11, "authors": [DBRef("authors", 1), DBRef("authors", 2, "other")]},
    ])
    return db.books


def test_expression_paths_read_dbref_fields(refs):
    out = list(refs.aggregate([{"$project": {"id": "$author.$id", "ref": "$author.$ref",
                                             "dbs": "$authors.$db"}}]))
    assert out == [{"_id": 10, "id": 1, "ref": "authors"}, {"_id": 11, "dbs": ["other"]}]


def test_lookup_local_field_through_dbrefs(refs):
    out = list(refs.aggregate([
        {"$lookup": {"from": "authors", "localField": "author.$id", "foreignField": "_id",
                     "as": "one"}},
        {"$lookup": {"from": "authors", "localField": "authors.$id", "foreignField": "_id",
                     "as": "many"}},
        {"$project": {"one": "$one.name", "many": "$many.name"}},
    ]))
    assert out == [{"_id": 10, "one": ["a"], "many": []},
                   {"_id": 11, "one": [], "many": ["a", "b"]}]


def test_other_dollar_names_are_still_refused(refs):
    with pytest.raises(OperationFailure) as info:
        list(refs.aggregate([{"$project": {"x": "$author.$other"}}]))
    assert info.value.code == 16410
