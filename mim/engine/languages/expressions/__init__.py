"""The aggregation expression language, shared by ``$expr``, update pipelines,
find projections and every aggregation stage.

    from mim.engine.languages.expressions import compile_expression, ExpressionContext
    fn = compile_expression({"$add": ["$a", 1]}, ExpressionContext())
    fn({"ROOT": doc, "CURRENT": doc})

``compile_expression`` validates the whole expression first and raises
:class:`~mim.engine.values.errors.ServerError` with MongoDB's code and message; the
returned evaluator takes the variables in scope (``ROOT``, ``CURRENT``,
``NOW``, user variables) and returns the value, ``MISSING`` for an absent
field.  ``OPERATORS`` is the registry (operator name -> compiler) the README's
coverage table is generated from.
"""

from . import (accumulators, arithmetic, array, bitwise, boolean, comparison,  # noqa: F401
               conditional, dates, javascript, misc, objects, regex, sets, string,
               trigonometry, types, variables)
from .compiler import (compile_expression, compile_expression_object, compile_operand,
                       evaluate_path, path_value)
from .context import BUILTIN_VARIABLES, ExpressionContext
from .registry import FAMILIES, OPERATORS, UNSUPPORTED_OPERATORS, expression_operator

__all__ = [
    "compile_expression", "compile_expression_object", "compile_operand", "ExpressionContext",
    "BUILTIN_VARIABLES", "OPERATORS", "FAMILIES", "UNSUPPORTED_OPERATORS",
    "expression_operator", "path_value", "evaluate_path", "evaluation_variables",
]


def evaluation_variables(document: dict, let: dict | None = None, **system) -> dict:
    """The ``variables`` dict for evaluating against ``document`` (ROOT = CURRENT = it)."""
    scope = {"ROOT": document, "CURRENT": document}
    if let:
        scope.update(let)
    scope.update(system)
    return scope
