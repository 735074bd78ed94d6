"""``uuidRepresentation`` (URI or keyword) encodes and decodes UUIDs exactly as
pymongo does, per client, database and collection (the bytes stored are the ones
pymongo would send; values come back as pymongo would decode them)."""

from __future__ import annotations

import uuid

import pymongo
import pytest
from bson.binary import Binary, UuidRepresentation
from bson.codec_options import CodecOptions

import mim
from mim.engine.storage.store import Server

U = uuid.UUID("00112233-4455-6677-8899-aabbccddeeff")
#: representation -> (subtype, stored bytes), from the BSON spec's UUID section
EXPECTED = {
    "standard": (4, "00112233445566778899aabbccddeeff"),
    "pythonLegacy": (3, "00112233445566778899aabbccddeeff"),
    "javaLegacy": (3, "7766554433221100ffeeddccbbaa9988"),
    "csharpLegacy": (3, "33221100554477668899aabbccddeeff"),
}
RAW = CodecOptions(uuid_representation=UuidRepresentation.UNSPECIFIED)


@pytest.fixture(params=["mim", "wire"])
def make_client(request):
    clients = []
    if request.param == "mim":
        server = Server()

        def make(*args, **kwargs):
            clients.append(mim.MongoClient(*args, server=server, **kwargs))
            return clients[-1]
        yield make
    else:
        with mim.serve(port=0) as running:
            def make(uri="mongodb://localhost/", **kwargs):
                host, _, query = running.uri.partition("/?")
                uri = uri.replace("mongodb://localhost/", host + "/")
                uri += ("&" if "?" in uri else "?") + query
                clients.append(pymongo.MongoClient(uri, **kwargs))
                return clients[-1]
            yield make
            _close(clients)  # while the server still runs: pymongo ends its sessions on close
    _close(clients)


def _close(clients: list) -> None:
    while clients:
        clients.pop().close()


def stored(client) -> Binary:
    return client.db.get_collection("u", RAW).find_one()["u"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_uri_and_keyword_representations(make_client, name):
    for client in (make_client(f"mongodb://localhost/?uuidRepresentation={name}"),
                   make_client("mongodb://localhost/", uuidRepresentation=name)):
        client.db.u.drop()
        client.db.u.insert_one({"_id": 1, "u": U})
        raw = stored(client)
        assert (raw.subtype, bytes(raw).hex()) == EXPECTED[name]
        assert client.db.u.find_one({"u": U})["u"] == U


def test_unspecified_refuses_native_uuids_and_returns_binary(make_client):
    client = make_client("mongodb://localhost/?uuidRepresentation=unspecified")
    with pytest.raises(ValueError):
        client.db.u.insert_one({"u": U})
    client.db.u.insert_one({"_id": 1, "u": Binary.from_uuid(U)})
    value = client.db.u.find_one()["u"]
    assert type(value) is Binary and value.subtype == 4 and value.as_uuid() == U


def test_per_database_and_collection_codec_options(make_client):
    client = make_client("mongodb://localhost/?uuidRepresentation=standard")
    java = CodecOptions(uuid_representation=UuidRepresentation.JAVA_LEGACY)
    client.get_database("db", codec_options=java).u.insert_one({"_id": 1, "u": U})
    raw = stored(client)
    assert (raw.subtype, bytes(raw).hex()) == EXPECTED["javaLegacy"]
    # read back as standard: a subtype 3 value is not a standard UUID, so it stays Binary
    value = client.db.u.find_one()["u"]
    assert type(value) is Binary and value.subtype == 3
    csharp = CodecOptions(uuid_representation=UuidRepresentation.CSHARP_LEGACY)
    coll = client.db.get_collection("u", csharp)
    coll.delete_many({})
    coll.insert_one({"_id": 2, "u": U})
    raw = stored(client)
    assert (raw.subtype, bytes(raw).hex()) == EXPECTED["csharpLegacy"]
    assert coll.find_one({"u": U})["_id"] == 2


def test_invalid_representation_is_refused_like_pymongo(make_client):
    with pytest.raises(ValueError):
        make_client("mongodb://localhost/", uuidRepresentation="bogus")
