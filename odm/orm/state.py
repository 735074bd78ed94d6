"""Object state: the per-object bookkeeping every other part of the mapper reads.

Every mapped object carries one :class:`ObjectState`: its status in the unit of
work (``new``, ``clean``, ``dirty``, ``deleted``), its current document and
the document as last read from / written to the database (``original_document``).
Persistence (:mod:`odm.orm.persistence`) writes the difference between the two.
This module is the bottom of the mapper: it imports nothing from the others.
"""
from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any, Optional

from ..base import Missing

if TYPE_CHECKING:  # pragma: no cover
    from .session import ODMSession

__all__ = ["ObjectState", "state", "snapshot", "same_value", "same_content", "hashable_id", "indent_repr"]


class ObjectState:
    """Unit-of-work status and documents of one mapped object."""

    new = "new"
    clean = "clean"
    dirty = "dirty"
    deleted = "deleted"

    __slots__ = ("status", "document", "original_document", "session", "projected", "extra_state", "_loading", "_init_depth",
                 "validated", "instrument")

    def __init__(self, session: Optional["ODMSession"] = None) -> None:
        self.status = self.new
        self.document: dict = {}
        self.original_document: Optional[dict] = None
        self.session = session
        #: True when the document was loaded with a projection (fields may be defaults, not data)
        self.projected = False
        self.extra_state: dict = {}
        self._loading = False
        self._init_depth = 0
        #: True while every value of ``document`` is known to have passed its
        #: schema (set through a property, loaded with validation, or just
        #: flushed); an in-place change to a nested list or dict clears it.  A
        #: flush writes a validated document without validating it again.
        self.validated = True
        #: False: properties hand out the stored lists and dicts themselves, not
        #: instrumented copies (Ming's ``instrument`` option; changes in place are
        #: then not tracked)
        self.instrument = True

    def soil(self, validated: bool = False) -> None:
        """Mark the object changed (a clean object becomes dirty).

        ``validated=True`` says the change itself was validated (a property
        assignment); otherwise the document must be validated again on flush.
        """
        if not validated:
            self.validated = False
        if self.status == self.clean and not self._loading:
            self.status = self.dirty

    def __repr__(self) -> str:
        return f"<ObjectState status={self.status}>"


def state(obj: Any) -> ObjectState:
    """The :class:`ObjectState` of a mapped object."""
    try:
        return obj.__dict__["_odm_state_"]
    except (KeyError, AttributeError):
        raise TypeError(f"{obj!r} is not a mapped object") from None


# -- documents -------------------------------------------------------------
def snapshot(value: Any) -> Any:
    """A deep copy of the dicts and lists in ``value`` (scalars are shared: they are immutable)."""
    if isinstance(value, dict):
        return {k: snapshot(v) for k, v in value.items()}
    if isinstance(value, list):
        return [snapshot(v) for v in value]
    return value


def same_value(a: Any, b: Any) -> bool:
    """Equal as MongoDB would store them: ``1`` and ``1.0`` or ``True`` differ, key order of sub-documents counts."""
    return _same(a, b, True)


def same_content(a: Any, b: Any) -> bool:
    """Like :func:`same_value`, but the key order of sub-documents does not count.

    Validation settles key order (Ming's: sorted for validated sub-documents,
    declaration order for defaults), so a flush must not treat a reordering it
    made itself as a change to write.
    """
    return _same(a, b, False)


def _same(a: Any, b: Any, ordered: bool) -> bool:
    if isinstance(a, dict):
        if not isinstance(b, dict) or len(a) != len(b) or (ordered and list(a) != list(b)):
            return False
        for k, v in a.items():
            other = b.get(k, Missing)
            if other is Missing or not _same(v, other, ordered):
                return False
        return True
    if isinstance(a, list):
        if not isinstance(b, list) or len(a) != len(b):
            return False
        return all(_same(x, y, ordered) for x, y in zip(a, b))
    if type(a) is not type(b):
        return False
    if isinstance(a, _dt.datetime):
        return a == b and a.tzinfo == b.tzinfo
    return a == b


def hashable_id(value: Any) -> Any:
    """A hashable stand-in for an ``_id`` (documents and lists are not hashable)."""
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def indent_repr(obj: Any, indent: str) -> str:
    """``repr(obj)`` with its first line after ``indent`` and the following lines two spaces further in."""
    lines = repr(obj).split("\n")
    return "\n".join([indent + lines[0]] + [indent + "  " + line for line in lines[1:]])
