"""Search documents for tests: plain functions with defaults and overrides."""


def make_doc(doc_id, title, body="", **overrides):
    """A search document with harmless defaults; `doc_id` becomes "article:<doc_id>"."""
    doc = {"id": f"article:{doc_id}", "kind": "article", "lang": "en", "slug": f"doc-{doc_id}",
           "title": title, "tags": [], "summary": "", "body": body, "category": "general",
           "url": f"/help/en/articles/doc-{doc_id}"}
    doc.update(overrides)
    return doc


def ids(results):
    """The ids of the hits on a results page, best first."""
    return [hit.id for hit in results.hits]
