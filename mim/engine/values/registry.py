"""One kind of table for every registry of the engine.

Query operators, expression operators, accumulators, pipeline stages, update
operators and commands are each one small function registered by name in a
:class:`Registry`: a dict (name -> implementation) that also records each
name's family (the module that implements it, for the README's coverage
table) and refuses a name registered twice, so two modules can never silently
replace each other's operator.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["Registry"]

F = TypeVar("F", bound=Callable)


class Registry(dict, Generic[F]):
    """``name -> implementation``, with ``families`` and a duplicate check."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        #: what the table holds ("update operator"), for the duplicate error
        self.kind = kind
        #: name -> family: the module that registered it ("arithmetic")
        self.families: dict[str, str] = {}

    def add(self, name: str, implementation: F, family: str | None = None) -> F:
        """Register ``implementation`` as ``name``; a name is registered once only."""
        if name in self:
            raise ValueError(f"{self.kind} {name} is registered twice")
        self[name] = implementation
        self.families[name] = family or implementation.__module__.rsplit(".", 1)[-1]
        return implementation

    def register(self, *names: str) -> Callable[[F], F]:
        """Decorator: register the decorated function under every one of ``names``."""

        def decorate(implementation: F) -> F:
            for name in names:
                self.add(name, implementation)
            return implementation

        return decorate
