"""The one Markdown -> safe HTML path for the whole product.

Python-Markdown renders, then nh3 sanitises against a tight allowlist, then a small
post-pass marks external links ``rel="nofollow noopener"``. Nothing here touches Flask.
"""

from __future__ import annotations

from functools import lru_cache
import html
import re
import threading
from html.parser import HTMLParser
from urllib.parse import urlsplit

import markdown
import nh3
from markdown.extensions.toc import slugify
from markupsafe import Markup

from portal.imports import without

__all__ = ["render_markdown", "render_markdown_toc", "markdown_to_text"]

EXTERNAL_REL = "nofollow noopener"

_EXTENSIONS = ["tables", "fenced_code", "toc", "sane_lists"]
# The default toc slugify folds accents (NFKD, then ASCII): "Où est…" -> "ou-est…".
_EXTENSION_CONFIGS = {"toc": {"slugify": slugify, "separator": "-"}}

_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_ALLOWED_TAGS = _HEADINGS | {
    "p", "br", "hr", "strong", "em", "b", "i", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
    "del", "sup", "sub",
}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    **{tag: {"id"} for tag in _HEADINGS},
}
# Dropped with their content; any other disallowed tag is unwrapped and its text kept (escaped).
_DROP_WITH_CONTENT = {
    "script", "style", "template", "iframe", "object", "embed", "noscript", "noembed",
    "noframes", "xmp", "svg", "math", "textarea", "select",
}
_SAFE_ID = re.compile(r"[a-z0-9_-]{1,80}")
_SAFE_DIMENSION = re.compile(r"[0-9]{1,4}")


def _filter_attribute(tag: str, name: str, value: str) -> str | None:
    # Raw-HTML heading ids must stay slug-shaped like the toc ones; sizes must be plain pixels.
    if name == "id":
        return value if _SAFE_ID.fullmatch(value) else None
    if name in ("width", "height"):
        return value if _SAFE_DIMENSION.fullmatch(value) else None
    return value


_CLEANER = nh3.Cleaner(
    tags=_ALLOWED_TAGS,
    clean_content_tags=_DROP_WITH_CONTENT,
    attributes=_ALLOWED_ATTRIBUTES,
    attribute_filter=_filter_attribute,
    url_schemes={"http", "https", "mailto", "tel"},  # tel: for a help article's "call us" link
    link_rel=None,  # set per link below: only external links get nofollow
    strip_comments=True,
)

# nh3 serialises every attribute as name="value" with '"' escaped, so this match is exact.
_ANCHOR_TAG = re.compile(r'<a((?:\s+[a-z-]+="[^"]*")*)\s*>')
_HREF = re.compile(r'\shref="([^"]*)"')
_URL_NOISE = re.compile(r"[\t\n\r]")
_C0_AND_SPACE = "".join(map(chr, range(0x21)))

_local = threading.local()


def _markdown() -> markdown.Markdown:
    """Per-thread Markdown instance: instances are stateful and not thread-safe."""
    md = getattr(_local, "md", None)
    if md is None:
        # fenced_code imports pygments (4.5 MB) for the codehilite extension, which is not in _EXTENSIONS.
        with without("pygments"):
            md = _local.md = markdown.Markdown(
                extensions=_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS
            )
    return md.reset()


def _host_of(base_host: str) -> str:
    base = base_host.strip().lower()
    return urlsplit(base).netloc if "://" in base else base


def _browser_form(href: str) -> str:
    """The URL as a browser reads it: tabs/newlines dropped, edges trimmed, '\\' as '/'."""
    return _URL_NOISE.sub("", href).strip(_C0_AND_SPACE).replace("\\", "/")


def _is_external(href: str, base_host: str | None = None) -> bool:
    """True for links that leave base_host: absolute or protocol-relative http(s) elsewhere.

    Conservative on purpose: anything a browser could resolve to another host
    (``/\\evil``, ``///evil``, ``http:evil``) counts as external.
    """
    url = _browser_form(href)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("", "http", "https"):
        return False  # mailto: and tel: (other schemes never get past the sanitiser)
    if not scheme and not url.startswith("//"):
        return False  # path, query or #anchor on our own site
    if not base_host:
        return True
    own = _host_of(base_host)
    if ":" in own:
        return parts.netloc.lower() != own
    # No host (e.g. "http:evil.example", "///evil") is off-site too: browsers may resolve it so.
    return (parts.hostname or "") != own


def _mark_external_links(cleaned: str, base_host: str | None) -> str:
    def add_rel(match: re.Match) -> str:
        href = _HREF.search(match.group(1))
        if href and _is_external(html.unescape(href.group(1)), base_host):
            return f'<a{match.group(1)} rel="{EXTERNAL_REL}">'
        return match.group(0)

    return _ANCHOR_TAG.sub(add_rel, cleaned)


def _render(text: str, base_host: str | None) -> tuple[str, list[dict]]:
    md = _markdown()
    cleaned = _CLEANER.clean(md.convert(text))
    return _mark_external_links(cleaned, base_host), md.toc_tokens


def _flatten_toc(tokens: list[dict]) -> list[dict]:
    entries = []
    for token in tokens:
        if token["level"] in (2, 3):
            entries.append({
                "level": token["level"],
                "id": token["id"],
                "title": html.unescape(token["name"]),
            })
        entries.extend(_flatten_toc(token["children"]))
    return entries


def render_markdown(text: str | None, *, base_host: str | None = None) -> Markup:
    """Render user Markdown to sanitised HTML; links off base_host get rel=nofollow noopener."""
    if not text:
        return Markup("")
    return _render_cached(text, base_host)


@lru_cache(maxsize=4096)
def _render_cached(text: str, base_host: str | None) -> Markup:
    # The output depends only on the text and the host: thread pages re-render the same messages.
    rendered, _ = _render(text, base_host)
    return Markup(rendered)


def render_markdown_toc(
    text: str | None, *, base_host: str | None = None
) -> tuple[Markup, list[dict]]:
    """Like render_markdown, plus a flat h2/h3 table of contents: [{level, id, title}]."""
    if not text:
        return Markup(""), []
    rendered, tokens = _render(text, base_host)
    return Markup(rendered), _flatten_toc(tokens)


class _TextExtractor(HTMLParser):
    """Collects text from sanitised HTML, with a space wherever a block or break ends."""

    _BREAKS = {"p", "br", "hr", "li", "pre", "blockquote", "tr", "td", "th", "img"} | _HEADINGS

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self._BREAKS:
            self.chunks.append(" ")

    def handle_endtag(self, tag):
        if tag in self._BREAKS:
            self.chunks.append(" ")

    def handle_data(self, data):
        self.chunks.append(data)


# Text with none of these characters, and no line opening like a list, heading, rule or setext
# underline, renders as bare paragraphs: its plain text is itself, whitespace collapsed. Most forum
# posts are such text, and skipping the renderer halves a full reindex (tests compare both paths).
_MARKUP_CHARS = re.compile(r"[\\`*_\[\]<>&|~#\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BLOCK_START = re.compile(r"^[ \t]*(?:[-+=]|\d+[.)])", re.MULTILINE)


def _is_plain(text: str) -> bool:
    return not _MARKUP_CHARS.search(text) and not _BLOCK_START.search(text)


def markdown_to_text(text: str | None) -> str:
    """Plain text of the rendered Markdown (no markup, whitespace collapsed) for search and snippets."""
    if not text:
        return ""
    if _is_plain(text):
        return " ".join(text.split())
    return _rendered_text(text)


def _rendered_text(text: str) -> str:
    rendered, _ = _render(text, None)
    extractor = _TextExtractor()
    extractor.feed(rendered)
    extractor.close()
    return " ".join("".join(extractor.chunks).split())


# --- email HTML -------------------------------------------------------------------------------------

_EMAIL_CLEANER = nh3.Cleaner(
    tags=_ALLOWED_TAGS | {"div", "span", "u", "s", "small", "font", "center", "caption", "tfoot", "col",
                          "colgroup", "dl", "dt", "dd"},
    clean_content_tags=_DROP_WITH_CONTENT | {"head", "title"},
    attributes={**_ALLOWED_ATTRIBUTES, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}},
    attribute_filter=_filter_attribute,
    url_schemes={"http", "https", "mailto", "cid"},
    link_rel=EXTERNAL_REL,
    strip_comments=True,
)
_REMOTE_IMG = re.compile(r'<img([^>]*?)\ssrc="(https?:[^"]*)"')


def sanitize_email_html(raw_html: str | None) -> str:
    """An email's HTML made safe to show: the same allowlist as Markdown (no script, handler, form,
    iframe, meta, base or remote CSS), and remote images held back as data-remote-src until an agent
    asks for them, so opening a ticket never calls the sender's server."""
    if not raw_html:
        return ""
    cleaned = _EMAIL_CLEANER.clean(raw_html)
    return _REMOTE_IMG.sub(lambda m: f'<img{m.group(1)} data-remote-src="{m.group(2)}"', cleaned)
