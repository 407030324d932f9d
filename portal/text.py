"""Small text helpers shared by features."""
import re
import unicodedata

_NON_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str, max_length: int = 100) -> str:
    """ASCII slug: 'Où est ma commande ?' -> 'ou-est-ma-commande'."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return _NON_SLUG.sub("-", ascii_text.lower()).strip("-")[:max_length].rstrip("-")


def clean_tags(tags) -> list[str]:
    """Normalise tags from a list or a comma-separated string; unique, order kept."""
    if isinstance(tags, str):
        tags = tags.split(",")
    seen, result = set(), []
    for tag in tags or ():
        tag = " ".join(str(tag).split()).lower()[:40]
        if tag and tag not in seen:
            seen.add(tag)
            result.append(tag)
    return result
