"""The read side of the PostgreSQL index: user text to tsqueries, ranking, suggestions, "Did you mean".

User text reaches PostgreSQL only as bound parameters: each word goes through plainto_tsquery
(which knows no operators), and the tsqueries it returns are passed back as parameters. Prefix
queries for suggestions are written here from folded words, which hold word characters only.
"""
from .analysis import analyze, fold, words
from .postgres_store import clean, config_name, schema_sql
from .queries import MAX_WORD_CHARS, MAX_WORDS, MIN_CORRECTED_CHARS, edit_distance

WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"  # ts_rank_cd weights of D, C (body), B (tags, summary), A (title)
CANDIDATES = 200  # spelling candidates checked with the edit distance, nearest trigrams first
SUGGEST_CANDIDATES = 5_000  # as-you-type ranks at most this many (the newest) titles per prefix query

_ANALYSED = """
SELECT w.n, w.lang, t.q::text, t.q <> ''::tsquery
       AND EXISTS (SELECT 1 FROM {s}.docs AS d WHERE d.ilang = w.lang AND d.tsv @@ t.q)
FROM unnest(%s::int[], %s::text[], %s::text[], %s::regconfig[]) AS w(n, lang, word, cfg)
CROSS JOIN LATERAL (SELECT plainto_tsquery(w.cfg, w.word) AS q) AS t
"""
_CANDIDATES = """
SELECT word, docs FROM {s}.words
WHERE lang = ANY(%s) AND left(word, 1) = %s AND length(word) BETWEEN %s AND %s
ORDER BY word <-> %s LIMIT %s
"""


class Filters:
    """The WHERE part shared by search and suggest: language, kinds and category."""

    def __init__(self, *, lang=None, kinds=(), category=None):
        self.clauses, self.params = [], []
        if lang:
            self._add("d.lang = %s", clean(lang))
        if kinds:
            self._add("d.kind = ANY(%s)", [clean(kind) for kind in kinds])
        if category:
            self._add("d.category = %s", clean(category))

    def _add(self, clause, param):
        self.clauses.append(clause)
        self.params.append(param)

    def where(self) -> str:
        return "".join(f" AND {clause}" for clause in self.clauses)


class PostgresPlan:
    """For each known word of `text`, its tsquery in each searched language that has it."""

    def __init__(self, cur, schema: str, text: str, langs: tuple[str, ...]):
        self.langs = langs
        self.words = [w for w in words(text) if len(w[0]) <= MAX_WORD_CHARS][:MAX_WORDS]
        self.queries = []  # one {lang: tsquery text} per word found in the index
        self.unknown = []  # (word, start, end) found in no searched language
        self._stems = {lang: set() for lang in langs}
        # Stop words are the Whoosh analyzers' (analysis.STOP_WORDS), in every backend alike.
        asked = [(n, lang, clean(word)) for n, (word, _, _) in enumerate(self.words) for lang in langs
                 if analyze(word, lang)]
        found = {}
        if asked:
            cur.execute(schema_sql(_ANALYSED, schema), (
                [n for n, _, _ in asked], [lang for _, lang, _ in asked], [word for _, _, word in asked],
                [config_name(lang) for _, lang, _ in asked]))
            for n, lang, query, exists in cur.fetchall():
                if exists:
                    found.setdefault(n, {})[lang] = query
        for n, (word, start, end) in enumerate(self.words):
            if n in found:
                if found[n] not in self.queries:
                    self.queries.append(found[n])
                for lang in found[n]:
                    self._stems[lang].update(analyze(word, lang))
            elif any(analyze(word, lang) for lang in langs):
                self.unknown.append((word, start, end))

    def stems(self, lang: str) -> frozenset[str]:
        """The analysed terms of `lang` this query matches, for highlighting (snippets.py)."""
        return frozenset(self._stems.get(lang, ()))


def _per_language(column: str, queries: dict, params: list, template: str) -> str:
    """CASE on the document's language: `template` with its tsquery, NULL in other languages."""
    cases = []
    for lang, query in queries.items():
        cases.append(f"WHEN '{lang}' THEN " + template.replace("{column}", column))
        params.append(query)
    return f"(CASE d.ilang {' '.join(cases)} END)"


def _any_word(plan: PostgresPlan) -> dict:
    """{lang: one tsquery matching any word of the plan in that language}."""
    combined = {}
    for queries in plan.queries:
        for lang, query in queries.items():
            combined.setdefault(lang, []).append(f"({query})")
    return {lang: " | ".join(parts) for lang, parts in combined.items()}


def rank(cur, schema: str, plan: PostgresPlan, filters: Filters, limit: int):
    """Return (total, [(docnum, score), ...] best first, at most `limit`).

    Documents matching more query words come first (as the Whoosh ranker does), then by
    ts_rank_cd (title A, tags and summary B, body C) times the document boost.
    """
    if not plan.queries:
        return 0, []
    every, params = _any_word(plan), []
    score = _per_language("d.tsv", every, params, "ts_rank_cd('" + WEIGHTS + "', {column}, %s::tsquery)")
    matched = " + ".join("coalesce(" + _per_language("d.tsv", queries, params, "({column} @@ %s::tsquery)::int")
                         + ", 0)" for queries in plan.queries) if len(plan.queries) > 1 else "1"
    where = " OR ".join(f"(d.ilang = '{lang}' AND d.tsv @@ %s::tsquery)" for lang in every)
    params += [*every.values(), *filters.params, limit]
    query = (f"SELECT d.docnum, {score} * d.boost AS score, {matched} AS matched, "
             f"count(*) OVER () FROM {{s}}.docs AS d WHERE ({where}){filters.where()} "
             "ORDER BY matched DESC, score DESC, d.docnum LIMIT %s")
    cur.execute(schema_sql(query, schema), params)
    rows = cur.fetchall()
    return (rows[0][3] if rows else 0), [(docnum, float(value)) for docnum, value, _, _ in rows]


def corrections(cur, schema: str, plan: PostgresPlan) -> dict[tuple[int, int], str]:
    """Closest indexed word for each unknown word of the plan, keyed by its span in the text."""
    fixes = {}
    for word, start, end in plan.unknown:
        folded = fold(word)
        if len(folded) < MIN_CORRECTED_CHARS or any(char.isdigit() for char in folded):
            continue  # short words and order numbers have too many neighbours to guess
        best = closest_word(cur, schema, plan.langs, folded, maxdist=2 if len(folded) >= 8 else 1)
        if best:
            fixes[(start, end)] = best
    return fixes


def closest_word(cur, schema: str, langs, word: str, maxdist: int) -> str | None:
    """The most frequent indexed word at the smallest edit distance, sharing the first letter.

    pg_trgm's distance (nearest first, through the GiST index) picks the candidates; the same
    Damerau-Levenshtein distance as the other backends chooses among them.
    """
    cur.execute(schema_sql(_CANDIDATES, schema), (list(langs), word[0], len(word) - maxdist,
                                                  len(word) + maxdist, clean(word), CANDIDATES))
    found = {}
    for candidate, docs in cur.fetchall():
        if candidate != word:
            distance = edit_distance(word, candidate, maxdist)
            if distance <= maxdist:
                previous = found.get(candidate, (distance, 0))
                found[candidate] = (distance, previous[1] - docs)
    return min(found, key=lambda c: (*found[c], c)) if found else None


def prefix_query(prefixes: list[str], operator: str) -> str:
    """A tsquery text of prefix matches; folded words hold no quote, backslash or operator."""
    return f" {operator} ".join("'" + p.replace("\\", "\\\\").replace("'", "''") + "':*" for p in prefixes)


def suggested(cur, schema: str, prefixes: list[str], langs, filters: Filters, limit: int) -> list[int]:
    """Docnums of titles with a word starting with each prefix; earlier prefixes become
    optional (they only rank) when that finds fewer than `limit`. A prefix found in more than
    SUGGEST_CANDIDATES titles ("m") only ranks the newest of them, as in the SQLite backend."""
    prefixes = [clean(p) for p in prefixes]
    queries = [prefix_query(prefixes, "&")] if len(prefixes) > 1 else []
    last = prefix_query(prefixes[-1:], "&")
    queries.append(f"({last}) & ({prefix_query(prefixes, '|')})" if len(prefixes) > 1 else last)
    matched = " + ".join(["(d.title_tsv @@ %s::tsquery)::int"] * len(prefixes))
    found = []
    for query in queries:
        cur.execute(schema_sql(
            "SELECT d.docnum FROM (SELECT d.docnum, d.title_tsv FROM {s}.docs AS d WHERE d.ilang = ANY(%s) "
            "AND d.title_tsv @@ %s::tsquery" + filters.where() + f" ORDER BY d.docnum DESC "
            f"LIMIT {SUGGEST_CANDIDATES}) AS d ORDER BY {matched} DESC, length(d.title_tsv), d.docnum LIMIT %s",
            schema), [list(langs), query, *filters.params, *(prefix_query([p], "&") for p in prefixes), limit])
        for (docnum,) in cur.fetchall():
            if docnum not in found and len(found) < limit:
                found.append(docnum)
    return found

