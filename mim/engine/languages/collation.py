"""Collations: locale-aware string comparison, as MongoDB 7.0 does it with ICU.

A collation document is parsed and validated here exactly as the server's
``CollatorFactoryICU::makeFromBSON`` does (same checks, same order, same codes
and messages).  ``{locale: "simple"}`` (or no collation) means binary
comparison and gives ``None``: every caller keeps its code-point path, so an
operation without a collation pays one ``is None`` test and nothing else.

Anything else becomes a :class:`Collation`, whose :meth:`Collation.sort_key`
replaces :func:`~mim.engine.values.order.sort_key` wherever strings are
compared: strings (also inside documents and arrays) key by their ICU sort key,
so equality, order, ``$in`` sets, ``$group`` keys, unique indexes and index
order all follow the collation through one function.

The Unicode Collation Algorithm with CLDR tailorings comes from ICU through
PyICU (the ``pyicu-wheels`` binary wheels: the ``collation`` extra).  Without
it, a non-simple collation is refused with code 238 rather than compared
differently from the server.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from ..values.errors import ServerError
from ..values.order import collated_sort_key, is_number, type_name
from ..values.render import render, render_document

try:  # ICU is a C++ library: an optional extra, never a core dependency
    import icu
except ImportError:  # pragma: no cover - exercised by monkeypatching ICU away
    icu = None

__all__ = ["Collation", "parse_collation", "check_collation", "collation_spec_of",
           "ICU_AVAILABLE", "COLLATION_VERSION"]

#: the ICU version MongoDB 7.0 vendors and reports as every collation's ``version``
COLLATION_VERSION = "57.1"

ICU_AVAILABLE = icu is not None

_SIMPLE = "simple"
#: the order ``CollationSpec::toBSON`` writes the fields in (listIndexes, listCollections)
_SPEC_FIELDS = ("locale", "caseLevel", "caseFirst", "strength", "numericOrdering",
                "alternate", "maxVariable", "normalization", "backwards", "version")


class Collation:
    """One parsed, valid, non-simple collation.

    ``spec`` is the full specification the server reports (every option
    resolved against the locale's defaults, ``version`` included); two
    collations are equal when their specs are, which is what decides whether
    an index can serve a query.  ``sort_key`` keys any BSON value, with
    strings compared by the collation.
    """

    __slots__ = ("spec", "string_key", "sort_key", "_hash")

    def __init__(self, spec: dict, string_key: Callable[[str], bytes]) -> None:
        self.spec = spec
        self.string_key = string_key
        self.sort_key: Callable[[Any], tuple] = functools.partial(collated_sort_key,
                                                                  string_key=string_key)
        self._hash = hash(tuple(spec.items()))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Collation) and other.spec == self.spec

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"Collation({self.spec!r})"


def collation_spec_of(collation: "Collation | None") -> dict:
    """The document a reply shows for a resolved collation (simple: ``{locale: "simple"}``)."""
    return dict(collation.spec) if collation is not None else {"locale": _SIMPLE}


def check_collation(collation: Any) -> None:
    """Validate a ``collation`` argument as the server does (the command dispatcher
    calls this before anything runs)."""
    parse_collation(collation)


def parse_collation(collation: Any) -> "Collation | None":
    """The collation a ``collation`` argument asks for: None for the simple
    (binary) collation, else a :class:`Collation`; invalid documents raise the
    server's error."""
    if collation is None:
        return None
    if not isinstance(collation, Mapping):
        raise ServerError(14, f"BSON field 'collation' is the wrong type "
                              f"'{type_name(collation)}', expected type 'object'")
    if not collation:
        return None  # an empty collation document asks for none (the server's isEmpty())
    try:
        key = tuple((k, type(v), v) for k, v in collation.items())
        hash(key)
    except TypeError:  # an unhashable option value: invalid, _parse says how
        return _parse(collation)
    return _parse_cached(key)


@functools.lru_cache(maxsize=256)
def _parse_cached(key: tuple) -> "Collation | None":
    """One ICU collator per distinct collation document (creating one costs ~50 µs)."""
    return _parse({k: v for k, _, v in key})


def _parse(spec: Mapping) -> "Collation | None":
    locale = _string_field(spec, "locale", required=True)
    if "\0" in locale:
        raise ServerError(2, f"Field 'locale' cannot contain null byte. Collation spec: "
                             f"{render_document(spec)}")
    if locale == _SIMPLE:
        if len(spec) > 1:
            raise ServerError(9, f"If locale=simple, no other fields should be present in: "
                                 f"{render_document(spec)}")
        return None
    if icu is None:
        raise ServerError(238, "a collation other than {locale: \"simple\"} needs ICU, which is "
                               "not installed: pip install 'mim-odm[collation]' (PyICU)")
    return _IcuCollationBuilder(spec, locale).build()


def _typed_field(spec: Mapping, name: str, expected: type, label: str,
                 required: bool = False) -> Any:
    """``bsonExtractTypedField``: absent (None, or 4 when required), a value of the
    expected type, or TypeMismatch naming it."""
    if name not in spec:
        if required:
            raise ServerError(4, f'Missing expected field "{name}"')
        return None
    value = spec[name]
    if type(value) is not expected:
        raise ServerError(14, f'"{name}" had the wrong type. Expected {label}, found '
                              f'{type_name(value)}')
    return value


def _string_field(spec: Mapping, name: str, required: bool = False) -> Any:
    """``bsonExtractStringField``: absent (None), a string, or TypeMismatch."""
    return _typed_field(spec, name, str, "string", required)


def _bool_field(spec: Mapping, name: str) -> Any:
    """``bsonExtractBooleanField``: absent (None), a bool, or TypeMismatch."""
    return _typed_field(spec, name, bool, "bool")


def _integer_field(spec: Mapping, name: str) -> Any:
    """``bsonExtractIntegerField``: absent (None), a whole number, or the server's error."""
    if name not in spec:
        return None
    value = spec[name]
    if not is_number(value):
        raise ServerError(14, f'Expected field "{name}" to have numeric type, but found '
                              f'{type_name(value)}')
    try:
        whole = int(str(value)) if not isinstance(value, (int, float)) else int(value)
        exact = whole == (value.to_decimal() if hasattr(value, "to_decimal") else value)
    except (ValueError, OverflowError):
        exact = False
    if not exact or not -2**63 <= whole < 2**63:
        raise ServerError(2, f'Expected field "{name}" to have a value exactly representable '
                             f'as a 64-bit integer, but found {name}: {render(value)}')
    return whole


_STRENGTHS = {1: "PRIMARY", 2: "SECONDARY", 3: "TERTIARY", 4: "QUATERNARY", 5: "IDENTICAL"}
#: each table's first entry is what an ICU value outside it reads as
_CASE_FIRST = {"off": "OFF", "upper": "UPPER_FIRST", "lower": "LOWER_FIRST"}
_ALTERNATE = {"non-ignorable": "NON_IGNORABLE", "shifted": "SHIFTED"}


class _IcuCollationBuilder:
    """``parseToCollationSpec``: each option read, checked and set on the ICU
    collator in the server's order; absent ones take the locale's defaults."""

    def __init__(self, spec: Mapping, locale: str) -> None:
        self.spec = spec
        self.locale = locale
        self.parsed = 1  # the locale

    def build(self) -> Collation:
        spec, A = self.spec, icu.UCollAttribute
        user_locale = icu.Locale.createFromName(self.locale)
        if user_locale.isBogus():
            raise ServerError(2, f"Field 'locale' is not valid in: {render_document(spec)}")
        collator = icu.Collator.createInstance(user_locale)
        self._validate_locale(collator)
        out: dict[str, Any] = {"locale": user_locale.getName() or "root"}

        out["caseLevel"] = self._switch(collator, "caseLevel", A.CASE_LEVEL)
        out["caseFirst"] = self._choice(collator, "caseFirst", _string_field, _CASE_FIRST,
                                        A.CASE_FIRST, "'upper', 'lower', or 'off'")
        out["strength"] = self._choice(collator, "strength", _integer_field, _STRENGTHS,
                                       A.STRENGTH, "an integer 1 through 5")
        out["numericOrdering"] = self._switch(collator, "numericOrdering", A.NUMERIC_COLLATION)
        out["alternate"] = self._choice(collator, "alternate", _string_field, _ALTERNATE,
                                        A.ALTERNATE_HANDLING, "'non-ignorable' or 'shifted'")

        max_variable = _string_field(spec, "maxVariable")
        if max_variable is not None:
            self.parsed += 1
            if max_variable not in ("punct", "space"):
                raise ServerError(9, f"Field 'maxVariable' must be 'punct' or 'space'. "
                                     f"Got: {max_variable}")
            # PyICU has no setMaxVariable: setVariableTop pins the variable top to
            # the top of the reordering group holding the character (ICU >= 53)
            collator.setVariableTop(" " if max_variable == "space" else "!")
        out["maxVariable"] = "space" if collator.getVariableTop() == _space_top() else "punct"

        out["normalization"] = self._switch(collator, "normalization", A.NORMALIZATION_MODE)
        out["backwards"] = self._switch(collator, "backwards", A.FRENCH_COLLATION)

        out["version"] = COLLATION_VERSION
        version = _string_field(spec, "version")
        if version is not None:
            if version != COLLATION_VERSION:
                raise ServerError(161, f"Requested collation version {version} but the only "
                                       f"available collator version was {COLLATION_VERSION}. "
                                       f"Requested collation spec: {render_document(spec)}")
            self.parsed += 1
        if self.parsed < len(spec):
            raise ServerError(9, f"Collation spec contains unknown field. Collation spec: "
                                 f"{render_document(spec)}")
        _check_combinations(out)
        return Collation(out, collator.getSortKey)

    def _switch(self, collator: Any, name: str, attribute: Any) -> bool:
        """An on/off option: set on the collator when given; the value in force."""
        V = icu.UCollAttributeValue
        value = _bool_field(self.spec, name)
        if value is not None:
            self.parsed += 1
            collator.setAttribute(attribute, V.ON if value else V.OFF)
        return collator.getAttribute(attribute) == V.ON

    def _choice(self, collator: Any, name: str, read: Any, choices: Mapping[Any, str],
                attribute: Any, allowed: str) -> Any:
        """An option with a few values (``choices``: each with its ICU attribute value):
        set when given (9 for another value); the value in force (the first choice,
        each table's "off"/default one, when ICU answers one not in the table)."""
        V = icu.UCollAttributeValue
        value = read(self.spec, name)
        if value is not None:
            self.parsed += 1
            if value not in choices:
                raise ServerError(9, f"Field '{name}' must be {allowed}. Got: {value}")
            collator.setAttribute(attribute, getattr(V, choices[value]))
        current = collator.getAttribute(attribute)
        return next((option for option, icu_name in choices.items()
                     if getattr(V, icu_name) == current), next(iter(choices)))

    def _validate_locale(self, collator: Any) -> None:
        """``validateLocaleID``: the locale ICU would really use must be the one asked for."""
        valid = collator.getLocale(icu.ULocDataLocaleType.VALID_LOCALE).getName() or "root"
        if self.locale == "":
            raise ServerError(2, f"Field 'locale' cannot be the empty string in: "
                                 f"{render_document(self.spec)}")
        if self.locale != valid:
            message = f"Field 'locale' is invalid in: {render_document(self.spec)}"
            if valid != "root":
                message += f". Did you mean '{valid}'?"
            raise ServerError(2, message)


def _check_combinations(spec: dict) -> None:
    """``validateCollationSpec``: options that cannot have an effect are refused."""
    if spec["backwards"] and spec["strength"] == 1:
        raise ServerError(2, f"'backwards' is invalid with 'strength' of 1 in: "
                             f"{render_document(spec)}")
    if spec["caseFirst"] != "off" and not spec["caseLevel"] and spec["strength"] in (1, 2):
        raise ServerError(2, f"'caseFirst' is invalid unless 'caseLevel' is on or 'strength' "
                             f"is greater than 2 in: {render_document(spec)}")


@functools.lru_cache(maxsize=1)
def _space_top() -> int:
    """The variable top of ``maxVariable: "space"`` in this ICU."""
    collator = icu.Collator.createInstance(icu.Locale.getRoot())
    collator.setVariableTop(" ")
    return collator.getVariableTop()
