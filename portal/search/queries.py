"""From user text to index terms, and the "Did you mean" corrector.

Words are analyzed with the document analyzers and kept only if their terms exist in the index,
so whatever the user typed, the ranker only ever sees a few (field, term) pairs.
"""
from .analysis import analyze, fold, words

SEARCHED_FIELDS = ("title", "tags", "body")
MAX_WORDS = 12
MAX_WORD_CHARS = 40
MIN_CORRECTED_CHARS = 4


class QueryPlan:
    """What each word of `text` becomes in the fields of each searched language."""

    def __init__(self, reader, text: str, langs: tuple[str, ...]):
        self.langs = langs
        self.words = [w for w in words(text) if len(w[0]) <= MAX_WORD_CHARS][:MAX_WORDS]
        # lang -> for each non-stop word, its (field, term) pairs found in the index (maybe none)
        self.clauses = {lang: [] for lang in langs}
        self.unknown = []  # (word, start, end) found in no searched language
        for word, start, end in self.words:
            analyzed = {lang: analyze(word, lang) for lang in langs}
            found = False
            for lang, stems in analyzed.items():
                if stems:  # no stems: a stop word in this language
                    terms = [(f"{name}_{lang}", stem) for name in SEARCHED_FIELDS for stem in stems
                             if (f"{name}_{lang}", stem) in reader]
                    self.clauses[lang].append(terms)
                    found = found or bool(terms)
            if not found and any(analyzed.values()):
                self.unknown.append((word, start, end))

    def stems(self, lang: str) -> frozenset[str]:
        """The body terms of `lang` this query matches, for highlighting."""
        return frozenset(stem for terms in self.clauses.get(lang, ()) for name, stem in terms
                         if name == f"body_{lang}")


def corrections(reader, plan: QueryPlan) -> dict[tuple[int, int], str]:
    """Closest indexed word for each unknown word of the plan, keyed by its span in the text."""
    fields = [f"spell_{lang}" for lang in plan.langs]
    fixes = {}
    for word, start, end in plan.unknown:
        folded = fold(word)
        if len(folded) < MIN_CORRECTED_CHARS or any(char.isdigit() for char in folded):
            continue  # short words and order numbers have too many neighbours to guess
        best = closest_word(reader, fields, folded, maxdist=2 if len(folded) >= 8 else 1)
        if best:
            fixes[(start, end)] = best
    return fixes


def closest_word(reader, fields: list[str], word: str, maxdist: int) -> str | None:
    """The most frequent indexed word at the smallest edit distance, sharing the first letter."""
    found = {}  # candidate -> [distance, document frequency]
    for fieldname in fields:
        for leaf, _ in reader.leaf_readers():
            for btext in leaf.expand_prefix(fieldname, word[0]):
                candidate = btext.decode("utf-8")
                if candidate == word or abs(len(candidate) - len(word)) > maxdist:
                    continue
                distance = edit_distance(word, candidate, maxdist)
                if distance <= maxdist:
                    entry = found.setdefault(candidate, [distance, 0])
                    entry[1] += leaf.doc_frequency(fieldname, candidate)
    if not found:
        return None
    return min(found, key=lambda c: (found[c][0], -found[c][1], c))


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein (adjacent swaps count once), or limit + 1 once it exceeds `limit`."""
    previous, current = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        before, previous, current = previous, current, [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
    return current[-1]


def rewrite(text: str, fixes: dict[tuple[int, int], str]) -> str:
    """`text` with each corrected span replaced, everything else kept as typed."""
    for (start, end), replacement in sorted(fixes.items(), reverse=True):
        text = text[:start] + replacement + text[end:]
    return text
