"""The unit of work: which objects of a session are new, clean, dirty or deleted, and the flush.

Status lives in each object's :class:`ObjectState`; the unit of work keeps the
tracked objects in the order they were added and decides what a flush writes
and in which order (unit-of-work order, runs of new objects of one collection
batched).  The writes themselves are :mod:`odm.orm.persistence`'s.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, Optional

from .events import registry
from .mapper import Mapper, mapper
from .state import ObjectState, indent_repr, state

if TYPE_CHECKING:  # pragma: no cover
    from .session import ODMSession

__all__ = ["UnitOfWork"]

_INSERT_EVENTS = ("before_insert", "after_insert")


class UnitOfWork:
    """The objects a session tracks, in the order they were added, and how to flush them."""

    def __init__(self, session: "ODMSession") -> None:
        self.session = session
        self._objects: dict[int, Any] = {}

    # -- tracking ------------------------------------------------------------
    def save(self, obj: Any) -> None:
        self._objects[id(obj)] = obj

    def expunge(self, obj: Any) -> None:
        self._objects.pop(id(obj), None)

    def clear(self) -> None:
        self._objects.clear()

    def __iter__(self) -> Iterator[Any]:
        return iter(list(self._objects.values()))

    def __len__(self) -> int:
        return len(self._objects)

    def __contains__(self, obj: Any) -> bool:
        return id(obj) in self._objects

    def _with_status(self, status: str) -> list[Any]:
        return [obj for obj in self._objects.values() if state(obj).status == status]

    @property
    def new(self) -> list[Any]:
        return self._with_status(ObjectState.new)

    @property
    def clean(self) -> list[Any]:
        return self._with_status(ObjectState.clean)

    @property
    def dirty(self) -> list[Any]:
        return self._with_status(ObjectState.dirty)

    @property
    def deleted(self) -> list[Any]:
        return self._with_status(ObjectState.deleted)

    # -- flushing ------------------------------------------------------------
    def flush(self, obj: Optional[Any] = None) -> None:
        """Write ``obj``, or every new, dirty and deleted object in unit-of-work order.

        Consecutive new objects of one collection go out as one ordered
        ``insert_many`` when nothing listens to their insert events (with
        listeners, each object is inserted on its own, between its
        ``before_insert`` and ``after_insert``, exactly as Ming does).  A failed
        write behaves as in Ming, which inserts one object at a time: the
        objects before the failing one are written and clean, the failing one
        and those after it stay new, and the error is the one a single insert
        raises (``DuplicateKeyError``, ``WriteError``).
        """
        if obj is not None:
            self.flush_object(obj)
            return
        persistence = self.session.persistence
        batch: list[tuple[Any, ObjectState, Mapper]] = []
        batch_coll: Any = None
        collections: dict[Mapper, Any] = {}
        batchable: dict[Mapper, bool] = {}
        for each in self:
            st = state(each)
            status = st.status
            if status == ObjectState.clean or id(each) not in self._objects:
                continue  # clean, or forgotten by an earlier write of this flush (a cascaded delete)
            if status == ObjectState.new:
                m = mapper(type(each))
                ok = batchable.get(m)
                if ok is None:
                    ok = batchable[m] = not registry.has_listeners(_INSERT_EVENTS, self.session, m.mapped_class)
                if ok:
                    coll = collections.get(m)
                    if coll is None:
                        coll = collections[m] = persistence.collection(m)
                    if batch and coll.name != batch_coll.name:
                        persistence.insert_batch(batch_coll, batch)
                        batch = []
                    batch_coll = coll
                    batch.append((each, st, m))
                    continue
            if batch:
                persistence.insert_batch(batch_coll, batch)
                batch = []
            self.flush_object(each)
        if batch:
            persistence.insert_batch(batch_coll, batch)

    def flush_object(self, obj: Any) -> None:
        """Write one object according to its status (nothing for a clean one)."""
        st = state(obj)
        status = st.status
        persistence = self.session.persistence
        if status == ObjectState.new:
            persistence.insert(obj, st)
        elif status == ObjectState.dirty:
            persistence.update(obj, st)
        elif status == ObjectState.deleted:
            persistence.delete(obj, st)

    # -- display -------------------------------------------------------------
    def render(self, indent: str = "") -> str:
        lines = [indent + "<UnitOfWork>"]
        for status in (ObjectState.new, ObjectState.clean, ObjectState.dirty, ObjectState.deleted):
            lines.append(f"{indent}  <{status}>")
            lines.extend(indent_repr(obj, indent + "    ") for obj in self._with_status(status))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.render()
