"""A cursor's batch is decoded with the collection's codec options, every document
of it alike, as pymongo decodes a reply (``document_class``, ``tz_aware``,
``uuid_representation``…), whether the batch holds one document or many."""

from __future__ import annotations

import datetime
import uuid

from bson.binary import UuidRepresentation
from bson.codec_options import CodecOptions
from bson.son import SON


def test_every_document_of_a_batch_takes_the_codec_options(coll):
    when = datetime.datetime(2024, 5, 1, 12, 30)
    coll.insert_many([{"_id": i, "at": when, "n": {"k": i}} for i in range(5)])
    options = CodecOptions(document_class=SON, tz_aware=True,
                           tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    typed = coll.with_options(codec_options=options)
    for found in (list(typed.find().sort("_id", 1)), list(typed.find({"_id": 3}))):
        for doc in found:
            assert type(doc) is SON and type(doc["n"]) is SON
            assert doc["at"] == when.replace(tzinfo=datetime.timezone.utc)
            assert doc["at"].utcoffset() == datetime.timedelta(hours=2)
    assert [doc["_id"] for doc in typed.find().batch_size(2)] == [0, 1, 2, 3, 4]


def test_uuids_decode_by_the_representation(coll):
    value = uuid.UUID("12345678-1234-5678-1234-567812345678")
    standard = coll.with_options(codec_options=CodecOptions(
        uuid_representation=UuidRepresentation.STANDARD))
    standard.insert_many([{"_id": 1, "u": value}, {"_id": 2, "u": value}])
    assert [doc["u"] for doc in standard.find()] == [value, value]
    unspecified = coll.with_options(codec_options=CodecOptions())
    assert [doc["u"].as_uuid() for doc in unspecified.find()] == [value, value]
