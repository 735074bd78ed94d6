"""Shared helpers: documents go through BSON so values have the types the store hands out."""

from __future__ import annotations

from typing import Any

import bson
import pytest

from mim.engine.values.errors import ServerError
from mim.engine.languages.matcher import compile_filter
from mim.engine.update import compile_update


def decoded(doc: dict) -> dict:
    return bson.decode(bson.encode(doc))


def apply(doc: dict, update: Any, *, query: dict | None = None, array_filters: list | None = None,
          is_insert: bool = False) -> dict:
    """Apply ``update`` to a BSON round-tripped copy of ``doc`` and return it."""
    target = decoded(doc)
    compiled = compile_update(update, array_filters=array_filters)
    compiled.apply(target, query=compile_filter(query) if query is not None else None,
                   is_insert=is_insert)
    return target


def fails(doc: dict, update: Any, code: int, message: str | None = None, **kwargs: Any
          ) -> ServerError:
    """Assert that applying (or compiling) ``update`` fails with ``code`` / ``message``."""
    with pytest.raises(ServerError) as info:
        apply(doc, update, **kwargs)
    assert info.value.code == code, info.value.errmsg
    if message is not None:
        assert info.value.errmsg == message
    return info.value


def compile_fails(update: Any, code: int, message: str | None = None, **kwargs: Any
                  ) -> ServerError:
    with pytest.raises(ServerError) as info:
        compile_update(update, **kwargs)
    assert info.value.code == code, info.value.errmsg
    if message is not None:
        assert info.value.errmsg == message
    return info.value


def same(a: Any, b: Any) -> bool:
    """Equal including BSON types and field order (compares encoded bytes)."""
    return bson.encode({"v": a}) == bson.encode({"v": b})
