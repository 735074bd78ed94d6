"""The unified test format's rules for matching an actual value against an expected one.

:func:`match` returns ``None`` when *actual* matches *expected*, otherwise a short
message naming the path of the first difference.  The rules, from the format's
specification ("Evaluating Matches"):

* root-level documents (an ``expectResult`` document, each document of an expected
  array at the root) may hold extra fields; nested documents may not;
* arrays match element by element and must have the same length;
* numbers (int, Int64, double) are equal when their values are (``True`` is not 1;
  Decimal128 only equals Decimal128);
* special operators: ``$$exists``, ``$$type``, ``$$unsetOrMatches``,
  ``$$matchesEntity``, ``$$matchesHexBytes``, ``$$lte``, ``$$matchAsDocument``,
  ``$$matchAsRoot`` (``$$sessionLsid`` compares with the session entity's id).
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping
from typing import Any, Callable

from bson import json_util
from bson.binary import Binary
from bson.code import Code
from bson.dbref import DBRef
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.max_key import MaxKey
from bson.min_key import MinKey
from bson.objectid import ObjectId
from bson.regex import Regex
from bson.timestamp import Timestamp

__all__ = ["match", "match_exact", "bson_type_names", "UNSET"]


class _Unset:
    """An absent value (a missing field), distinct from ``None``."""

    def __repr__(self) -> str:
        return "<unset>"


UNSET = _Unset()

EntityLookup = Callable[[str], Any]


def bson_type_names(value: Any) -> set[str]:
    """The ``$type`` aliases *value* answers to (``"number"`` included for numbers)."""
    if value is None:
        return {"null"}
    if isinstance(value, bool):
        return {"bool"}
    if isinstance(value, Int64):
        return {"long", "number"}
    if isinstance(value, int):
        return {"int", "number"} if -2**31 <= value < 2**31 else {"long", "number"}
    if isinstance(value, float):
        return {"double", "number"}
    if isinstance(value, Decimal128):
        return {"decimal", "number"}
    if isinstance(value, str):
        return {"string"}
    if isinstance(value, (Mapping, DBRef)):
        return {"object"}
    if isinstance(value, (list, tuple)):
        return {"array"}
    if isinstance(value, (Binary, bytes)):
        return {"binData"}
    if isinstance(value, ObjectId):
        return {"objectId"}
    if isinstance(value, datetime.datetime):
        return {"date"}
    if isinstance(value, Timestamp):
        return {"timestamp"}
    if isinstance(value, (Regex, re.Pattern)):
        return {"regex"}
    if isinstance(value, Code):
        return {"javascriptWithScope" if value.scope is not None else "javascript"}
    if isinstance(value, MinKey):
        return {"minKey"}
    if isinstance(value, MaxKey):
        return {"maxKey"}
    return {type(value).__name__}


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _numbers_equal(expected: Any, actual: Any) -> bool:
    if isinstance(expected, float) and isinstance(actual, float) and \
            math.isnan(expected) and math.isnan(actual):
        return True
    return expected == actual


def _scalar_equal(expected: Any, actual: Any) -> bool:
    if _is_number(expected) or _is_number(actual):
        return _is_number(expected) and _is_number(actual) and _numbers_equal(expected, actual)
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, Decimal128) or isinstance(actual, Decimal128):
        if not (isinstance(expected, Decimal128) and isinstance(actual, Decimal128)):
            return False
        e, a = expected.to_decimal(), actual.to_decimal()
        return (e.is_nan() and a.is_nan()) or e == a
    if isinstance(expected, datetime.datetime) and isinstance(actual, datetime.datetime):
        return _naive_utc(expected) == _naive_utc(actual)
    return bool(expected == actual)


def _naive_utc(value: datetime.datetime) -> datetime.datetime:
    if value.tzinfo is not None:
        value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def _show(value: Any) -> str:
    if value is UNSET:
        return "<unset>"
    try:
        text = json_util.dumps(value)
    except Exception:  # noqa: BLE001 - any value must be printable in a message
        text = repr(value)
    return text if len(text) < 300 else text[:297] + "..."


class _Matcher:
    def __init__(self, entity: EntityLookup | None) -> None:
        self.entity = entity

    # -- entry points -------------------------------------------------------------

    def value(self, expected: Any, actual: Any, path: str, root: bool) -> str | None:
        if isinstance(expected, Mapping):
            special = self._special(expected)
            if special is not None:
                return self._operator(special, expected[special], actual, path, root)
            if not isinstance(actual, Mapping):
                return f"{path}: expected a document {_show(expected)}, got {_show(actual)}"
            return self.document(expected, actual, path, root)
        if actual is UNSET:
            return f"{path}: expected {_show(expected)}, the field is missing"
        if isinstance(expected, (list, tuple)):
            if not isinstance(actual, (list, tuple)):
                return f"{path}: expected an array {_show(expected)}, got {_show(actual)}"
            if len(expected) != len(actual):
                return (f"{path}: expected {len(expected)} elements, got {len(actual)}: "
                        f"{_show(actual)}")
            for index, (e, a) in enumerate(zip(expected, actual)):
                problem = self.value(e, a, f"{path}[{index}]",
                                     root=root and isinstance(e, Mapping))
                if problem:
                    return problem
            return None
        if not _scalar_equal(expected, actual):
            return f"{path}: expected {_show(expected)}, got {_show(actual)}"
        return None

    def document(self, expected: Mapping, actual: Mapping, path: str, root: bool) -> str | None:
        for key, e in expected.items():
            a = actual[key] if key in actual else UNSET
            problem = self._field(e, a, f"{path}.{key}")
            if problem:
                return problem
        if not root:
            extra = [k for k in actual if k not in expected]
            if extra:
                return f"{path}: unexpected extra fields {extra} in {_show(actual)}"
        return None

    def _field(self, expected: Any, actual: Any, path: str) -> str | None:
        if isinstance(expected, Mapping):
            special = self._special(expected)
            if special in ("$$exists", "$$unsetOrMatches"):
                return self._operator(special, expected[special], actual, path, False)
        if actual is UNSET:
            return f"{path}: expected {_show(expected)}, the field is missing"
        return self.value(expected, actual, path, root=False)

    # -- special operators --------------------------------------------------------

    @staticmethod
    def _special(expected: Mapping) -> str | None:
        if len(expected) == 1:
            key = next(iter(expected))
            if isinstance(key, str) and key.startswith("$$"):
                return key
        return None

    def _operator(self, name: str, arg: Any, actual: Any, path: str, root: bool) -> str | None:
        if name == "$$exists":
            if bool(arg) != (actual is not UNSET):
                return f"{path}: expected the field to {'exist' if arg else 'be absent'}"
            return None
        if name == "$$unsetOrMatches":
            if actual is UNSET:
                return None
            return self.value(arg, actual, path, root)
        if actual is UNSET:
            return f"{path}: expected {name} {_show(arg)}, the field is missing"
        if name == "$$type":
            wanted = {arg} if isinstance(arg, str) else set(arg)
            if not wanted & bson_type_names(actual):
                return f"{path}: expected type {sorted(wanted)}, got {_show(actual)}"
            return None
        if name == "$$matchesEntity":
            if self.entity is None:
                return f"{path}: $$matchesEntity needs an entity map"
            return self.value(self.entity(arg), actual, path, root)
        if name == "$$matchesHexBytes":
            if not isinstance(actual, (bytes, Binary)) or bytes(actual).hex() != arg.lower():
                return f"{path}: expected bytes {arg}, got {_show(actual)}"
            return None
        if name == "$$lte":
            if not (_is_number(actual) and actual <= arg):
                return f"{path}: expected a number <= {arg}, got {_show(actual)}"
            return None
        if name == "$$sessionLsid":
            if self.entity is None:
                return f"{path}: $$sessionLsid needs an entity map"
            return self.value(self.entity(arg).session_id, actual, path, root=False)
        if name == "$$matchAsDocument":
            if not isinstance(actual, str):
                return f"{path}: $$matchAsDocument needs a string, got {_show(actual)}"
            return self.value(arg, json_util.loads(actual), path, root=False)
        if name == "$$matchAsRoot":
            return self.value(arg, actual, path, root=True)
        return f"{path}: unknown special operator {name}"


def match(expected: Any, actual: Any, entity: EntityLookup | None = None,
          root: bool = True) -> str | None:
    """``None`` when *actual* matches *expected* under the unified format's rules,
    otherwise a message describing the first mismatch.  ``entity`` resolves entity
    names for ``$$matchesEntity`` / ``$$sessionLsid``."""
    return _Matcher(entity).value(expected, actual, "$", root)


def match_exact(expected: Any, actual: Any) -> str | None:
    """Like :func:`match` but with no extra fields allowed anywhere (``outcome``)."""
    return _Matcher(None).value(expected, actual, "$", root=False)
