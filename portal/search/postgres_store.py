"""The PostgreSQL index in the site's database: its schemas, and how documents are written into them.

Everything lives outside the app's tables: the `comptoir_search` schema holds the CURRENT pointer
(`state`), the rebuild journal and the text search configurations; each generation is a schema
`comptoir_search_gen_*` with `docs` (one tsvector per document, analysed in its language with
unaccent and the Snowball stemmer) and `words` (the "Did you mean" dictionary, trigram-indexed).
"""
import json
import os
import re
import secrets
import time
from collections import Counter

from psycopg import sql

from .analysis import WORD_PATTERN, fold
from .schema import index_language, stored_fields
from .sqlite_store import spelling_words

STATE_SCHEMA = "comptoir_search"
PREFIX = "comptoir_search_gen_"
LOCK_CLASS = 0x636F6D70  # advisory lock keys: (LOCK_CLASS, one of these)
SETUP_LOCK, POINTER_LOCK, WRITE_LOCK, REBUILD_LOCK = 1, 2, 3, 4
JOURNAL_TABLE = f"{STATE_SCHEMA}.journal"
# Snowball stemmers without PostgreSQL's stop lists: the query side drops the same stop words as
# the Whoosh analyzers (analysis.STOP_WORDS keeps "not", "out"... that PostgreSQL's list drops).
CONFIGS = {"en": ("comptoir_en", "english"), "fr": ("comptoir_fr", "french")}
_WORD_RE = re.compile(WORD_PATTERN)
MAX_LEXEME_CHARS = 200  # PostgreSQL refuses lexemes over 2 KB in a tsvector
MAX_INDEXED_CHARS = 200_000  # of a body: a tsvector holds at most 1 MB


def config_name(lang: str) -> str:
    """The regconfig of an index language, e.g. comptoir_search.comptoir_fr."""
    return f"{STATE_SCHEMA}.{CONFIGS[index_language(lang)][0]}"


def _config_sql(name: str, language: str) -> str:
    return f"""
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config c JOIN pg_namespace n ON n.oid = c.cfgnamespace
                   WHERE n.nspname = '{STATE_SCHEMA}' AND c.cfgname = '{name}') THEN
        CREATE TEXT SEARCH DICTIONARY {STATE_SCHEMA}.{name}_stem (TEMPLATE = snowball, LANGUAGE = {language});
        CREATE TEXT SEARCH CONFIGURATION {STATE_SCHEMA}.{name} (COPY = {language});
        ALTER TEXT SEARCH CONFIGURATION {STATE_SCHEMA}.{name}
            ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
            WITH unaccent, {STATE_SCHEMA}.{name}_stem;
    END IF;"""


SETUP = f"""
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE SCHEMA IF NOT EXISTS {STATE_SCHEMA};
CREATE TABLE IF NOT EXISTS {STATE_SCHEMA}.state (
    id integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    current text,
    rebuilding text
);
INSERT INTO {STATE_SCHEMA}.state (id) VALUES (1) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS {STATE_SCHEMA}.journal (seq bigserial PRIMARY KEY, record text NOT NULL);
DO $$ BEGIN {"".join(_config_sql(name, language) for name, language in CONFIGS.values())} END $$;
"""

TABLES = """
CREATE TABLE {s}.docs (
    docnum bigserial PRIMARY KEY,
    id text NOT NULL UNIQUE,
    kind text NOT NULL,
    lang text NOT NULL,
    ilang text NOT NULL,
    category text,
    boost double precision NOT NULL DEFAULT 1.0,
    fields text NOT NULL,
    tsv tsvector NOT NULL,
    title_tsv tsvector NOT NULL
);
CREATE TABLE {s}.words (
    lang text NOT NULL,
    word text NOT NULL,
    docs integer NOT NULL,
    PRIMARY KEY (lang, word)
);
"""
INDEXES = """
CREATE INDEX ON {s}.docs USING gin (tsv);
CREATE INDEX ON {s}.docs USING gin (title_tsv);
CREATE INDEX ON {s}.docs (kind);
CREATE INDEX ON {s}.words USING gist (word gist_trgm_ops);
"""


def schema_sql(template: str, name: str) -> sql.Composed:
    """`template` with {s} replaced by the quoted schema `name` (other braces are kept)."""
    escaped = template.replace("{", "{{").replace("}", "}}").replace("{{s}}", "{s}")
    return sql.SQL(escaped).format(s=sql.Identifier(name))


def lock(cur, key: int, *, session: bool = False) -> None:
    """Wait for an advisory lock (lock_timeout applies); transaction-scoped unless `session`."""
    function = "pg_advisory_lock" if session else "pg_advisory_xact_lock"
    cur.execute(f"SELECT {function}(%s, %s)", (LOCK_CLASS, key))


def set_lock_timeout(cur, seconds: float, *, local: bool = True) -> None:
    scope = "LOCAL " if local else ""
    cur.execute(f"SET {scope}lock_timeout = {max(1, int(seconds * 1000))}")


def read_state(cur) -> tuple[str | None, str | None]:
    """(current generation, generation being rebuilt)."""
    cur.execute(f"SELECT current, rebuilding FROM {STATE_SCHEMA}.state WHERE id = 1")
    row = cur.fetchone()
    return (row[0], row[1]) if row else (None, None)


def create_generation(cur, *, indexed: bool = True) -> str:
    """A new, empty, not yet active generation schema; returns its name."""
    name = f"{PREFIX}{time.time_ns()}_{os.getpid()}_{secrets.token_hex(3)}"
    cur.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    cur.execute(schema_sql(TABLES, name))
    if indexed:
        cur.execute(schema_sql(INDEXES, name))
    return name


def generation_names(cur) -> list[str]:
    cur.execute("SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s) ORDER BY nspname", (PREFIX,))
    return [row[0] for row in cur.fetchall()]


def clean(text) -> str:
    """`text` as PostgreSQL accepts it: no NUL, no lone surrogates."""
    return str(text).replace("\x00", " ").encode("utf-8", "replace").decode("utf-8")


class PreparedDoc:
    """A document dict as the parameters of its row, and its spelling words."""

    __slots__ = ("id", "ilang", "params", "spelling")

    def __init__(self, doc: dict):
        fields = stored_fields(doc)
        self.id = clean(fields["id"])
        self.ilang = ilang = index_language(fields["lang"])
        category = fields.get("category")
        tags = " ".join(fields["tags"])
        title_words = sorted({fold(word) for word in _WORD_RE.findall(clean(fields["title"]))
                              if len(word) <= MAX_LEXEME_CHARS})
        self.params = (
            self.id, clean(fields["kind"]), clean(fields["lang"]), ilang,
            clean(category) if category is not None else None, float(doc.get("boost") or 1.0),
            json.dumps(fields, default=str), config_name(ilang), clean(fields["title"]),
            clean(f"{tags}\n{fields['summary']}"), clean(fields["body"][:MAX_INDEXED_CHARS]), title_words,
        )
        self.spelling = spelling_words(" ".join([fields["title"], tags, fields["summary"], fields["body"]]))


_INSERT = """
INSERT INTO {s}.docs (id, kind, lang, ilang, category, boost, fields, tsv, title_tsv)
SELECT id, kind, lang, ilang, category, boost, fields,
       setweight(to_tsvector(cfg, title), 'A') || setweight(to_tsvector(cfg, tags), 'B')
       || setweight(to_tsvector(cfg, body), 'C'),
       array_to_tsvector(title_words)
FROM (SELECT %s AS id, %s AS kind, %s AS lang, %s AS ilang, %s AS category, %s::float8 AS boost,
             %s AS fields, %s::regconfig AS cfg, %s::text AS title, %s::text AS tags, %s::text AS body,
             %s::text[] AS title_words) AS row
"""


def upsert_documents(cur, schema: str, prepared: list[PreparedDoc]) -> None:
    """Replace documents by id; the caller holds the write lock in a transaction."""
    changes = remove_documents(cur, schema, [doc.id for doc in prepared])
    cur.executemany(schema_sql(_INSERT, schema), [doc.params for doc in prepared])
    for doc in prepared:
        changes.update((doc.ilang, word) for word in doc.spelling)
    update_spelling(cur, schema, changes)


def remove_documents(cur, schema: str, ids: list[str]) -> Counter:
    """Delete documents by id (unknown ids are ignored); returns the spelling counts to subtract."""
    changes = Counter()
    cur.execute(schema_sql("DELETE FROM {s}.docs WHERE id = ANY(%s) RETURNING fields", schema),
                ([clean(doc_id) for doc_id in ids],))
    for (fields,) in cur.fetchall():
        fields = json.loads(fields)
        text = " ".join([fields["title"], *fields["tags"], fields["summary"], fields["body"]])
        lang = index_language(fields["lang"])
        changes.subtract({(lang, word): 1 for word in spelling_words(text)})
    return changes


def update_spelling(cur, schema: str, changes: Counter) -> None:
    """Add `changes` to the per-language document counts of spelling words (sorted: no deadlock)."""
    rows = sorted((lang, word, delta) for (lang, word), delta in changes.items() if delta)
    if not rows:
        return
    cur.executemany(schema_sql("INSERT INTO {s}.words VALUES (%s, %s, %s) ON CONFLICT (lang, word) "
                               "DO UPDATE SET docs = words.docs + excluded.docs", schema), rows)
    if any(delta < 0 for _, _, delta in rows):
        cur.execute(schema_sql("DELETE FROM {s}.words WHERE docs <= 0", schema))


class BulkLoader:
    """Fills a new, unused generation in one transaction of batched inserts, spelling counted in memory."""

    BATCH = 1_000

    def __init__(self, conn, schema: str):
        self.conn, self.schema = conn, schema
        self.cur = conn.cursor()
        self.batch, self.seen, self.spelling = [], set(), Counter()

    def add(self, doc: dict) -> None:
        """Queue one document; a repeated id is ignored (the first one wins)."""
        prepared = PreparedDoc(doc)
        if prepared.id in self.seen:
            return
        self.seen.add(prepared.id)
        self.batch.append(prepared)
        self.spelling.update((prepared.ilang, word) for word in prepared.spelling)
        if len(self.batch) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        if self.batch:
            self.cur.executemany(schema_sql(_INSERT, self.schema), [doc.params for doc in self.batch])
        self.batch = []

    def finish(self) -> None:
        """Write the spelling table, then build the indexes (faster than keeping them up to date)."""
        self._flush()
        with self.cur.copy(schema_sql("COPY {s}.words (lang, word, docs) FROM STDIN", self.schema)) as copy:
            for (lang, word), count in sorted(self.spelling.items()):
                copy.write_row((lang, word, count))
        self.cur.execute(schema_sql(INDEXES, self.schema))
        self.cur.execute(schema_sql("ANALYZE {s}.docs; ANALYZE {s}.words", self.schema))

