"""A connection's :class:`~mim.wire.protocol.Envelope`: the generic fields a driver
ends every command with (``lsid``, ``$clusterTime``, ``$db``, ``$readPreference``)
are decoded once per connection, and a command parsed with them must be exactly
the command ``bson.decode`` gives — same keys, same order, same values — and a
malformed one must fail exactly as it does without them."""

from __future__ import annotations

import struct

import bson
import pytest
from hypothesis import given, settings, strategies as st

from mim.engine.storage.replication import LogicalClock
from mim.engine.storage.store import ENGINE_CODEC
from mim.wire.protocol import Envelope, ProtocolError, parse_message

LSID = {"id": bson.Binary(b"\x07" * 16, 4)}
READ_PREFERENCE = {"mode": "primaryPreferred"}


def _cluster_time(inc: int) -> dict:
    return {"clusterTime": bson.Timestamp(1_700_000_000, inc),
            "signature": {"hash": bson.Binary(b"\x00" * 20, 0), "keyId": bson.Int64(0)}}


def _message(body: bytes, request_id: int = 1) -> bytes:
    """An OP_MSG with no flags and one body section holding ``body``."""
    return struct.pack("<iiiiIB", 16 + 5 + len(body), request_id, 0, 2013, 0, 0) + body


def _document(elements: bytes) -> bytes:
    return struct.pack("<i", len(elements) + 5) + elements + b"\x00"


def _elements(fields: dict) -> bytes:
    """``fields`` as BSON elements (a document's bytes without size and final NUL)."""
    return bson.encode(fields)[4:-1]


def _driver_command(head: dict, inc: int = 1) -> bytes:
    """``head`` followed by the fields pymongo appends to a command in a session."""
    return _document(_elements(head) + _elements(
        {"lsid": LSID, "$clusterTime": _cluster_time(inc), "$db": "test",
         "$readPreference": READ_PREFERENCE}))


def _parsed_alike(message: bytes, envelope: Envelope) -> dict:
    """The command parsed with ``envelope``, checked against a plain decode."""
    with_envelope = parse_message(message, ENGINE_CODEC, envelope).command
    plain = parse_message(message, ENGINE_CODEC).command
    assert with_envelope == plain
    assert list(with_envelope) == list(plain)
    return with_envelope


def test_a_repeated_envelope_is_reused_and_the_command_is_the_same():
    envelope = Envelope()
    first = _parsed_alike(_message(_driver_command({"find": "c", "filter": {"_id": 1}})),
                          envelope)
    second = _parsed_alike(_message(_driver_command({"find": "c", "filter": {"_id": 2}})),
                           envelope)
    assert second["filter"] == {"_id": 2}
    assert second["lsid"] is first["lsid"]  # decoded once, shared
    assert envelope.misses == 0


def test_a_moved_cluster_time_is_decoded_again():
    envelope = Envelope()
    _parsed_alike(_message(_driver_command({"ping": 1}, inc=1)), envelope)
    moved = _parsed_alike(_message(_driver_command({"ping": 1}, inc=2)), envelope)
    assert moved["$clusterTime"]["clusterTime"] == bson.Timestamp(1_700_000_000, 2)
    again = _parsed_alike(_message(_driver_command({"ping": 1}, inc=2)), envelope)
    assert again["$clusterTime"] is moved["$clusterTime"]


def test_a_field_in_both_parts_keeps_its_first_place_and_its_last_value():
    # a command repeating lsid before the envelope: bson.decode keeps the first position
    # and the last value, and so must the envelope
    envelope = Envelope()
    _parsed_alike(_message(_driver_command({"find": "c"})), envelope)
    body = _document(_elements({"find": "c"}) + _elements({"lsid": {"id": 5}})
                     + _elements({"x": 1}) + _elements(
                         {"lsid": LSID, "$clusterTime": _cluster_time(1), "$db": "test",
                          "$readPreference": READ_PREFERENCE}))
    command = _parsed_alike(_message(body), envelope)
    assert list(command)[:3] == ["find", "lsid", "x"]
    assert command["lsid"] == LSID


def test_a_command_overrunning_into_the_envelope_fails_as_without_it():
    envelope = Envelope()
    _parsed_alike(_message(_driver_command({"find": "c"})), envelope)
    tail = _elements({"lsid": LSID, "$clusterTime": _cluster_time(1), "$db": "test",
                      "$readPreference": READ_PREFERENCE})
    # a string whose length claims the first bytes of the envelope: the part before the
    # envelope is no document on its own, and the whole body is malformed
    text = b"\x02find\x00" + struct.pack("<i", 12) + b"c\x00"
    message = _message(_document(text + tail))
    with pytest.raises(ProtocolError) as plain:
        parse_message(message, ENGINE_CODEC)
    with pytest.raises(ProtocolError) as enveloped:
        parse_message(message, ENGINE_CODEC, envelope)
    assert str(enveloped.value) == str(plain.value)


def test_a_command_made_only_of_generic_fields_is_not_learned():
    envelope = Envelope()
    body = _document(_elements({"lsid": LSID, "$db": "test"}))
    assert _parsed_alike(_message(body), envelope) == {"lsid": LSID, "$db": "test"}
    assert envelope.tail == b""


def test_an_element_whose_size_the_walk_does_not_read_is_decoded_whole():
    envelope = Envelope()
    head = {"find": "c", "filter": {"r": bson.Regex("^a", "i")}}
    _parsed_alike(_message(_driver_command(head)), envelope)
    # a regex inside a document is skipped by its document's size: learned
    assert envelope.tail
    top_level_regex = _document(_elements({"find": "c"}) + _elements({"r": bson.Regex("b")})
                                + _elements({"$db": "test"}))
    fresh = Envelope()
    _parsed_alike(_message(top_level_regex), fresh)
    assert fresh.tail == b""


def test_a_connection_whose_commands_never_repeat_stops_learning():
    envelope = Envelope()
    for inc in range(1, 40):  # every write moves the cluster time
        _parsed_alike(_message(_driver_command({"insert": "c"}, inc=inc)), envelope)
    assert envelope.misses == 39
    learned = envelope.tail
    _parsed_alike(_message(_driver_command({"insert": "c"}, inc=40)), envelope)
    assert envelope.tail is learned  # the 40th miss is not one it learns from


_SCALARS = st.one_of(st.integers(-2 ** 63, 2 ** 63 - 1), st.text(max_size=8), st.booleans(),
                     st.none(), st.floats(allow_nan=False), st.binary(max_size=8),
                     st.builds(bson.Int64, st.integers(-2 ** 63, 2 ** 63 - 1)),
                     st.builds(bson.Regex, st.text(alphabet="abc^$", max_size=3)),
                     st.builds(bson.Timestamp, st.integers(0, 2 ** 31), st.integers(0, 9)))
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3),
    st.dictionaries(st.text(alphabet="abz$_", min_size=1, max_size=4), inner, max_size=3)),
    max_leaves=8)
_NAMES = st.sampled_from(["find", "insert", "filter", "x", "lsid", "$db", "$readPreference",
                          "documents", "limit"])


@settings(max_examples=200, deadline=None)
@given(heads=st.lists(st.lists(st.tuples(_NAMES, _VALUES), min_size=1, max_size=5),
                      min_size=1, max_size=6),
       moves=st.lists(st.booleans(), min_size=6, max_size=6))
def test_any_sequence_of_commands_parses_as_bson_decode_does(heads, moves):
    envelope = Envelope()
    inc = 1
    for elements, move in zip(heads, moves):
        inc += move
        head = b"".join(_elements({name: value}) for name, value in elements)
        tail = _elements({"lsid": LSID, "$clusterTime": _cluster_time(inc), "$db": "test",
                          "$readPreference": READ_PREFERENCE})
        _parsed_alike(_message(_document(head + tail)), envelope)


def test_the_clock_skips_comparing_a_time_it_found_not_newer():
    clock = LogicalClock()
    older = bson.Timestamp(clock.now().time - 10, 1)
    clock.advance_to(older)
    clock.advance_to(older)
    assert clock.now() > older
    newer = bson.Timestamp(clock.now().time + 10, 1)
    clock.advance_to(newer)
    assert clock.now() == newer


def test_cluster_time_goes_out_as_its_document_encoded():
    clock = LogicalClock()
    sent = clock.cluster_time_reply()
    assert sent.raw == bson.encode(clock.cluster_time_document())
    assert clock.cluster_time_reply() is sent  # once per time
    clock.tick()
    assert clock.cluster_time_reply().raw == bson.encode(clock.cluster_time_document())
    assert clock.cluster_time_reply()["clusterTime"] == clock.now()
