"""odm.flask: the Flask extension, through Flask's test client, on mim and the wire server."""
from __future__ import annotations

import bson
import pytest

flask = pytest.importorskip("flask", reason="the flask extra is not installed")

from odm import schema  # noqa: E402
from odm.exc import MingConfigError  # noqa: E402
from odm.flask import ODM  # noqa: E402
from odm.odm import FieldProperty, MappedClass  # noqa: E402
from tests.odm.conftest import wire_uri  # noqa: E402


@pytest.fixture
def app(odm_backend, odm_datastore):
    app = flask.Flask(__name__)
    if odm_backend == "mim":
        app.config["ODM_URL"] = "mim:///flask_app"
    else:
        app.config.update(ODM_URL=wire_uri(), ODM_DATABASE=odm_datastore.name)
    ext = ODM()
    ext.init_app(app)

    class Book(MappedClass):
        class __mongometa__:
            name = "book"
            session = ext.session

        _id = FieldProperty(schema.ObjectId)
        title = FieldProperty(schema.String(max_length=20))
        year = FieldProperty(int)

    @app.post("/books/<title>")
    def add(title):
        book = Book(title=title, year=int(flask.request.args.get("year", 2000)))
        if flask.request.args.get("fail"):
            raise RuntimeError("view failed")
        return {"id": str(book._id)}

    @app.get("/books/<book_id>")
    def show(book_id):
        return {"title": Book.query.get_or_404(bson.ObjectId(book_id)).title}

    @app.get("/first/<int:year>")
    def first(year):
        return {"title": Book.query.filter(Book.year == year).first_or_404().title}

    @app.get("/page/<int:n>")
    def page(n):
        p = Book.query.order_by(Book.year).paginate(page=n, per_page=2)
        return {"titles": [b.title for b in p.items], "pages": p.pages, "has_next": p.has_next}

    app.Book = Book
    app.ext = ext
    yield app
    ext.datastore.db.book.drop()


def test_a_request_flushes_its_unit_of_work_and_the_next_starts_clean(app):
    client = app.test_client()
    book_id = client.post("/books/Dive?year=2004").get_json()["id"]
    assert app.ext.datastore.db.book.count_documents({}) == 1
    assert app.ext.session.imap.get(app.Book, bson.ObjectId(book_id)) is None  # cleared after the request
    assert client.get(f"/books/{book_id}").get_json() == {"title": "Dive"}
    for i, year in enumerate([2001, 2002, 2003]):
        client.post(f"/books/B{i}?year={year}")
    assert client.get("/first/2002").get_json() == {"title": "B1"}
    assert client.get("/page/2").get_json() == {"titles": ["B2", "Dive"], "pages": 2, "has_next": False}


def test_missing_objects_are_404(app):
    client = app.test_client()
    assert client.get("/books/" + "0" * 24).status_code == 404
    assert client.get("/first/1999").status_code == 404


def test_a_failing_request_writes_nothing(app):
    client = app.test_client()
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.post("/books/Lost?fail=1").status_code == 500
    assert app.ext.datastore.db.book.count_documents({}) == 0
    assert client.post("/books/" + "x" * 21).status_code == 500  # schema.Invalid: max_length
    assert app.ext.datastore.db.book.count_documents({}) == 0


def test_unknown_config_keys_are_refused():
    app = flask.Flask(__name__)
    app.config["ODM_URI"] = "mim:///x"
    with pytest.raises(MingConfigError, match="unknown odm configuration keys: \\['ODM_URI'\\]"):
        ODM(app)
