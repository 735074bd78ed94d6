"""``Collection.aggregate`` encodes its pipeline and decodes its results with the
*collection's* codec options (pymongo: "codec_options: An instance of CodecOptions …
used for this collection"), not its database's: a collection obtained with
``with_options``/``get_collection(codec_options=…)`` keeps them for aggregate as for find."""

from __future__ import annotations

import uuid

from bson import SON
from bson.binary import UuidRepresentation
from bson.codec_options import CodecOptions


def test_aggregate_decodes_with_the_collections_document_class(db):
    db.things.insert_one({"_id": 1, "a": 1})
    coll = db.things.with_options(codec_options=CodecOptions(document_class=SON))
    docs = list(coll.aggregate([{"$match": {"a": 1}}]))
    assert docs == [SON([("_id", 1), ("a", 1)])]
    assert type(docs[0]) is SON


def test_aggregate_encodes_with_the_collections_uuid_representation(db):
    standard = CodecOptions(uuid_representation=UuidRepresentation.STANDARD)
    coll = db.get_collection("things", codec_options=standard)
    value = uuid.UUID("00112233-4455-6677-8899-aabbccddeeff")
    coll.insert_one({"_id": 1, "u": value})
    assert list(coll.aggregate([{"$match": {"u": value}}, {"$project": {"u": 1}}])) == [
        {"_id": 1, "u": value}]
