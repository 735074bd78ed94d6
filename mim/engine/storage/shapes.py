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

A face's inserts take another road (:func:`copied_shadow`): the shadow is a copy of
the caller's own dict rather than a decode of the bytes it was encoded to —
cheaper than the decode and its re-keying, sharing the shape's names (nested
ones the caller's), the caller's immutable values, and arrays at their exact
size; proved equal to the decode, type for type, or not made.
"""

from __future__ import annotations

import datetime
import sys
from operator import is_
import threading

from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.objectid import ObjectId
from bson.tz_util import utc

__all__ = ["shared_keys", "copied_shadow", "offer_originals", "offered_originals"]

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
    if doc is _last_copied or type(doc) is not dict:
        return doc  # (a shadow :func:`copied_shadow` just made has the shape's names)
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


# ---------------------------------------------------------------------------
# a shadow copied from the caller's document
# ---------------------------------------------------------------------------

#: the values whose BSON round trip gives back an equal object of their very type,
#: whatever codec options encoded them (pymongo refuses a custom encoder for a
#: built-in type or for any subclass of one): immutable, so a shadow may share them
_SHARED_TYPES = frozenset({str, float, bool, type(None), ObjectId, Int64, Decimal128, bytes})
#: :data:`_SHARED_TYPES` and ``int``: what may be shared when no int of the document
#: lies beyond int32 (none decodes as an ``Int64``)
_SHARED_OR_INT = _SHARED_TYPES | {int}
_STR = frozenset({str})
_INT32_MIN, _INT32_MAX = -(2 ** 31), 2 ** 31 - 1
#: the type byte of a BSON int64 element: bytes without it hold no int beyond int32
_INT64_TYPE = 0x12
#: a copy deeper than this is left to the decoder (whose depth checks follow)
_MAX_COPY_DEPTH = 32
_datetime = datetime.datetime


class _NotCopied(Exception):
    """A value whose BSON round trip :func:`copied_shadow` does not reproduce."""


#: no field name (the names :data:`_last_plan` starts with)
_NOT_NAMES = object()
#: the field names of documents copied so far -> their plan: (template with ``_id``
#: first and every name interned, the value types the plan is for, the names whose
#: values are copied by :func:`_copied_field`, each with how, the names whose ints
#: may lie beyond int32) — the template None for names or value types the copy
#: does not reproduce (the caller decodes; other value types are planned anew);
#: bounded as :data:`_SHAPES`
_PLANS: dict[tuple, tuple] = {}
#: the names last planned and their plan (as :data:`_last_shape`: documents inserted
#: one after another mostly share their shape; a caller's names are mostly the same
#: string objects, compared by identity)
_last_plan: tuple = ((_NOT_NAMES,), None)
#: the shadow :func:`copied_shadow` made last: :func:`shared_keys` gives it back as
#: it is (its names are the shape's already), at the cost of one identity
#: comparison and no change to the write path's calls.  (Any other dict fails the
#: comparison and is re-keyed: no thread can make that check wrong.)
_last_copied: dict | None = None


def copied_shadow(doc: dict, raw: bytes) -> dict | None:
    """The shadow :func:`~.encoding.decode_shadow` gives for ``raw``, the bytes
    pymongo just encoded ``doc`` to (``doc`` a plain ``dict`` holding its ``_id``,
    encoded with exactly ``CodecOptions``, whatever their options), made by copying
    ``doc`` rather than decoding ``raw`` — or None whenever the copy is not
    provably equal, type for type, to what decoding gives: the caller decodes then.

    A copy costs a fraction of a decode and its re-keying by :func:`shared_keys`,
    and holds fewer objects: immutable values (:data:`_SHARED_TYPES`) are the
    caller's own, field names the shape's interned ones (the decoder makes a string
    per name per document), arrays are their exact size.  What the round trip
    changes is done as it does it: ``_id`` comes first, an int beyond int32 becomes
    an ``Int64``, a tuple a list, a datetime an aware UTC one truncated to the
    millisecond.  Anything else — a dict or str subclass, a document with ``$ref``
    (it may decode as a DBRef), a UUID, Binary, Regex, Code, Timestamp… — is left
    to the decoder.  (Field names need no check beyond their type: the encoder
    refused any that is not a str or holds a NUL.  No value a copy takes encodes
    as the deprecated ``undefined``.)

    Most of the work is done in C: the names and value types are compared with the
    shape's plan in two tuple comparisons, the shadow is the shape's template
    updated with ``doc``, and only the values the plan names are visited in Python."""
    global _last_plan, _last_copied
    names = tuple(doc)
    last_names, plan = _last_plan
    if len(names) != len(last_names) or not all(map(is_, names, last_names)):
        # (the very names last planned are exact strs; others are checked, as a str
        # subclass's own ``__eq__`` could match another shape's names)
        if not _STR.issuperset(map(type, names)):
            return None
        plan = _PLANS.get(names, _NO_PLAN)
        if plan is _NO_PLAN:
            plan = _new_plan(doc, names)
        _last_plan = (names, plan)
    template, types, copied, ints = plan
    if tuple(map(type, doc.values())) != types:
        plan = _new_plan(doc, names)
        _last_plan = (names, plan)
        template, types, copied, ints = plan
    if template is None:
        return None
    shadow = {**template, **doc}  # (template.copy().update(doc): its names kept)
    try:
        if copied:
            scalars = _SHARED_OR_INT if _INT64_TYPE not in raw else _SHARED_TYPES
            for name, nested in copied:
                value = shadow[name]
                if nested is _LIST:
                    if scalars.issuperset(map(type, value)):
                        shadow[name] = list(value)  # (exact size)
                        continue
                elif nested is not None and _same_names(value, nested[0]) \
                        and scalars.issuperset(map(type, value.values())) \
                        and "$ref" not in value:
                    shadow[name] = {**nested[1], **value}  # (the template's names)
                    continue
                shadow[name] = _copied_value(value, type(value), scalars, 1)
        if ints and _INT64_TYPE in raw:
            for name in ints:
                value = shadow[name]
                if not _INT32_MIN <= value <= _INT32_MAX:
                    shadow[name] = Int64(value)
    except _NotCopied:
        return None
    _last_copied = shadow
    return shadow


#: :data:`_PLANS` holds no plan for these names (None means: decode)
_NO_PLAN = object()
#: how :func:`copied_shadow` copies an array of scalars
_LIST = "list"


def _same_names(value: dict, names: tuple) -> bool:
    """Whether a nested document's names are ``names`` (exact strs): the very
    objects, mostly (a caller's literals), else exact strs equal to them."""
    if len(value) == len(names) and all(map(is_, value, names)):
        return True
    return _STR.issuperset(map(type, value)) and tuple(value) == names


def _new_plan(doc: dict, names: tuple) -> tuple:
    """The plan of :func:`copied_shadow` for ``doc``'s names and value types."""
    types = tuple(map(type, doc.values()))
    plan: tuple = (None, types, (), ())
    if "_id" in doc and "$ref" not in doc and _STR.issuperset(map(type, doc)):
        # (no _id: the caller adds it; $ref: left to the decoder)
        copied: list | None = []
        ints = []
        for name, kind in zip(doc, types):
            if kind is int:
                ints.append(_intern(name))
            elif kind is list or kind is tuple:
                copied.append((_intern(name), _LIST))  # type: ignore[union-attr]
            elif kind is dict:
                value = doc[name]
                nested = None
                if _STR.issuperset(map(type, value)):
                    # a nested document of these names: a template of them
                    nested = (tuple(value), {_intern(key): None for key in value})
                copied.append((_intern(name), nested))  # type: ignore[union-attr]
            elif kind is _datetime:
                copied.append((_intern(name), None))  # type: ignore[union-attr]
            elif kind not in _SHARED_TYPES:
                copied = None
                break
        if copied is not None:
            template = {"_id": None}  # (``_id`` first, as the encoder writes it)
            for name in doc:
                template[_intern(name)] = None
            plan = (template, types, tuple(copied), tuple(ints))
    if len(_PLANS) < _MAX_SHAPES:
        _PLANS[names] = plan
    return plan


def _copied_value(value: object, kind: type, scalars: frozenset, depth: int) -> object:
    """A nested value as its BSON round trip gives it (a fresh container), or
    :class:`_NotCopied`.  ``scalars``: the types shared as they are
    (:data:`_SHARED_OR_INT` when no int of the document lies beyond int32)."""
    if kind is dict:
        if "$ref" in value or not _STR.issuperset(map(type, value)):  # type: ignore[operator]
            raise _NotCopied
        if scalars.issuperset(map(type, value.values())):  # type: ignore[attr-defined]
            return {**value}  # type: ignore[dict-item]
        if depth >= _MAX_COPY_DEPTH:
            raise _NotCopied
        return {key: _copied_item(item, scalars, depth)
                for key, item in value.items()}  # type: ignore[attr-defined]
    if kind is list or kind is tuple:
        if scalars.issuperset(map(type, value)):  # type: ignore[call-overload]
            return list(value)  # type: ignore[call-overload]  (exact size)
        if depth >= _MAX_COPY_DEPTH:
            raise _NotCopied
        return [_copied_item(item, scalars, depth) for item in value]  # type: ignore[attr-defined]
    if kind is _datetime:
        return _round_tripped_datetime(value)  # type: ignore[arg-type]
    raise _NotCopied


def _copied_item(item: object, scalars: frozenset, depth: int) -> object:
    """One item of a container :func:`_copied_value` copies."""
    kind = type(item)
    if kind in _SHARED_TYPES:
        return item
    if kind is int:
        return item if _INT32_MIN <= item <= _INT32_MAX else Int64(item)  # type: ignore[operator]
    return _copied_value(item, kind, scalars, depth + 1)


def _round_tripped_datetime(value: datetime.datetime) -> datetime.datetime:
    """A datetime as the BSON round trip gives it: in UTC (a naive one is taken as
    UTC), aware, truncated to the millisecond."""
    offset = value.utcoffset()
    if offset is not None:
        try:
            value = value - offset
        except OverflowError:  # (beyond datetime's range: the decoder's DatetimeMS)
            raise _NotCopied from None
    return value.replace(microsecond=value.microsecond // 1000 * 1000, tzinfo=utc, fold=0)



#: the batch a face is about to send in an ``insert`` command, per thread: (its list of
#: BSON documents, the plain dicts they were encoded from — None where a document is
#: not one :func:`copied_shadow` may copy)
_offered = threading.local()


def offer_originals(raws: list, originals: list | None) -> None:
    """Tell the engine, before a face runs an ``insert`` command whose ``documents``
    is the very list ``raws``, which plain dicts it encoded them from (None: forget
    the offer, what the face does once the command is answered).  The command's
    handler takes them with :func:`offered_originals` and copies them for shadows
    rather than decoding ``raws``; a command that reaches the engine otherwise (over
    the wire, another thread, a list copied on the way) finds no offer and decodes."""
    _offered.batch = None if originals is None else (raws, originals)


def offered_originals(raws: list) -> list | None:
    """The dicts :func:`offer_originals` offered for the very list ``raws`` (taken:
    a second call finds none), else None."""
    batch = getattr(_offered, "batch", None)
    if batch is None or batch[0] is not raws:
        return None
    _offered.batch = None
    return batch[1]
