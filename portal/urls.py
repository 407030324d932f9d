"""URL helpers: only same-site redirects are followed (the one guard every user-supplied redirect uses)."""
import unicodedata
from urllib.parse import unquote, urljoin, urlsplit

from flask import has_request_context, request

_BAD_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Zs"}  # controls, invisible formatting, line breaks, odd spaces


def _decoded(target: str) -> str:
    """`target` percent-decoded until it stops changing (double encoding hides slashes)."""
    for _ in range(4):
        decoded = unquote(target, errors="replace")
        if decoded == target:
            break
        target = decoded
    return target


def _path_is_plain(path: str) -> bool:
    """A site path: ASCII, one leading slash, no empty or dot segments."""
    if not path.startswith("/") or not path.isascii() or "//" in path:
        return False
    return not any(segment in (".", "..") for segment in path.split("/"))


def _has_bad_character(text: str) -> bool:
    return "\\" in text or any(c != " " and unicodedata.category(c) in _BAD_CATEGORIES for c in text)


def safe_next(target: str | None, *, site_url: str | None = None) -> str | None:
    """Return `target` if, decoded and normalised, it is a path on this site; else None (no open redirect)."""
    if not target or not isinstance(target, str) or len(target) > 2000 or target != target.strip():
        return None
    decoded = _decoded(target)
    if _has_bad_character(target) or _has_bad_character(decoded):
        return None
    # Unicode look-alikes (fraction slash, ideographic full stop...) fold to ASCII under NFKC or stay non-ASCII.
    folded = unicodedata.normalize("NFKC", decoded)
    for candidate in (target, decoded, folded):
        parts = urlsplit(candidate)
        path = candidate.split("?", 1)[0].split("#", 1)[0]  # urlsplit drops the empty host of "///x"
        if parts.scheme or parts.netloc or not _path_is_plain(path):
            return None
    site = site_url or (request.host_url if has_request_context() else "http://localhost/")
    joined, base = urlsplit(urljoin(site, target)), urlsplit(site)
    if (joined.scheme, joined.netloc) != (base.scheme, base.netloc):
        return None
    return target


def local_referrer() -> str | None:
    """The Referer as a same-site path (query kept), or None when it points anywhere else."""
    referrer = request.referrer if has_request_context() else None
    if not referrer:
        return None
    parts, base = urlsplit(referrer), urlsplit(request.host_url)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return safe_next(path)
