"""What the customer wrote: earlier conversation quoted below (or above) removed; forwards kept whole."""
import html as html_lib
import re
from dataclasses import dataclass
from html.parser import HTMLParser

# A line that starts the quoted earlier message (attribution or header block).
_ATTRIBUTION = [
    re.compile(r"^\s*On\b.{0,200}\bwrote\s*:\s*$", re.I),                       # Gmail, Apple, Thunderbird
    re.compile(r"^\s*Le\b.{0,200}\ba [ée]crit\s*:\s*$", re.I),                  # French clients
    re.compile(r"^\s*Am\b.{0,200}\bschrieb\b.{0,120}:\s*$", re.I),              # German
    re.compile(r"^\s*El\b.{0,200}\bescribi[óo]\s*:\s*$", re.I),
    re.compile(r"^\s*-{2,}\s*(Original Message|Message d'origine|Ursprüngliche Nachricht)\s*-{2,}\s*$", re.I),
    re.compile(r"^\s*_{10,}\s*$"),                                               # Outlook separator
]
_HEADER_BLOCK = re.compile(r"^\s*\*?(From|De|Von)\s*\*?\s*:\s*.+", re.I)
_HEADER_NEXT = re.compile(r"^\s*\*?(Sent|Envoyé|Date|To|À|A|Subject|Objet|Cc|Gesendet|An|Betreff)\s*\*?\s*:", re.I)
_FORWARD = re.compile(r"^\s*(-{2,}\s*Forwarded message\s*-{2,}|Begin forwarded message:|Début du message réexpédié"
                      r"|-{2,}\s*Message transféré\s*-{2,}|-{2,}\s*Weitergeleitete Nachricht\s*-{2,})", re.I)
_TOKEN = re.compile(r"\[#(\d{1,18})\]")
_PREFIX = re.compile(r"^\s*((re|ré|réf\.?|ref\.?|tr|fwd?|fw|aw|wg|antw|sv|vs|rif|r)\s*(\[\d+\])?\s*:\s*)+", re.I)


@dataclass(frozen=True)
class StrippedBody:
    new_text: str
    quoted_text: str


def _starts_quote(lines: list[str], index: int) -> bool:
    line = lines[index]
    if any(pattern.match(line) for pattern in _ATTRIBUTION):
        return True
    # An attribution wrapped over two lines ("On Mon, 3 Jun 2024 at 10:00, Name <a@b>\nwrote:").
    if index + 1 < len(lines) and re.match(r"^\s*(wrote|a [ée]crit)\s*:\s*$", lines[index + 1], re.I) and \
            re.match(r"^\s*(On|Le)\b", line, re.I):
        return True
    if _HEADER_BLOCK.match(line):
        following = lines[index + 1:index + 5]
        return sum(1 for candidate in following if _HEADER_NEXT.match(candidate)) >= 2
    return False


def strip_quotes(text: str) -> StrippedBody:
    """Remove the quoted earlier mail (top-posting attribution blocks and `>` lines); keep bottom-posted text."""
    lines = (text or "").replace("\r\n", "\n").split("\n")
    kept, quoted = [], []
    for index, line in enumerate(lines):
        if _FORWARD.match(line):  # a forward is the customer's content: keep the rest whole
            kept.extend(lines[index:])
            break
        if _starts_quote(lines, index):
            rest = lines[index:]
            after = _bottom_posted(rest)
            quoted.extend(rest[:len(rest) - len(after)])
            kept.extend(after)
            break
        if line.lstrip().startswith(">"):
            quoted.append(line)
            continue
        kept.append(line)
    new_text = "\n".join(kept).strip()
    if not new_text:  # all of it looks quoted: show everything rather than nothing
        return StrippedBody((text or "").strip(), "")
    return StrippedBody(new_text, "\n".join(quoted).strip())


def _bottom_posted(rest: list[str]) -> list[str]:
    """Text written after a `>`-quoted block that follows an attribution (bottom-posting)."""
    last_quoted = max((i for i, line in enumerate(rest) if line.lstrip().startswith(">")), default=None)
    if last_quoted is None or not all(line.lstrip().startswith(">") or not line.strip() or i == 0 or
                                      _starts_quote(rest, i) for i, line in enumerate(rest[:last_quoted + 1])):
        return []
    return [line for line in rest[last_quoted + 1:]]


# --- HTML -------------------------------------------------------------------------------------------

_QUOTE_CONTAINERS = [
    re.compile(r'<div[^>]+class="[^"]*gmail_quote[^"]*".*', re.I | re.S),
    re.compile(r'<blockquote[^>]+type="cite".*', re.I | re.S),
    re.compile(r'<div[^>]+id="(divRplyFwdMsg|appendonsend)".*', re.I | re.S),
    re.compile(r'<div[^>]+class="[^"]*(moz-cite-prefix|yahoo_quoted)[^"]*".*', re.I | re.S),
    re.compile(r"<hr[^>]*>\s*<div[^>]*>\s*<font[^>]*>\s*<b>\s*(From|De)\s*:.*", re.I | re.S),
]


def strip_html_quotes(html: str | None) -> str:
    """The HTML without the quoted earlier conversation (Gmail, Outlook, Apple Mail, Thunderbird containers)."""
    html = html or ""
    if re.search(r"Forwarded message|Message transféré|Begin forwarded", html, re.I):
        return html
    for pattern in _QUOTE_CONTAINERS:
        stripped = pattern.sub("", html)
        if stripped != html and _has_text(stripped):
            html = stripped
    return html


def _has_text(html: str) -> bool:
    return bool(html_to_text(html).strip())


class _TextParser(HTMLParser):
    BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote", "hr", "pre"}
    SKIP = {"script", "style", "head", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skip, self.href = [], 0, None

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skip += 1
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        elif tag == "a":
            self.href = dict(attrs).get("href")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        elif tag == "a" and self.href:
            if self.href.startswith(("http:", "https:")):
                self.parts.append(f" ({self.href})")
            self.href = None

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str | None) -> str:
    """Readable text of an HTML mail: blocks as lines, list items as "- ", links as "text (url)"."""
    parser = _TextParser()
    try:
        parser.feed(html or "")
        parser.close()
    except Exception:  # broken markup: fall back to tags removed
        return html_lib.unescape(re.sub(r"<[^>]+>", " ", html or ""))
    text = "".join(parser.parts)
    lines = [line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# --- subjects ---------------------------------------------------------------------------------------

def ticket_token(subject: str | None) -> int | None:
    """The ticket number of a [#1234] token anywhere in the subject."""
    match = _TOKEN.search(subject or "")
    return int(match.group(1)) if match else None


def clean_subject(subject: str | None) -> str:
    """The subject without Re:/RE :/TR:/Fwd:/AW: chains and without our [#N] token."""
    subject = _TOKEN.sub("", subject or "")
    previous = None
    while previous != subject:
        previous, subject = subject, _PREFIX.sub("", subject).strip()
    return re.sub(r"\s+", " ", subject).strip()[:200]
