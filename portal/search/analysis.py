"""Analyzers for the search index: one per language, a spelling one and an as-you-type one.

Every analyzer lowercases and folds accents so "ou est ma commande" matches "Où est ma commande ?".
They are built once at import (cheap, no I/O) and shared by indexing and querying.
"""
import re
from functools import lru_cache

from whoosh.analysis import Filter, LowercaseFilter, NgramFilter, RegexTokenizer
from whoosh.lang import stemmer_for_language, stopwords_for_language
from whoosh.support.charset import accent_map

LANGUAGES = ("en", "fr")
DEFAULT_LANGUAGE = "en"
WORD_PATTERN = r"\w+"
_WORD_RE = re.compile(WORD_PATTERN)
SUGGEST_MAX_GRAM = 20

# accent_map misses the ligatures French writers use ("œuvre", "ex æquo").
FOLD_MAP = {**accent_map, ord("œ"): "oe", ord("Œ"): "oe", ord("æ"): "ae", ord("Æ"): "ae"}

# Negations and particles change the meaning of support questions ("not received", "log out").
_KEEP_EN = {"no", "not", "nor", "off", "out", "up", "down", "again"}
STOP_WORDS = {
    "en": frozenset(stopwords_for_language("en")) - _KEEP_EN,
    "fr": frozenset(stopwords_for_language("fr")),
}


def fold(text: str) -> str:
    """Lowercase and strip accents: the normal form shared by every field."""
    return text.lower().translate(FOLD_MAP)


@lru_cache(maxsize=None)
def _cached_stemmer(lang: str):
    return lru_cache(maxsize=50_000)(stemmer_for_language(lang))


class FoldStemFilter(Filter):
    """Drops stop words, then stems each word twice: folded-then-stemmed and stemmed-then-folded.

    Folding first makes accent-less queries match ("livree" → "livre" as for "livrée"); stemming the
    accented word as well keeps the proper stem ("livrée" → "livr", like "livrer"). Both terms
    sit at the same position, so either form of the query word matches.
    """

    def __init__(self, lang: str, minsize: int = 2):
        self.lang = lang
        self.minsize = minsize
        self.stops = frozenset(fold(word) for word in STOP_WORDS.get(lang, ()))
        self._stem = _cached_stemmer(lang)

    def __getstate__(self):
        # The schema is pickled into the index; the cached stemmer is rebuilt on load.
        return {"lang": self.lang, "minsize": self.minsize, "stops": self.stops}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._stem = _cached_stemmer(self.lang)

    def __eq__(self, other):
        return (
            other.__class__ is self.__class__
            and (self.lang, self.minsize, self.stops) == (other.lang, other.minsize, other.stops)
        )

    def __call__(self, tokens):
        stem, stops, minsize = self._stem, self.stops, self.minsize
        for token in tokens:
            original = token.text
            folded = original.translate(FOLD_MAP)
            if len(folded) < minsize or folded in stops:
                if not token.removestops:
                    token.stopped = True
                    yield token
                continue
            token.stopped = False
            first = stem(folded)
            token.text = first
            yield token
            second = stem(original).translate(FOLD_MAP)
            if second != first:
                token.text = second
                yield token


class FoldFilter(Filter):
    """Folds accents (input is already lowercase) and drops words shorter than `minsize`."""

    def __init__(self, minsize: int = 1):
        self.minsize = minsize

    def __eq__(self, other):
        return other.__class__ is self.__class__ and other.minsize == self.minsize

    def __call__(self, tokens):
        for token in tokens:
            token.text = token.text.translate(FOLD_MAP)
            if len(token.text) >= self.minsize:
                yield token


def language_analyzer(lang: str):
    """Tokenize on words, lowercase, drop stop words, fold accents and stem for `lang`."""
    return RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | FoldStemFilter(lang)


def spelling_analyzer():
    """Unstemmed folded words of three letters or more: the dictionary for "Did you mean"."""
    return RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | FoldFilter(minsize=3)


def suggest_analyzer():
    """Edge n-grams of folded title words, so a prefix lookup is a single term lookup."""
    return (
        RegexTokenizer(WORD_PATTERN)
        | LowercaseFilter()
        | FoldFilter()
        | NgramFilter(minsize=1, maxsize=SUGGEST_MAX_GRAM, at="start")
    )


ANALYZERS = {lang: language_analyzer(lang) for lang in LANGUAGES}


def words(text: str) -> list[tuple[str, int, int]]:
    """Split user text into (word, start, end) the way the analyzers' tokenizer does."""
    return [(m.group(), m.start(), m.end()) for m in _WORD_RE.finditer(text)]


@lru_cache(maxsize=50_000)
def analyze(word: str, lang: str) -> tuple[str, ...]:
    """The index terms one word becomes in `lang` fields (empty for a stop word)."""
    return tuple(t.text for t in ANALYZERS[lang](word, mode="query"))
