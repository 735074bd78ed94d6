"""Flask-MongoAlchemy's expression queries and pagination (seed 003's examples, rewritten for odm)."""
from __future__ import annotations

import pytest

from odm import schema
from odm.odm import FieldProperty, MappedClass
from odm.orm.expressions import FilterExpression, Pagination


@pytest.fixture
def Author(odm_session):
    class Author(MappedClass):
        class __mongometa__:
            name = "author"
            session = odm_session

        _id = FieldProperty(schema.ObjectId)
        name = FieldProperty(str)
        age = FieldProperty(schema.Int)
        nickname = FieldProperty(schema.String(if_missing=schema.Missing))

    for name, age in [("Mark Pilgrim", 52), ("Ada", 36), ("Alan", 41), ("Grace", 85), ("Linus", 30)]:
        Author(name=name, age=age)
    Author(name="Anonymous", age=20, nickname="anon")
    odm_session.flush()
    odm_session.clear()
    return Author


def names(results):
    return [a.name for a in results]


def test_expressions_compile_to_filter_documents(Author):
    assert dict(Author.age > 30) == {"age": {"$gt": 30}}
    assert dict(Author.name != "x") == {"name": {"$ne": "x"}}
    assert dict(Author.name == "x") == {"name": "x"}
    assert dict((Author.age >= 30) & (Author.age <= 40)) == {"$and": [{"age": {"$gte": 30}}, {"age": {"$lte": 40}}]}
    assert dict((Author.age < 30) | (Author.name.in_(["Ada"]))) == {"$or": [{"age": {"$lt": 30}}, {"name": {"$in": ["Ada"]}}]}
    assert dict(~(Author.age > 30)) == {"$nor": [{"age": {"$gt": 30}}]}
    assert dict(Author.name.startswith("A.")) == {"name": {"$regex": "^A\\."}}
    assert dict(Author.nickname.exists()) == {"nickname": {"$exists": True}}
    assert isinstance(Author.age > 1, FilterExpression)


def test_properties_still_compare_as_objects(Author):
    props = [Author.name, Author.age]
    assert Author.age in props and Author.nickname not in props
    assert props.index(Author.age) == 1
    assert (Author.age == Author.age) and not (Author.age != Author.age) and not (Author.age == Author.name)
    assert len({Author.age, Author.age, Author.name}) == 2


def test_filter_first_as_in_the_seed(Author, odm_session):
    mark = Author.query.filter(Author.name == "Mark Pilgrim").first()
    mark.name = "Steve Jobs"
    odm_session.flush()
    odm_session.clear()
    assert Author.query.get(_id=mark._id).name == "Steve Jobs"


def test_filter_order_by_and_operators(Author):
    query = Author.query.filter(Author.age > 30, Author.name != "Alan").order_by(-Author.age)
    assert query.query == {"$and": [{"age": {"$gt": 30}}, {"name": {"$ne": "Alan"}}]}
    assert names(query) == ["Grace", "Mark Pilgrim", "Ada"]
    assert names(Author.query.filter((Author.age < 31) | (Author.name == "Ada")).order_by(Author.age)) == ["Anonymous", "Linus", "Ada"]
    assert names(Author.query.filter(~(Author.age > 30)).order_by("-age")) == ["Linus", "Anonymous"]
    assert names(Author.query.filter(Author.name.in_(["Ada", "Linus", "Nobody"])).order_by(+Author.name)) == ["Ada", "Linus"]
    assert names(Author.query.filter(Author.name.startswith("A")).order_by(Author.name)) == ["Ada", "Alan", "Anonymous"]
    assert names(Author.query.filter(Author.nickname.exists())) == ["Anonymous"]
    assert Author.query.filter(Author.nickname.exists(False)).count() == 5
    assert Author.query.filter(Author.age > 40).filter(name="Alan").one().age == 41


def test_expressions_work_inside_find(Author):
    assert names(Author.query.find(Author.age > 50).sort("age")) == ["Mark Pilgrim", "Grace"]
    assert names(Author.query.find(Author.name == "Ada")) == ["Ada"]
    assert names(Author.query.find({"$and": [Author.age > 30, Author.age < 40]})) == ["Ada"]


def test_field_projection(Author):
    ada = Author.query.filter(Author.name == "Ada").fields(Author.name).first()
    assert ada.name == "Ada" and ada.age is None  # not loaded: the schema's missing value (None)


def test_paginate(Author):
    page = Author.query.filter(Author.age > 0).order_by(Author.age).paginate(page=2, per_page=4)
    assert isinstance(page, Pagination)
    assert names(page.items) == ["Mark Pilgrim", "Grace"]
    assert (page.total, page.page, page.per_page, page.pages) == (6, 2, 4, 2)
    assert (page.has_next, page.has_prev, page.next_num, page.prev_num) == (False, True, None, 1)
    first = page.prev()
    assert names(first.items) == ["Anonymous", "Linus", "Ada", "Alan"] and first.has_next and first.next_num == 2
    assert list(first.iter_pages()) == [1, 2]
    assert Author.query.paginate(page=3, per_page=4).items == []
    with pytest.raises(ValueError, match="page must be a positive integer"):
        Author.query.paginate(page=0)


def test_iter_pages_skips_with_none():
    many = Pagination(None, 10, 1, 20, [])
    assert list(many.iter_pages()) == [1, 2, None, 8, 9, 10, 11, 12, 13, 14, None, 19, 20]


# -- keyset pagination and paginate() on a cursor ----------------------------------
def _people(odm_session):
    from odm import schema as S
    from odm.odm import FieldProperty, MappedClass

    class Person(MappedClass):
        class __mongometa__:
            name = "person"
            session = odm_session

        _id = FieldProperty(int)
        age = FieldProperty(int)
        name = FieldProperty(S.String)

    for i in range(1, 26):
        Person(_id=i, age=20 + i % 5, name=f"p{i:02}")
    odm_session.flush()
    odm_session.clear()
    return Person


def test_keyset_pages_walk_every_result_once_in_order(odm_session):
    Person = _people(odm_session)
    query = Person.query.filter(Person.age > 20).order_by(-Person.age)
    seen, after, pages = [], None, 0
    while True:
        page = query.keyset(per_page=7, after=after)
        seen.extend((p.age, p._id) for p in page.items)
        pages += 1
        if not page.has_next:
            break
        after = page.next_after
    # every person older than 20, by age descending then _id ascending (the tie-breaker)
    assert seen == sorted(((20 + i % 5, i) for i in range(1, 26) if i % 5), key=lambda t: (-t[0], t[1]))
    assert pages == 3 and len(seen) == 20
    assert [p._id for p in Person.query.keyset(per_page=3).items] == [1, 2, 3]


def test_keyset_refuses_bad_tokens_and_skip(odm_session):
    import pytest

    from odm.exc import MingException

    Person = _people(odm_session)
    with pytest.raises(MingException, match="not a keyset position token"):
        Person.query.keyset(after="%%%")
    token = Person.query.order_by(Person.age).keyset(per_page=2).next_after
    with pytest.raises(MingException, match="is for another order"):
        Person.query.keyset(after=token)
    with pytest.raises(MingException, match="cannot be combined with skip"):
        Person.query.filter().skip(3).keyset()


def test_paginate_on_a_cursor(odm_session):
    Person = _people(odm_session)
    page = Person.query.find({"age": {"$gte": 22}}).sort("_id").paginate(page=2, per_page=5)
    assert page.total == 15 and page.pages == 3 and page.has_next and page.prev_num == 1
    assert [p._id for p in page.items] == [9, 12, 13, 14, 17]
    last = page.next()
    assert [p._id for p in last.items] == [18, 19, 22, 23, 24] and not last.has_next
