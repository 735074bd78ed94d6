"""The query language: compile a filter once, then match documents.

>>> node = compile_filter({"a": {"$gt": 1}})
>>> node.matches({"a": [0, 5]})
True
"""

from __future__ import annotations

from . import (arrays, bitwise, comparison, element, evaluation, geo,  # noqa: F401
               json_schema, logical, regex, text)  # (registration)
from .compiler import compile_filter
from .context import MatchContext
from .nodes import (AndNode, ConstantNode, ExprNode, LeafNode, MatchNode, NorNode, NotNode,
                    OrNode)
from .geo import GEO_OPERAND_SYNTAX
from .registry import (DOCUMENT_OPERATORS, FIELD_OPERATORS, TOP_LEVEL_OPERATORS,
                       UNSUPPORTED_OPERATORS)

__all__ = ["compile_filter", "MatchContext", "MatchNode", "LeafNode", "AndNode", "OrNode",
           "NorNode", "NotNode", "ConstantNode", "ExprNode", "FIELD_OPERATORS",
           "TOP_LEVEL_OPERATORS", "UNSUPPORTED_OPERATORS", "DOCUMENT_OPERATORS",
           "GEO_OPERAND_SYNTAX"]
