"""Reference delete rules (PyMODM's ``on_delete``) on the referring side, on mim and through the wire server.

Seed 002: "if you have a Book and Publisher class, where each Book document
references a Publisher document, you have the option of deleting all Book
objects associated with that Publisher", with the five strategies it lists.
"""
from __future__ import annotations

import pytest
from pymongo.errors import OperationFailure

import odm
from odm import schema, signals
from odm.odm import FieldProperty, ForeignIdProperty, MappedClass, state
from odm.orm.registry import ORMError

from .models import declare_rules_library as declare, model


def titles(db):
    return sorted(d["title"] for d in db.book.find())


def test_cascade_deletes_the_referring_documents_and_theirs_in_turn(odm_session):
    Author, Reviewer, Book, Review, Loan = declare(odm_session)
    ada, alan = Author(name="Ada"), Author(name="Alan")
    notes, engine, turing = Book(title="Notes", author_id=ada._id), Book(title="Engine", author_id=ada._id), \
        Book(title="Computing", author_id=alan._id)
    Review(book_id=notes._id, text="good"), Review(book_id=turing._id, text="deep")
    odm_session.flush()
    ada.delete()
    odm_session.flush()
    db = odm_session.db
    assert [a["name"] for a in db.author.find()] == ["Alan"]
    assert titles(db) == ["Computing"]
    assert [r["text"] for r in db.review.find()] == ["deep"]
    # the tracked objects the cascade removed are forgotten, not written back by a later flush
    assert state(notes).status == "deleted" and notes not in odm_session.uow
    notes.title = "changed"
    odm_session.flush()
    assert titles(db) == ["Computing"]


def test_nullify_and_pull_change_the_referrers_and_the_tracked_objects_without_dirtying_them(odm_session):
    Author, Reviewer, Book, Review, Loan = declare(odm_session)
    ada, bob = Author(name="Ada"), Author(name="Bob")
    r1, r2 = Reviewer(name="r1"), Reviewer(name="r2")
    book = Book(title="Notes", author_id=ada._id, editor_id=bob._id, reviewer_ids=[r1._id, r2._id])
    odm_session.flush()
    bob.delete()
    r1.delete()
    odm_session.flush()
    stored = odm_session.db.book.find_one()
    assert stored["editor_id"] is None and stored["reviewer_ids"] == [r2._id]
    assert book.editor_id is None and book.reviewer_ids == [r2._id]
    assert state(book).status == "clean"
    odm_session.clear()
    again = Book.query.get(book._id)
    assert (again.editor_id, again.reviewer_ids, again.author_id) == (None, [r2._id], ada._id)


def test_a_dirty_referrer_keeps_its_own_changes_after_a_nullify(odm_session):
    Author, Reviewer, Book, Review, Loan = declare(odm_session)
    ada, bob = Author(name="Ada"), Author(name="Bob")
    book = Book(title="Notes", author_id=ada._id, editor_id=bob._id)
    odm_session.flush()
    book.title = "Notes, 2nd ed."
    bob.delete()
    odm_session.flush()
    assert odm_session.db.book.find_one({}, {"_id": 0, "title": 1, "editor_id": 1}) == \
        {"title": "Notes, 2nd ed.", "editor_id": None}


def test_deny_refuses_the_whole_delete_before_anything_is_written(odm_session):
    Author, Reviewer, Book, Review, Loan = declare(odm_session)
    ada = Author(name="Ada")
    notes, engine = Book(title="Notes", author_id=ada._id), Book(title="Engine", author_id=ada._id)
    Review(book_id=notes._id, text="good")
    loan = Loan(book_id=engine._id)
    odm_session.flush()
    ada.delete()
    with pytest.raises(odm.DeleteDenied) as info:
        odm_session.flush()
    assert str(info.value) == (f"cannot delete: Loan.book_id (on_delete=odm.DENY) of the document with _id "
                               f"{loan._id!r} refers to it")
    db = odm_session.db
    assert db.author.count_documents({}) == 1 and titles(db) == ["Engine", "Notes"]
    assert db.review.count_documents({}) == 1
    # once nothing refers to the book any more, the delete goes through (ada, still marked
    # deleted, comes first in the unit of work: the loan is flushed on its own before)
    loan.delete()
    odm_session.flush(loan)
    odm_session.flush()
    assert db.author.count_documents({}) == 0 and db.book.count_documents({}) == 0


def test_deny_ignores_a_referrer_the_same_delete_removes(odm_session):
    Folder = model(odm_session, "Folder", "folder")
    # the folder may not go while a pin shows it... unless that pin goes with it
    Pin = model(odm_session, "Pin", "pin", folder_id=ForeignIdProperty(Folder, on_delete=odm.CASCADE),
                shown_id=ForeignIdProperty(Folder, on_delete=odm.DENY))

    folder = Folder()
    Pin(folder_id=folder._id, shown_id=folder._id)
    odm_session.flush()
    folder.delete()
    odm_session.flush()
    assert odm_session.db.pin.count_documents({}) == 0 and odm_session.db.folder.count_documents({}) == 0


def test_cycles_delete_each_document_once(odm_session):
    Node = model(odm_session, "Node", "node", name=FieldProperty(str),
                 parent_id=ForeignIdProperty("Node", on_delete=odm.CASCADE),
                 buddy_id=ForeignIdProperty("Node", on_delete=odm.CASCADE))

    root = Node(name="root")
    a = Node(name="a", parent_id=root._id)
    b = Node(name="b", parent_id=a._id)
    c = Node(name="c", parent_id=root._id)
    other = Node(name="other")
    # a cycle: root's buddy is b, b's parent chain leads back to root
    root.buddy_id = b._id
    odm_session.flush()
    a.delete()
    odm_session.flush()
    db = odm_session.db
    # a's subtree (b), then b's buddies (root), then root's subtree (c) and its buddy (b, deleted already)
    assert sorted(d["name"] for d in db.node.find()) == ["other"]
    assert other in odm_session.uow and c not in odm_session.uow


def test_query_remove_applies_the_rules_to_every_matching_document(odm_session):
    Author, Reviewer, Book, Review, Loan = declare(odm_session)
    ada, alan, bob = Author(name="Ada"), Author(name="Alan"), Author(name="Bob")
    Book(title="Notes", author_id=ada._id), Book(title="Computing", author_id=alan._id), \
        Book(title="Bobbing", author_id=bob._id)
    odm_session.flush()
    result = Author.query.remove({"name": {"$in": ["Ada", "Alan"]}})
    assert result.deleted_count == 2
    assert titles(odm_session.db) == ["Bobbing"]
    assert Author.query.remove({"name": "nobody"}).deleted_count == 0
    assert Author.query.remove({}, multi=False).deleted_count == 1
    assert odm_session.db.book.count_documents({}) == 0


def test_a_polymorphic_subclass_is_covered_by_a_rule_on_its_base(odm_session):
    class Party(MappedClass):
        class __mongometa__:
            name = "party"
            session = odm_session
            polymorphic_on = "kind"
            polymorphic_identity = "party"

        _id = FieldProperty(schema.ObjectId)
        kind = FieldProperty(str)

    class Company(Party):
        class __mongometa__:
            polymorphic_identity = "company"

    class Contract(MappedClass):
        class __mongometa__:
            name = "contract"
            session = odm_session

        _id = FieldProperty(schema.ObjectId)
        party_id = ForeignIdProperty(Party, on_delete=odm.CASCADE)

    acme = Company()
    Contract(party_id=acme._id)
    odm_session.flush()
    acme.delete()
    odm_session.flush()
    assert odm_session.db.contract.count_documents({}) == 0


def test_do_nothing_is_the_default_and_leaves_dangling_ids(odm_session):
    Publisher = model(odm_session, "Publisher", "publisher")
    Title = model(odm_session, "Title", "title", publisher_id=ForeignIdProperty(Publisher))

    assert Title.publisher_id.on_delete is odm.DO_NOTHING
    pub = Publisher()
    Title(publisher_id=pub._id)
    odm_session.flush()
    pub.delete()
    odm_session.flush()
    assert odm_session.db.title.find_one()["publisher_id"] == pub._id


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"on_delete": odm.PULL}, "on_delete=odm.PULL removes an id from a list of ids (uselist=True)"),
        ({"on_delete": odm.NULLIFY, "uselist": True}, "on_delete=odm.NULLIFY sets a single id to None"),
        ({"on_delete": "cascade"}, "on_delete='cascade' is not a delete rule; use one of odm.DO_NOTHING, "
                                   "odm.NULLIFY, odm.CASCADE, odm.DENY, odm.PULL"),
    ],
)
def test_a_rule_that_cannot_apply_is_refused_when_declared(kwargs, message):
    with pytest.raises(ORMError, match="^" + message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        ForeignIdProperty("Author", **kwargs)


def _fail_next(db, command, code=2):
    db.client.admin.command("configureFailPoint", "failCommand", mode={"times": 1},
                            data={"failCommands": [command], "errorCode": code})


def test_a_failed_delete_on_a_standalone_leaves_the_object_and_a_second_delete_finishes(standalone_session):
    odm_session = standalone_session
    Author, Reviewer, Book, Review, Loan = declare(odm_session)
    assert not odm_session.bind.supports_transactions
    ada, bob = Author(name="Ada"), Author(name="Bob")
    Book(title="Notes", author_id=ada._id, editor_id=ada._id)
    Book(title="Other", author_id=bob._id, editor_id=ada._id)
    odm_session.flush()
    db = odm_session.db
    ada.delete()
    _fail_next(db, "delete")
    try:
        with pytest.raises(OperationFailure):
            odm_session.flush()
    finally:
        db.client.admin.command("configureFailPoint", "failCommand", mode="off")
    # the documented order: the NULLIFY updates went out first, the cascade's delete failed
    assert db.author.count_documents({}) == 2 and titles(db) == ["Notes", "Other"]
    assert db.book.count_documents({"editor_id": None}) == 2
    odm_session.flush()
    assert [a["name"] for a in db.author.find()] == ["Bob"] and titles(db) == ["Other"]


def test_with_transactions_the_rules_run_in_one_and_a_refusal_writes_nothing(standalone_session, monkeypatch):
    """Told the server runs transactions, the delete starts one (with_transaction): the server refuses
    its first operation (IllegalOperation, 20, on a standalone; NotImplemented, 238, where a replica set
    does not run them) and nothing of the delete is written."""
    odm_session = standalone_session
    Author, Reviewer, Book, Review, Loan = declare(odm_session)
    ada = Author(name="Ada")
    Book(title="Notes", author_id=ada._id, editor_id=ada._id)
    odm_session.flush()
    monkeypatch.setattr(odm_session.bind.bind, "_transactions", True)
    ada.delete()
    with pytest.raises(OperationFailure) as info:
        odm_session.flush()
    assert info.value.code in (20, 238)
    db = odm_session.db
    assert db.author.count_documents({}) == 1 and db.book.find_one()["editor_id"] == ada._id
    assert state(ada).status == "deleted"
    monkeypatch.undo()
    odm_session.flush()
    assert db.author.count_documents({}) == 0 and db.book.count_documents({}) == 0


def declare_embedded(sess):
    """Foreign ids with rules inside embedded documents: a single one, a list, and a list in a list."""
    User = model(sess, "User", "user", _id=FieldProperty(str))

    class Comment(odm.EmbeddedMappedClass):
        author_id = ForeignIdProperty(User, on_delete=odm.CASCADE)  # the comment goes with its author
        editor_id = ForeignIdProperty(User, on_delete=odm.NULLIFY)
        liker_ids = ForeignIdProperty(User, uselist=True, on_delete=odm.PULL)
        text = FieldProperty(str)

    class Address(odm.EmbeddedMappedClass):
        owner_id = ForeignIdProperty(User, on_delete=odm.CASCADE)  # a part of the post: the post goes
        city = FieldProperty(str)

    class Section(odm.EmbeddedMappedClass):
        title = FieldProperty(str)
        comments = odm.EmbeddedProperty([Comment])

    Post = model(sess, "Post", "post", title=FieldProperty(str), comments=odm.EmbeddedProperty([Comment]),
                 location=odm.EmbeddedProperty(Address), sections=odm.EmbeddedProperty([Section]))
    return User, Comment, Address, Section, Post


def test_rules_on_foreign_ids_in_lists_of_embedded_documents(odm_session):
    User, Comment, Address, Section, Post = declare_embedded(odm_session)
    ada, bob, cy = User(_id="ada"), User(_id="bob"), User(_id="cy")
    post = Post(title="p", comments=[
        Comment(author_id="ada", text="a1", liker_ids=["bob", "cy"]),
        Comment(author_id="bob", editor_id="ada", text="b1", liker_ids=["ada"]),
        Comment(author_id="ada", text="a2"),
    ], sections=[Section(title="s", comments=[Comment(author_id="cy", text="c1", editor_id="ada"),
                                              Comment(author_id="ada", text="a3", liker_ids=["ada", "bob"])])])
    odm_session.flush()
    ada.delete()
    odm_session.flush()
    stored = odm_session.db.post.find_one({}, {"_id": 0, "comments": 1, "sections": 1})
    assert stored == {
        "comments": [{"author_id": "bob", "editor_id": None, "liker_ids": [], "text": "b1"}],
        "sections": [{"title": "s", "comments": [{"author_id": "cy", "editor_id": None, "liker_ids": [], "text": "c1"}]}],
    }
    # the tracked post follows, without becoming dirty: a later change writes only itself
    assert state(post).status == "clean"
    assert [(c.author_id, c.editor_id, c.liker_ids) for c in post.comments] == [("bob", None, [])]
    assert [c.text for c in post.sections[0].comments] == ["c1"]
    post.title = "q"
    odm_session.flush()
    assert odm_session.db.post.find_one({}, {"_id": 0, "title": 1, "comments.text": 1}) == \
        {"title": "q", "comments": [{"text": "b1"}]}
    bob.delete()
    odm_session.flush()
    assert odm_session.db.post.find_one()["comments"] == []


def test_a_cascade_through_a_single_embedded_document_deletes_its_owner(odm_session):
    User, Comment, Address, Section, Post = declare_embedded(odm_session)
    ada, bob = User(_id="ada"), User(_id="bob")
    Post(title="ada's", location=Address(owner_id="ada", city="Oslo"))
    Post(title="bob's", location=Address(owner_id="bob", city="Bergen"))
    Post(title="nobody's")
    odm_session.flush()
    assert User.query.remove({"_id": "ada"}).deleted_count == 1
    assert sorted(d["title"] for d in odm_session.db.post.find()) == ["bob's", "nobody's"]


def test_deny_in_an_embedded_document_refuses_the_delete(odm_session):
    User = model(odm_session, "User", "user", _id=FieldProperty(str))

    class Grant(odm.EmbeddedMappedClass):
        by_id = ForeignIdProperty(User, on_delete=odm.DENY)

    Profile = model(odm_session, "Profile", "profile", grants=odm.EmbeddedProperty([Grant]))
    ada = User(_id="ada")
    profile = Profile(grants=[Grant(by_id="ada")])
    odm_session.flush()
    ada.delete()
    with pytest.raises(odm.DeleteDenied, match=r"^cannot delete: Profile\.grants\.by_id \(on_delete=odm\.DENY\) "
                                               r"of the document with _id .* refers to it$"):
        odm_session.flush()
    assert odm_session.db.user.count_documents({}) == 1
    profile.grants = []
    odm_session.flush(profile)
    odm_session.flush()
    assert odm_session.db.user.count_documents({}) == 0


def test_a_cascade_sends_the_delete_events_of_every_object_it_deletes(odm_session):
    Author, Reviewer, Book, Review, Loan = declare(odm_session)
    ada = Author(name="Ada")
    notes, engine = Book(title="Notes", author_id=ada._id), Book(title="Engine", author_id=ada._id)
    review = Review(book_id=notes._id, text="good")
    odm_session.flush()
    odm_session.expunge(engine)  # not tracked: loaded for its events
    seen = []

    def record(moment):
        def receiver(sender, instance):
            label = getattr(instance, "title", None) or getattr(instance, "text", None) or instance.name
            stored = odm_session.db[sender.__mongometa__.name].count_documents({"_id": instance._id})
            seen.append((moment, sender.__name__, label, stored))
        return receiver

    ada.delete()
    with signals.pre_remove.connected_to(record("pre")), signals.post_remove.connected_to(record("post")):
        odm_session.flush()
    # the object deleted, then each document its rules delete: before the write (still stored) and after it
    assert seen == [
        ("pre", "Author", "Ada", 1),
        ("pre", "Book", "Notes", 1), ("pre", "Book", "Engine", 1), ("pre", "Review", "good", 1),
        ("post", "Book", "Notes", 0), ("post", "Book", "Engine", 0), ("post", "Review", "good", 0),
        ("post", "Author", "Ada", 0),
    ]
    assert notes not in odm_session.uow and review not in odm_session.uow and len(odm_session.uow) == 0
