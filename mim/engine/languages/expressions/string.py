"""String operators: $concat $indexOfBytes $indexOfCP $ltrim $rtrim $trim $replaceOne
$replaceAll $split $strLenBytes $strLenCP $strcasecmp $substr $substrBytes
$substrCP $toLower $toUpper (regular expressions live in regex.py).

Byte-oriented operators work on the UTF-8 encoding, code-point operators on
the characters; $toLower/$toUpper/$strcasecmp change ASCII letters only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...values.errors import ServerError
from ...values.order import type_name
from ...values.limits import MAX_BUFFER_BYTES, check_string_buffer
from .coercion import (coerce_to_string, index_bound, is_integral, is_numeric, nullish, to_long,
                       value_repr)
from .compiler import compile_operand, fixed_arity, parse_arguments, ranged_arity
from .registry import expression_operator

_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

_DEFAULT_TRIM = frozenset("\0 \t\n\x0b\x0c\r\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
                          "\u2006\u2007\u2008\u2009\u200a")


@expression_operator("$concat")
def compile_concat(arg: Any, ctx: Any, name: str):
    args = parse_arguments(arg, ctx)

    def evaluate(variables: dict) -> Any:
        parts = []
        for fn in args:
            value = fn(variables)
            if nullish(value):
                return None
            if type(value) is not str:
                raise ServerError(16702, f"$concat only supports strings, not "
                                         f"{type_name(value)}")
            parts.append(value)
        if sum(map(len, parts)) > MAX_BUFFER_BYTES // 4:  # may be past 64 MB in UTF-8
            check_string_buffer(sum(len(p) if p.isascii() else len(p.encode("utf-8"))
                                    for p in parts))
        return "".join(parts)

    return evaluate


def _compile_index_of(arg: Any, ctx: Any, name: str, codes: tuple[int, int], as_bytes: bool):
    args = ranged_arity(name, arg, ctx, 2, 4)

    def evaluate(variables: dict) -> Any:
        haystack = args[0](variables)
        if nullish(haystack):
            return None
        if type(haystack) is not str:
            raise ServerError(codes[0], f"{name} requires a string as the first argument, "
                                        f"found: {type_name(haystack)}")
        needle = args[1](variables)
        if type(needle) is not str:
            raise ServerError(codes[1], f"{name} requires a string as the second argument, "
                                        f"found: {type_name(needle)}")
        text: Any = haystack.encode("utf-8") if as_bytes else haystack
        token: Any = needle.encode("utf-8") if as_bytes else needle
        start, end = 0, len(text)
        if len(args) > 2:
            start = index_bound(args[2](variables), name, "starting index")
        if len(args) > 3:
            end = min(end, index_bound(args[3](variables), name, "ending index"))
        if as_bytes:
            if start > len(text) or end < start:
                return -1
            return text.find(token, start, end)
        if end < start:
            return -1
        if not text and not token and start == 0:
            return 0
        for i in range(start, end):
            if text.startswith(token, i):
                return i
        return -1

    return evaluate


@expression_operator("$indexOfBytes")
def compile_index_of_bytes(arg: Any, ctx: Any, name: str):
    return _compile_index_of(arg, ctx, name, (40091, 40092), True)


@expression_operator("$indexOfCP")
def compile_index_of_cp(arg: Any, ctx: Any, name: str):
    return _compile_index_of(arg, ctx, name, (40093, 40094), False)


@expression_operator("$trim", "$ltrim", "$rtrim")
def compile_trim(arg: Any, ctx: Any, name: str):
    if not isinstance(arg, Mapping):
        raise ServerError(50696, f"{name} only supports an object as an argument, found "
                                 f"{type_name(arg)}")
    input_fn = chars_fn = None
    for key, value in arg.items():
        if key == "input":
            input_fn = compile_operand(value, ctx)
        elif key == "chars":
            chars_fn = compile_operand(value, ctx)
        else:
            raise ServerError(50694, f"{name} found an unknown argument: {key}")
    if input_fn is None:
        raise ServerError(50695, f"{name} requires an 'input' field")
    left = name in ("$trim", "$ltrim")
    right = name in ("$trim", "$rtrim")

    def evaluate(variables: dict) -> Any:
        text = input_fn(variables)
        if nullish(text):
            return None
        if type(text) is not str:
            raise ServerError(50699, f"{name} requires its input to be a string, got "
                                     f"{value_repr(text)} (of type {type_name(text)}) instead.")
        chars = _DEFAULT_TRIM
        if chars_fn is not None:
            given = chars_fn(variables)
            if nullish(given):
                return None
            if type(given) is not str:
                raise ServerError(50700, f"{name} requires 'chars' to be a string, got "
                                         f"{value_repr(given)} (of type {type_name(given)}) "
                                         "instead.")
            chars = frozenset(given)
        start, end = 0, len(text)
        if left:
            while start < end and text[start] in chars:
                start += 1
        if right:
            while end > start and text[end - 1] in chars:
                end -= 1
        return text[start:end]

    return evaluate


def _compile_replace(arg: Any, ctx: Any, name: str, replace_all: bool):
    if not isinstance(arg, Mapping):
        raise ServerError(51751, f"{name} requires an object as an argument, found: "
                                 f"{type_name(arg)}")
    fns: dict[str, Any] = {}
    for key, value in arg.items():
        if key not in ("input", "find", "replacement"):
            raise ServerError(51750, f"{name} found an unknown argument: {key}")
        fns[key] = compile_operand(value, ctx)
    for key, code in (("input", 51749), ("find", 51748), ("replacement", 51747)):
        if key not in fns:
            raise ServerError(code, f"{name} requires '{key}' to be specified")
    input_fn, find_fn, repl_fn = fns["input"], fns["find"], fns["replacement"]

    def evaluate(variables: dict) -> Any:
        text, find, repl = input_fn(variables), find_fn(variables), repl_fn(variables)
        for what, value, code in (("input", text, 51746), ("find", find, 51745),
                                  ("replacement", repl, 51744)):
            if not (type(value) is str or nullish(value)):
                raise ServerError(code, f"{name} requires that '{what}' be a string, found: "
                                        f"{value_repr(value)}")
        if nullish(text) or nullish(find) or nullish(repl):
            return None
        if replace_all:
            return text.replace(find, repl)
        return text.replace(find, repl, 1)

    return evaluate


@expression_operator("$replaceOne")
def compile_replace_one(arg: Any, ctx: Any, name: str):
    return _compile_replace(arg, ctx, name, False)


@expression_operator("$replaceAll")
def compile_replace_all(arg: Any, ctx: Any, name: str):
    return _compile_replace(arg, ctx, name, True)


@expression_operator("$split")
def compile_split(arg: Any, ctx: Any, name: str):
    text_fn, sep_fn = fixed_arity(name, arg, ctx, 2)

    def evaluate(variables: dict) -> Any:
        text, sep = text_fn(variables), sep_fn(variables)
        if nullish(text) or nullish(sep):
            return None
        if type(text) is not str:
            raise ServerError(40085, "$split requires an expression that evaluates to a string "
                                     f"as a first argument, found: {type_name(text)}")
        if type(sep) is not str:
            raise ServerError(40086, "$split requires an expression that evaluates to a string "
                                     f"as a second argument, found: {type_name(sep)}")
        if not sep:
            raise ServerError(40087, "$split requires a non-empty separator")
        return text.split(sep)

    return evaluate


@expression_operator("$strLenBytes")
def compile_str_len_bytes(arg: Any, ctx: Any, name: str):
    (operand,) = fixed_arity(name, arg, ctx, 1)

    def evaluate(variables: dict) -> Any:
        value = operand(variables)
        if type(value) is not str:
            raise ServerError(34473, f"$strLenBytes requires a string argument, found: "
                                     f"{type_name(value)}")
        return len(value.encode("utf-8"))

    return evaluate


@expression_operator("$strLenCP")
def compile_str_len_cp(arg: Any, ctx: Any, name: str):
    (operand,) = fixed_arity(name, arg, ctx, 1)

    def evaluate(variables: dict) -> Any:
        value = operand(variables)
        if type(value) is not str:
            raise ServerError(34471, f"$strLenCP requires a string argument, found: "
                                     f"{type_name(value)}")
        return len(value)

    return evaluate


@expression_operator("$strcasecmp")
def compile_strcasecmp(arg: Any, ctx: Any, name: str):
    lhs_fn, rhs_fn = fixed_arity(name, arg, ctx, 2)

    def evaluate(variables: dict) -> int:
        a = coerce_to_string(lhs_fn(variables)).translate(_UPPER).encode("utf-8")
        b = coerce_to_string(rhs_fn(variables)).translate(_UPPER).encode("utf-8")
        return (a > b) - (a < b)

    return evaluate


@expression_operator("$toLower", "$toUpper")
def compile_case(arg: Any, ctx: Any, name: str):
    (operand,) = fixed_arity(name, arg, ctx, 1)
    table = _LOWER if name == "$toLower" else _UPPER
    return lambda variables: coerce_to_string(operand(variables)).translate(table)


def _is_continuation(byte: int) -> bool:
    return (byte & 0xC0) == 0x80


@expression_operator("$substrBytes", "$substr")
def compile_substr_bytes(arg: Any, ctx: Any, name: str):
    text_fn, start_fn, length_fn = fixed_arity(name, arg, ctx, 3)
    op = "$substrBytes"

    def evaluate(variables: dict) -> Any:
        raw = coerce_to_string(text_fn(variables)).encode("utf-8")
        start, length = start_fn(variables), length_fn(variables)
        if not is_numeric(start):
            raise ServerError(16034, f"{op}:  starting index must be a numeric type (is BSON "
                                     f"type {type_name(start)})")
        if not is_numeric(length):
            raise ServerError(16035, f"{op}:  length must be a numeric type (is BSON type "
                                     f"{type_name(length)})")
        lower = to_long(start)
        if lower < 0:
            raise ServerError(50752, f"{op}:  starting index must be non-negative (got: "
                                     f"{lower})")
        count = to_long(length)
        count = len(raw) if count < 0 else count
        if lower < len(raw) and _is_continuation(raw[lower]):
            raise ServerError(28656, f"{op}:  Invalid range, starting index is a UTF-8 "
                                     "continuation byte.")
        if lower + count < len(raw) and _is_continuation(raw[lower + count]):
            raise ServerError(28657, f"{op}:  Invalid range, ending index is in the middle of "
                                     "a UTF-8 character.")
        if lower >= len(raw):
            return ""
        return raw[lower:lower + count].decode("utf-8")

    return evaluate


@expression_operator("$substrCP")
def compile_substr_cp(arg: Any, ctx: Any, name: str):
    text_fn, start_fn, length_fn = fixed_arity(name, arg, ctx, 3)

    def evaluate(variables: dict) -> Any:
        text = coerce_to_string(text_fn(variables))
        start, length = start_fn(variables), length_fn(variables)
        if not is_numeric(start):
            raise ServerError(34450, f"{name}: starting index must be a numeric type (is BSON "
                                     f"type {type_name(start)})")
        if not is_integral(start):
            raise ServerError(34451, f"{name}: starting index cannot be represented as a 32-bit "
                                     f"integral value: {value_repr(start)}")
        if not is_numeric(length):
            raise ServerError(34452, f"{name}: length must be a numeric type (is BSON type "
                                     f"{type_name(length)})")
        if not is_integral(length):
            raise ServerError(34453, f"{name}: length cannot be represented as a 32-bit "
                                     f"integral value: {value_repr(length)}")
        begin, count = int(to_long(start)), int(to_long(length))
        if count < 0:
            raise ServerError(34454, f"{name}: length must be a nonnegative integer.")
        if begin < 0:
            raise ServerError(34455, f"{name}: the starting index must be nonnegative integer.")
        return text[begin:begin + count]

    return evaluate
