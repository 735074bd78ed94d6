"""``$changeStreamSplitLargeEvent``: change events too large for one BSON document,
split into fragments (``change_stream_split_event_helpers.cpp``).

An event whose BSON is larger than :data:`MAX_CHANGE_EVENT_SIZE` (the server's
``BSONObjMaxInternalSize - 8 KB``) is split: its fields but ``_id``, ordered by
(BSON element size, name), fill fragments greedily, each at most the maximum less
the size of the event's resume token.  Each fragment is ``{_id: <the event's token
with fragmentNum i>, splitEvent: {fragment: i + 1, of: n}, <fields>}``; a stream
resumed from a fragment's token delivers the fragments after it.
"""

from __future__ import annotations

from typing import Any

import bson

from ...storage.encoding import ENGINE_CODEC
from ...values.errors import ServerError
from .history import NON_RESUMABLE
from .tokens import fragment_token

__all__ = ["MAX_CHANGE_EVENT_SIZE", "split_event", "bson_size"]

#: ``BSONObjMaxInternalSize`` (16 MB + 16 KB) less 8 KB
MAX_CHANGE_EVENT_SIZE = 16 * 1024 * 1024 + 16 * 1024 - 8 * 1024


def bson_size(document: dict) -> int:
    return len(bson.encode(document, codec_options=ENGINE_CODEC))


def _element_size(name: str, value: Any) -> int:
    """A field's size as an element of its document (type byte, name, value)."""
    return bson_size({name: value}) - 5


def split_event(event: dict, skip: int | None = None) -> list[dict]:
    """``event`` as it is when small enough, else its fragments (the first ``skip``
    left out: a stream resumed from fragment ``skip``'s token)."""
    size = bson_size(event)
    if size <= MAX_CHANGE_EVENT_SIZE:
        if skip is not None:
            raise ServerError(280, "Attempted to resume from a split event fragment, but the "
                                   "event in the resumed stream was not large enough to be "
                                   "split", **NON_RESUMABLE)
        return [event]
    token = event["_id"]
    maximum = MAX_CHANGE_EVENT_SIZE - bson_size(token)
    fields = sorted(((_element_size(name, value), name, value)
                     for name, value in event.items() if name != "_id"),
                    key=lambda field: (field[0], field[1]))
    if not fields:
        raise ServerError(7182502, "Cannot split an empty event or an event containing solely "
                                   "'_id' field")
    fragments: list[dict] = []
    index = 0
    while index < len(fields):
        number = len(fragments)
        fragment_id = {"_data": fragment_token(token["_data"], number)}
        fragment: dict[str, Any] = {"_id": fragment_id,
                                    "splitEvent": {"fragment": number + 1, "of": 0}}
        # the fragment as the server measures it: with its sort key metadata
        fragment_size = bson_size({**fragment, "$sortKey": [fragment_id]})
        while True:
            size_of, name, value = fields[index]
            fragment[name] = value
            fragment_size += size_of
            index += 1
            if index >= len(fields) or fragment_size + fields[index][0] > maximum:
                break
        if fragment_size > maximum:
            raise ServerError(7182500, f"Splitting change event failed: fragment size "
                                       f"{fragment_size} is greater than maximum allowed "
                                       f"fragment size {maximum}")
        fragments.append(fragment)
    for fragment in fragments:
        fragment["splitEvent"]["of"] = len(fragments)
    kept = fragments[skip or 0:]
    if skip and not kept:
        raise ServerError(280, "Attempted to resume from a split event, but the resumed stream "
                               "produced a different split. Ensure that the pipeline used to "
                               "resume is the same as the original", **NON_RESUMABLE)
    return kept
