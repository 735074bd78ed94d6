"""No keyword argument is silently accepted.

1. Every named parameter of every public method of pymongo's ``MongoClient``,
   ``Database``, ``Collection`` and ``Cursor`` is a named parameter of mim's method
   too (so none disappears into a ``**kwargs``); only methods that refuse every call
   (change streams) may take anything.
2. Where pymongo passes ``**kwargs`` into the command it sends, an unknown keyword
   reaches the server and fails there (40415); mim must fail the same way, on both
   faces, and leave the data as it was.
"""

from __future__ import annotations

import inspect

import pymongo
import pytest
from pymongo.errors import OperationFailure
from pymongo.synchronous import collection, cursor, database

import mim

PAIRS = [(pymongo.MongoClient, mim.MongoClient), (database.Database, mim.database.Database),
         (collection.Collection, mim.collection.Collection), (cursor.Cursor, mim.cursor.Cursor)]
#: methods mim refuses whatever their arguments (code 238: no change streams yet)
REFUSE_EVERY_CALL = {"watch"}
_VARIADIC = (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)


def _methods(cls):
    for name in dir(cls):
        if name.startswith("_") and name != "__init__":
            continue
        attribute = inspect.getattr_static(cls, name)
        if callable(attribute) and not isinstance(attribute, property):
            yield name


@pytest.mark.parametrize("theirs, ours", PAIRS, ids=lambda c: c.__name__)
def test_every_pymongo_parameter_is_declared(theirs, ours):
    undeclared = []
    for name in _methods(theirs):
        if name in REFUSE_EVERY_CALL or not hasattr(ours, name):
            continue
        try:
            expected = inspect.signature(getattr(theirs, name)).parameters
            got = inspect.signature(getattr(ours, name)).parameters
        except (TypeError, ValueError):
            continue
        for parameter in expected.values():
            if parameter.name != "self" and parameter.kind not in _VARIADIC \
                    and parameter.name not in got:
                undeclared.append(f"{theirs.__name__}.{name}({parameter.name}=)")
    assert undeclared == []


CASES = [
    ("aggregate", lambda c: list(c.aggregate([], bogus=1)), "aggregate.bogus"),
    ("count_documents", lambda c: c.count_documents({}, bogus=1), "aggregate.bogus"),
    ("estimated_document_count", lambda c: c.estimated_document_count(bogus=1), "count.bogus"),
    ("distinct", lambda c: c.distinct("a", bogus=1), "distinct.bogus"),
    ("find_one_and_update", lambda c: c.find_one_and_update({}, {"$set": {"a": 2}}, bogus=1),
     "findAndModify.bogus"),
    ("find_one_and_replace", lambda c: c.find_one_and_replace({}, {"a": 2}, bogus=1),
     "findAndModify.bogus"),
    ("find_one_and_delete", lambda c: c.find_one_and_delete({}, bogus=1),
     "findAndModify.bogus"),
    ("create_indexes", lambda c: c.create_indexes([pymongo.IndexModel("b")], bogus=1),
     "createIndexes.bogus"),
    ("drop_index", lambda c: c.drop_index("a_1", bogus=1), "dropIndexes.bogus"),
    ("drop_indexes", lambda c: c.drop_indexes(bogus=1), "dropIndexes.bogus"),
]


@pytest.mark.parametrize("name, call, owner_field", CASES, ids=[c[0] for c in CASES])
def test_unknown_keywords_reach_the_server_and_fail(coll, name, call, owner_field):
    coll.insert_one({"_id": 1, "a": 1})
    coll.create_index("a")
    with pytest.raises(OperationFailure) as info:
        call(coll)
    assert info.value.code == 40415
    assert f"BSON field '{owner_field}' is an unknown field." in str(info.value)
    assert list(coll.find()) == [{"_id": 1, "a": 1}]
    assert sorted(coll.index_information()) == ["_id_", "a_1"]
