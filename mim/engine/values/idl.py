"""The server's IDL type checks that several commands share, with its messages."""

from __future__ import annotations

from typing import Any

from .errors import ServerError
from .order import type_name

__all__ = ["typed_array"]


def typed_array(value: Any, field: str, element: type | tuple[type, ...],
                element_name: str) -> None:
    """An IDL ``array<element>`` field: an array (14), each element of its type (14,
    the element's index in the field's path: ``'create.pipeline.0'``)."""
    if not isinstance(value, list):
        raise ServerError(14, f"BSON field '{field}' is the wrong type '{type_name(value)}', "
                              f"expected type 'array'")
    for index, item in enumerate(value):
        if not isinstance(item, element):
            raise ServerError(14, f"BSON field '{field}.{index}' is the wrong type "
                                  f"'{type_name(item)}', expected type '{element_name}'")
