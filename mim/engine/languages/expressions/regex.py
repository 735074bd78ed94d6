"""Regular-expression operators: $regexFind $regexFindAll $regexMatch.

Patterns are PCRE in MongoDB and Python ``re`` here; the common syntax is the
same.  Options: i, m, s, x (and u, always on for str patterns).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bson.regex import Regex

from ...values.errors import ServerError
from ...values.order import MISSING, type_name
from ...values.deadline import regex_search
from .coercion import nullish
from .compiler import compile_operand, is_constant
from .registry import expression_operator

_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE, "u": 0}


def _regex_flags(value: Regex | re.Pattern) -> str:
    if isinstance(value, re.Pattern):
        flags = value.flags
    else:
        flags = value.flags
    if isinstance(flags, str):
        return flags
    out = ""
    for letter, bit in (("i", re.IGNORECASE), ("m", re.MULTILINE), ("s", re.DOTALL),
                        ("x", re.VERBOSE)):
        if flags & bit:
            out += letter
    return out


def _resolve(name: str, regex: Any, options: Any) -> tuple[str | None, str]:
    """(pattern, options) after MongoDB's validation; pattern None when nullish."""
    if not (nullish(regex) or isinstance(regex, (str, Regex, re.Pattern))):
        raise ServerError(51105, f"{name} needs 'regex' to be of type string or regex")
    if not (nullish(options) or isinstance(options, str)):
        raise ServerError(51106, f"{name} needs 'options' to be of type string")
    pattern = None
    flags = ""
    if isinstance(regex, (Regex, re.Pattern)):
        pattern = regex.pattern
        regex_flags = _regex_flags(regex)
        if regex_flags and not nullish(options):
            raise ServerError(51107, f"{name}: found regex option(s) specified in both 'regex' "
                                     "and 'option' fields")
        flags = regex_flags
    elif isinstance(regex, str):
        pattern = regex
    if not nullish(options):
        flags = options
    if pattern is not None and "\0" in pattern:
        raise ServerError(51109, f"{name}: regular expression cannot contain an embedded null "
                                 "byte")
    if "\0" in flags:
        raise ServerError(51110, f"{name}: regular expression options cannot contain an "
                                 "embedded null byte")
    return pattern, flags


def compile_pattern(name: str, pattern: str, flags: str) -> re.Pattern:
    bits = 0
    for letter in flags:
        if letter not in _FLAGS:
            raise ServerError(51108, f"{name} invalid flag in regex options: {letter}")
        bits |= _FLAGS[letter]
    try:
        return re.compile(pattern, bits)
    except re.error as exc:
        raise ServerError(51111, f"Invalid Regex in {name}: {exc}") from None


def _parse(arg: Any, ctx: Any, name: str):
    if not isinstance(arg, Mapping):
        raise ServerError(51103, f"{name} expects an object of named arguments but found: "
                                 f"{type_name(arg)}")
    fns: dict[str, Any] = {}
    for key, value in arg.items():
        if key not in ("input", "regex", "options"):
            raise ServerError(31024, f"{name} found an unknown argument: {key}")
        fns[key] = compile_operand(value, ctx)
    if "input" not in fns:
        raise ServerError(31022, f"{name} requires 'input' parameter")
    if "regex" not in fns:
        raise ServerError(31023, f"{name} requires 'regex' parameter")
    input_fn, regex_fn = fns["input"], fns["regex"]
    options_fn = fns.get("options")
    fixed = None
    if is_constant(regex_fn) and (options_fn is None or is_constant(options_fn)):
        pattern, flags = _resolve(name, regex_fn.constant_value,  # type: ignore[attr-defined]
                                  options_fn.constant_value if options_fn else None)  # type: ignore
        fixed = compile_pattern(name, pattern, flags) if pattern is not None else None

        def state(variables: dict) -> tuple[Any, re.Pattern | None]:
            text = input_fn(variables)
            _check_input(name, text)
            return text, fixed
    else:
        def state(variables: dict) -> tuple[Any, re.Pattern | None]:
            text = input_fn(variables)
            regex = regex_fn(variables)
            options = options_fn(variables) if options_fn else None
            _check_input(name, text)
            pattern, flags = _resolve(name, regex, options)
            return text, (compile_pattern(name, pattern, flags) if pattern is not None else None)
    return state


def _check_input(name: str, text: Any) -> None:
    if not (nullish(text) or isinstance(text, str)):
        raise ServerError(51104, f"{name} needs 'input' to be of type string")


def _match_doc(m: re.Match) -> dict:
    return {"match": m.group(0), "idx": m.start(),
            "captures": [g if g is not None else None for g in m.groups()]}


@expression_operator("$regexFind")
def compile_regex_find(arg: Any, ctx: Any, name: str):
    state = _parse(arg, ctx, name)

    def evaluate(variables: dict) -> Any:
        text, pattern = state(variables)
        if nullish(text) or pattern is None:
            return None
        m = regex_search(pattern)(text)
        return _match_doc(m) if m else None

    return evaluate


@expression_operator("$regexFindAll")
def compile_regex_find_all(arg: Any, ctx: Any, name: str):
    state = _parse(arg, ctx, name)

    def evaluate(variables: dict) -> Any:
        text, pattern = state(variables)
        if nullish(text) or pattern is None:
            return []
        out = []
        pos = 0
        search = regex_search(pattern)
        while True:
            m = search(text, pos)
            if not m:
                break
            out.append(_match_doc(m))
            pos = m.end() if m.end() > m.start() else m.start() + 1
            if pos >= len(text):
                break
        return out

    return evaluate


@expression_operator("$regexMatch")
def compile_regex_match(arg: Any, ctx: Any, name: str):
    state = _parse(arg, ctx, name)

    def evaluate(variables: dict) -> bool:
        text, pattern = state(variables)
        if nullish(text) or pattern is None:
            return False
        return regex_search(pattern)(text) is not None

    return evaluate


__all__ = ["compile_pattern", "MISSING"]
