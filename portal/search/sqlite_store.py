"""The SQLite FTS5 index on disk: its tables, and how documents are written into them.

Text is analysed in Python with the Whoosh backend's analyzers (analysis.py) and stored as
space-separated terms, which FTS5's `ascii` tokenizer (with `_` as a word character) splits back
into exactly the same terms. Each language has its own columns, like the Whoosh schema, so a query
is analysed once per language and only meets documents analysed the same way.
"""
import json
import re
import sqlite3
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from .analysis import ANALYZERS, LANGUAGES, WORD_PATTERN, analyze, fold
from .generations import Generations
from .schema import index_language, stored_fields
from .snippets import indexed_text

DATABASE = "search.sqlite3"
TEXT_FIELDS = {"title": 3.0, "tags": 2.0, "body": 1.0}  # bm25 weights: title and tags count more
FTS_COLUMNS = [f"{name}_{lang}" for lang in LANGUAGES for name in TEXT_FIELDS]
TITLE_COLUMNS = [f"title_{lang}" for lang in LANGUAGES]
OTHER_LANGUAGE = "xlang"  # in `filters` of documents in a language without its own columns
BOOSTED = "boosted"  # in `filters` of documents whose boost is not 1
MAX_SPELLING_CHARS = 40  # longer words are never queried (queries.MAX_WORD_CHARS)
_WORD_RE = re.compile(WORD_PATTERN)
_TERM_CACHE_SIZE = 500_000

BOOST_FORMAT = ".6g"  # boosts are rounded so Python and SQL spell them the same way


def _facet_triggers(field: str, value: str, condition: str) -> str:
    """Triggers keeping facets(field, value, docs) in step with the docs table."""
    old_value, old_condition = value.replace("new.", "old."), condition.replace("new.", "old.")
    return f"""
    CREATE TRIGGER docs_{field}_added AFTER INSERT ON docs WHEN {condition} BEGIN
        INSERT INTO facets VALUES ('{field}', {value}, 1) ON CONFLICT DO UPDATE SET docs = docs + 1;
    END;
    CREATE TRIGGER docs_{field}_removed AFTER DELETE ON docs WHEN {old_condition} BEGIN
        UPDATE facets SET docs = docs - 1 WHERE field = '{field}' AND value = {old_value};
        DELETE FROM facets WHERE field = '{field}' AND value = {old_value} AND docs <= 0;
    END;"""


_FACET_TRIGGERS = "".join([
    _facet_triggers("kind", "new.kind", "1"),
    _facet_triggers("lang", "new.lang", "1"),
    _facet_triggers("category", "new.category", "new.category IS NOT NULL"),
    _facet_triggers("boost", f"printf('%{BOOST_FORMAT}', new.boost)", "new.boost != 1.0"),
])

SCHEMA = f"""
CREATE TABLE docs (
    docnum INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    lang TEXT NOT NULL,
    category TEXT,
    boost REAL NOT NULL DEFAULT 1.0,
    fields TEXT NOT NULL
);
CREATE TABLE facets (
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    docs INTEGER NOT NULL,
    PRIMARY KEY (field, value)
) WITHOUT ROWID;
{_FACET_TRIGGERS}
CREATE VIRTUAL TABLE fts USING fts5({", ".join(FTS_COLUMNS)}, filters,
    tokenize = "ascii tokenchars '_'");
CREATE VIRTUAL TABLE titles USING fts5({", ".join(TITLE_COLUMNS)}, filters,
    tokenize = "ascii tokenchars '_'", prefix = '1 2 3');
CREATE TABLE spell_words (id INTEGER PRIMARY KEY, word TEXT NOT NULL UNIQUE);
CREATE TABLE spell_docs (
    lang TEXT NOT NULL,
    word_id INTEGER NOT NULL,
    docs INTEGER NOT NULL,
    PRIMARY KEY (lang, word_id)
) WITHOUT ROWID;
CREATE TABLE spell_grams (
    first TEXT NOT NULL,
    gram TEXT NOT NULL,
    len INTEGER NOT NULL,
    word_id INTEGER NOT NULL,
    PRIMARY KEY (first, gram, len, word_id)
) WITHOUT ROWID;
"""


class SqliteGenerations(Generations):
    """Generation directories holding one database each (with its -wal and -shm files).

    The active database is never replaced in place: renaming a file over a WAL database that
    others have open corrupts it, so a rebuild swaps the CURRENT pointer instead.
    """

    def initialise(self, path: str, schema=None) -> None:
        create_database(str(Path(path) / DATABASE))

    def database(self, name: str) -> str:
        return str(self.base / name / DATABASE)


def create_database(path: str) -> None:
    """An empty index database in WAL mode."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.executescript(SCHEMA)
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()


def connect(path: str, timeout: float) -> sqlite3.Connection:
    """A connection to an existing index database; never creates one."""
    conn = sqlite3.connect(f"file:{quote(path)}?mode=rw", uri=True, timeout=timeout,
                           isolation_level=None)
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA cache_size=-32000")
    conn.execute("PRAGMA mmap_size=268435456")
    return conn


def filter_token(prefix: str, value) -> str:
    """One FTS token for an exact filter value, whatever characters the value holds."""
    return prefix + str(value).encode("utf-8", "surrogatepass").hex()


def boost_token(boost: float) -> str:
    return filter_token("b", format(boost, BOOST_FORMAT))


class PreparedDoc:
    """A document dict analysed into the values of every table it is written to."""

    __slots__ = ("boost", "category", "fields", "id", "kind", "lang", "spell_lang", "spelling", "text",
                 "titles")

    def __init__(self, doc: dict):
        fields = stored_fields(doc)
        self.id, self.kind, self.lang = fields["id"], str(fields["kind"]), str(fields["lang"])
        category = fields.get("category")
        self.category = str(category) if category is not None else None
        self.boost = float(format(float(doc.get("boost") or 1.0), BOOST_FORMAT))
        self.fields = json.dumps(fields, default=str)
        self.spell_lang = ilang = index_language(self.lang)
        title, tags = fields["title"], " ".join(fields["tags"])
        body = indexed_text(fields["summary"], fields["body"])
        analysed = {"title": terms(title, ilang), "tags": terms(tags, ilang), "body": terms(body, ilang)}
        filters = self._filters()
        self.text = [analysed[c.rsplit("_", 1)[0]] if c.endswith(f"_{ilang}") else None
                     for c in FTS_COLUMNS] + [filters]
        folded_title = " ".join(fold(word) for word in _WORD_RE.findall(title))
        self.titles = [folded_title if c == f"title_{ilang}" else None for c in TITLE_COLUMNS]
        self.titles.append(filters)
        self.spelling = spelling_words(" ".join([title, tags, fields["summary"], fields["body"]]))

    def _filters(self) -> str:
        tokens = [filter_token("k", self.kind), filter_token("l", self.lang)]
        if self.category is not None:
            tokens.append(filter_token("c", self.category))
        if self.lang not in LANGUAGES:
            tokens.append(OTHER_LANGUAGE)
        if self.boost != 1.0:
            tokens += [BOOSTED, boost_token(self.boost)]
        return " ".join(tokens)

    def row(self, docnum=None) -> tuple:
        return (docnum, self.id, self.kind, self.lang, self.category, self.boost, self.fields)


_TERMS = {lang: {} for lang in LANGUAGES}


def terms(text: str, lang: str) -> str:
    """`text` analysed for `lang` (the same terms as the Whoosh field), space-separated."""
    cache, out = _TERMS[lang], []
    for word in _WORD_RE.findall(text):
        found = cache.get(word)
        if found is None:
            if len(cache) > _TERM_CACHE_SIZE:
                cache.clear()
            found = cache[word] = tuple(t.text for t in ANALYZERS[lang](word, mode="query"))
        out.extend(found)
    return " ".join(term for term in out if term)


def spelling_words(text: str) -> set[str]:
    """Distinct folded words "Did you mean" may suggest: 3+ letters, no digits, not too long."""
    found = set()
    for word in _WORD_RE.findall(text):
        folded = fold(word)
        if 3 <= len(folded) <= MAX_SPELLING_CHARS and folded.isalpha():
            found.add(folded)
    return found


def grams(word: str) -> set[str]:
    """The word's letter pairs, with its end marked, less the first (the first letter is a key)."""
    padded = word + "$"
    return {padded[i:i + 2] for i in range(len(word))}


def query_terms(word: str, lang: str) -> tuple[str, ...]:
    """The index terms one query word becomes in `lang` columns (none for a stop word)."""
    return tuple(term for term in analyze(word, lang) if term)


# Writing


_INSERT_DOC = "INSERT INTO docs(docnum, id, kind, lang, category, boost, fields) VALUES (?,?,?,?,?,?,?)"
_INSERT_FTS = (f"INSERT INTO fts(rowid, {', '.join(FTS_COLUMNS)}, filters) "
               f"VALUES (?{', ?' * (len(FTS_COLUMNS) + 1)})")
_INSERT_TITLES = (f"INSERT INTO titles(rowid, {', '.join(TITLE_COLUMNS)}, filters) "
                  f"VALUES (?{', ?' * (len(TITLE_COLUMNS) + 1)})")


def upsert_documents(conn, prepared: list[PreparedDoc]) -> None:
    """Replace documents by id; the caller holds the write transaction."""
    changes = remove_documents(conn, [doc.id for doc in prepared])
    for doc in prepared:
        docnum = conn.execute(_INSERT_DOC, doc.row()).lastrowid
        conn.execute(_INSERT_FTS, (docnum, *doc.text))
        conn.execute(_INSERT_TITLES, (docnum, *doc.titles))
        changes.update((doc.spell_lang, word) for word in doc.spelling)
    update_spelling(conn, changes)


def remove_documents(conn, ids: list[str]) -> Counter:
    """Delete documents by id (unknown ids are ignored); returns the spelling counts to subtract."""
    changes = Counter()
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows = conn.execute(f"SELECT docnum, fields FROM docs WHERE id IN ({', '.join('?' * len(chunk))})",
                            chunk).fetchall()
        for docnum, fields in rows:
            fields = json.loads(fields)
            text = " ".join([fields["title"], *fields["tags"], fields["summary"], fields["body"]])
            lang = index_language(fields["lang"])
            changes.subtract({(lang, word): 1 for word in spelling_words(text)})
            conn.execute("DELETE FROM fts WHERE rowid = ?", (docnum,))
            conn.execute("DELETE FROM titles WHERE rowid = ?", (docnum,))
            conn.execute("DELETE FROM docs WHERE docnum = ?", (docnum,))
    return changes


def update_spelling(conn, changes: Counter) -> None:
    """Add `changes` to the per-language document counts of spelling words."""
    changes = {key: delta for key, delta in changes.items() if delta}
    ids = word_ids(conn, {word for _, word in changes})
    conn.executemany(
        "INSERT INTO spell_docs VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET docs = docs + excluded.docs",
        [(lang, ids[word], delta) for (lang, word), delta in changes.items()])
    conn.executemany("DELETE FROM spell_docs WHERE lang = ? AND word_id = ? AND docs <= 0",
                     [(lang, ids[word]) for (lang, word), delta in changes.items() if delta < 0])


def word_ids(conn, words: set[str]) -> dict[str, int]:
    """Ids of spelling words, adding the new ones with their letter pairs."""
    ids = {}
    for word in words:
        row = conn.execute("SELECT id FROM spell_words WHERE word = ?", (word,)).fetchone()
        if row is None:
            word_id = conn.execute("INSERT INTO spell_words(word) VALUES (?)", (word,)).lastrowid
            conn.executemany("INSERT INTO spell_grams VALUES (?, ?, ?, ?)",
                             [(word[0], gram, len(word), word_id) for gram in grams(word)])
            row = (word_id,)
        ids[word] = row[0]
    return ids


class BulkLoader:
    """Fills a new, unused database fast: batched inserts, spelling counted in memory."""

    BATCH = 2_000

    def __init__(self, path: str):
        self.conn = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-262144", "temp_store=MEMORY"):
            self.conn.execute(f"PRAGMA {pragma}")
        self.conn.execute("BEGIN")
        self.batch, self.seen, self.spelling = [], set(), Counter()

    def add(self, doc: dict) -> None:
        """Queue one document; a repeated id is ignored (the first one wins)."""
        prepared = PreparedDoc(doc)
        if prepared.id in self.seen:
            return
        self.seen.add(prepared.id)
        self.batch.append(prepared)
        self.spelling.update((prepared.spell_lang, word) for word in prepared.spelling)
        if len(self.batch) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        first = len(self.seen) - len(self.batch) + 1
        numbered = list(enumerate(self.batch, start=first))
        self.conn.executemany(_INSERT_DOC, [doc.row(n) for n, doc in numbered])
        self.conn.executemany(_INSERT_FTS, [(n, *doc.text) for n, doc in numbered])
        self.conn.executemany(_INSERT_TITLES, [(n, *doc.titles) for n, doc in numbered])
        self.batch = []

    def finish(self) -> None:
        """Write the spelling tables, merge the FTS segments, switch to WAL and close."""
        self._flush()
        words = sorted({word for _, word in self.spelling})
        ids = {word: n for n, word in enumerate(words, start=1)}
        self.conn.executemany("INSERT INTO spell_words VALUES (?, ?)", ((n, w) for w, n in ids.items()))
        self.conn.executemany("INSERT INTO spell_docs VALUES (?, ?, ?)",
                              ((lang, ids[word], count) for (lang, word), count in self.spelling.items()))
        self.conn.executemany("INSERT INTO spell_grams VALUES (?, ?, ?, ?)",
                              ((word[0], gram, len(word), n) for word, n in ids.items() for gram in grams(word)))
        self.conn.execute("COMMIT")
        for table in ("fts", "titles"):
            self.conn.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.close()

    def abort(self) -> None:
        self.conn.close()
