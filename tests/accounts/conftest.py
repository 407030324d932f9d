"""Helpers for the account tests: read the mail the site sent and follow its links."""
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.mail import OutgoingMail

NEW_PASSWORD = "brand-new-pass-7"


@pytest.fixture
def mails(app):
    """The mails sent so far (optionally to one address), oldest first."""
    def sent(to=None):
        db.session.expire_all()
        query = select(OutgoingMail).order_by(OutgoingMail.id)
        if to:
            query = query.where(OutgoingMail.to == to)
        return list(db.session.scalars(query))
    return sent


def link_in(text: str, prefix: str) -> str:
    """The path of the one http://localhost link in `text` that starts with `prefix`."""
    links = set(re.findall(r"http://localhost(%s[^\s\"'<>]+)" % re.escape(prefix), text))
    assert len(links) == 1, f"expected one {prefix} link in:\n{text}"
    return links.pop()


def path_of(response) -> str:
    return urlsplit(response.headers["Location"]).path


def normalise(html: str) -> str:
    """Page text without the per-request CSRF tokens, for comparing two answers."""
    return re.sub(r'(csrf[-_]token"\s+(?:content|value)=")[^"]*', r"\1", html)


@pytest.fixture
def isolated_app(make_app):
    """An app with no app context pushed, so each request starts afresh as in production."""
    app = make_app()
    yield app
    with app.app_context():
        db.engine.dispose()
