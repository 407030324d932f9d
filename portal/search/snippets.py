"""Highlighted snippets: escaped text with the matched words in <mark>.

Only the hits on the shown page get a snippet. Rather than re-analyzing a whole body (several ms
per hit), the text is scanned with one regex for words starting like a query stem, and only those
candidates go through the analyzer to confirm they match.
"""
import re
from functools import lru_cache

from markupsafe import Markup, escape
from whoosh.analysis import Token
from whoosh.highlight import (
    FIRST,
    BasicFragmentScorer,
    Formatter,
    Fragment,
    Fragmenter,
    get_text,
    top_fragments,
)
from whoosh.support.charset import accent_map

from .analysis import analyze

SNIPPET_CHARS = 200
ELLIPSIS = "…"
PREFIX_CHARS = 4  # stems differ from their words after a few letters ("deliveri", "livr")


class EscapingFormatter(Formatter):
    """Formats a fragment as HTML: matched words in <mark>, everything else escaped."""

    between = f" {ELLIPSIS} "

    def _text(self, text):
        return str(escape(text))

    def format_token(self, text, token, replace=False):
        return f"<mark>{escape(get_text(text, token, replace))}</mark>"


class WindowFragmenter(Fragmenter):
    """One window of about `size` characters holding the most distinct matched words."""

    def __init__(self, size: int = SNIPPET_CHARS, lead: int = 50):
        self.size = size
        self.lead = lead

    def must_retokenize(self):
        return False

    def fragment_matches(self, text, tokens):
        if not tokens:
            return
        best, best_key = None, None
        for i, first in enumerate(tokens):
            start = max(0, first.startchar - self.lead)
            inside = [t for t in tokens[i:] if t.endchar <= start + self.size] or [first]
            key = (len({t.text for t in inside}), len(inside))
            if best_key is None or key > best_key:
                best, best_key = (start, inside), key
        start, inside = best
        end = max(min(len(text), start + self.size), inside[-1].endchar)
        # Cut at spaces so no word is chopped, but never cut a match.
        if start > 0:
            space = text.find(" ", start, inside[0].startchar)
            start = space + 1 if space >= 0 else start
        if end < len(text):
            space = text.rfind(" ", inside[-1].endchar, end)
            end = space if space >= 0 else end
        yield Fragment(text, inside, start, end)


_FORMATTER = EscapingFormatter()
_FRAGMENTER = WindowFragmenter()
_SCORER = BasicFragmentScorer()


def indexed_text(summary: str, body: str) -> str:
    """The text a body field indexes, and the text its snippet is cut from."""
    return f"{summary}\n\n{body}" if summary else body


@lru_cache(maxsize=1024)
def _candidate_pattern(stems: frozenset) -> re.Pattern:
    prefixes = sorted({stem[:PREFIX_CHARS] for stem in stems}, key=len, reverse=True)
    return re.compile(r"\b(?:%s)\w*" % "|".join(map(re.escape, prefixes)), re.IGNORECASE)


def find_matches(text: str, lang: str, stems: frozenset) -> list[Token]:
    """Tokens for the words of `text` that analyze to one of `stems`, in text order."""
    if not stems:
        return []
    # accent_map maps one character to one, so offsets in the folded copy match the original.
    folded = text.translate(accent_map)
    tokens = []
    for match in _candidate_pattern(stems).finditer(folded):
        word = text[match.start(): match.end()]
        found = stems.intersection(analyze(word, lang))
        if found:
            tokens.append(Token(text=min(found), startchar=match.start(), endchar=match.end(),
                                matched=True, boost=1.0))
    return tokens


def highlight(text: str, lang: str, stems: frozenset) -> Markup | None:
    """The best ~200-character fragment of `text` with matches marked, or None without any."""
    tokens = find_matches(text, lang, stems)
    fragments = top_fragments(_FRAGMENTER.fragment_matches(text, tokens), 1, _SCORER, FIRST)
    if not fragments:
        return None
    fragment = fragments[0]
    html = " ".join(_FORMATTER.format(fragments).split())
    prefix = f"{ELLIPSIS} " if text[: fragment.startchar].strip() else ""
    suffix = f" {ELLIPSIS}" if text[fragment.endchar:].strip() else ""
    return Markup(prefix + html + suffix)


def plain_snippet(text: str) -> Markup:
    """The start of `text`, cut at a word boundary near SNIPPET_CHARS, escaped."""
    text = " ".join(text.split())
    if len(text) <= SNIPPET_CHARS:
        return escape(text)
    cut = text.rfind(" ", 0, SNIPPET_CHARS)
    return escape(text[: cut if cut > SNIPPET_CHARS // 2 else SNIPPET_CHARS]) + f" {ELLIPSIS}"
