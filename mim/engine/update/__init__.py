"""The update language: operators, positional and filtered array updates,
update pipelines and upsert seeds, compiled and validated before any
document is touched.

>>> update = compile_update({"$inc": {"n": 1}, "$set": {"tags.0": "x"}})
>>> doc = {"_id": 1, "n": 1, "tags": []}
>>> update.apply(doc)
>>> doc
{'_id': 1, 'n': 2, 'tags': ['x']}
"""

from __future__ import annotations

from . import arrays, bitwise, fields  # noqa: F401  (registration)
from .compiler import (CompiledUpdate, OperatorUpdate, apply_top_level, compile_top_level_sets,
                       compile_update, top_level_sets)
from ..languages.matcher.positional import matched_array_index
from .registry import FAMILIES, UPDATE_OPERATORS
from .arrays import _PUSH_CLAUSES
from .upsert import build_upsert_document

#: Update syntax that is not an operator key: positional path forms the path
#: compiler resolves, and the ``$push`` clauses ``arrays.py`` parses.
UPDATE_SYNTAX = ("$", "$[]", "$[<identifier>]") + _PUSH_CLAUSES

__all__ = ["compile_update", "compile_top_level_sets", "top_level_sets", "apply_top_level", "build_upsert_document", "UPDATE_OPERATORS", "FAMILIES",
           "CompiledUpdate", "OperatorUpdate", "matched_array_index", "UPDATE_SYNTAX"]
