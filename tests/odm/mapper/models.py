"""The mapped classes the mapper tests share, declared on the test's session.

Tests declare their classes inside the test (the mapper registry is restored
after each one, see ``conftest.py``); :func:`model` is the one way to declare
such a class, and the ``declare_*`` functions the models several modules use:
the library of the eager-loading tests, the library with delete rules of the
delete-rule tests (also the async session's), the accounts of the transaction
tests.
"""
from __future__ import annotations

from typing import Any, Optional

import odm
from odm import schema
from odm.odm import FieldProperty, ForeignIdProperty, MappedClass, RelationProperty


def model(sess: Any, class_name: str, collection: str, meta: Optional[dict] = None, **properties: Any) -> Any:
    """A mapped class of ``sess`` stored in ``collection``: an ObjectId ``_id`` (unless
    ``properties`` give one), then ``properties`` in their order; ``meta``: more ``__mongometa__`` options."""
    options = {"name": collection, "session": sess, **(meta or {})}
    namespace = {"__mongometa__": type("__mongometa__", (), options),
                 "_id": FieldProperty(schema.ObjectId), **properties}
    return type(class_name, (MappedClass,), namespace)


def declare_eager_library(sess: Any) -> tuple:
    """Publisher ← Author ← Book → Tags: many-to-one, one-to-many and list-of-ids relations."""
    Publisher = model(sess, "Publisher", "publisher", name=FieldProperty(str))
    Author = model(sess, "Author", "author", name=FieldProperty(str), publisher_id=ForeignIdProperty(Publisher),
                   publisher=RelationProperty(Publisher), books=RelationProperty("Book"))
    Tag = model(sess, "Tag", "tag", label=FieldProperty(str))
    Book = model(sess, "Book", "book", n=FieldProperty(int), author_id=ForeignIdProperty(Author),
                 author=RelationProperty(Author), tag_ids=ForeignIdProperty(Tag, uselist=True),
                 tags=RelationProperty(Tag))
    return Publisher, Author, Tag, Book


def declare_rules_library(sess: Any) -> tuple:
    """Authors, reviewers, books, reviews and loans, with every delete rule between them."""
    Author = model(sess, "Author", "author", name=FieldProperty(str), books=RelationProperty("Book", via="author_id"))
    Reviewer = model(sess, "Reviewer", "reviewer", name=FieldProperty(str))
    Book = model(sess, "Book", "book", title=FieldProperty(str),
                 author_id=ForeignIdProperty(Author, on_delete=odm.CASCADE),
                 editor_id=ForeignIdProperty(Author, on_delete=odm.NULLIFY),
                 reviewer_ids=ForeignIdProperty(Reviewer, uselist=True, on_delete=odm.PULL))
    Review = model(sess, "Review", "review", book_id=ForeignIdProperty(Book, on_delete=odm.CASCADE),
                   text=FieldProperty(str))
    Loan = model(sess, "Loan", "loan", book_id=ForeignIdProperty(Book, on_delete=odm.DENY))
    return Author, Reviewer, Book, Review, Loan


def declare_accounts(sess: Any) -> tuple:
    """Accounts (string ``_id``) and their entries, which go with them."""
    Account = model(sess, "Account", "account", _id=FieldProperty(str), balance=FieldProperty(int))
    Entry = model(sess, "Entry", "entry", account_id=ForeignIdProperty(Account, on_delete=odm.CASCADE),
                  amount=FieldProperty(int))
    return Account, Entry
