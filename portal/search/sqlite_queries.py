"""The read side of the SQLite index: user text to FTS5 MATCH expressions, ranking, "Did you mean".

User text never reaches FTS5's query parser: it is split into words and analysed like the
documents, and each resulting term is written as a double-quoted string. The only operators,
column filters and prefix stars in an expression are the ones built here.
"""
from .analysis import LANGUAGES, fold, words
from .queries import MAX_WORD_CHARS, MAX_WORDS, MIN_CORRECTED_CHARS, edit_distance
from .schema import index_language
from .sqlite_store import (
    BOOSTED,
    FTS_COLUMNS,
    OTHER_LANGUAGE,
    TEXT_FIELDS,
    boost_token,
    filter_token,
    grams,
    query_terms,
)

CANDIDATES = 200  # spelling candidates checked with the edit distance, most shared letter pairs first
_WEIGHTS = ", ".join([*(str(TEXT_FIELDS[c.rsplit("_", 1)[0]]) for c in FTS_COLUMNS), "0.0"])
_RANKED = (f"SELECT rowid, bm25(fts, {_WEIGHTS}) AS rank FROM fts WHERE fts MATCH ? "
           "ORDER BY rank, rowid LIMIT ?")
SUGGEST_CANDIDATES = 5_000  # as-you-type ranks at most this many (the newest) titles per prefix query
_SUGGESTED = (f"SELECT rowid FROM (SELECT rowid, bm25(titles, {', '.join(['1.0'] * len(LANGUAGES))}, 0.0) AS rank "
              f"FROM titles WHERE titles MATCH ? ORDER BY rowid DESC LIMIT {SUGGEST_CANDIDATES}) "
              "ORDER BY rank, rowid LIMIT ?")
_CANDIDATES = """
SELECT w.word, sum(d.docs) FROM (
    SELECT word_id FROM spell_grams
    WHERE first = ? AND len BETWEEN ? AND ? AND gram IN ({grams})
    GROUP BY word_id HAVING count(*) >= ? ORDER BY count(*) DESC LIMIT ?
) AS g
JOIN spell_words AS w ON w.id = g.word_id
JOIN spell_docs AS d ON d.word_id = g.word_id AND d.lang IN ({langs})
GROUP BY w.word
"""


def quoted(term: str) -> str:
    """An FTS5 string: whatever it holds is a term to look up, never syntax."""
    return '"' + term.replace('"', '""') + '"'


def in_columns(columns, terms, prefix: bool = False) -> str:
    """Any of `terms` (or of the words they start, with `prefix`) in any of `columns`."""
    star = " *" if prefix else ""
    return "{" + " ".join(columns) + "} : (" + " OR ".join(quoted(t) + star for t in terms) + ")"


def text_columns(lang: str) -> list[str]:
    return [f"{name}_{lang}" for name in TEXT_FIELDS]


def any_of(clauses) -> str:
    return " OR ".join(f"({c})" for c in clauses)


def all_of(clauses) -> str:
    return " AND ".join(f"({c})" for c in clauses)


class Facets:
    """How many documents hold each kind, language, category and boost (the facets table)."""

    def __init__(self, conn):
        self.values = {}
        for field, value, docs in conn.execute("SELECT field, value, docs FROM facets"):
            self.values.setdefault(field, {})[value] = docs
        self.total = sum(self.values.get("kind", {}).values())

    def segments(self) -> list[tuple]:
        """(required, excluded, boost) parts that rank each boost apart: bm25 knows no boost."""
        boosts = self.values.get("boost")
        if not boosts:
            return [(None, None, 1.0)]
        unboosted = (None, in_columns(["filters"], [BOOSTED]), 1.0)
        return [unboosted, *((in_columns(["filters"], [boost_token(float(value))]), None, float(value))
                             for value in boosts)]


class Filters:
    """The filter part of every MATCH expression of one search; `empty` when nothing can pass.

    Each filter is written on whichever side is smaller (the kinds wanted, or the others left
    out), since FTS5 reads the whole list of documents of every token in an expression.
    """

    def __init__(self, facets: Facets, *, lang=None, kinds=(), category=None):
        self.required, self.excluded, self.empty = [], [], False
        self._language(facets, lang)
        self._kinds(facets, tuple(map(str, kinds or ())))
        if category:
            self._value(facets, "category", "c", str(category))

    def _language(self, facets, lang):
        if not lang:
            return
        lang = str(lang)
        if lang not in LANGUAGES:  # analysed with the default language's columns, like the Whoosh index
            self._value(facets, "lang", "l", lang)
        elif index_language(lang) == index_language(None) and any(
                value not in LANGUAGES for value in facets.values.get("lang", {})):
            self.excluded.append(in_columns(["filters"], [OTHER_LANGUAGE]))

    def _kinds(self, facets, kinds):
        if not kinds:
            return
        present = facets.values.get("kind", {})
        wanted = sorted(set(kinds) & present.keys())
        matching = sum(present[kind] for kind in wanted)
        others = sorted(present.keys() - set(wanted))
        if not matching:
            self.empty = True
        elif others and matching <= facets.total - matching:
            self.required.append(in_columns(["filters"], [filter_token("k", k) for k in wanted]))
        elif others:
            self.excluded.append(in_columns(["filters"], [filter_token("k", k) for k in others]))

    def _value(self, facets, field, prefix, value):
        count = facets.values.get(field, {}).get(value, 0)
        if not count:
            self.empty = True
        elif count < facets.total:
            self.required.append(in_columns(["filters"], [filter_token(prefix, value)]))

    def apply(self, expression: str, required=None, excluded=None) -> str:
        """`expression` restricted by the filters (and one more required or excluded part)."""
        expression = f"({expression})"
        for part in [*self.required, required]:
            if part:
                expression = f"{expression} AND ({part})"
        for part in [*self.excluded, excluded]:
            if part:
                expression = f"({expression}) NOT ({part})"
        return expression


class SqlitePlan:
    """One MATCH clause per known word of `text` (its terms in each language that has them)."""

    def __init__(self, conn, text: str, langs: tuple[str, ...]):
        self.langs = langs
        self.words = [w for w in words(text) if len(w[0]) <= MAX_WORD_CHARS][:MAX_WORDS]
        self.clauses = []
        self.unknown = []  # (word, start, end) found in no searched language
        self._stems = {lang: set() for lang in langs}
        for word, start, end in self.words:
            analysed = {lang: query_terms(word, lang) for lang in langs}
            parts = []
            for lang, stems in analysed.items():
                part = in_columns(text_columns(lang), stems) if stems else None
                if part and _exists(conn, part):
                    parts.append(part)
                    self._stems[lang].update(stems)
            if parts and any_of(parts) not in self.clauses:
                self.clauses.append(any_of(parts))
            elif not parts and any(analysed.values()):
                self.unknown.append((word, start, end))

    def stems(self, lang: str) -> frozenset[str]:
        """The terms of `lang` this query matches, for highlighting."""
        return frozenset(self._stems.get(lang, ()))


def _exists(conn, expression: str) -> bool:
    return conn.execute("SELECT 1 FROM fts WHERE fts MATCH ? LIMIT 1", (expression,)).fetchone() is not None


def rank(conn, plan: SqlitePlan, filters: Filters, facets: Facets, limit: int):
    """Return (total, [(docnum, score), ...] best first, at most `limit`).

    Documents holding every word come first, then the others, each group by bm25 score
    (times the document boost). With three words or more, two-word matches are not put
    ahead of one-word matches as the Whoosh ranker does: bm25 usually does it anyway.
    """
    if not plan.clauses or filters.empty:
        return 0, []
    every = any_of(plan.clauses)
    total = conn.execute("SELECT count(*) FROM fts WHERE fts MATCH ?", (filters.apply(every),)).fetchone()[0]
    if not total:
        return 0, []
    tiers = [every] if len(plan.clauses) == 1 else [
        all_of(plan.clauses), f"({every}) NOT ({all_of(plan.clauses)})"]
    top = []
    for tier in tiers:
        found = []
        for required, excluded, boost in facets.segments():
            rows = conn.execute(_RANKED, (filters.apply(tier, required, excluded), limit - len(top)))
            found += [(docnum, -score * boost) for docnum, score in rows]
        found.sort(key=lambda hit: (-hit[1], hit[0]))
        top += found[: limit - len(top)]
        if len(top) >= limit:
            break
    return total, top


def corrections(conn, plan: SqlitePlan) -> dict[tuple[int, int], str]:
    """Closest indexed word for each unknown word of the plan, keyed by its span in the text."""
    fixes = {}
    for word, start, end in plan.unknown:
        folded = fold(word)
        if len(folded) < MIN_CORRECTED_CHARS or any(char.isdigit() for char in folded):
            continue  # short words and order numbers have too many neighbours to guess
        best = closest_word(conn, plan.langs, folded, maxdist=2 if len(folded) >= 8 else 1)
        if best:
            fixes[(start, end)] = best
    return fixes


def closest_word(conn, langs, word: str, maxdist: int) -> str | None:
    """The most frequent indexed word at the smallest edit distance, sharing the first letter.

    Candidates come from the letter-pair table: each edit changes at most three pairs, so a word
    within `maxdist` edits shares all but 3 * maxdist of the typed word's pairs.
    """
    pairs = sorted(grams(word))
    sql = _CANDIDATES.format(grams=", ".join("?" * len(pairs)), langs=", ".join("?" * len(langs)))
    rows = conn.execute(sql, (word[0], len(word) - maxdist, len(word) + maxdist, *pairs,
                              max(1, len(pairs) - 3 * maxdist), CANDIDATES, *langs))
    found = {}
    for candidate, docs in rows:
        if candidate != word:
            distance = edit_distance(word, candidate, maxdist)
            if distance <= maxdist:
                found[candidate] = (distance, -docs, candidate)
    return min(found, key=found.get) if found else None


def suggested(conn, prefixes: list[str], langs, filters: Filters, limit: int) -> list[int]:
    """Docnums of titles with a word starting with each prefix; earlier prefixes become
    optional (they only rank) when that finds fewer than `limit`. A prefix found in more than
    SUGGEST_CANDIDATES titles ("m") only ranks the newest of them, to keep each keystroke cheap."""
    columns = [f"title_{lang}" for lang in langs]
    parts = [in_columns(columns, [prefix], prefix=True) for prefix in prefixes]
    queries = [all_of(parts)] if len(parts) > 1 else []
    queries.append(f"({parts[-1]}) AND ({any_of(parts)})" if len(parts) > 1 else parts[-1])
    found = []
    for query in queries:
        for (docnum,) in conn.execute(_SUGGESTED, (filters.apply(query), limit)):
            if docnum not in found and len(found) < limit:
                found.append(docnum)
    return found
