"""Text index specifications: the server's ``FTSSpec::fixSpec``.

A text index's key pattern is stored with its text fields folded into the
``_fts: "text", _ftsx: 1`` pair (other keys kept before/after it), the text
fields become ``weights`` (sorted by field name, integer weights, default
1), and ``default_language`` / ``language_override`` / ``textIndexVersion``
are filled in.

:class:`TextPostings` are a text index's entries: for every term, the record
keys of the documents holding it with the document's score for that term
(``FTSSpec::scoreDocument``: term frequency, field weight and string length
folded in), so a ``$text`` query's candidates and textScores are read from
the index as the server's TEXT_OR reads its keys.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from bson.son import SON

from ..values.errors import ServerError
from ..values.order import is_number
from ..languages.text_search import TEXT_LANGUAGES, WILDCARD, text_index_view

__all__ = ["is_text_key", "fix_text_spec", "TextPostings", "TEXT_LANGUAGES",
           "TEXT_INDEX_VERSION"]

TEXT_INDEX_VERSION = 3
#: MAX_WEIGHT / 10000 (fts_spec.cpp)
MAX_WORD_WEIGHT = 1_000_000_000 / 10_000


def is_text_key(key: Mapping[str, Any]) -> bool:
    """Whether a key pattern (as sent or as stored) makes a text index."""
    return any(direction == "text" for direction in key.values())


def _numeric(value: Any) -> float:
    return float(value.to_decimal()) if hasattr(value, "to_decimal") else float(value)


def _fix_key(key: Mapping[str, Any]) -> tuple[SON, dict[str, int]]:
    """The stored key pattern and the text fields' default weights."""
    fixed = SON()
    weights: dict[str, int] = {}
    added = False
    seen_text = False
    after_text = False
    for field, direction in key.items():
        if field == "_fts":
            if direction != "text":
                raise ServerError(17271, 'expecting _fts:"text"')
            fixed["_fts"] = "text"
            added = seen_text = True
            continue
        if field == "_ftsx":
            if not is_number(direction) or int(_numeric(direction)) != 1:
                raise ServerError(17272, "expecting _ftsx:1")
            fixed["_ftsx"] = direction
            continue
        if isinstance(direction, str):
            if after_text:
                raise ServerError(17389, "'text' fields in index must all be adjacent")
            if not added:
                fixed["_fts"] = "text"
                fixed["_ftsx"] = 1
                added = True
            seen_text = True
            weights[field] = 1
            continue
        if not is_number(direction) or _numeric(direction) not in (1.0, -1.0):
            raise ServerError(17273, "expected value 1 or -1 for non-text key in compound "
                                     "index")
        if seen_text:
            after_text = True
        fixed[field] = direction
    return fixed, weights


def fix_text_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The stored form of a text index spec, or the server's error."""
    key, weights = _fix_key(spec["key"])
    if "weights" in spec:
        given = spec["weights"]
        if isinstance(given, Mapping):
            for field, weight in given.items():
                if not is_number(weight):
                    raise ServerError(17283, "weight for text index needs numeric type")
                weights[field] = int(_numeric(weight))
        elif given == WILDCARD:
            weights[WILDCARD] = 1
        else:
            raise ServerError(17284, "text index option 'weights' must be an object")
    for field, weight in weights.items():
        if not 0 < weight < MAX_WORD_WEIGHT:
            raise ServerError(16674, "score for word too high")
        if field != WILDCARD:
            _check_weight_field(field)
    language = spec.get("default_language", "english")
    if not isinstance(language, str):
        raise ServerError(17263, "default_language needs a string type")
    if language not in TEXT_LANGUAGES:
        raise ServerError(17264, "default_language is not valid")
    override = spec.get("language_override", "language")
    if not isinstance(override, str) or not override or override.startswith("$") \
            or "." in override:
        raise ServerError(17136, "language_override is not valid")
    if "textIndexVersion" in spec:
        _check_version(spec["textIndexVersion"])
    filled = {"weights": SON(sorted(weights.items())), "default_language": language,
              "language_override": override, "textIndexVersion": TEXT_INDEX_VERSION}
    fixed: dict[str, Any] = {}
    for option, value in spec.items():
        fixed[option] = key if option == "key" else filled.pop(option, value)
    fixed.update(filled)
    return fixed


def _check_weight_field(field: str) -> None:
    """A weight names a field path (17294/17291/17292)."""
    if not field:
        raise ServerError(17294, "weight cannot be on an empty field")
    for part in field.split("."):
        if not part:
            raise ServerError(17291, "weight cannot have empty path component")
        if part.startswith("$"):
            raise ServerError(17292, "weight cannot have path component with $ prefix")


def _check_version(version: Any) -> None:
    """Version 3 only: 1 and 2 (older tokenisers) are not emulated."""
    if not is_number(version):
        raise ServerError(17293, "text index option 'textIndexVersion' must be a number")
    number = _numeric(version)
    number = int(number) if math.isfinite(number) else 0
    if number in (1, 2):
        raise ServerError(238, f"textIndexVersion {number} is not supported by mim: only "
                               f"version 3 text indexes are emulated")
    if number != TEXT_INDEX_VERSION:
        raise ServerError(16730, f"bad textIndexVersion: {number}")

#: how many distinct score objects one index shares before it starts afresh
_SCORES_SHARED = 1 << 16


class TextPostings:
    """A text index's entries: ``term -> {record key: the document's score for the
    term}`` (one entry per term a document holds, as the server keeps one index
    key per term).  Written by the collection's write hooks through the index
    catalog; read by the planner's TEXT plan (:meth:`candidates`)."""

    __slots__ = ("view", "by_term", "count", "_scores")

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.view = text_index_view(spec)
        self.by_term: dict[str, dict[tuple, float]] = {}
        #: how many entries (term, document) the index holds
        self.count = 0
        #: one float object per distinct score (documents of like shape share their
        #: scores: a third of an entry's memory)
        self._scores: dict[float, float] = {}

    def document_terms(self, doc: Mapping) -> dict[str, float]:
        """A document's terms and scores (raises the server's language errors,
        17261/17262, for a bad language override: the write is refused)."""
        return self.view.term_scores(doc)

    def add(self, terms: Mapping[str, float], id_key: tuple) -> None:
        by_term = self.by_term
        shared = self._scores
        if len(shared) > _SCORES_SHARED:
            shared = self._scores = {}
        for term, score in terms.items():
            score = shared.setdefault(score, score)
            bucket = by_term.get(term)
            if bucket is None:
                by_term[term] = {id_key: score}
            else:
                bucket[id_key] = score
        self.count += len(terms)

    def remove(self, terms: Mapping[str, float], id_key: tuple) -> None:
        by_term = self.by_term
        for term in terms:
            bucket = by_term.get(term)
            if bucket is not None and bucket.pop(id_key, None) is not None:
                self.count -= 1
                if not bucket:
                    del by_term[term]

    def clear(self) -> None:
        self.by_term = {}
        self.count = 0

    def candidates(self, terms: Iterable[str]) -> tuple[dict[tuple, float], int]:
        """The documents holding any of ``terms``, each with its textScore (the sum
        of its scores for those terms, added in ``terms``' order, as
        ``TextQuery.score`` adds them), and how many entries were read."""
        scores: dict[tuple, float] = {}
        examined = 0
        by_term = self.by_term
        for term in terms:
            bucket = by_term.get(term)
            if not bucket:
                continue
            examined += len(bucket)
            if not scores:
                scores = dict(bucket)
                continue
            get = scores.get
            for id_key, score in bucket.items():
                scores[id_key] = get(id_key, 0.0) + score
        return scores, examined

    def copy(self) -> "TextPostings":
        """A copy of the postings (a transaction's fork of the collection)."""
        copy = object.__new__(TextPostings)
        copy.view = self.view
        copy.by_term = {term: dict(bucket) for term, bucket in self.by_term.items()}
        copy.count = self.count
        copy._scores = {}
        return copy
