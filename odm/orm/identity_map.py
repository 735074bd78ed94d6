"""The identity map: one Python object per stored document per session."""
from __future__ import annotations

from typing import Any, Iterator, Optional

from .mapper import mapper
from .state import indent_repr, state

__all__ = ["IdentityMap"]


class IdentityMap:
    """Objects keyed by ``(root mapped class, _id)``.

    The root is the top of a polymorphic hierarchy sharing one collection, so
    a ``Bus`` loaded through ``Transport`` is the same object ``Bus.query.get``
    returns.
    """

    def __init__(self) -> None:
        self._objects: dict[tuple[type, Any], Any] = {}

    @staticmethod
    def _key(cls: type, id_value: Any) -> tuple[type, Any]:
        return (mapper(cls).root_class, _hashable(id_value))

    def get(self, cls: type, id_value: Any, default: Any = None) -> Optional[Any]:
        return self._objects.get(self._key(cls, id_value), default)

    def save(self, obj: Any) -> None:
        id_value = state(obj).document.get("_id")
        if id_value is not None:
            self._objects[self._key(type(obj), id_value)] = obj

    def expunge(self, obj: Any) -> None:
        id_value = state(obj).document.get("_id")
        key = self._key(type(obj), id_value)
        if self._objects.get(key) is obj:
            del self._objects[key]

    def clear(self) -> None:
        self._objects.clear()

    def __len__(self) -> int:
        return len(self._objects)

    def __iter__(self) -> Iterator[Any]:
        return iter(list(self._objects.values()))

    def render(self, indent: str = "") -> str:
        lines = [f"{indent}<imap ({len(self._objects)})>"]
        for (_, id_value), obj in self._objects.items():
            entry = indent_repr(obj, "")
            lines.append(f"{indent}  {type(obj).__name__} : {_display(id_value)} => " + entry.replace("\n", "\n" + indent + "  "))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.render()


def _hashable(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple((k, _hashable(v)) for k, v in value.items())
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    return value


def _display(id_value: Any) -> str:
    return str(id_value)
