"""Stored shadows with shared field names.

Decoding a document makes a new object for every field name, though the
documents of a collection mostly share their field names (their shape).
:func:`shared_keys` rebuilds each shadow about to be stored so that its
top-level names are the ones every stored document of its shape holds.

Sharing more — embedded documents' names, the short strings a field repeats —
saves another ~175 bytes per benchmark document (1,432 -> 1,256) but, walked
per stored document in Python, cost ~13k instructions per insert (+22% on
``insert_many``); commit 4116684 (branch mem) holds that version and its tests (a batch's
columns shared through C maps is the way left to try).
"""

from __future__ import annotations

import sys

__all__ = ["shared_keys"]

_intern = sys.intern

#: the key sequences of stored documents seen so far (their field names joined by
#: NUL, which a BSON field name never holds, so two sequences never join alike
#: but the empty document and ``{"": …}``, of which neither is kept) -> a
#: template dict with those keys (field names interned): a document of a known
#: shape is re-keyed by copying its template (a memory copy, no hashing, no
#: resizing) and filling the values in; bounded, so a collection of ever-new
#: shapes cannot grow it forever.  (One joined string is hashed and compared in
#: one memcmp: a tuple of the names costs a comparison call per name.)
_SHAPES: dict[str, dict] = {}
_MAX_SHAPES = 4096
_join_names = "\x00".join
#: the key sequence last looked up and its template: documents inserted one after
#: another mostly share their shape, whose joined names compare in one memcmp
#: (no hash, no lookup); None never equals a joined sequence
_last_shape: tuple = (None, None)


def shared_keys(doc: dict) -> dict:
    """``doc`` with its top-level field names interned: every stored document
    then shares one string per field name instead of holding its own copy
    (decoding makes a new string per key; ~50 bytes each, a third of a small
    document's shadow).  The values stay the very same objects.  Only the top
    level: interning nested keys costs a Python loop per document, this a C one.
    A dict subclass (a document marked for ``undefined`` elements) is kept as is.

    Documents of one collection mostly share their key sequence (their shape):
    the shape's template is copied and updated (``update`` keeps the template's
    key objects), half the cost of interning each key into a new dict."""
    global _last_shape
    if type(doc) is not dict:
        return doc
    names = _join_names(tuple(doc))
    last_names, template = _last_shape
    if names != last_names:  # (one memcmp: a hash and a lookup when it differs)
        template = _SHAPES.get(names)
        if template is None:
            return _new_shape(doc)
        _last_shape = (names, template)  # (one assignment: threads see a whole pair)
    return {**template, **doc}  # (template.copy().update(doc) without two method calls)


def _new_shape(doc: dict) -> dict:
    """:func:`shared_keys` of a document whose shape has no template yet."""
    shared = dict(zip(map(_intern, doc), doc.values()))
    if len(_SHAPES) < _MAX_SHAPES:
        names = _join_names(shared)
        if names:  # (the empty document and {"": …} both join as "")
            # built by insertion, as the decoder builds a document: dict.fromkeys
            # presizes a dict of one to four keys for eight (272 bytes, not 184)
            _SHAPES[names] = {name: None for name in shared}
    return shared
