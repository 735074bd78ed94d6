"""Cursor behaviour as pymongo 4 documents it (pymongo.cursor.Cursor)."""

import pytest
from pymongo.collation import Collation
from pymongo.errors import InvalidOperation, OperationFailure

from .helpers import load


@pytest.fixture
def ten(coll):
    load(coll, [{"n": i} for i in range(10)])
    return coll


def ids(cursor):
    return [d["_id"] for d in cursor]


def test_iteration_and_next(ten):
    cursor = ten.find({"n": {"$lt": 3}}, sort=[("n", 1)])
    assert next(cursor)["n"] == 0
    assert cursor.next()["n"] == 1
    assert [d["n"] for d in cursor] == [2]
    with pytest.raises(StopIteration):
        next(cursor)


def test_find_returns_a_lazy_cursor(ten):
    cursor = ten.find()
    ten.insert_one({"_id": 99, "n": 99})
    assert 99 in ids(cursor)


def test_skip_and_limit(ten):
    assert ids(ten.find().sort("n").skip(7)) == [7, 8, 9]
    assert ids(ten.find().sort("n").limit(3)) == [0, 1, 2]
    assert ids(ten.find().sort("n").skip(8).limit(5)) == [8, 9]
    assert ids(ten.find(skip=2, limit=2, sort=[("n", 1)])) == [2, 3]
    assert ids(ten.find().skip(20)) == []


def test_limit_zero_is_no_limit(ten):
    assert len(list(ten.find().limit(0))) == 10


def test_negative_limit_returns_that_many_in_one_batch(ten):
    assert ids(ten.find().sort("n").limit(-2)) == [0, 1]
    assert ids(ten.find().sort("n").limit(-1)) == [0]


def test_skip_and_limit_argument_checks(ten):
    with pytest.raises(TypeError):
        ten.find().skip("1")
    with pytest.raises(ValueError):
        ten.find().skip(-1)
    with pytest.raises(TypeError):
        ten.find().limit(1.5)
    with pytest.raises(TypeError):
        ten.find(limit="2")


def test_batch_size(ten):
    assert len(list(ten.find().batch_size(3))) == 10
    assert len(list(ten.find(batch_size=1))) == 10
    with pytest.raises(ValueError):
        ten.find().batch_size(-1)
    with pytest.raises(TypeError):
        ten.find().batch_size("3")


def test_getitem_index(ten):
    cursor = ten.find().sort("n")
    assert cursor[3]["n"] == 3
    assert ten.find().sort("n").skip(2)[1]["n"] == 3
    with pytest.raises(IndexError):
        ten.find()[10]
    with pytest.raises(IndexError):
        ten.find()[-1]
    with pytest.raises(TypeError):
        ten.find()["a"]


def test_getitem_slice(ten):
    assert ids(ten.find().sort("n")[2:5]) == [2, 3, 4]
    assert ids(ten.find().sort("n")[8:]) == [8, 9]
    assert ids(ten.find().sort("n")[:2]) == [0, 1]
    assert ids(ten.find()[3:3]) == []
    with pytest.raises(IndexError):
        ten.find()[1:5:2]
    with pytest.raises(IndexError):
        ten.find()[-2:]
    with pytest.raises(IndexError):
        ten.find()[5:2]


def test_clone_is_independent_and_unevaluated(ten):
    cursor = ten.find({"n": {"$gte": 5}}).sort("n").limit(2)
    assert ids(cursor) == [5, 6]
    clone = cursor.clone()
    assert ids(clone) == [5, 6]
    clone2 = cursor.clone().limit(3)
    assert ids(clone2) == [5, 6, 7]


def test_rewind(ten):
    cursor = ten.find().sort("n").limit(2)
    assert ids(cursor) == [0, 1]
    assert ids(cursor) == []
    assert cursor.rewind() is cursor
    assert ids(cursor) == [0, 1]


def test_close_and_alive(ten):
    cursor = ten.find().sort("n")
    assert cursor.alive
    next(cursor)
    cursor.close()
    assert not cursor.alive
    assert list(cursor) == []


def test_alive_after_exhaustion(ten):
    cursor = ten.find({"n": 1})
    list(cursor)
    assert not cursor.alive


def test_retrieved(ten):
    cursor = ten.find().sort("n")
    assert cursor.retrieved == 0
    next(cursor)
    next(cursor)
    assert cursor.retrieved == 2
    list(cursor)
    assert cursor.retrieved == 10


def test_collection_property(ten):
    assert ten.find().collection == ten


def test_distinct(ten):
    ten.insert_many([{"_id": 20, "n": 1, "t": ["x", "y"]}, {"_id": 21, "n": 2, "t": "x"}])
    assert sorted(ten.find({"n": {"$lt": 3}}).distinct("n")) == [0, 1, 2]
    assert sorted(ten.find({"n": 1}).distinct("t")) == ["x", "y"]
    with pytest.raises(TypeError):
        ten.find().distinct(5)


def test_max_time_ms_and_comment(ten):
    assert len(list(ten.find().max_time_ms(1000).comment("hello"))) == 10
    assert len(list(ten.find(max_time_ms=None, comment={"k": 1}))) == 10
    with pytest.raises(TypeError):
        ten.find().max_time_ms("10")


def test_simple_collation_is_accepted(ten):
    assert len(list(ten.find().collation({"locale": "simple"}))) == 10
    assert len(list(ten.find(collation=Collation("simple")))) == 10


def test_invalid_collations_raise(ten):
    with pytest.raises(OperationFailure):
        list(ten.find().collation(Collation("en", strength=6)))


def test_context_manager_closes(ten):
    with ten.find() as cursor:
        next(cursor)
    assert not cursor.alive


@pytest.mark.parametrize("modify", [
    lambda c: c.sort("n"), lambda c: c.skip(1), lambda c: c.limit(1), lambda c: c.batch_size(2),
    lambda c: c.max_time_ms(5), lambda c: c.comment("x"), lambda c: c.hint([("_id", 1)]),
    lambda c: c.collation({"locale": "simple"}), lambda c: c[1:2], lambda c: c.min([("n", 1)]),
    lambda c: c.max([("n", 5)]),
])
def test_modifiers_after_iteration_raise_invalid_operation(ten, modify):
    cursor = ten.find()
    next(cursor)
    with pytest.raises(InvalidOperation) as info:
        modify(cursor)
    assert str(info.value) == "cannot set options after executing query"


def test_modifiers_are_allowed_again_after_rewind(ten):
    cursor = ten.find()
    next(cursor)
    cursor.rewind()
    assert ids(cursor.sort("n", -1).limit(1)) == [9]


def test_projection_argument(ten):
    assert ten.find({"n": 1}, {"_id": 0}).next() == {"n": 1}
    assert ten.find({"n": 1}, projection=["n"]).next() == {"_id": 1, "n": 1}
