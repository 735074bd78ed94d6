"""Schema validation for MongoDB documents.

MongoDB stores whatever it is given, so the only way to know what a query hands
back is to check it.  A schema item checks one value and returns the value to
store (possibly normalised, e.g. a date made into a UTC ``datetime``).  The
same schema runs when a document is saved *and* when it is loaded, so a schema
must be idempotent: validating an already-valid value must return it unchanged.
(The ODM layer's properties are the place for one-way conversions.)

Every schema item is built from a small Python description by
:meth:`SchemaItem.make`: ``int``, ``str``, ``[int]``, ``{'a': str}`` and so on.

Returning :data:`Missing` from ``validate`` means "leave this key out of the
parent document"; that is how :class:`Deprecated` fields disappear.
"""
from __future__ import annotations

import datetime as _dt
import decimal
import re
import urllib.parse
from collections.abc import Mapping
from typing import Any, Callable, Iterable, Optional, Sequence

import bson

from .base import Missing, NoDefault, Object as _ObjectDict

__all__ = [
    "Email",
    "URL",
    "Invalid",
    "Missing",
    "NoDefault",
    "SchemaItem",
    "FancySchemaItem",
    "Anything",
    "Scalar",
    "ParticularScalar",
    "String",
    "Int",
    "Float",
    "Bool",
    "DateTime",
    "DateTimeTZ",
    "Binary",
    "ObjectId",
    "NumberDecimal",
    "Value",
    "OneOf",
    "Array",
    "Object",
    "Document",
    "Deprecated",
    "Migrate",
]


class Invalid(Exception):
    """A value failed validation.

    ``str(error)`` is the readable message.  Errors from inside a document or an
    array are reported with their location, one per line, e.g.
    ``email:Not a valid email address`` or ``tags:[2]:3 is not a str``; the
    individual errors stay available as :attr:`error_dict` (per key) or
    :attr:`error_list` (per array position, ``None`` where the item was valid).
    """

    def __init__(
        self,
        msg: str,
        value: Any,
        state: Any = None,
        error_list: Optional[list[Optional["Invalid"]]] = None,
        error_dict: Optional[dict[Any, "Invalid"]] = None,
    ) -> None:
        super().__init__(msg)
        self.msg = msg
        self.value = value
        self.state = state
        self.error_list = error_list
        self.error_dict = error_dict

    def __str__(self) -> str:
        return self.msg

    @property
    def substituteArgs(self) -> dict:  # noqa: N802 - name kept from formencode/Ming
        """Kept for code written against formencode's ``Invalid``: there are none."""
        return {}


def _type_names(types: Any) -> str:
    if isinstance(types, type):
        types = (types,)
    names = [t.__name__ if isinstance(t, type) else repr(t) for t in types]
    return " or ".join(names)


class SchemaItem:
    """The base of every schema: something with a ``validate(value, **kw)`` method.

    ``validate`` returns the value to store, or raises :class:`Invalid`.
    Keyword arguments (``allow_extra``, ``strip_extra``) are passed down to
    nested schemas unchanged.
    """

    required: bool = False
    if_missing: Any = NoDefault

    def validate(self, value: Any, **kw: Any) -> Any:
        raise NotImplementedError("validate")

    @classmethod
    def make(cls, field: Any, *args: Any, **kwargs: Any) -> "SchemaItem":
        """Build a schema item from a Python description of the expected value.

        ========================  ==========================================
        description               schema
        ========================  ==========================================
        a ``SchemaItem``          itself (extra arguments are ignored)
        a ``SchemaItem`` class    an instance made with ``*args, **kwargs``
        ``int``                   :class:`Int`
        ``str``                   :class:`String`
        ``float``                 :class:`Float`
        ``bool``                  :class:`Bool`
        ``datetime`` / ``date``   :class:`DateTime`
        ``bytes``                 :class:`Binary`
        ``bson.ObjectId``         :class:`ObjectId`
        ``decimal.Decimal``       :class:`NumberDecimal`
        ``dict`` / ``list``       :class:`Object` / :class:`Array` of anything
        ``None``                  :class:`Anything`
        ``[]``                    :class:`Array` of :class:`Anything`
        ``[type]``                :class:`Array` of ``make(type)``
        ``{key: type, ...}``      :class:`Object`; a key that is itself a
                                  type (``{str: int}``) validates every key of
                                  that type
        anything else             :class:`Value` - must be equal to it
        ========================  ==========================================
        """
        if isinstance(field, SchemaItem):
            return field
        if isinstance(field, type):
            if issubclass(field, SchemaItem):
                return field(*args, **kwargs)
            for python_type, schema_type in _TYPE_SCHEMAS:
                if issubclass(field, python_type):
                    return schema_type(*args, **kwargs)
            # An unknown class: accept its instances.
            item = ParticularScalar(*args, **kwargs)
            item.type = field
            return item
        if field is None:
            return Anything(*args, **kwargs)
        if isinstance(field, list):
            if not field:
                return Array(Anything(), *args, **kwargs)
            if len(field) > 1:
                raise ValueError("an array schema takes exactly one item type, e.g. [int]")
            return Array(field[0], *args, **kwargs)
        if isinstance(field, dict):
            return Object(field, *args, **kwargs)
        return Value(field, *args, **kwargs)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class FancySchemaItem(SchemaItem):
    """A schema item with ``required`` and ``if_missing`` support.

    Subclasses override :meth:`_validate`, which is only called for values that
    are present.  An absent value (:data:`Missing`) is handled here:

    * ``required=True`` makes it an error (``Missing field``);
    * otherwise ``if_missing`` supplies the value (a callable is called each
      time, so ``if_missing=datetime.utcnow`` or ``if_missing=list`` work);
    * with no ``if_missing`` the value stays :data:`Missing`.
    """

    def __init__(self, required: Any = NoDefault, if_missing: Any = NoDefault) -> None:
        if required is not NoDefault:
            self.required = required
        if if_missing is not NoDefault:
            self.if_missing = if_missing

    def validate(self, value: Any, **kw: Any) -> Any:
        if value is Missing:
            if self.required:
                raise Invalid("Missing field", value)
            default = self.if_missing
            if default is NoDefault:
                return Missing
            if callable(default):
                default = default()
            if default is Missing:
                return Missing
            return self._validate_default(default, **kw)
        return self._validate(value, **kw)

    def _validate_default(self, default: Any, **kw: Any) -> Any:
        """Validate a default value; scalars' defaults are trusted as given."""
        return default

    def _validate(self, value: Any, **kw: Any) -> Any:
        """Check a present value and return what to store (default: unchanged)."""
        return value

    def __repr__(self) -> str:
        # Ming's form.  The default is not shown: it may be a method of this very
        # item (``ObjectId.if_missing``), whose repr would show this repr again.
        return f"<{type(self).__name__} required={self.required!r} if_missing=...>"


class Anything(FancySchemaItem):
    """Accepts any value without checking it.

    Nested dicts come back as :class:`odm.Object` (attribute access) but are
    otherwise unchanged.  Use it for large or free-form sub-documents whose
    validation would cost more than it is worth.
    """

    def _validate(self, value: Any, **kw: Any) -> Any:
        if isinstance(value, (Mapping, list, tuple)):
            return _ObjectDict.from_bson(value)
        return value


class Deprecated(SchemaItem):
    """A field that is no longer used: its value is dropped from validated documents."""

    def validate(self, value: Any, **kw: Any) -> Any:
        return Missing


# Exact types that are certainly scalars: checked first because most values are.
_PLAIN_SCALARS = frozenset({str, int, float, bool, type(None), bytes, _dt.datetime, bson.ObjectId})


class Scalar(FancySchemaItem):
    """Any single value: not a document and not an array.

    Absent scalars default to ``None`` and ``None`` is accepted, unless
    ``allow_none=False``: then ``None`` is invalid and an absent value stays
    absent (or takes an explicit ``if_missing``).
    """

    if_missing = None
    allow_none: bool = True

    #: Checks run on every present, non-``None`` value after the type check
    #: (PyMODM-style field options); each raises :class:`Invalid` naming its rule.
    _rules: tuple[Callable[[Any], None], ...] = ()

    def __init__(self, required: Any = NoDefault, if_missing: Any = NoDefault,
                 allow_none: bool = True, *, choices: Optional[Iterable[Any]] = None,
                 validators: Iterable[Callable[[Any], Any]] = ()) -> None:
        if not allow_none:
            self.allow_none = False
            if if_missing is NoDefault:
                if_missing = Missing
        super().__init__(required=required, if_missing=if_missing)
        #: the rules a ``$jsonSchema`` can say too, by its keywords (``maxLength``, ``enum``...; ``pattern`` is a list)
        self.constraints: dict[str, Any] = {}
        rules: list[Callable[[Any], None]] = []
        if choices is not None:
            rules.append(_choices_rule(list(choices)))
            self.constraints["enum"] = list(choices)
        rules.extend(_validator_rule(v) for v in validators)
        self._add_rules(*rules)

    def _add_rules(self, *rules: Callable[[Any], None]) -> None:
        self._rules = self._rules + tuple(rules)

    def validate(self, value: Any, **kw: Any) -> Any:
        value = super().validate(value, **kw)
        if self._rules and value is not None and value is not Missing:
            for rule in self._rules:
                rule(value)
        return value

    def _validate(self, value: Any, **kw: Any) -> Any:
        if value is None and not self.allow_none:
            raise Invalid("None is not allowed", value)
        if type(value) not in _PLAIN_SCALARS and isinstance(value, (Mapping, list, tuple)):
            raise Invalid(f"{value!r} is not a scalar", value)
        return value


class ParticularScalar(Scalar):
    """A scalar that must also be an instance of :attr:`type`."""

    #: The class (or tuple of classes) the value must be an instance of.
    type: Any = ()

    def _validate(self, value: Any, **kw: Any) -> Any:
        if (value is None and self.allow_none) or (type(value) in _PLAIN_SCALARS and isinstance(value, self.type)):
            return value  # the common case, decided without the generic checks
        value = super()._validate(value, **kw)
        if not isinstance(value, self.type):
            raise Invalid(f"{value!r} is not of type {_type_names(self.type)}", value)
        return value


def _choices_rule(choices: list) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if value not in choices:
            raise Invalid(f"{value!r} is not one of choices={choices!r}", value)
    return check


def _validator_rule(validator: Callable[[Any], Any]) -> Callable[[Any], None]:
    """Wrap a user callable: it may raise :class:`Invalid`, ``ValueError`` or ``TypeError``, or return ``False``."""
    name = getattr(validator, "__name__", repr(validator))

    def check(value: Any) -> None:
        try:
            ok = validator(value)
        except Invalid:
            raise
        except (ValueError, TypeError) as exc:
            raise Invalid(f"validator {name} refused {value!r}: {exc}", value) from None
        if ok is False:
            raise Invalid(f"validator {name} refused {value!r}", value)
    return check


def _bounds_rules(min_value: Any, max_value: Any) -> list[Callable[[Any], None]]:
    rules = []
    if min_value is not None:
        def at_least(value: Any) -> None:
            if value < min_value:
                raise Invalid(f"{value!r} is less than min_value={min_value!r}", value)
        rules.append(at_least)
    if max_value is not None:
        def at_most(value: Any) -> None:
            if value > max_value:
                raise Invalid(f"{value!r} is greater than max_value={max_value!r}", value)
        rules.append(at_most)
    return rules


def _bounds_constraints(min_value: Any, max_value: Any) -> dict[str, Any]:
    """``minimum``/``maximum`` of a ``$jsonSchema`` for ``min_value``/``max_value``."""
    bounds = {}
    if min_value is not None:
        bounds["minimum"] = min_value
    if max_value is not None:
        bounds["maximum"] = max_value
    return bounds


def _length_rules(min_length: Optional[int], max_length: Optional[int], blank: bool) -> list[Callable[[Any], None]]:
    rules = []
    if not blank:
        def not_blank(value: Any) -> None:
            if len(value) == 0:
                raise Invalid("blank value is not allowed (blank=False)", value)
        rules.append(not_blank)
    if min_length is not None:
        def long_enough(value: Any) -> None:
            if len(value) < min_length:
                raise Invalid(f"{value!r} is shorter than min_length={min_length}", value)
        rules.append(long_enough)
    if max_length is not None:
        def short_enough(value: Any) -> None:
            if len(value) > max_length:
                raise Invalid(f"{value!r} is longer than max_length={max_length}", value)
        rules.append(short_enough)
    return rules


def _regex_rule(regex: Any, rule: str) -> Callable[[Any], None]:
    pattern = re.compile(regex)

    def check(value: Any) -> None:
        if pattern.search(value) is None:
            raise Invalid(f"{value!r} does not match {rule}", value)
    return check


class String(ParticularScalar):
    """A ``str``, optionally with PyMODM's checks.

    ``min_length``/``max_length`` bound its length, ``regex`` must match
    somewhere in it (anchor it with ``^...$`` for a full match), ``blank=False``
    refuses ``""``; ``choices`` and ``validators`` work as on every scalar.
    """

    type = str

    def __init__(self, *args: Any, max_length: Optional[int] = None, min_length: Optional[int] = None,
                 regex: Any = None, blank: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rules = _length_rules(min_length, max_length, blank)
        if regex is not None:
            rules.append(_regex_rule(regex, f"regex={getattr(regex, 'pattern', regex)!r}"))
            self.constraints.setdefault("pattern", []).append(getattr(regex, "pattern", regex))
        if max_length is not None:
            self.constraints["maxLength"] = max_length
        if min_length is not None or not blank:
            self.constraints["minLength"] = max(min_length or 0, 0 if blank else 1)
        self._add_rules(*rules)


#: PyMODM's rule for e-mail addresses: one ``@`` with something on each side.
_EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+$"


class Email(String):
    """An e-mail address: a ``str`` with exactly one ``@`` and text on both sides (PyMODM's ``EmailField``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._add_rules(_regex_rule(_EMAIL_PATTERN, "the e-mail address rule (one '@')"))
        self.constraints.setdefault("pattern", []).append(_EMAIL_PATTERN)


#: Schemes a :class:`URL` may use (PyMODM's ``URLField``).
URL_SCHEMES = ("http", "https", "ftp", "ftps")


def _url_rule(value: str) -> None:
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in URL_SCHEMES or not parts.hostname:
        raise Invalid(f"{value!r} is not a URL with a host and a scheme in {URL_SCHEMES}", value)


class URL(String):
    """A URL: a ``str`` with a host and an ``http``, ``https``, ``ftp`` or ``ftps`` scheme."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._add_rules(_url_rule)


class Bool(ParticularScalar):
    """A ``bool``."""

    type = bool


class Float(ParticularScalar):
    """A number: ``float`` or ``int`` (MongoDB compares them by value)."""

    type = (float, int)

    def __init__(self, *args: Any, min_value: Any = None, max_value: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._add_rules(*_bounds_rules(min_value, max_value))
        self.constraints.update(_bounds_constraints(min_value, max_value))


class Int(ParticularScalar):
    """An ``int``; a float with no fractional part (``10.0``) is accepted as ``10``."""

    type = int

    def __init__(self, *args: Any, min_value: Any = None, max_value: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._add_rules(*_bounds_rules(min_value, max_value))
        self.constraints.update(_bounds_constraints(min_value, max_value))

    def _validate(self, value: Any, **kw: Any) -> Any:
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return super()._validate(value, **kw)


def _to_millis(value: _dt.datetime) -> _dt.datetime:
    # BSON dates have millisecond precision: validate to what will be read back.
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


class DateTime(ParticularScalar):
    """A point in time, stored as a naive UTC ``datetime`` with millisecond precision.

    An aware datetime is converted to UTC (and made naive), a ``date`` becomes
    midnight of that day, and microseconds are truncated to milliseconds, which
    is what MongoDB stores - so a value reads back equal to what validation
    returned.
    """

    type = _dt.datetime

    def _validate(self, value: Any, **kw: Any) -> Any:
        if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
            value = _dt.datetime(value.year, value.month, value.day)
        value = super()._validate(value, **kw)
        if value is None:
            return value
        if value.tzinfo is not None:
            value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        return _to_millis(value)


class DateTimeTZ(ParticularScalar):
    """A ``datetime`` kept as given, time zone included (no conversion to UTC)."""

    type = _dt.datetime


class Binary(ParticularScalar):
    """Binary data: ``bytes`` or :class:`bson.Binary`."""

    type = (bson.Binary, bytes)


class ObjectId(Scalar):
    """A :class:`bson.ObjectId`; a 24-hex-digit string is converted to one.

    When the value is absent a new ObjectId is generated, which is how ``_id``
    fields fill themselves in.  Pass ``if_missing=None`` to get ``None``
    instead.
    """

    def if_missing(self) -> bson.ObjectId:  # type: ignore[override]
        """Generate a fresh ObjectId for an absent value."""
        return bson.ObjectId()

    def _validate(self, value: Any, **kw: Any) -> Any:
        if (value is None and self.allow_none) or isinstance(value, bson.ObjectId):
            return value
        if isinstance(value, str):
            try:
                return bson.ObjectId(value)
            except bson.errors.InvalidId as exc:
                raise Invalid(str(exc), value) from None
        raise Invalid(f"{value!r} is not a bson.ObjectId", value)


#: Significant digits of a BSON Decimal128.
_DECIMAL128_DIGITS = 34


class NumberDecimal(Scalar):
    """An exact decimal number, stored as :class:`bson.Decimal128`.

    Accepts ``int``, ``float``, :class:`decimal.Decimal` and ``Decimal128``.
    With ``precision`` set, the value is rounded to that many decimal places
    using ``rounding`` (any :mod:`decimal` rounding mode, default
    ``ROUND_HALF_DOWN``); with ``precision=None`` the digits are kept as they
    are.  Floats are converted from their binary value, rounded (with
    ``rounding``) to the 34 significant digits a Decimal128 holds.
    """

    _accepted = (int, float, decimal.Decimal, bson.Decimal128)

    def __init__(
        self,
        precision: Optional[int] = None,
        rounding: str = decimal.ROUND_HALF_DOWN,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.precision = precision
        self.rounding = rounding
        self._context = decimal.Context(prec=_DECIMAL128_DIGITS, rounding=rounding)

    def _validate(self, value: Any, **kw: Any) -> Any:
        value = super()._validate(value, **kw)
        if value is None:
            return value
        if isinstance(value, bool) or not isinstance(value, self._accepted):
            raise Invalid(f"{value!r} is not of type {_type_names(self._accepted)}", value)
        if isinstance(value, bson.Decimal128):
            value = value.to_decimal()
        number = self._context.create_decimal(value) if isinstance(value, float) else decimal.Decimal(value)
        if self.precision is not None:
            number = number.quantize(decimal.Decimal(1).scaleb(-self.precision), rounding=self.rounding)
        try:
            return bson.Decimal128(number)
        except (decimal.InvalidOperation, ValueError) as exc:
            raise Invalid(f"{value!r} does not fit in a Decimal128: {exc}", value) from None


class Value(FancySchemaItem):
    """A value that must be equal to one particular value.

    Often used as a version marker (``Field('_version', schema.Value(2,
    required=True))``) so documents of an older version fail validation and
    get migrated.
    """

    if_missing = None

    def __init__(self, value: Any, **kw: Any) -> None:
        super().__init__(**kw)
        self.value = value

    def _validate(self, value: Any, **kw: Any) -> Any:
        if value != self.value:
            raise Invalid(f"{value!r} != {self.value!r}", value)
        return value


class OneOf(ParticularScalar):
    """A scalar that must be one of the given options (an enumeration)."""

    def __init__(self, *options: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.options = options

    def _validate(self, value: Any, **kw: Any) -> Any:
        if value not in self.options:
            raise Invalid(f"{value!r} is not in {self.options!r}", value)
        return value


class Array(FancySchemaItem):
    """A list whose items all validate against one schema.

    An absent or ``None`` array becomes ``[]`` (a new list every time).  Tuples
    are accepted and stored as lists.  ``validate_ranges=[slice, ...]`` (given
    to the constructor, or to one ``validate`` call) re-validates only the
    items in those slices, which saves time when a caller knows which part of
    a long array can change.
    """

    def __init__(self, field_type: Any, validate_ranges: Optional[Sequence[slice]] = None,
                 **kw: Any) -> None:
        super().__init__(**kw)
        self.field_type = SchemaItem.make(field_type)
        self.validate_ranges = validate_ranges

    def if_missing(self) -> list:  # type: ignore[override]
        """A fresh empty list for an absent array."""
        return []

    def validate(self, value: Any, **kw: Any) -> Any:
        if value is None:
            value = Missing
        return super().validate(value, **kw)

    def _validate_default(self, default: Any, **kw: Any) -> Any:
        return self._validate(default, **kw)

    def _validate(self, value: Any, validate_ranges: Optional[Sequence[slice]] = None, **kw: Any) -> Any:
        if not isinstance(value, (list, tuple)):
            raise Invalid("Not a list or tuple", value)
        if validate_ranges is None:
            validate_ranges = self.validate_ranges
        if validate_ranges is None:
            positions: Iterable[int] = range(len(value))
        else:
            wanted: set[int] = set()
            for rng in validate_ranges:
                wanted.update(range(*rng.indices(len(value))))
            positions = sorted(wanted)
        result = list(value)
        errors: list[Optional[Invalid]] = [None] * len(value)
        failed = False
        for i in positions:
            try:
                result[i] = self.field_type.validate(value[i], **kw)
            except Invalid as exc:
                errors[i] = exc
                failed = True
        if failed:
            msg = "\n".join(f"[{i}]:{err}" for i, err in enumerate(errors) if err is not None)
            raise Invalid(msg, value, error_list=errors)
        return [v for v in result if v is not Missing]

    def __repr__(self) -> str:
        return f"<Array of {self.field_type!r}>"


def _field_sort_key(entry: tuple[Any, Any]) -> tuple[str, Any]:
    """Sort named fields by key, as Ming does; keys of different types group by type name."""
    name = entry[0]
    return (type(name).__name__, name) if not isinstance(name, str) else ("", name)


class Object(FancySchemaItem):
    """A sub-document whose keys are validated one by one; the result is an :class:`odm.Object`.

    ``fields`` maps each key to a schema (or a description for
    :meth:`SchemaItem.make`).  A key may also be a type - ``{str: int}`` -
    which validates every key of that type not named explicitly.

    Keys that are not in the schema are errors (``Extra keys: {...}``) unless
    validation is called with ``allow_extra=True``; then ``strip_extra=True``
    drops them and ``strip_extra=False`` keeps them unvalidated.  An absent
    sub-document is built from its fields' defaults.

    Key order is Ming's (0.17): a validated document has its named fields in
    sorted key order; with ``allow_extra=True, strip_extra=False`` the input's
    own keys keep their order and absent fields follow, sorted; a document
    built for an absent value (its fields' defaults) keeps declaration order;
    ``{type: schema}`` keys keep the input's order.
    """

    def __init__(self, fields: Optional[Mapping[Any, Any]] = None, required: bool = False, if_missing: Any = NoDefault) -> None:
        super().__init__(required=required, if_missing=if_missing)
        self.fields: dict[Any, SchemaItem] = {}
        self._named: dict[Any, SchemaItem] = {}
        self._named_sorted: list[tuple[Any, SchemaItem]] = []
        self._typed_keys: list[tuple[type, SchemaItem]] = []
        for name, field in (fields or {}).items():
            self.add_field(name, field)

    def add_field(self, name: Any, field: Any) -> None:
        """Add (or replace) the schema of one key."""
        item = SchemaItem.make(field)
        self.fields[name] = item
        if isinstance(name, type):
            self._typed_keys = [(t, s) for t, s in self._typed_keys if t is not name]
            self._typed_keys.append((name, item))
        else:
            self._named[name] = item
            self._named_sorted = sorted(self._named.items(), key=_field_sort_key)

    def if_missing(self) -> dict:  # type: ignore[override]
        """An absent sub-document is made from its fields' own defaults."""
        return {}

    def _validate_default(self, default: Any, **kw: Any) -> Any:
        if isinstance(default, Mapping):
            # Ming builds an absent sub-document in declaration order (and keeps
            # the order of an explicit ``if_missing`` mapping).  An explicit
            # default is the author's own value: its keys the schema does not
            # name are kept as given, as Ming stores such a default unvalidated.
            if "if_missing" in vars(self):
                kw = dict(kw, allow_extra=True, strip_extra=False)
            return self._validate(default, _declared_order=True, **kw)
        return default

    def _new_result(self, data: Mapping) -> Any:
        return _ObjectDict()

    def _validate(self, d: Any, allow_extra: bool = False, strip_extra: bool = False,
                  _declared_order: bool = False, **kw: Any) -> Any:
        if not isinstance(d, Mapping):
            raise Invalid(f"notdict: {d!r}", d)
        kw = dict(kw, allow_extra=allow_extra, strip_extra=strip_extra)
        errors: dict[Any, Invalid] = {}
        extra: dict[Any, Any] = {}
        typed: dict[Any, Any] = {}
        named = self._named
        if len(d) > len(named) or self._typed_keys or not all(name in named for name in d):
            for name, value in d.items():
                if name in named:
                    continue
                for key_type, item in self._typed_keys:
                    if isinstance(name, key_type):
                        try:
                            validated = item.validate(value, **kw)
                        except Invalid as exc:
                            errors[name] = exc
                        else:
                            if validated is not Missing:
                                typed[name] = validated
                        break
                else:
                    extra[name] = value
            if extra and not allow_extra:
                raise Invalid(f"Extra keys: {set(extra)!r}", d)
        keep_input_order = _declared_order or (allow_extra and not strip_extra)
        result = self._new_result(d)
        # values land in ``result`` in sorted key order (declaration order for defaults)
        target = {} if keep_input_order else result
        get = d.get
        for name, item in (named.items() if _declared_order else self._named_sorted):
            try:
                validated = item.validate(get(name, Missing), **kw)
            except Invalid as exc:
                errors[name] = exc
            else:
                if validated is not Missing:
                    target[name] = validated
        if errors:
            msg = "\n".join(f"{name}:{errors[name]}" for name in sorted(errors, key=str))
            raise Invalid(msg, d, error_dict=errors)
        if not keep_input_order:
            if typed:
                result.update(typed)
            if extra and not strip_extra:
                result.update(extra)
            return result
        # the input's own keys first, in its order; then the fields it lacks
        for name in d:
            if name in target:
                result[name] = target[name]
            elif name in typed:
                result[name] = typed[name]
            elif name in extra and not strip_extra:
                result[name] = extra[name]
        for name, value in target.items():
            if name not in result:
                result[name] = value
        return result

    def __repr__(self) -> str:
        inner = ", ".join(f"{k if isinstance(k, str) else repr(k)}: {v!r}" for k, v in self.fields.items())
        return f"<{type(self).__name__} {{{inner}}}>"


class Document(Object):
    """The schema of a whole document class, with polymorphic validation.

    A document is validated into an instance of :attr:`managed_class`.  When
    the schema is polymorphic (see :meth:`set_polymorphic`), the value of the
    :attr:`polymorphic_on` key picks the class from :attr:`polymorphic_registry`
    and the document is validated by *that* class's schema - so loading from a
    base class yields subclass instances.
    """

    def __init__(self, fields: Optional[Mapping[Any, Any]] = None, required: bool = False, if_missing: Any = NoDefault) -> None:
        super().__init__(fields, required=required, if_missing=if_missing)
        self.managed_class: Optional[type] = None
        self.polymorphic_on: Optional[str] = None
        self.polymorphic_registry: Optional[dict[Any, type]] = None
        self.polymorphic_identity: Any = None

    def set_polymorphic(self, field: Optional[str], registry: Optional[dict[Any, type]], identity: Any) -> None:
        """Configure polymorphism: the key to read, the identity→class map, and this class's identity."""
        self.polymorphic_on = field
        self.polymorphic_registry = registry
        self.polymorphic_identity = identity

    def get_polymorphic_cls(self, data: Mapping) -> Optional[type]:
        """Return the class ``data`` should be validated into (``managed_class`` if not polymorphic)."""
        if self.polymorphic_on is None or self.polymorphic_registry is None:
            return self.managed_class
        identity = data.get(self.polymorphic_on, Missing)
        if identity is Missing:
            return self.managed_class
        return self.polymorphic_registry.get(identity, self.managed_class)

    def _new_result(self, data: Mapping) -> Any:
        if self.managed_class is None:
            return _ObjectDict()
        return self.managed_class.__new__(self.managed_class)

    def _validate(self, d: Any, allow_extra: bool = False, strip_extra: bool = False, **kw: Any) -> Any:
        if isinstance(d, Mapping):
            target = self.get_polymorphic_cls(d)
            if target is not None and target is not self.managed_class:
                schema = target.m.schema
                if schema is not None and schema is not self:
                    return schema.validate(d, allow_extra=allow_extra, strip_extra=strip_extra, **kw)
        return super()._validate(d, allow_extra=allow_extra, strip_extra=strip_extra, **kw)


class Migrate(SchemaItem):
    """Validate with a new schema, falling back to an old schema plus a conversion.

    ``validate`` tries ``new`` first.  If that fails and the value is valid for
    ``old``, ``migration_function`` converts the old-validated value and the
    result is validated with ``new``.  If both fail, the *new* schema's error is
    raised - it describes what the value should look like.  ``old`` may itself
    be a ``Migrate``, so versions chain.
    """

    def __init__(self, old: Any, new: Any, migration_function: Callable[[Any], Any]) -> None:
        self.old = SchemaItem.make(old)
        self.new = SchemaItem.make(new)
        self.migration_function = migration_function

    def validate(self, value: Any, **kw: Any) -> Any:
        try:
            return self.new.validate(value, **kw)
        except Invalid as new_error:
            try:
                old_value = self.old.validate(value, **kw)
            except Invalid:
                raise new_error from None
        return self.new.validate(self.migration_function(old_value), **kw)

    @classmethod
    def obj_to_list(cls, key_name: str, value_name: Optional[str] = None) -> Callable[[Mapping], list]:
        """Make a migration function turning ``{key: value}`` into a list of documents.

        With ``value_name`` each item is ``{key_name: key, value_name: value}``;
        without it the value must be a document and its keys are merged in:
        ``{key_name: key, **value}``.
        """

        def migrate(value: Mapping) -> list:
            if value_name is None:
                return [dict(v, **{key_name: k}) for k, v in value.items()]
            return [{key_name: k, value_name: v} for k, v in value.items()]

        return migrate

    def __repr__(self) -> str:
        return f"<Migrate {self.old!r} -> {self.new!r}>"


def _array_of_anything(*args: Any, **kwargs: Any) -> Array:
    return Array(Anything(), *args, **kwargs)


def _object_of_anything(*args: Any, **kwargs: Any) -> Object:
    return Object({str: Anything()}, *args, **kwargs)


# Order matters: bool before int (bool is an int subclass), datetime before date.
_TYPE_SCHEMAS: list[tuple[type, Callable[..., SchemaItem]]] = [
    (bool, Bool),
    (int, Int),
    (str, String),
    (float, Float),
    (_dt.datetime, DateTime),
    (_dt.date, DateTime),
    (bytes, Binary),
    (bson.Binary, Binary),
    (bson.ObjectId, ObjectId),
    (decimal.Decimal, NumberDecimal),
    (bson.Decimal128, NumberDecimal),
    (dict, _object_of_anything),
    (list, _array_of_anything),
]
