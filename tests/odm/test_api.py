"""The import contract, odm.utils, and datastores that share a mim server."""
from __future__ import annotations


import odm
from odm import Session, create_datastore
from odm.utils import LazyProperty, all_class_properties, encode_keys


def test_everything_a_ming_user_imports_is_in_odm():
    names = ["create_datastore", "create_engine", "configure", "Session", "collection", "Field", "Index",
             "Document", "Object", "Cursor", "Manager", "ASCENDING", "DESCENDING", "schema"]
    assert all(hasattr(odm, n) for n in names)
    assert odm.schema.Missing is odm.Missing and odm.schema.Invalid
    from odm.declarative import Document
    from odm.metadata import Manager

    assert Document is odm.Document and Manager is odm.Manager
    assert set(odm.__all__) >= set(names)


def test_lazy_property_computes_once():
    calls = []

    class Thing:
        @LazyProperty
        def value(self):
            calls.append(1)
            return 42

    t = Thing()
    assert (t.value, t.value, len(calls)) == (42, 42, 1)
    assert isinstance(Thing.value, LazyProperty)
    del t.value
    assert t.value == 42 and len(calls) == 2


def test_encode_keys_and_all_class_properties():
    assert encode_keys({1: "a", "b": 2}) == {"1": "a", "b": 2}

    class A:
        x = 1
        y = 2

    class B(A):
        x = 3

    props = dict(all_class_properties(B))
    assert props["x"] == 3 and props["y"] == 2


def test_mim_datastores_on_one_host_share_a_server():
    session = Session(bind=create_datastore("mim:///odm_api_shared"))
    assert session.db.name == "odm_api_shared"
    assert repr(session.bind) == f"<DataStore {session.db!r}>"
    session.db.things.delete_many({})
    session.db.things.insert_one({"n": 1})
    other = create_datastore("mim:///odm_api_shared")
    assert other.db.things.find_one({}, {"_id": 0}) == {"n": 1}
    elsewhere = create_datastore("mim://another-host/odm_api_shared")
    assert elsewhere.db.things.count_documents({}) == 0
    session.db.things.drop()
