"""Text search: ``$text`` queries over a collection's text index.

What the server's fts module does, for textIndexVersion 3:

* tokenising (``UnicodeFTSTokenizer``): words are runs of non-delimiters
  (white space and punctuation; in English the apostrophe belongs to the
  word); a word is lower-cased, checked against the language's stop words,
  stemmed (Snowball, the ``snowballstemmer`` package) and folded free of
  diacritics;
* the query (``FTSQueryImpl::parse``): terms are OR-ed, ``"quoted phrases"``
  must all appear (substring match), ``-term`` and ``-"phrase"`` exclude;
* matching (``FTSMatcher``) and scoring (``FTSSpec::_scoreStringV2``): per
  indexed string, a term found ``count`` times among ``n`` tokens scores
  ``weight * freq * (0.5 * count / n + 0.5)`` (``freq`` = 1 + 1/2 + 1/4 …,
  a 1.1 boost when the whole string is the term); a document's textScore is
  the sum of its scores for the query's distinct terms.

The text index (:mod:`mim.engine.index.text`) keeps each document's term
scores as postings (term → record key → score), maintained by every write; a
``$text`` query's candidates and scores come from them (the planner's TEXT
plan fills :meth:`TextQuery.remember`), and the phrase / negation / case /
diacritic checks then run on the candidate documents only.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

import snowballstemmer

from ..values.errors import ServerError
from ..values.order import type_name

__all__ = ["TextQuery", "TextIndexView", "text_index_view", "parse_text_arguments",
           "TEXT_LANGUAGES", "WILDCARD"]

WILDCARD = "$**"
#: the languages text indexes know (fts_language.cpp, textIndexVersion 3),
#: by name and ISO 639-1 code
TEXT_LANGUAGES: dict[str, str] = {
    "none": "none", "danish": "danish", "da": "danish", "dutch": "dutch", "nl": "dutch",
    "english": "english", "en": "english", "finnish": "finnish", "fi": "finnish",
    "french": "french", "fr": "french", "german": "german", "de": "german",
    "hungarian": "hungarian", "hu": "hungarian", "italian": "italian", "it": "italian",
    "norwegian": "norwegian", "nb": "norwegian", "portuguese": "portuguese",
    "pt": "portuguese", "romanian": "romanian", "ro": "romanian", "russian": "russian",
    "ru": "russian", "spanish": "spanish", "es": "spanish", "swedish": "swedish",
    "sv": "swedish", "turkish": "turkish", "tr": "turkish",
}

#: Snowball algorithm per text-search language ("none": no stemming)
_SNOWBALL = {language: language for language in set(TEXT_LANGUAGES.values())
             if language != "none"}
#: ASCII delimiters: white space and every ASCII punctuation/symbol but ``_``
_ASCII_DELIMITERS = frozenset(" \t\n\r\v\f!\"#$%&'()*+,-./:;<=>?@[\\]^`{|}~")
_QUERY_WHITESPACE = frozenset(" \t\n\r\v\f")
_TEXT_OPTIONS = {"$language": "string", "$caseSensitive": "bool",
                 "$diacriticSensitive": "bool"}


# -- languages ----------------------------------------------------------------------------

def resolve_language(name: str, error_code: int = 17262) -> str:
    """The canonical language name (``en`` → ``english``), or the server's error."""
    language = TEXT_LANGUAGES.get(name)
    if language is None:
        raise ServerError(error_code, f"unsupported language: \"{name}\" for text index "
                                      f"version 3")
    return language


@lru_cache(maxsize=None)
def stop_words(language: str) -> frozenset[str]:
    """The language's stop words (MongoDB's src/mongo/db/fts/stop_words_*.txt, one per
    language of :data:`TEXT_LANGUAGES`: fts/BUILD.bazel's STOP_WORD_LANGUAGES)."""
    if language == "none":
        return frozenset()
    text = resources.files(__package__).joinpath("stop_words", f"{language}.txt").read_text(
        encoding="utf-8")
    return frozenset(line for line in text.split("\n") if line)


@lru_cache(maxsize=None)
def _stemmer(language: str) -> Any:
    return snowballstemmer.stemmer(_SNOWBALL[language]) if language != "none" else None


# -- tokens -------------------------------------------------------------------------------

def _is_delimiter(char: str, language: str) -> bool:
    if char < "\x80":
        return char in _ASCII_DELIMITERS and not (char == "'" and language == "english")
    if char.isspace():
        return True
    category = unicodedata.category(char)
    return category[0] == "P" and category != "Pc" or category == "Sm"


#: an ASCII string's words: runs of characters that are no ASCII delimiter (``'``
#: separates words in every language but English)
_ASCII_WORDS = re.compile("[^" + re.escape("".join(sorted(_ASCII_DELIMITERS))) + "]+")
_ASCII_WORDS_ENGLISH = re.compile(
    "[^" + re.escape("".join(sorted(_ASCII_DELIMITERS - {"'"}))) + "]+")


def _words(text: str, language: str) -> Iterator[str]:
    if text.isascii():
        words = _ASCII_WORDS_ENGLISH if language == "english" else _ASCII_WORDS
        return iter(words.findall(text))
    return _unicode_words(text, language)


def _unicode_words(text: str, language: str) -> Iterator[str]:
    start = None
    for position, char in enumerate(text):
        if _is_delimiter(char, language):
            if start is not None:
                yield text[start:position]
                start = None
        elif start is None:
            start = position
    if start is not None:
        yield text[start:]


def fold_diacritics(text: str) -> str:
    """Remove combining marks (``café`` → ``cafe``), as version 3 does."""
    if text.isascii():
        return text  # nothing to fold
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def tokens(text: str, language: str, *, filter_stop_words: bool = True,
           case_sensitive: bool = False, diacritic_sensitive: bool = False) -> Iterator[str]:
    """The terms of a string, as ``UnicodeFTSTokenizer`` yields them."""
    stops = stop_words(language) if filter_stop_words else frozenset()
    for word in _words(text, language):
        if word.lower() in stops:
            continue
        yield _term(word, language, case_sensitive, diacritic_sensitive)


#: per language: word -> its index term (None: a stop word), what :func:`tokens` gives
#: the word, memoised for :func:`_score_string` (a text index tokenises every string of
#: every document it holds, and text repeats its words)
_INDEX_TERMS: dict[str, dict[str, str | None]] = {}
#: how many words one language's memo keeps before it starts afresh
_INDEX_TERMS_KEPT = 1 << 16
_UNSEEN = object()


def _index_term_memo(language: str) -> dict[str, str | None]:
    """The language's word memo (started afresh past :data:`_INDEX_TERMS_KEPT` words)."""
    memo = _INDEX_TERMS.get(language)
    if memo is None or len(memo) > _INDEX_TERMS_KEPT:
        memo = _INDEX_TERMS[language] = {}
    return memo


def _learn_word(memo: dict[str, str | None], word: str, language: str) -> str | None:
    """A word's index term (None: a stop word), remembered in ``memo``."""
    term = memo[word] = None if word.lower() in stop_words(language) \
        else _term(word, language, False, False)
    return term


@lru_cache(maxsize=1 << 16)
def _term(word: str, language: str, case_sensitive: bool, diacritic_sensitive: bool) -> str:
    """One word's index term: lower-cased (unless case sensitive), stemmed, its
    diacritics folded (unless diacritic sensitive).  Memoised: Snowball in pure
    Python costs tens of microseconds a word, and text repeats its words."""
    term = word if case_sensitive else word.lower()
    stemmer = _stemmer(language)
    if stemmer is not None:
        term = stemmer.stemWord(term)
    if not diacritic_sensitive:
        term = fold_diacritics(term)
    return term


# -- the index's view of a document ----------------------------------------------------------

#: how many index views are kept for the next query on the same index
_VIEWS_KEPT = 16
_views: "OrderedDict[int, tuple[Mapping, TextIndexView]]" = OrderedDict()
_views_lock = threading.Lock()


def text_index_view(spec: Mapping[str, Any]) -> "TextIndexView":
    """The view of a text index spec, the same one for every query on that index
    (while it is among the last :data:`_VIEWS_KEPT` used)."""
    with _views_lock:
        known = _views.get(id(spec))
        if known is not None and known[0] is spec:
            _views.move_to_end(id(spec))
            return known[1]
        view = TextIndexView(spec)
        _views[id(spec)] = (spec, view)
        while len(_views) > _VIEWS_KEPT:
            _views.popitem(last=False)
        return view


class TextIndexView:
    """A text index spec read as ``FTSSpec``: weights, languages, iteration."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        weights = dict(spec["weights"])
        self.wildcard = WILDCARD in weights
        self.weights = {field: float(weight) for field, weight in weights.items()
                        if field != WILDCARD}
        self.default_language = TEXT_LANGUAGES[spec["default_language"]]
        self.language_override = spec["language_override"]
        self.name = spec["name"]
        #: the paths leading to a weighted field (``a`` and ``a.b`` for ``a.b.c``)
        self._parents = frozenset(".".join(field.split(".")[:i]) for field in self.weights
                                  for i in range(1, field.count(".") + 1))
        self._top_level_only = not self.wildcard and not self._parents

    def _language(self, doc: Mapping, current: str) -> str:
        value = doc.get(self.language_override)
        if value is None and self.language_override not in doc:
            return current
        if not isinstance(value, str):
            raise ServerError(17261, "found language override field in document with "
                                     "non-string type")
        language = TEXT_LANGUAGES.get(value)
        if language is None:
            raise ServerError(17262, f"language override unsupported: {value}")
        return language

    def strings(self, doc: Mapping) -> Iterable[tuple[str, str, float]]:
        """``(text, language, weight)`` for every indexed string (FTSElementIterator)."""
        language = self._language(doc, self.default_language)
        if not self._top_level_only:
            return self._walk(doc, "", False, language)
        # every weighted field is a top-level one: its string, or the strings of its
        # array (what _walk yields for such an index, without the walk)
        weights = self.weights
        found = []
        for name, value in doc.items():
            weight = weights.get(name)
            if weight is None:
                continue
            if isinstance(value, str):
                found.append((value, language, weight))
            elif isinstance(value, list):
                found.extend((item, language, weight) for item in value if isinstance(item, str))
        return found

    def _walk(self, container: Any, parent: str, is_array: bool,
              language: str) -> Iterator[tuple[str, str, float]]:
        items = enumerate(container) if is_array else container.items()
        for name, value in items:
            name = str(name)
            if self.wildcard and not is_array and name == self.language_override:
                continue
            dotted = name if not parent else parent if is_array else f"{parent}.{name}"
            exact = dotted in self.weights
            if not self.wildcard and not exact and dotted not in self._parents:
                continue
            weight = self.weights.get(dotted, 1.0)
            if isinstance(value, str):
                if exact or self.wildcard:
                    yield value, language, weight
            elif isinstance(value, Mapping):
                if not exact or self.wildcard:
                    yield from self._walk(value, dotted, False, self._language(value, language))
            elif isinstance(value, list):
                if not is_array or self.wildcard:
                    yield from self._walk(value, dotted, True, language)

    def term_scores(self, doc: Mapping) -> dict[str, float]:
        """The score of each term of a document: what its index keys carry
        (``FTSSpec::scoreDocument``; the text index's postings hold these)."""
        scores: dict[str, float] = {}
        for text, language, weight in self.strings(doc):
            _score_string(text, language, weight, scores)
        return scores


def _frequencies() -> list[float]:
    """``freq`` of a term met ``count`` times in a string, by count, as
    ``_scoreStringV2`` adds it up (1 + 1/2 + 1/4 …, each step rounded); it stops
    growing once a step no longer changes it (the last entry serves every larger count)."""
    table = [0.0]
    freq = exp = 0.0
    while True:
        exp = exp * 2 if exp else 1.0
        freq += 1 / exp
        if freq == table[-1]:
            return table
        table.append(freq)


_FREQUENCY = _frequencies()
_LAST_FREQUENCY = len(_FREQUENCY) - 1


def _score_string(raw: str, language: str, weight: float, scores: dict[str, float]) -> None:
    """``FTSSpec::_scoreStringV2`` (the string's terms are :func:`tokens`', counted as
    they are met)."""
    memo = _index_term_memo(language)
    counts: dict[str, int] = {}  # term -> how many times, in first-met order
    get = counts.get
    n_tokens = 0
    for word in _words(raw, language):
        term = memo.get(word, _UNSEEN)
        if term is _UNSEEN:
            term = _learn_word(memo, word, language)
        if term is not None:
            counts[term] = get(term, 0) + 1
            n_tokens += 1
    for term, count in counts.items():
        freq = _FREQUENCY[count if count < _LAST_FREQUENCY else _LAST_FREQUENCY]
        coeff = (0.5 * count / n_tokens) + 0.5
        adjustment = 1.1 if len(raw) == len(term) and raw.lower() == term.lower() else 1.0
        scores[term] = scores.get(term, 0.0) + weight * freq * coeff * adjustment


# -- the query ------------------------------------------------------------------------------

def parse_text_arguments(arg: Any) -> dict[str, Any]:
    """``$text``'s argument checked as ``extractTextMatchExpressionParams`` does."""
    if not isinstance(arg, Mapping):
        raise ServerError(2, "$text expects an object")
    if "$search" not in arg:
        raise ServerError(4, 'Missing expected field "$search"')
    if not isinstance(arg["$search"], str):
        raise ServerError(14, f'"$search" had the wrong type. Expected string, found '
                              f'{type_name(arg["$search"])}')
    for option, wanted in _TEXT_OPTIONS.items():
        if option in arg:
            value = arg[option]
            if (wanted == "string") != isinstance(value, str) or (
                    wanted == "bool" and not isinstance(value, bool)):
                raise ServerError(14, f'"{option}" had the wrong type. Expected {wanted}, '
                                      f'found {type_name(value)}')
    if any(key != "$search" and key not in _TEXT_OPTIONS for key in arg):
        raise ServerError(2, "extra fields in $text")
    return dict(arg)


class TextQuery:
    """A parsed ``$search`` string against one text index."""

    def __init__(self, arg: Mapping[str, Any], index: TextIndexView) -> None:
        self.index = index
        self.search: str = arg["$search"]
        self.language = (resolve_language(arg["$language"], 17262) if arg.get("$language")
                         else index.default_language)
        self.case_sensitive = bool(arg.get("$caseSensitive", False))
        self.diacritic_sensitive = bool(arg.get("$diacriticSensitive", False))
        #: lower-cased terms (the index bounds: what scores)
        self.terms_for_bounds: set[str] = set()
        self.positive_terms: set[str] = set()
        self.negated_terms: set[str] = set()
        self.positive_phrases: list[str] = []
        self.negated_phrases: list[str] = []
        #: id(doc) -> (doc, its textScore), filled by the read that found the document
        #: through the index's postings (see :meth:`start_read`)
        self._known: dict[int, tuple[Mapping, float]] = {}
        self._parse()
        #: whether a document holding a query term may still fail (a case- or
        #: diacritic-sensitive term, a negation or a phrase to check on it)
        self.checks_documents = bool(
            self.case_sensitive or self.diacritic_sensitive or self.negated_terms
            or self.positive_phrases or self.negated_phrases)
        self._positive_needles = [self._fold(phrase) for phrase in self.positive_phrases]
        self._negated_needles = [self._fold(phrase) for phrase in self.negated_phrases]

    def start_read(self) -> dict[int, tuple[Mapping, float]]:
        """A fresh memo for one read through the text index: the reader puts
        ``id(doc) -> (doc, score)`` in it for every candidate, from the postings,
        so :meth:`matches` and :meth:`score` need not tokenise the document."""
        self._known = {}
        return self._known

    # FTSQueryParser: whitespace-separated; '-' and '"' are delimiters of their own
    def _query_tokens(self) -> Iterator[tuple[str, str, int, bool]]:
        text = self.search
        position = 0
        previous_white_space = True
        while position < len(text) and text[position] in _QUERY_WHITESPACE:
            position += 1
        while position < len(text):
            start = position
            char = text[position]
            position += 1
            kind = "delimiter" if char in '-"' else "text"
            if kind == "text":
                while position < len(text) and text[position] not in _QUERY_WHITESPACE \
                        and text[position] not in '-"':
                    position += 1
            data = text[start:position]
            old = previous_white_space
            end = position
            while position < len(text) and text[position] in _QUERY_WHITESPACE:
                position += 1
            previous_white_space = position > end
            yield kind, data, start, old

    def _parse(self) -> None:
        in_negation = in_phrase = False
        quote_offset = 0
        for kind, data, offset, previous_white_space in self._query_tokens():
            if kind == "text":
                if not (in_phrase and in_negation):
                    if in_negation and previous_white_space:
                        in_negation = False
                    self._add_terms(data, in_negation)
            elif data == "-":
                if not in_phrase and previous_white_space:
                    in_negation = True
            elif in_phrase:
                phrase = self.search[quote_offset + 1:offset]
                (self.negated_phrases if in_negation else self.positive_phrases).append(phrase)
                in_phrase = False
            else:
                in_phrase = True
                if in_negation and previous_white_space:
                    in_negation = False
                quote_offset = offset

    def _add_terms(self, sentence: str, negated: bool) -> None:
        active = self.negated_terms if negated else self.positive_terms
        for word in tokens(sentence, self.language):
            if not negated:
                self.terms_for_bounds.add(word)
            if not self.case_sensitive and not self.diacritic_sensitive:
                active.add(word)
        if self.case_sensitive or self.diacritic_sensitive:
            active.update(tokens(sentence, self.language, case_sensitive=self.case_sensitive,
                                 diacritic_sensitive=self.diacritic_sensitive))

    # -- FTSMatcher --------------------------------------------------------------------------

    def _has_term(self, doc: Mapping, wanted: set[str]) -> bool:
        if not wanted:
            return False
        for text, language, _ in self.index.strings(doc):
            for term in tokens(text, language, filter_stop_words=False,
                               case_sensitive=self.case_sensitive,
                               diacritic_sensitive=self.diacritic_sensitive):
                if term in wanted:
                    return True
        return False

    def _fold(self, text: str) -> str:
        if not self.case_sensitive:
            text = text.casefold()
        if not self.diacritic_sensitive:
            text = fold_diacritics(text)
        return text

    def _phrases_hold(self, doc: Mapping) -> bool:
        """Every positive phrase and no negated one is in the document's indexed
        strings (a substring of one of them, folded as the query asks)."""
        texts = [self._fold(text) for text, _, _ in self.index.strings(doc)]
        for needle in self._positive_needles:
            if not any(needle in text for text in texts):
                return False
        return not any(needle in text for needle in self._negated_needles for text in texts)

    def score(self, doc: Mapping) -> float:
        """The document's textScore (0 when no query term is in its index keys)."""
        known = self._known.get(id(doc))
        if known is not None and known[0] is doc:
            return known[1]
        scores = self.index.term_scores(doc)
        total = 0.0
        for term in self.terms_for_bounds:  # added one by one, as TEXT_OR adds them
            total += scores.get(term, 0.0)
        return total

    def matches(self, doc: Mapping) -> bool:
        known = self._known.get(id(doc))
        if known is None or known[0] is not doc:
            # not found through the postings (a hinted scan): the document's own terms
            scores = self.index.term_scores(doc)
            for term in self.terms_for_bounds:
                if term in scores:
                    break
            else:
                return False  # not among the index entries TEXT_OR reads
        if not self.checks_documents:
            return True
        if (self.case_sensitive or self.diacritic_sensitive) \
                and not self._has_term(doc, self.positive_terms):
            return False
        if self._has_term(doc, self.negated_terms):
            return False
        return not (self._positive_needles or self._negated_needles) or self._phrases_hold(doc)
