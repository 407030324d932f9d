"""Plain factory functions with defaults and **overrides; they flush, tests commit when needed."""
import itertools

from portal.accounts.models import Role
from portal.accounts.services import create_user
from portal.extensions import db
from portal.kb import categories as category_services
from portal.kb import services as kb_services
from portal.kb.models import ArticleStatus

PASSWORD = "correct-horse-9"
_seq = itertools.count(1)


def make_user(role=Role.CUSTOMER, **overrides):
    n = next(_seq)
    values = {"email": f"user{n}@example.com", "name": f"User {n}", "password": PASSWORD, "role": role}
    values.update(overrides)
    user = create_user(**values)
    db.session.commit()
    return user


def make_category(**overrides):
    n = next(_seq)
    values = {"slug": f"category-{n}", "names": {"en": f"Category {n}", "fr": f"Catégorie {n}"},
              "descriptions": {"en": "About things.", "fr": "À propos."}, "position": n}
    values.update(overrides)
    category = category_services.save_category(**values)
    db.session.commit()
    return category


def make_article(category=None, status=ArticleStatus.PUBLISHED, actor=None, **overrides):
    n = next(_seq)
    values = {"title": f"Article number {n}", "body": f"## Part one\n\nBody text {n}.\n\n## Part two\n\nMore.",
              "lang": "en", "summary": f"Summary {n}", "tags": ["general"]}
    values.update(overrides)
    article = kb_services.create_article(actor=actor, status=status, category=category or make_category(),
                                         **values)
    db.session.commit()
    return article


def make_group(name=None, members=()):
    from portal.tickets import groups

    group = groups.create_group(name=name or f"Group {next(_seq)}")
    groups.set_membership(group, [m.id for m in members])
    db.session.commit()
    return group


def make_agent(scope="all", role=Role.AGENT, **overrides):
    from portal.tickets import groups

    agent = make_user(role=role, **overrides)
    if role == Role.AGENT:
        groups.set_scope(agent, scope)
        db.session.commit()
    return agent


def make_ticket(requester=None, email=None, subject=None, body="My parcel has not arrived.", **overrides):
    from portal.tickets import services
    from portal.tickets.models import Channel

    n = next(_seq)
    values = {"subject": subject or f"Question {n}", "body": body, "channel": overrides.pop("channel", Channel.WEB)}
    if requester is not None:
        values["requester"] = requester
    else:
        values["email"] = email or f"guest{n}@example.com"
    values.update(overrides)
    ticket = services.open_ticket(**values)
    db.session.commit()
    return ticket
