"""The operator table of the aggregation expression language.

``OPERATORS`` maps an operator name (``"$add"``) to its compiler, a function
``compile(arg, ctx, name) -> Evaluator`` that validates ``arg`` and returns a
closure ``evaluate(variables) -> value``.  ``UNSUPPORTED_OPERATORS`` names the
operators MongoDB has and mim deliberately does not evaluate; using one raises
an error naming it.  The README's coverage table is generated from both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...values.errors import ServerError
from ...values.registry import Registry

Evaluator = Callable[[dict], Any]
OperatorCompiler = Callable[[Any, Any, str], Evaluator]

#: operator name -> compiler
OPERATORS: Registry[OperatorCompiler] = Registry("expression operator")

#: operator name -> family (the module that implements it), for the coverage table
FAMILIES: dict[str, str] = OPERATORS.families

#: operator -> why mim does not evaluate it (shown in errors and the README)
UNSUPPORTED_OPERATORS: dict[str, str] = {
    "$toHashedIndexKey": "hashed index keys are planned with hashed indexes",
}


def expression_operator(*names: str) -> Callable[[OperatorCompiler], OperatorCompiler]:
    """Register ``fn`` as the compiler of the operators ``names``."""
    return OPERATORS.register(*names)


def unsupported(name: str) -> ServerError:
    """The error for an operator MongoDB has and mim does not (code 238 NotImplemented)."""
    return ServerError(238, f"{name} is not supported by mim: {UNSUPPORTED_OPERATORS[name]}")
