"""The index schema and how a document dict becomes index fields.

Each language has its own analyzed fields (title_en, body_fr, …), so a query is analyzed once per
language and only meets documents analyzed the same way.
"""
from whoosh.fields import ID, STORED, TEXT, Schema

from .analysis import ANALYZERS, DEFAULT_LANGUAGE, LANGUAGES, spelling_analyzer, suggest_analyzer
from .snippets import indexed_text

# What suggest() returns: enough to render a suggestion, not the body.
PUBLIC_FIELDS = ("id", "kind", "lang", "slug", "title", "category", "summary", "url", "tags")


def _language_fields(lang: str) -> dict:
    analyzer = ANALYZERS[lang]
    return {
        f"title_{lang}": TEXT(analyzer=analyzer, field_boost=3.0, phrase=False),
        f"tags_{lang}": TEXT(analyzer=analyzer, field_boost=2.0, phrase=False),
        f"body_{lang}": TEXT(analyzer=analyzer, phrase=False),
        f"spell_{lang}": TEXT(analyzer=spelling_analyzer(), phrase=False),
    }


def make_schema() -> Schema:
    """The index schema: stored fields to render a hit, analyzed fields per language."""
    fields = {
        "id": ID(stored=True, unique=True),
        "kind": ID(stored=True),
        "lang": ID(stored=True),
        "category": ID(stored=True),
        "slug": STORED(),
        "url": STORED(),
        "title": STORED(),
        "summary": STORED(),
        "body": STORED(),
        "tags": STORED(),
        "title_ac": TEXT(analyzer=suggest_analyzer(), phrase=False),
    }
    for lang in LANGUAGES:
        fields.update(_language_fields(lang))
    return Schema(**fields)


SCHEMA = make_schema()


def index_language(lang: str | None) -> str:
    """The analyzed fields a document or query in `lang` uses (English for unknown languages)."""
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def stored_fields(doc: dict) -> dict:
    """What a hit carries for one document dict; raises ValueError without an id."""
    if not doc.get("id"):
        raise ValueError(f"search document without an id: {doc!r:.80}")
    stored = {"id": str(doc["id"]), "kind": doc.get("kind") or "article",
              "lang": doc.get("lang") or DEFAULT_LANGUAGE, "category": doc.get("category"),
              "slug": doc.get("slug"), "url": doc.get("url")}
    fields = {name: value for name, value in stored.items() if value}
    fields.update(title=doc.get("title") or "", summary=doc.get("summary") or "",
                  body=doc.get("body") or "", tags=[str(tag) for tag in doc.get("tags") or ()])
    return fields


def document_fields(doc: dict) -> dict:
    """Whoosh fields for one document dict; raises ValueError without an id."""
    fields = stored_fields(doc)
    title, summary, body, tags = fields["title"], fields["summary"], fields["body"], fields["tags"]
    ilang = index_language(fields["lang"])
    fields.update(
        title_ac=title,
        **{f"title_{ilang}": title, f"tags_{ilang}": " ".join(tags),
           f"body_{ilang}": indexed_text(summary, body),
           f"spell_{ilang}": " ".join([title, *tags, summary, body])},
    )
    if doc.get("boost"):
        fields["_boost"] = float(doc["boost"])
    return fields
