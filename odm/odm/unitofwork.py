"""The unit of work: which objects of a session are new, clean, dirty or deleted."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

from .base import ObjectState, state

if TYPE_CHECKING:  # pragma: no cover
    from .odmsession import ODMSession

__all__ = ["UnitOfWork"]


def indent_repr(obj: Any, indent: str) -> str:
    """``repr(obj)`` with its first line after ``indent`` and the following lines two spaces further in."""
    lines = repr(obj).split("\n")
    return "\n".join([indent + lines[0]] + [indent + "  " + line for line in lines[1:]])


class UnitOfWork:
    """The objects a session tracks, in the order they were added.

    Status lives in each object's :class:`ObjectState`; this class only keeps
    the set of tracked objects, so marking an object dirty costs nothing here.
    """

    def __init__(self, session: "ODMSession") -> None:
        self.session = session
        self._objects: dict[int, Any] = {}

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

    def render(self, indent: str = "") -> str:
        lines = [indent + "<UnitOfWork>"]
        for status in (ObjectState.new, ObjectState.clean, ObjectState.dirty, ObjectState.deleted):
            lines.append(f"{indent}  <{status}>")
            lines.extend(indent_repr(obj, indent + "    ") for obj in self._with_status(status))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.render()
