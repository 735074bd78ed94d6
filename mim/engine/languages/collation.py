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


def _string_field(spec: Mapping, name: str, required: bool = False) -> Any:
    """``bsonExtractStringField``: absent (None), a string, or TypeMismatch."""
    if name not in spec:
        if required:
            raise ServerError(4, f'Missing expected field "{name}"')
        return None
    value = spec[name]
    if type(value) is not str:
        raise ServerError(14, f'"{name}" had the wrong type. Expected string, found '
                              f'{type_name(value)}')
    return value


def _bool_field(spec: Mapping, name: str) -> Any:
    """``bsonExtractBooleanField``: absent (None), a bool, or TypeMismatch."""
    if name not in spec:
        return None
    value = spec[name]
    if type(value) is not bool:
        raise ServerError(14, f'"{name}" had the wrong type. Expected bool, found '
                              f'{type_name(value)}')
    return value


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
_CASE_FIRST = {"upper": "UPPER_FIRST", "lower": "LOWER_FIRST", "off": "OFF"}
_ALTERNATE = {"non-ignorable": "NON_IGNORABLE", "shifted": "SHIFTED"}


class _IcuCollationBuilder:
    """``parseToCollationSpec``: each option read, checked and set on the ICU
    collator in the server's order; absent ones take the locale's defaults."""

    def __init__(self, spec: Mapping, locale: str) -> None:
        self.spec = spec
        self.locale = locale
        self.parsed = 1  # the locale

    def build(self) -> Collation:
        spec, A, V = self.spec, icu.UCollAttribute, icu.UCollAttributeValue
        user_locale = icu.Locale.createFromName(self.locale)
        if user_locale.isBogus():
            raise ServerError(2, f"Field 'locale' is not valid in: {render_document(spec)}")
        collator = icu.Collator.createInstance(user_locale)
        self._validate_locale(collator)
        out: dict[str, Any] = {"locale": user_locale.getName() or "root"}

        case_level = _bool_field(spec, "caseLevel")
        if case_level is not None:
            self.parsed += 1
            collator.setAttribute(A.CASE_LEVEL, V.ON if case_level else V.OFF)
        out["caseLevel"] = collator.getAttribute(A.CASE_LEVEL) == V.ON

        case_first = _string_field(spec, "caseFirst")
        if case_first is not None:
            self.parsed += 1
            if case_first not in _CASE_FIRST:
                raise ServerError(9, f"Field 'caseFirst' must be 'upper', 'lower', or 'off'. "
                                     f"Got: {case_first}")
            collator.setAttribute(A.CASE_FIRST, getattr(V, _CASE_FIRST[case_first]))
        out["caseFirst"] = {V.UPPER_FIRST: "upper", V.LOWER_FIRST: "lower"}.get(
            collator.getAttribute(A.CASE_FIRST), "off")

        strength = _integer_field(spec, "strength")
        if strength is not None:
            self.parsed += 1
            if strength not in _STRENGTHS:
                raise ServerError(9, f"Field 'strength' must be an integer 1 through 5. "
                                     f"Got: {strength}")
            collator.setAttribute(A.STRENGTH, getattr(V, _STRENGTHS[strength]))
        current = collator.getAttribute(A.STRENGTH)
        out["strength"] = next(n for n, name in _STRENGTHS.items()
                               if getattr(V, name) == current)

        numeric = _bool_field(spec, "numericOrdering")
        if numeric is not None:
            self.parsed += 1
            collator.setAttribute(A.NUMERIC_COLLATION, V.ON if numeric else V.OFF)
        out["numericOrdering"] = collator.getAttribute(A.NUMERIC_COLLATION) == V.ON

        alternate = _string_field(spec, "alternate")
        if alternate is not None:
            self.parsed += 1
            if alternate not in _ALTERNATE:
                raise ServerError(9, f"Field 'alternate' must be 'non-ignorable' or 'shifted'. "
                                     f"Got: {alternate}")
            collator.setAttribute(A.ALTERNATE_HANDLING, getattr(V, _ALTERNATE[alternate]))
        out["alternate"] = "shifted" if collator.getAttribute(A.ALTERNATE_HANDLING) \
            == V.SHIFTED else "non-ignorable"

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

        normalization = _bool_field(spec, "normalization")
        if normalization is not None:
            self.parsed += 1
            collator.setAttribute(A.NORMALIZATION_MODE, V.ON if normalization else V.OFF)
        out["normalization"] = collator.getAttribute(A.NORMALIZATION_MODE) == V.ON

        backwards = _bool_field(spec, "backwards")
        if backwards is not None:
            self.parsed += 1
            collator.setAttribute(A.FRENCH_COLLATION, V.ON if backwards else V.OFF)
        out["backwards"] = collator.getAttribute(A.FRENCH_COLLATION) == V.ON

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
