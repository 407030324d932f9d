"""Taking a person's identifiers out of text other people wrote (their replies stay readable)."""
import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Eight or more digits, spaces, dots, dashes or brackets, optionally after "+": phone numbers in any format.
PHONE = re.compile(r"(?<![\w/])\+?\d[\d .()-]{6,}\d(?![\w/])")
MIN_NAME_LENGTH = 3


def name_parts(names) -> list[str]:
    """Full names and their first words, longest first, skipping ones too short to be told from words."""
    parts = set()
    for name in names:
        name = (name or "").strip()
        if len(name) >= MIN_NAME_LENGTH:
            parts.add(name)
            first = name.split()[0]
            if len(first) >= MIN_NAME_LENGTH:
                parts.add(first)
    return sorted(parts, key=len, reverse=True)


def redact(text: str | None, *, identifiers=(), names=(), label: str, generic: bool = False) -> str | None:
    """`text` with the person's identifiers and names replaced by `label`; with `generic`, every email
    address and phone number too (for text the person wrote and published)."""
    if not text:
        return text
    for value in sorted({v for v in identifiers if v}, key=len, reverse=True):
        text = re.sub(re.escape(value), label, text, flags=re.IGNORECASE)
    for name in names:
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", label, text, flags=re.IGNORECASE)
    if generic:
        text = PHONE.sub(label, EMAIL.sub(label, text))
    return text
