"""Any request with nonsense answers with a message (4xx or a redirect), never a server error.

Nonsense: wrong types, over-long integers (past SQLite's 64-bit INTEGER), NUL bytes and invalid UTF-8,
in form fields, JSON bodies, query strings, file names and path segments.
"""
import re
from urllib.parse import quote_from_bytes

import pytest

from portal.demo import DEMO_PASSWORD

HUGE = "9" * 20
ODD_VALUES = [HUGE, "-" + HUGE, "9" * 5000, "1e999", "²", "\x00", "1\x00", b"\xff\xfe", b"%\xc3("]
GARBAGE = [
    {},
    {"body": "x" * 60000, "subject": "\x00", "email": "@@", "value": "zzz", "action": "status", "ids": ["1", "x"],
     "status": "bogus", "priority": "bogus", "assignee": "abc", "group": "-1", "version": "NaN", "kind": "weird",
     "target": "#abc", "post_type": "question", "post_id": "-5", "reason": "", "category": "nope", "until": "yesterday",
     "number": "'; DROP TABLE", "topic": "nope", "platform": "mars", "order": "%", "order_id": "x", "lang": "xx"},
    {"action": "assign", "value": "999999", "ids": ["1", "2"]},
    {"action": "merge", "value": "1", "ids": ["1", "2", "3"]},
    {"post_type": "question", "post_id": HUGE, "reason": "spam"},
    {"post_type": "answer", "post_id": HUGE, "value": "1"},
    {"action": "assign", "value": HUGE, "ids": [HUGE, "1"]},
    {"action": "group", "value": HUGE, "ids": ["1"]},
    {"assignee": HUGE, "group": HUGE, "version": HUGE, "answer_id": HUGE, "order_id": HUGE, "macro_id": HUGE,
     "base_revision": HUGE, "set_group_id": HUGE, "position": HUGE, "category": HUGE, "role": HUGE},
    {"answer_id": "²", "post_id": "²", "value": "²", "ids": ["²"], "version": "²", "assignee": "²",
     "group": "²"},
]
# Every field name a view or form reads; each gets each odd value.
FIELDS = sorted({
    "action", "after", "answer_id", "back", "body", "category", "email", "file", "forum_notifications", "helpful",
    "ids", "lang", "new", "next", "note", "number", "old", "on", "order", "order_id", "page", "post_id",
    "post_type", "q", "reason", "s", "sort", "subject", "target", "ticket_notifications", "topic", "unlink",
    "value", "view", "assignee", "group", "version", "status", "priority", "macro_id", "base_revision", "position",
    "set_group_id", "set_status", "set_priority", "role", "name", "password", "title", "slug", "tags", "until",
    "kind", "platform", "domain", "api_url", "api_token", "webhook_secret", "store_id", "user_id", "id",
})
JSON_BODIES = [{"post_type": "question", "post_id": 1e999, "value": 1}, {"post_id": HUGE, "value": HUGE},
               {"post_id": int(HUGE), "value": -int(HUGE), "body": None, "composing": "x"}, [1, 2], "text", None,
               *({name: value for name in FIELDS} for value in (12345, [1, "2"], {"a": 1}, None, True))]
ODD_FILE_NAMES = [b"a\x00b.png", b"\xff\xfe.txt", b"../../etc/passwd", b"%00.pdf", b"x" * 300 + b".txt"]


def _raw(value) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


def _urlencoded(value) -> bytes:
    """A form body giving `value` to every field, encoded by hand so invalid UTF-8 gets through."""
    encoded = quote_from_bytes(_raw(value), safe="")
    return "&".join(f"{name}={encoded}" for name in FIELDS).encode()


def _multipart(filename: bytes, value) -> tuple[bytes, str]:
    """A multipart body with the odd value in a few fields and a file under an odd name."""
    boundary = "odd-input-boundary"
    parts = [b'--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (boundary.encode(), name.encode(),
                                                                               _raw(value))
             for name in ("body", "subject", "email", "post_id", "version")]
    for field in ("attachments", "file"):
        parts.append(b'--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\n'
                     b"Content-Type: image/png\r\n\r\nhello\r\n" % (boundary.encode(), field.encode(), filename))
    body = b"".join(parts) + b"--%s--\r\n" % boundary.encode()
    return body, f"multipart/form-data; boundary={boundary}"


def _query(value) -> str:
    encoded = quote_from_bytes(_raw(value), safe="")
    return "&".join(f"{name}={encoded}" for name in FIELDS)


def _url(rule, segment: str = "x", number: str | None = None) -> str:
    """The rule's URL with real-looking values, or with `segment` in each text part and `number` in each number."""
    def value(match):
        converter, name = match.group(1) or "default", match.group(2)
        if converter == "int":
            return number or ("1001" if name == "number" else "1")
        real = {"lang": "en", "platform": "shopify"}.get(name, "x")
        return real if segment == "x" else segment
    return re.sub(r"<(?:(\w+):)?(\w+)>", value, rule.rule)


def _logged_in_client(app, runner, email):
    assert runner.invoke(args=["demo"]).exit_code == 0
    client = app.test_client()
    if email:
        client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
    return client


def _rules(app, method):
    skipped = ("accounts.logout", "site.set_language")
    return [rule for rule in app.url_map.iter_rules() if method in rule.methods and rule.endpoint not in skipped]


def _post_everything(client, url):
    """Every kind of nonsense posted to one URL; yields (what, status)."""
    for data in GARBAGE:
        yield sorted(data)[:3], client.post(url, data=data).status_code
    for value in ODD_VALUES:
        yield ("form", value[:8]), client.post(url, data=_urlencoded(value),
                                              content_type="application/x-www-form-urlencoded").status_code
        yield ("query", value[:8]), client.post(f"{url}?{_query(value)}").status_code
    for filename in ODD_FILE_NAMES:
        body, content_type = _multipart(filename, ODD_VALUES[0])
        yield ("file", filename[:8]), client.post(url, data=body, content_type=content_type).status_code
    for payload in JSON_BODIES:
        yield ("json", str(payload)[:20]), client.post(url, json=payload).status_code
    broken = b'{"post_id": 1e999, "x": "\xff'
    yield ("bad json",), client.post(url, data=broken, content_type="application/json").status_code


@pytest.mark.parametrize("email", ["manager@demo.comptoir.test", "claire@demo.comptoir.test"])
def test_every_post_route_survives_garbage(app, runner, email):
    client = _logged_in_client(app, runner, email)
    failures = []
    for rule in _rules(app, "POST"):
        for what, status in _post_everything(client, _url(rule)):
            if status >= 500:
                failures.append((rule.rule, what, status))
    assert failures == [], "\n".join(map(str, failures))


ODD_SEGMENTS = ["x%00y", "%00", "%FF%FE", "..", "%2e%2e", "a%2Fb", "x" * 300]
ODD_NUMBERS = [HUGE, "9" * 5000, "0" * 30 + "1"]


def _get_everything(client, rule):
    """Every kind of nonsense in the path and the query string of one GET route; yields (url, status)."""
    urls = [_url(rule)]
    urls += [_url(rule, segment=segment) for segment in ODD_SEGMENTS if "<" in rule.rule]
    urls += [_url(rule, number=number) for number in ODD_NUMBERS if "<int:" in rule.rule]
    for url in urls:
        yield url, client.get(url).status_code
    for value in ODD_VALUES:
        url = f"{_url(rule)}?{_query(value)}"
        yield url, client.get(url).status_code


@pytest.mark.parametrize("email", ["manager@demo.comptoir.test", "claire@demo.comptoir.test", None])
def test_every_get_route_survives_odd_paths_and_queries(app, runner, email):
    client = _logged_in_client(app, runner, email)
    failures = []
    for rule in _rules(app, "GET"):
        for url, status in _get_everything(client, rule):
            if status == 503 and rule.rule == "/healthz":
                continue  # its answer when the worker is not running, as here; tests/ops checks its body
            if status >= 500:
                failures.append((rule.rule, url[:120], status))
    assert failures == [], "\n".join(map(str, failures))
