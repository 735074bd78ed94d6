"""Stored shadows made compact: shared field names and shared repeated values.

Decoding a document makes a new object for every field name and every string
value, though the documents of a collection mostly share their field names
(their shape) and many of their short string values (a ``status``, a
``city``, a tag).  :func:`shared_keys` rebuilds each shadow about to be
stored so that it holds one shared object for each of those: the field names
of the top level and of every embedded document, and the values of the fields
that, in the shape's first documents, held a few short strings over and over.
The shadow keeps its field order, its types and its values (an equal,
immutable string is the same value); only the memory differs.

A shape learns which of its fields to share from its first :data:`SAMPLED`
documents (a field whose sampled values were all short strings, with few
distinct ones, shares its values; a field that held an embedded document or
an array gets its names and values shared too); until then, and for every
other field, a document costs one dict copy (``{**template, **doc}``).
Everything here is bounded (shapes, shared values), so a collection of
ever-new shapes or values cannot grow it forever.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["shared_keys", "SAMPLED"]

_intern = sys.intern

#: how many documents of a shape are looked at before its shared fields are chosen
SAMPLED = 64
#: a string value longer than this is never shared (repeated long strings are rare)
_SHORT = 32
#: a sampled field shares its values when they were at most this many distinct strings
_FEW = SAMPLED // 4

#: the key sequences of stored documents seen so far (their field names joined by
#: NUL, which a BSON field name never holds, so two sequences never join alike
#: but the empty document and ``{"": …}``, of which neither is kept) -> the shape:
#: ``[template, shared fields]``.  The template is a dict with those keys (field
#: names interned): a document of a known shape is re-keyed by copying its template
#: (a memory copy, no hashing, no resizing) and filling the values in.  The shared
#: fields are a tuple of field names once chosen, or the shape's :class:`_Sample`
#: while its first documents are looked at.  (One joined string is hashed and
#: compared in one memcmp: a tuple of the names costs a comparison call per name.)
_SHAPES: dict[str, list] = {}
#: embedded documents deeper than this keep their own names (a bound on recursion:
#: storage admits 100 levels, each costing two or three frames here)
_DEEPEST = 20
_MAX_SHAPES = 4096
_join_names = "\x00".join

#: one object per shared string value (value -> itself); bounded
_VALUES: dict[str, str] = {}
_MAX_VALUES = 4096


def shared_keys(doc: dict, depth: int = 0) -> dict:
    """``doc`` with its field names, top level and embedded, shared with every
    other stored document of its shape (decoding makes a new string per key; ~50
    bytes each), and the values of its shape's repetitive fields shared too.
    The values stay the very same objects otherwise.  A dict subclass (a document
    marked for ``undefined`` elements) is kept as is.  ``depth``: how deep ``doc``
    is embedded in the stored document.

    Every insert and update stores through here, so the shape's plan is walked
    inline, one step per planned field (a Python call costs as much as a few
    fields)."""
    if type(doc) is not dict:
        return doc
    shape = _SHAPES.get(_join_names(tuple(doc)))
    if shape is None:
        return _new_shape(doc, depth)
    shared = {**shape[0], **doc}  # (template.copy().update(doc) without two method calls)
    plan = shape[1]
    if plan:
        if type(plan) is not tuple:
            _sampled(shape, shared, depth)
            return shared
        cache = _VALUES
        for name, kind, names, template in plan:
            value = shared[name]
            if kind is _STRING:
                if type(value) is str:
                    existing = cache.get(value)
                    if existing is not None:
                        shared[name] = existing
                    elif len(cache) < _MAX_VALUES and len(value) <= _SHORT:
                        cache[value] = value
            elif depth >= _DEEPEST:
                continue
            elif kind is _DOCUMENT:
                if type(value) is dict:
                    # its names as the sampled ones (order too), and nothing in it to
                    # share but names: its template alone (no lookup, no call)
                    shared[name] = {**template, **value} if names is not None \
                        and tuple(value) == names else shared_keys(value, depth + 1)
            elif type(value) is list and value:
                if kind is _STRINGS:
                    copy = value[:]  # (exactly sized)
                    try:
                        copy[:] = map(cache.get, value, value)
                    except TypeError:  # (an unhashable element: not strings alone)
                        copy = _shared_list(value, depth + 1)
                    shared[name] = copy
                else:
                    shared[name] = _shared_list(value, depth + 1)
    return shared


#: what a planned field holds (identity-compared markers)
_STRING = "string"
_DOCUMENT = "document"
_STRINGS = "strings"
_ARRAY = "array"


def _new_shape(doc: dict, depth: int) -> dict:
    """:func:`shared_keys` of a document whose shape has no template yet."""
    shared = dict(zip(map(_intern, doc), doc.values()))
    if len(_SHAPES) < _MAX_SHAPES:
        names = _join_names(shared)
        if names:  # (the empty document and {"": …} both join as "")
            # (built by insertion: dict.fromkeys presizes a small dict for 8 keys)
            shape = [{name: None for name in shared}, _Sample(shared)]
            _SHAPES[names] = shape
            _sampled(shape, shared, depth)
    return shared


def _shared_list(values: list, depth: int) -> list:
    """A copy of an array, exactly sized (the decoder's appends over-allocate: a
    list of one to three elements holds room for four), with its embedded
    documents' names and its short strings shared.  (A copy: the array may be an
    older version of the document's, which a snapshot may still read.)"""
    cache = _VALUES
    values = values[:]
    for position, value in enumerate(values):
        kind = type(value)
        if kind is dict:
            if depth < _DEEPEST:
                values[position] = shared_keys(value, depth + 1)
        elif kind is str:
            if len(value) <= _SHORT:
                existing = cache.get(value)
                if existing is not None:
                    values[position] = existing
                elif len(cache) < _MAX_VALUES:
                    cache[value] = value
        elif kind is list and value and depth < _DEEPEST:
            values[position] = _shared_list(value, depth + 1)
    return values


class _Sample:
    """What a shape's first documents held, field by field: the distinct short
    strings of each field that only held those, the fields that held an
    embedded document, and the fields that held a non-empty array (and whether
    of strings alone)."""

    __slots__ = ("seen", "strings", "documents", "arrays")

    def __init__(self, template: dict) -> None:
        self.seen = 0
        #: field -> its distinct short strings so far (a field is dropped at its first
        #: other value)
        self.strings: dict[str, set] = {name: set() for name in template}
        #: field -> the names of its embedded documents, while they were all alike
        #: (None once they differed)
        self.documents: dict[str, tuple | None] = {}
        #: field -> whether its arrays held strings alone so far
        self.arrays: dict[str, bool] = {}


def _sampled(shape: list, shared: dict, depth: int) -> None:
    """Look at one more of a shape's first documents (sharing its embedded names and
    its arrays' strings); after :data:`SAMPLED`, choose its plan (in field order).
    (Tolerant of another thread sampling the same shape at once: servers in two
    threads may store documents of one shape.)"""
    sample = shape[1]
    if type(sample) is not _Sample:  # (chosen meanwhile)
        return
    strings = sample.strings
    documents = sample.documents
    arrays = sample.arrays
    for name, value in list(shared.items()):
        kind = type(value)
        if kind is dict:
            if depth < _DEEPEST:
                value = shared[name] = shared_keys(value, depth + 1)
            names = tuple(value)
            documents[name] = names if documents.get(name, names) == names else None
        elif kind is list and value:
            only_strings = all(type(element) is str for element in value)
            arrays[name] = arrays.get(name, True) and only_strings
            if depth < _DEEPEST:
                if only_strings and len(_VALUES) < _MAX_VALUES:
                    for element in value:
                        if len(element) <= _SHORT:
                            _VALUES.setdefault(element, element)
                shared[name] = _shared_list(value, depth + 1)
        distinct = strings.get(name)
        if distinct is not None:
            if kind is str and len(value) <= _SHORT and len(distinct) <= _FEW:
                distinct.add(value)
            else:
                strings.pop(name, None)
    sample.seen += 1
    if sample.seen >= SAMPLED:
        shape[1] = tuple(_planned(name, sample) for name in shared
                         if name in documents or name in arrays
                         or len(strings.get(name, ())) in range(1, _FEW + 1))


def _planned(name: str, sample: _Sample) -> tuple:
    """A field's step in its shape's plan: (name, kind, names, template)."""
    if name in sample.documents:
        names = sample.documents[name]
        nested = _SHAPES.get(_join_names(names)) if names else None
        if nested is not None and nested[1] == ():  # (alike, nothing in them but names)
            return name, _DOCUMENT, names, nested[0]
        return name, _DOCUMENT, None, None
    if name in sample.arrays:
        return name, _STRINGS if sample.arrays[name] else _ARRAY, None, None
    return name, _STRING, None, None
