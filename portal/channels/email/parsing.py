"""Raw RFC 5322 bytes -> ParsedEmail: a pure function (no database, no Flask) that never raises."""
import email
import email.policy
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

from portal.channels.email import quotes

_ID = re.compile(r"<[^<>\s]+>")
# NUL and other C0 controls (tab and newline kept): PostgreSQL refuses NUL in text, and nobody reads the rest.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
REPORT_TYPES = ("message/delivery-status", "message/rfc822", "text/rfc822-headers", "message/global-delivery-status",
                "message/feedback-report")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes
    content_id: str | None = None
    inline: bool = False


@dataclass(frozen=True)
class ParsedEmail:
    message_id: str | None
    in_reply_to: list[str]
    references: list[str]
    subject: str
    from_name: str
    from_email: str
    reply_to_email: str | None
    to: list[tuple[str, str]]
    cc: list[tuple[str, str]]
    date: datetime
    text: str
    html: str | None
    attachments: list[Attachment]
    headers: dict[str, list[str]] = field(default_factory=dict)
    content_type: str = "text/plain"
    report_parts: list[Message] = field(default_factory=list)  # message/delivery-status, message/rfc822 ...

    def header(self, name: str) -> str:
        values = self.headers.get(name.lower()) or [""]
        return values[0]


def _normalise(raw: bytes) -> bytes:
    """Bare LF -> CRLF is not needed by the parser; strip a leading mbox "From " line."""
    if raw.startswith(b"From ") and b"\n" in raw:
        first, rest = raw.split(b"\n", 1)
        if b":" not in first.split(b" ", 2)[-1][:1]:
            return rest
    return raw


def decode_words(value) -> str:
    """An RFC 2047 (or raw UTF-8 / Latin-1) header value as text; split encoded words joined."""
    if value is None:
        return ""
    value = str(value)
    try:
        text = "".join(chunk if isinstance(chunk, str) else _charset_decode(chunk, charset)
                       for chunk, charset in decode_header(value))
    except (ValueError, email.errors.HeaderParseError):
        text = value
    if any("\udc80" <= c <= "\udcff" for c in text):  # raw 8-bit bytes in the header
        data = text.encode("utf-8", "surrogateescape")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("windows-1252", "replace")
    return re.sub(r"\s+", " ", _CONTROL.sub("", text)).strip()


def _headers(msg: Message) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, value in msg.raw_items() if hasattr(msg, "raw_items") else msg.items():
        found.setdefault(name.lower(), []).append(decode_words(value))
    return found


def _raw(msg: Message, name: str) -> list[str]:
    """A header's values as sent (encoded words intact), for address lists."""
    return [str(value) for key, value in msg.raw_items() if key.lower() == name]


def _addresses(values: list[str]) -> list[tuple[str, str]]:
    people = []
    for name, address in getaddresses(values):
        address = (address or "").strip().lower()
        if "@" in address:
            people.append((decode_words(name), address))
    return people


def _ids(value: str) -> list[str]:
    found = _ID.findall(value or "")
    if not found and value and "@" in value:  # some clients drop the angle brackets
        found = [f"<{part}>" for part in value.split() if "@" in part]
    return found


def _date(value: str, received_at: datetime | None) -> datetime:
    try:
        parsed = parsedate_to_datetime(value)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        if 1990 < parsed.year < 2200:
            return parsed.astimezone(timezone.utc)
    except (TypeError, ValueError, IndexError, OverflowError):
        pass
    fallback = received_at or datetime.now(timezone.utc)
    return fallback if fallback.tzinfo else fallback.replace(tzinfo=timezone.utc)


def _charset_decode(payload: bytes, charset: str | None) -> str:
    """Bytes in the declared charset; a mislabelled part falls back to UTF-8 then windows-1252."""
    for candidate in (charset, "utf-8", "windows-1252", "latin-1"):
        if not candidate:
            continue
        try:
            return payload.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
    return payload.decode("utf-8", "replace")


def _flowed(text: str, delsp: bool) -> str:
    """RFC 3676 format=flowed: join soft-broken lines (ending in a space) of the same quote depth."""
    out, current, depth = [], None, 0
    for line in text.split("\n"):
        line = line.rstrip("\r")
        quote = len(line) - len(line.lstrip(">"))
        body = line[quote + 1:] if line[quote:quote + 1] == " " else line[quote:]  # space-stuffing
        if current is not None and quote != depth:  # a change of depth ends the paragraph
            out.append(_quoted(depth, current))
            current = None
        soft = body.endswith(" ") and body != "-- "
        piece = body[:-1] if (soft and delsp) else body
        current, depth = piece if current is None else current + piece, quote
        if not soft:
            out.append(_quoted(depth, current))
            current = None
    if current is not None:
        out.append(_quoted(depth, current))
    return "\n".join(out)


def _quoted(depth: int, text: str) -> str:
    return ">" * depth + (" " + text if depth and text else text)


def _text_of(part: Message) -> str:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # a broken transfer encoding: keep what is there
        payload = None
    if payload is None:
        raw = part.get_payload()
        payload = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
    text = _CONTROL.sub("", _charset_decode(payload, part.get_content_charset()).replace("\r\n", "\n")
                        .replace("\r", "\n"))
    params = {k.lower(): (v or "").lower() for k, v in part.get_params() or [] if isinstance(k, str)}
    if params.get("format") == "flowed" and part.get_content_type() == "text/plain":
        text = _flowed(text, params.get("delsp") == "yes")
    return text


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if name is None:
        name = part.get_param("name")
        if isinstance(name, tuple):  # RFC 2231 on name=
            name = email.utils.collapse_rfc2231_value(name)
    return decode_words(name) if name else None


def _parts(msg: Message):
    """Every part, depth first, with whether it sits inside an attached message (no recursion limit)."""
    stack = [(msg, False)]
    while stack:
        part, forwarded = stack.pop()
        yield part, forwarded
        payload = part.get_payload() if part.is_multipart() else []
        inner = forwarded or part.get_content_type() == "message/rfc822"
        stack.extend((child, inner) for child in reversed(payload) if isinstance(child, Message))


def _walk(msg: Message, texts: list, htmls: list, attachments: list, reports: list) -> None:
    for part, forwarded in _parts(msg):
        ctype = part.get_content_type()
        if ctype in REPORT_TYPES:  # kept whole for bounce details; a forwarded mail's text still shows below
            reports.append(part)
            if ctype == "message/rfc822" and not forwarded:
                attachments.append(_forwarded(part))
            continue
        if part.is_multipart():
            continue
        disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
        filename = _filename(part)
        if ctype.startswith("multipart/") or (ctype in ("text/plain", "text/html") and not filename
                                              and disposition != "attachment"):
            (htmls if ctype == "text/html" else texts).append(_text_of(part))
        elif not forwarded:  # the attached message's own files travel inside its .eml
            attachments.append(_attachment(part, ctype, filename, disposition))


def _attachment(part: Message, ctype: str, filename: str | None, disposition: str) -> Attachment:
    try:
        data = part.get_payload(decode=True) or b""
    except Exception:
        data = b""
    content_id = (part.get("Content-ID") or "").strip().strip("<>") or None
    return Attachment(filename=filename or f"{(content_id or 'file').split('@')[0]}", content_type=ctype,
                      data=data, content_id=content_id,
                      inline=disposition == "inline" or (content_id is not None and disposition != "attachment"))


def _forwarded(part: Message) -> Attachment:
    """An attached message, kept as the .eml the customer sent."""
    inner = part.get_payload(0) if part.is_multipart() else None
    try:
        data = inner.as_bytes() if inner is not None else b""
    except Exception:
        data = str(inner or "").encode("utf-8", "surrogateescape")
    subject = decode_words(inner.get("Subject")) if inner is not None else ""
    stem = re.sub(r"[^\w .-]+", "", subject)[:80].strip() or "message"
    return Attachment(filename=_filename(part) or f"{stem}.eml", content_type="message/rfc822", data=data)


def parse_email(raw: bytes, *, received_at: datetime | None = None) -> ParsedEmail:
    """Parse one message; garbage in gives an empty but usable ParsedEmail, never an exception."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    try:
        msg = email.message_from_bytes(_normalise(raw or b""), policy=email.policy.compat32)
    except Exception:
        msg = email.message_from_string("")
    headers = _headers(msg)
    texts, htmls, attachments, reports = [], [], [], []
    try:
        _walk(msg, texts, htmls, attachments, reports)
    except Exception:
        texts = [_CONTROL.sub("", _charset_decode(raw, "utf-8"))]
    html = _CONTROL.sub("", "\n".join(htmls)) if htmls else None
    text = "\n".join(t for t in texts if t.strip()) if texts else ""
    if not text.strip() and html:
        text = quotes.html_to_text(html)
    from_name, from_email = (_addresses(_raw(msg, "from")) or [("", "")])[0]
    reply_to = (_addresses(_raw(msg, "reply-to")) or [("", None)])[0][1]
    message_ids = _ids(headers.get("message-id", [""])[0])
    return ParsedEmail(
        message_id=message_ids[0] if message_ids else None,
        in_reply_to=_ids(" ".join(headers.get("in-reply-to", []))),
        references=_ids(" ".join(headers.get("references", []))),
        subject=headers.get("subject", [""])[0], from_name=from_name, from_email=from_email,
        reply_to_email=reply_to, to=_addresses(_raw(msg, "to")), cc=_addresses(_raw(msg, "cc")),
        date=_date(headers.get("date", [""])[0], received_at), text=text, html=html, attachments=attachments,
        headers=headers, content_type=msg.get_content_type(), report_parts=reports)


def synthetic_message_id() -> str:
    return f"<synthetic-{uuid.uuid4().hex}@comptoir.invalid>"
