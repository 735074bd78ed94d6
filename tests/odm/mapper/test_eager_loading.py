"""Eager loading (``selectinload``) and the N+1 detector, on every backend.

The query counts are the cursors the session opened (its ``cursor_created``
events): every ``find`` the ODM sends, on every backend.
"""
from __future__ import annotations

import warnings

import pytest

import odm
from odm.orm.events import registry
from odm.orm.registry import ORMError

from .models import declare_eager_library as declare


@pytest.fixture
def library(odm_session):
    Publisher, Author, Tag, Book = declare(odm_session)
    pubs = [Publisher(name=f"p{i}") for i in range(2)]
    authors = [Author(name=f"a{i}", publisher_id=pubs[i % 2]._id) for i in range(10)]
    tags = [Tag(label=f"t{i}") for i in range(3)]
    for i in range(100):
        Book(n=i, author_id=authors[i % 10]._id, tag_ids=[tags[i % 3]._id, tags[(i + 1) % 3]._id])
    Book(n=100, author_id=None)  # no author: None without a query
    odm_session.flush()
    odm_session.clear()
    return Publisher, Author, Tag, Book


class FindCounter:
    """Counts the queries (cursors) one session makes."""

    def __init__(self, sess):
        self.sess = sess
        self.count = 0

    def __call__(self, sess, cursor, action, args, kwargs):
        self.count += 1

    def __enter__(self):
        registry.listen("cursor_created", self, self.sess)
        return self

    def __exit__(self, *exc):
        registry.remove("cursor_created", self, self.sess)


def test_lazy_relations_cost_one_query_per_object(library, odm_session):
    Publisher, Author, Tag, Book = library
    with FindCounter(odm_session) as finds:
        names = {b.author.name for b in Book.query.find({"author_id": {"$ne": None}})}
    assert len(names) == 10
    # 1 find for the books, then one per distinct author (the identity map serves the repeats)
    assert finds.count == 11
    odm_session.clear()
    with FindCounter(odm_session) as finds:
        for b in Book.query.find():
            b.tags
    assert finds.count == 102  # a list of ids is queried for every object


def test_selectinload_loads_each_relation_with_one_query(library, odm_session):
    Publisher, Author, Tag, Book = library
    with FindCounter(odm_session) as finds:
        books = Book.query.find().sort("n").options(odm.selectinload("author"), odm.selectinload("tags")).all()
        pairs = [(b.n, b.author.name if b.author else None, [t.label for t in b.tags]) for b in books]
    assert finds.count == 3  # books, authors, tags
    assert pairs[0] == (0, "a0", ["t0", "t1"]) and pairs[13] == (13, "a3", ["t1", "t2"])
    assert pairs[100] == (100, None, [])


def test_selectinload_one_to_many_and_nested_paths(library, odm_session):
    Publisher, Author, Tag, Book = library
    with FindCounter(odm_session) as finds:
        authors = Author.query.find().sort("name").options(odm.selectinload("books"),
                                                           odm.selectinload("publisher")).all()
        counts = [(a.name, len(a.books), a.publisher.name) for a in authors]
        books = Book.query.filter(Book.n < 20).order_by(Book.n).options(odm.selectinload("author.publisher")).all()
        publishers = [b.author.publisher.name for b in books]
    assert counts[0] == ("a0", 10, "p0") and counts[1] == ("a1", 10, "p1")
    assert publishers[:3] == ["p0", "p1", "p0"]
    assert finds.count == 3 + 3


def test_eagerly_loaded_relations_are_read_again_after_a_flush(library, odm_session):
    Publisher, Author, Tag, Book = library
    author = Author.query.find({"name": "a0"}).options(odm.selectinload("books")).first()
    assert len(author.books) == 10
    Book(n=200, author_id=author._id)
    assert len(author.books) == 10  # not flushed: not in the database, as a lazy read would say too
    odm_session.flush()
    assert len(author.books) == 11
    book = Book.query.find({"n": 0}).options(odm.selectinload("author")).first()
    book.author_id = author._id  # the foreign id changed: the relation follows it
    assert book.author is author


def test_selectinload_refuses_what_is_not_a_relation(library, odm_session):
    Publisher, Author, Tag, Book = library
    with pytest.raises(ORMError, match=r"Book\.n is not a RelationProperty"):
        Book.query.find().options(odm.selectinload("n")).all()
    with pytest.raises(ORMError, match="selectinload\\(\\) takes a relation name"):
        odm.selectinload("author..publisher")
    with pytest.raises(TypeError, match="options\\(\\) takes selectinload"):
        Book.query.find().options("author")


def test_the_n_plus_one_detector_warns_or_raises(library, odm_session):
    Publisher, Author, Tag, Book = library
    with pytest.warns(odm.NPlusOneWarning, match=r"Book\.author was loaded with one query per object for 4 objects"):
        with odm.detect_n_plus_one(odm_session, threshold=3) as counts:
            for b in Book.query.find().limit(5):
                b.author
    assert list(counts.values()) == [5]
    odm_session.clear()
    with pytest.raises(odm.NPlusOneError, match=r"\.options\(odm\.selectinload\('tags'\)\)"):
        with odm.detect_n_plus_one(raise_error=True, threshold=2):
            for b in Book.query.find():
                b.tags
    odm_session.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with odm.detect_n_plus_one(odm_session, threshold=0) as counts:
            for b in Book.query.find().options(odm.selectinload("author")):
                b.author
    assert counts == {}
