"""The table of update operators.

``UPDATE_OPERATORS`` maps an operator name (``"$inc"``) to the function that
parses its argument for one path and returns a :class:`Modifier`.  The
README's coverage table is generated from this table, so an operator exists
exactly when it is registered here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["UPDATE_OPERATORS", "FAMILIES", "update_operator", "ModifierParser"]

#: parse(arg, path) -> Modifier
ModifierParser = Callable[[Any, str], Any]

#: operator name -> argument parser returning a Modifier
UPDATE_OPERATORS: dict[str, ModifierParser] = {}

#: operator name -> family (module) for the coverage table
FAMILIES: dict[str, str] = {}


def update_operator(name: str) -> Callable[[ModifierParser], ModifierParser]:
    """Register ``fn(arg, path) -> Modifier`` as the parser of operator ``name``."""

    def register(fn: ModifierParser) -> ModifierParser:
        if name in UPDATE_OPERATORS:
            raise RuntimeError(f"duplicate update operator {name}")
        UPDATE_OPERATORS[name] = fn
        FAMILIES[name] = fn.__module__.rsplit(".", 1)[-1]
        return fn

    return register
