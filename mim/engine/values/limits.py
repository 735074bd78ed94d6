"""The server's depth limits, checked before anything recursive runs.

mim's compilers and evaluators recurse over their input, as the server's do.
The server bounds that recursion with limits of its own, and so does mim,
with the server's codes, so nothing within the limits fails and nothing
beyond them reaches a Python ``RecursionError``:

* any BSON object a command carries nests at most 200 levels
  (``BSONDepth::kDefaultMaxAllowableDepth``; beyond: 15 Overflow "BSONObj
  exceeds maximum nested object depth");
* a stored document nests at most 100 levels
  (``BSONDepth::getMaxDepthForUserStorage``; 15 Overflow, "cannot insert
  document because it exceeds 100 levels of nesting" on insert, "Document
  exceeds maximum nesting depth of 100" after an update);
* a query's operator tree nests at most 100 levels
  (``MatchExpressionParser::kMaximumTreeDepth``; 2 BadValue "exceeded maximum
  query tree depth of 100 at …");
* a pipeline has at most 1,000 stages (``internalPipelineLengthLimit``; 7749501
  "Pipeline length must be no longer than 1000 stages.").

It also holds the server's memory limits for values an expression builds
(``$range`` and ``$concatArrays`` 100 MB, 146 ExceededMemoryLimit; strings 64 MB,
13548) and the number of documents ``$densify`` may generate (500,000, 5897900).

Within those limits, the deepest Python recursion (a 1,000-stage pipeline, an
expression 100 operators deep) needs more frames than CPython's default of
1,000, so importing this module raises the interpreter's recursion limit to
:data:`RECURSION_LIMIT` (never lowers it).  The limits above keep real depth
far below it, so the C stack is never at risk.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from .errors import ServerError

__all__ = ["MAX_BSON_DEPTH", "MAX_STORAGE_DEPTH", "MAX_QUERY_TREE_DEPTH", "MAX_PIPELINE_LENGTH",
           "MAX_RANGE_BYTES", "MAX_BUFFER_BYTES", "MAX_DENSIFY_DOCS", "VALUE_BYTES", "VECTOR_BYTES",
           "RECURSION_LIMIT", "check_bson_depth", "check_range_memory", "check_string_buffer",
           "check_array_memory", "densify_limit_error", "MAX_INTERNAL_BSON_SIZE",
           "exceeds_depth", "check_insert_depth", "check_updated_depth", "check_pipeline_length",
           "min_bytes_for_depth", "is_flat"]

MAX_BSON_DEPTH = 200
MAX_STORAGE_DEPTH = 100
MAX_QUERY_TREE_DEPTH = 100
MAX_PIPELINE_LENGTH = 1000
#: ``internalQueryMaxRangeBytes``: the memory one ``$range`` array may take
MAX_RANGE_BYTES = 100 * 1024 * 1024
#: ``BufferMaxSize``: the largest buffer (so string) the server builds
MAX_BUFFER_BYTES = 64 * 1024 * 1024
#: the server's estimate of one array element (``sizeof(Value)``), and of an
#: array itself (``sizeof(std::vector<Value>)``)
VALUE_BYTES = 16
VECTOR_BYTES = 24
#: ``BSONObjMaxInternalSize``: the largest document the server builds (16 MB + 16 KB)
MAX_INTERNAL_BSON_SIZE = 16 * 1024 * 1024 + 16 * 1024
#: ``internalQueryMaxAllowedDensifyDocs``
MAX_DENSIFY_DOCS = 500_000
#: frames mim may need within the limits above, with room for the caller's own
RECURSION_LIMIT = 8000

if sys.getrecursionlimit() < RECURSION_LIMIT:
    sys.setrecursionlimit(RECURSION_LIMIT)


#: what nests: the engine's documents are dicts (SON included) and arrays lists
#: (an exact-type check: an ABC isinstance costs ten times more per value)
_CONTAINERS = (dict, list, tuple)


def exceeds_depth(value: Any, limit: int) -> bool:
    """True when ``value`` (a document or array, level 1) holds a non-empty
    document or array deeper than ``limit`` levels.  It recurses at most
    ``limit`` levels, whatever the depth of ``value``."""
    if not isinstance(value, _CONTAINERS):
        return False
    return _deeper_than(value, 1, limit)


def _deeper_than(container: Any, level: int, limit: int) -> bool:
    for item in container.values() if isinstance(container, dict) else container:
        if isinstance(item, _CONTAINERS) and item:
            if level >= limit or _deeper_than(item, level + 1, limit):
                return True
    return False


def is_flat(document: Mapping) -> bool:
    """True when no value of ``document`` is a document or an array: then no
    depth limit can be reached (the common ``{"_id": 5}``), and none is walked."""
    for value in document.values():
        if isinstance(value, _CONTAINERS):
            return False
    return True


def min_bytes_for_depth(depth: int) -> int:
    """The smallest BSON document nesting ``depth`` levels: 5 bytes, plus 7 per
    level (type byte, empty name, an empty document).  Anything shorter cannot
    be that deep, so the depth walk can be skipped."""
    return 5 + 7 * depth


def check_bson_depth(value: Any) -> None:
    """Refuse a command argument nested deeper than any BSON object may be."""
    if isinstance(value, dict) and is_flat(value):
        return
    if exceeds_depth(value, MAX_BSON_DEPTH):
        raise ServerError(15, "BSONObj exceeds maximum nested object depth")


def check_insert_depth(raw: bytes, doc: Mapping) -> None:
    """``fixDocumentForInsert``'s depth check (the bytes decide if it can matter)."""
    if len(raw) > min_bytes_for_depth(MAX_STORAGE_DEPTH) and \
            exceeds_depth(doc, MAX_STORAGE_DEPTH):
        raise ServerError(15, f"cannot insert document because it exceeds "
                              f"{MAX_STORAGE_DEPTH} levels of nesting")


def check_updated_depth(raw: bytes, doc: Mapping) -> None:
    """``storage_validation``'s depth check on a document an update produced."""
    if len(raw) > min_bytes_for_depth(MAX_STORAGE_DEPTH) and \
            exceeds_depth(doc, MAX_STORAGE_DEPTH):
        raise ServerError(15, f"Document exceeds maximum nesting depth of {MAX_STORAGE_DEPTH}")


def check_pipeline_length(stages: Any) -> None:
    """``Pipeline::parseCommon``: refuse a pipeline longer than 1,000 stages."""
    if isinstance(stages, (list, tuple)) and len(stages) > MAX_PIPELINE_LENGTH:
        raise ServerError(7749501, f"Pipeline length must be no longer than "
                                   f"{MAX_PIPELINE_LENGTH} stages.")


def check_range_memory(start: int, end: int, step: int) -> None:
    """``$range``'s guard (146 ExceededMemoryLimit): the server estimates the
    array before building it, ``sizeof(vector) + length * sizeof(Value)``."""
    steps = _truncated_division(end - start, step)
    check_array_memory("$range", 1 + steps if steps >= 0 else 0)


def _truncated_division(numerator: int, denominator: int) -> int:
    """C++ integer division (toward zero)."""
    quotient = abs(numerator) // abs(denominator)
    return quotient if (numerator >= 0) == (denominator > 0) else -quotient


def check_string_buffer(size: int) -> None:
    """A string the server would build past ``BufferMaxSize`` (13548)."""
    if size > MAX_BUFFER_BYTES:
        raise ServerError(13548, f"BufBuilder attempted to grow() to {size} bytes, past the "
                                 f"64MB limit.")


def check_array_memory(operator: str, length: int) -> None:
    """An array of ``length`` values an expression builds, within the budget of
    ``$range`` (146).  ``$concatArrays`` shares it: the server has no guard of
    its own there and runs out of memory instead."""
    needed = VECTOR_BYTES + length * VALUE_BYTES
    if needed >= MAX_RANGE_BYTES:
        raise ServerError(146, f"{operator} would use too much memory ({needed} bytes) and "
                               f"cannot spill to disk. Memory limit: {MAX_RANGE_BYTES} bytes")


def densify_limit_error(generated: int) -> ServerError:
    """``$densify`` past ``internalQueryMaxAllowedDensifyDocs`` (5897900)."""
    return ServerError(5897900, f"Generated {generated} documents in $densify, which is over "
                                f"the limit of {MAX_DENSIFY_DOCS}. Increase the "
                                f"'internalQueryMaxAllowedDensifyDocs' parameter to allow more "
                                f"generated documents")

