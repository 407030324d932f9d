"""Raw RFC 5322 bytes -> ParsedEmail: a pure function (no database, no Flask) that never raises."""
import email
import email.policy
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

from portal.channels.email import quotes

_ID = re.compile(r"<[^<>\s]+>")
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
        text = str(make_header(decode_header(value)))
    except (UnicodeDecodeError, LookupError, ValueError, email.errors.HeaderParseError):
        text = value
    if any("\udc80" <= c <= "\udcff" for c in text):  # raw 8-bit bytes in the header
        data = text.encode("utf-8", "surrogateescape")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("windows-1252", "replace")
    return re.sub(r"\s+", " ", text).strip()


def _headers(msg: Message) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, value in msg.raw_items() if hasattr(msg, "raw_items") else msg.items():
        found.setdefault(name.lower(), []).append(decode_words(value))
    return found


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
    """RFC 3676 format=flowed: join soft-broken lines (ending in a space), keep quote depth."""
    lines, out, current = text.split("\n"), [], None
    for line in lines:
        line = line.rstrip("\r")
        if line == "-- ":
            if current is not None:
                out.append(current)
                current = None
            out.append(line)
            continue
        if line.startswith(" "):  # space-stuffing
            line = line[1:]
        soft = line.endswith(" ")
        piece = line[:-1] if (soft and delsp) else line
        current = piece if current is None else current + piece
        if not soft:
            out.append(current)
            current = None
    if current is not None:
        out.append(current)
    return "\n".join(out)


def _text_of(part: Message) -> str:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # a broken transfer encoding: keep what is there
        payload = None
    if payload is None:
        raw = part.get_payload()
        payload = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
    text = _charset_decode(payload, part.get_content_charset()).replace("\r\n", "\n")
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


def _walk(msg: Message, texts: list, htmls: list, attachments: list, reports: list) -> None:
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype in REPORT_TYPES:  # kept whole for bounce details; a forwarded mail's parts still show below
            reports.append(part)
            if ctype != "message/rfc822":
                continue
        if part.is_multipart():
            continue
        disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
        filename = _filename(part)
        if ctype in ("text/plain", "text/html") and not filename and disposition != "attachment":
            (texts if ctype == "text/plain" else htmls).append(_text_of(part))
            continue
        try:
            data = part.get_payload(decode=True) or b""
        except Exception:
            data = b""
        content_id = (part.get("Content-ID") or "").strip().strip("<>") or None
        attachments.append(Attachment(filename=filename or f"{(content_id or 'file').split('@')[0]}",
                                      content_type=ctype, data=data, content_id=content_id,
                                      inline=disposition == "inline" or (content_id is not None and disposition != "attachment")))


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
        texts = [_charset_decode(raw, "utf-8")]
    html = "\n".join(htmls) if htmls else None
    text = "\n".join(t for t in texts if t.strip()) if texts else ""
    if not text.strip() and html:
        text = quotes.html_to_text(html)
    from_name, from_email = parseaddr(headers.get("from", [""])[0])
    reply_to = parseaddr(headers.get("reply-to", [""])[0])[1].lower() or None
    message_ids = _ids(headers.get("message-id", [""])[0])
    return ParsedEmail(
        message_id=message_ids[0] if message_ids else None,
        in_reply_to=_ids(" ".join(headers.get("in-reply-to", []))),
        references=_ids(" ".join(headers.get("references", []))),
        subject=headers.get("subject", [""])[0], from_name=decode_words(from_name),
        from_email=(from_email or "").strip().lower() if "@" in (from_email or "") else "",
        reply_to_email=reply_to if reply_to and "@" in reply_to else None,
        to=_addresses(headers.get("to", [])), cc=_addresses(headers.get("cc", [])),
        date=_date(headers.get("date", [""])[0], received_at), text=text, html=html, attachments=attachments,
        headers=headers, content_type=msg.get_content_type(), report_parts=reports)


def synthetic_message_id() -> str:
    return f"<synthetic-{uuid.uuid4().hex}@comptoir.invalid>"
