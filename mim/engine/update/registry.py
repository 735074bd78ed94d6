"""The table of update operators.

``UPDATE_OPERATORS`` maps an operator name (``"$inc"``) to the function that
parses its argument for one path and returns a :class:`Modifier`.  The
README's coverage table is generated from this table, so an operator exists
exactly when it is registered here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..values.registry import Registry

__all__ = ["UPDATE_OPERATORS", "FAMILIES", "update_operator", "ModifierParser"]

#: parse(arg, path) -> Modifier
ModifierParser = Callable[[Any, str], Any]

#: operator name -> argument parser returning a Modifier
UPDATE_OPERATORS: Registry[ModifierParser] = Registry("update operator")

#: operator name -> family (module) for the coverage table
FAMILIES: dict[str, str] = UPDATE_OPERATORS.families


def update_operator(name: str) -> Callable[[ModifierParser], ModifierParser]:
    """Register ``fn(arg, path) -> Modifier`` as the parser of operator ``name``."""
    return UPDATE_OPERATORS.register(name)
