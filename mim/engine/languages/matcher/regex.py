"""``$regex`` / ``$options``: PCRE-style patterns evaluated with Python's ``re``.

Patterns are compiled once at filter-compile time.  The few PCRE spellings
Python lacks (``(?<name>…)``, ``\\z``) are translated; option letters are
validated as the server validates them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from bson.regex import Regex

from ...values.errors import ServerError, bad_value
from ...values.order import regex_flags_to_string, sort_key
from ...values.deadline import regex_search
from .context import MatchContext
from .nodes import LeafNode, MatchNode
from .registry import field_operator

_OPTION_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE,
                 "u": 0, "l": 0}
_NAMED_GROUP = re.compile(r"\(\?<(?![=!])")


def translate_pattern(pattern: str) -> str:
    """PCRE syntax that Python spells differently."""
    if "(?<" in pattern:
        pattern = _NAMED_GROUP.sub("(?P<", pattern)
    if "\\z" in pattern:
        pattern = re.sub(r"(?<!\\)((?:\\\\)*)\\z", r"\1\\Z", pattern)
    return pattern


def options_to_flags(options: str) -> int:
    flags = 0
    for letter in options:
        if letter not in _OPTION_FLAGS:
            raise ServerError(51108, f"invalid flag in regex options: {letter}")
        flags |= _OPTION_FLAGS[letter]
    return flags


@functools.lru_cache(maxsize=1024)
def compile_regex(pattern: str, options: str) -> re.Pattern:
    """Compile a MongoDB regex (pattern + option letters) to a Python pattern."""
    if "\x00" in pattern:
        raise bad_value("Regular expression cannot contain an embedded null byte")
    flags = options_to_flags(options)
    try:
        return re.compile(translate_pattern(pattern), flags)
    except re.error as exc:
        raise ServerError(51091, f"Regular expression is invalid: {exc}") from None


def regex_parts(value: Any) -> tuple[str, str]:
    """(pattern, options) of a ``bson.Regex`` or compiled ``re.Pattern``."""
    if isinstance(value, Regex):
        flags = value.flags
        if isinstance(flags, int):
            flags = regex_flags_to_string(flags)
        return value.pattern, flags
    return value.pattern, regex_flags_to_string(value.flags)


def regex_predicate(value: Any, options: Any, options_first: bool = False
                    ) -> Callable[[Any], bool]:
    """A predicate: strings the pattern finds a match in, or equal regex values.

    ``options_first`` says ``$options`` came before ``$regex`` in the filter, which
    only changes the error code when both carry flags (51074 rather than 51075).
    """
    if isinstance(value, (Regex, re.Pattern)):
        pattern, own_options = regex_parts(value)
        if options:
            if own_options:
                raise ServerError(51074 if options_first else 51075,
                                  "options set in both $regex and $options")
            own_options = options
        options = own_options
    elif isinstance(value, str):
        pattern = value
    else:
        raise bad_value("$regex has to be a string")
    if options is None:
        options = ""
    if not isinstance(options, str):
        raise bad_value("$options has to be a string")
    compiled = compile_regex(pattern, options)
    search = regex_search(compiled)  # maxTimeMS interrupts it
    regex_key = sort_key(Regex(pattern, "".join(sorted(options))))

    def matches(v: Any) -> bool:
        if type(v) is str:
            return search(v) is not None
        if isinstance(v, (Regex, re.Pattern)):
            return sort_key(v) == regex_key
        return False

    return matches


@field_operator("$regex")
def compile_regex_operator(path: str, arg: Any, ctx: MatchContext, options: Any = None,
                           options_first: bool = False) -> MatchNode:
    return LeafNode(path, "$regex", arg, regex_predicate(arg, options, options_first))
