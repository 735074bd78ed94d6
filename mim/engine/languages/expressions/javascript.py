"""``$function``: JavaScript, which mim never runs.

mim has no JavaScript engine, so it answers as a ``mongod --noscripting`` does:
the operator is parsed and checked as ``ExpressionFunction::parse`` checks it,
and evaluating it fails as ``ExpressionContext::getJsExecWithScope`` fails
without a script engine (31264): a pipeline that never evaluates it (an empty
collection, an untaken ``$cond`` branch) succeeds, as it does there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...values.errors import ServerError
from ...values.order import type_name
from .compiler import compile_operand, is_constant
from .registry import Evaluator, expression_operator

__all__ = ["NO_SCRIPT_ENGINE", "no_script_engine"]

#: ``getJsExecWithScope``'s refusal on a server without a script engine
NO_SCRIPT_ENGINE = (31264, "Cannot run server-side javascript without the javascript engine "
                           "enabled")


def no_script_engine() -> ServerError:
    """The error of running JavaScript on a server without a script engine."""
    return ServerError(*NO_SCRIPT_ENGINE)


@expression_operator("$function")
def compile_function(arg: Any, ctx: Any, name: str) -> Evaluator:
    if ctx.validator:
        raise ServerError(4660800, "$function cannot be used inside a validator.")
    if not isinstance(arg, Mapping):
        raise ServerError(31260, f"$function requires an object as an argument, found: "
                                 f"{type_name(arg)}")
    if "body" not in arg:
        raise ServerError(31261, "The body function must be specified.")
    body = compile_operand(arg["body"], ctx)
    if not is_constant(body):
        raise ServerError(31432, "The body function must be a constant expression")
    if not isinstance(body.constant_value, str):  # type: ignore[attr-defined]
        raise ServerError(31262, "The body function must evaluate to type string or code")
    if "args" not in arg:
        raise ServerError(31263, "The args field must be specified.")
    compile_operand(arg["args"], ctx)
    if "lang" not in arg:
        raise ServerError(31418, "The lang field must be specified.")
    if not isinstance(arg["lang"], str) or arg["lang"] != "js":
        raise ServerError(31419, "Currently the only supported language specifier is 'js'.")

    def evaluate(variables: dict) -> Any:
        raise no_script_engine()

    return evaluate
