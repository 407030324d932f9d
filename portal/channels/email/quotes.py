"""What the customer wrote: earlier conversation quoted below (or above) removed; forwards kept whole."""
import html as html_lib
import re
from dataclasses import dataclass
from html.parser import HTMLParser

# "On <date>, <name> wrote:" in the languages our customers write; a date always has a digit, which keeps
# a customer's own "On the form I wrote:" in the message.
_ATTRIBUTION = [
    re.compile(r"^\s*On\b.{0,200}\bwrote\s*:\s*$", re.I),                       # Gmail, Apple, Thunderbird
    re.compile(r"^\s*Le\b.{0,200}\ba [ée]crit\s*:\s*$", re.I),                  # French clients
    re.compile(r"^\s*Am\b.{0,200}\bschrieb\b.{0,120}:\s*$", re.I),              # German
    re.compile(r"^\s*El\b.{0,200}\bescribi[óo]\s*:\s*$", re.I),
]
_ATTRIBUTION_START = re.compile(r"^\s*(On|Le|Am|El)\b", re.I)
_SEPARATOR = re.compile(r"^\s*-{2,}\s*(Original Message|Message d'origine|Ursprüngliche Nachricht)\s*-{2,}\s*$", re.I)
_UNDERSCORES = re.compile(r"^\s*_{10,}\s*$")                                     # Outlook, above its header block
_HEADER_BLOCK = re.compile(r"^\s*\*?(From|De|Von)\s*\*?\s*:\s*.+", re.I)
_HEADER_NEXT = re.compile(r"^\s*\*?(Sent|Envoyé|Date|To|À|A|Subject|Objet|Cc|Gesendet|An|Betreff)\s*\*?\s*:", re.I)
_FORWARDED_SUBJECT = re.compile(r"^\s*\*?(Subject|Objet|Betreff)\s*\*?\s*:\s*\*?\s*(fwd?|fw|tr|wg)\s*:", re.I)
_FORWARD = re.compile(r"^\s*(-{2,}\s*Forwarded message\s*-{2,}|Begin forwarded message:|Début du message réexpédié"
                      r"|-{2,}\s*Message transféré\s*-{2,}|-{2,}\s*Weitergeleitete Nachricht\s*-{2,})", re.I)
_TOKEN = re.compile(r"\[#(\d{1,18})\]")
_PREFIX = re.compile(r"^\s*((re|ré|réf\.?|ref\.?|tr|fwd?|fw|aw|wg|antw|sv|vs|rif|r)\s*(\[\d+\])?\s*:\s*)+", re.I)


@dataclass(frozen=True)
class StrippedBody:
    new_text: str
    quoted_text: str


def _attribution(lines: list[str], index: int) -> int:
    """How many lines the attribution starting at `index` spans (Gmail wraps long ones); 0 when none."""
    line = lines[index]
    if not re.search(r"\d", line):
        return 0
    if any(pattern.match(line) for pattern in _ATTRIBUTION):
        return 1
    if index + 1 < len(lines) and _ATTRIBUTION_START.match(line):
        joined = f"{line.rstrip()} {lines[index + 1].strip()}"
        return 2 if any(pattern.match(joined) for pattern in _ATTRIBUTION) else 0
    return 0


def _header_block(lines: list[str], index: int) -> bool:
    """Outlook's quoted headers ("From: / Sent: / To:"), with or without a separator line above them."""
    line = lines[index]
    if _SEPARATOR.match(line):
        return True
    if _UNDERSCORES.match(line):
        return index + 1 < len(lines) and bool(_HEADER_BLOCK.match(lines[index + 1]))
    if _HEADER_BLOCK.match(line):
        return sum(1 for candidate in lines[index + 1:index + 5] if _HEADER_NEXT.match(candidate)) >= 2
    return False


def _forward(lines: list[str], index: int) -> bool:
    """A forward starts here: a client's forward marker, or an Outlook header block whose subject is FW:/TR:."""
    if _FORWARD.match(lines[index]):
        return True
    return _header_block(lines, index) and any(_FORWARDED_SUBJECT.match(line) for line in lines[index:index + 7])


def _prefixed_quote_follows(lines: list[str], start: int) -> bool:
    """Whether the first non-blank line from `start` is `>`-quoted: then unquoted lines are answers to keep."""
    following = next((line for line in lines[start:] if line.strip()), "")
    return following.lstrip().startswith(">")


def strip_quotes(text: str | None) -> StrippedBody:
    """Remove the quoted earlier mail (attributions, Outlook header blocks, `>` lines); keep answers between quotes."""
    lines = (text or "").replace("\r\n", "\n").split("\n")
    kept, quoted, index = [], [], 0
    while index < len(lines):
        if _forward(lines, index):  # a forward is the customer's content: keep the rest whole
            kept.extend(lines[index:])
            break
        span = _attribution(lines, index)
        if _header_block(lines, index) or (span and not _prefixed_quote_follows(lines, index + span)):
            quoted.extend(lines[index:])  # unprefixed quote: everything below is the earlier mail
            break
        step = span or (1 if lines[index].lstrip().startswith(">") else 0)
        (quoted if step else kept).extend(lines[index:index + (step or 1)])
        index += step or 1
    new_text = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
    if not new_text:  # all of it looks quoted: show everything rather than nothing
        return StrippedBody((text or "").strip(), "")
    return StrippedBody(new_text, "\n".join(quoted).strip())


# --- HTML -------------------------------------------------------------------------------------------

# Containers that hold only the quote: removed as one element, so an answer below them stays.
_QUOTE_ELEMENTS = re.compile(r'<(?P<tag>div|blockquote)\b[^>]*?(class="[^"]*\b(gmail_quote|moz-cite-prefix|'
                             r'yahoo_quoted)\b[^"]*"|type="cite")[^>]*>', re.I)
# Outlook puts its quote after these markers, outside any container: removed with everything that follows.
_QUOTE_TAILS = re.compile(r'(<hr[^>]*>\s*)?<div[^>]+id="(divRplyFwdMsg|appendonsend)"'
                          r"|<hr[^>]*>\s*<div[^>]*>\s*<font[^>]*>\s*<b>\s*(From|De)\s*:", re.I)


def strip_html_quotes(html: str | None) -> str:
    """The HTML without the quoted earlier conversation (Gmail, Outlook, Apple Mail, Thunderbird containers).

    A container that starts with a forward is kept; when nothing would be left, the HTML is returned whole.
    """
    html, pieces, position = html or "", [], 0
    while (match := _QUOTE_ELEMENTS.search(html, position)) is not None:
        end = _element_end(html, match)
        keep = _looks_forwarded(html[match.start():end])
        pieces.append(html[position:end if keep else match.start()])
        position = end
    stripped = "".join(pieces) + html[position:]
    tail = _QUOTE_TAILS.search(stripped)
    if tail and not _looks_forwarded(stripped[tail.start():]):
        stripped = stripped[:tail.start()]
    return stripped if _has_text(stripped) else html


def _element_end(html: str, match: re.Match) -> int:
    """The offset just past the end tag that closes the element `match` opened (the end of html if none)."""
    depth = 0
    for tag in re.compile(rf"<(/?){match.group('tag')}\b[^>]*>", re.I).finditer(html, match.start()):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return tag.end()
    return len(html)


def _looks_forwarded(fragment: str) -> bool:
    """A quote container that begins with a forward holds the customer's content."""
    lines = [line for line in html_to_text(fragment).split("\n") if line.strip()][:8]
    return any(_forward(lines, index) for index in range(len(lines)))


def _has_text(html: str) -> bool:
    return bool(html_to_text(html).strip())


class _TextParser(HTMLParser):
    LINES = {"div", "li", "tr", "dt", "dd", "address", "center", "section", "article", "header", "footer"}
    PARAGRAPHS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "table", "blockquote", "hr", "pre"}
    SKIP = {"script", "style", "head", "title", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        # `breaks` is the line breaks owed before the next text: block edges take the largest, <br> adds one.
        self.out, self.breaks, self.skip, self.pre, self.link = [], 0, 0, 0, None

    def write(self, text: str) -> None:
        if self.breaks and self.out:
            self.out.append("\n" * self.breaks)
        self.breaks = 0
        if not self.pre and (not self.out or self.out[-1].endswith((" ", "\n"))):
            text = text.lstrip()
        if text:
            self.out.append(text)
            if self.link is not None:
                self.link[1].append(text)

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skip += 1
        elif tag == "br":
            self.breaks += 1
        elif tag in self.LINES or tag in self.PARAGRAPHS:
            self.breaks = max(self.breaks, 1 if tag in self.LINES else 2)
            self.pre += tag == "pre"
            if tag == "li":
                self.write("- ")
        elif tag in ("td", "th"):
            self.write(" ")
        elif tag == "a":
            self.link = (dict(attrs).get("href") or "", [])

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in self.LINES or tag in self.PARAGRAPHS:
            self.breaks = max(self.breaks, 1 if tag in self.LINES else 2)
            self.pre = max(0, self.pre - (tag == "pre"))
        elif tag == "a" and self.link is not None:
            href, words = self.link
            self.link, label = None, "".join(words).strip()
            if href.startswith(("http:", "https:")) and label and href.rstrip("/") != label.rstrip("/"):
                self.write(f" ({href})")

    def handle_data(self, data):
        if self.skip:
            return
        if self.pre:
            self.write(data)
        elif data.strip():
            self.write(re.sub(r"\s+", " ", data))
        elif not self.breaks and self.out and not self.out[-1].endswith((" ", "\n")):
            self.out.append(" ")  # the space between two inline elements


def html_to_text(html: str | None) -> str:
    """Readable text of an HTML mail: blocks as lines, list items as "- ", links as "text (url)"."""
    parser = _TextParser()
    try:
        parser.feed(html or "")
        parser.close()
    except Exception:  # broken markup: fall back to tags removed
        return html_lib.unescape(re.sub(r"<[^>]+>", " ", html or ""))
    lines = [line.rstrip() for line in "".join(parser.out).split("\n")]
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
