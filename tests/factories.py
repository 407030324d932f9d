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


def make_store(**overrides):
    from portal.orders import services as order_services

    values = {"platform": "shopify", "name": f"Shop {next(_seq)}", "domain": "shop.example.com",
              "webhook_secret": "s3cret-value", "timezone": "Europe/Paris"}
    values.update(overrides)
    store = order_services.create_store(**values)
    db.session.commit()
    return store


def make_order(store=None, number=None, email="buyer@example.com", shipped=False, **overrides):
    """An order through the same path the connectors use (services.upsert_order)."""
    from datetime import datetime
    from decimal import Decimal

    from portal.orders import services as order_services
    from portal.orders.data import ItemData, OrderData, ShipmentData

    n = next(_seq)
    store = store or make_store()
    values = {"external_id": f"ext-{n}", "number": str(number or 1000 + n), "email": email,
              "customer_name": "Bea Buyer", "placed_at": datetime(2026, 11, 2, 23, 30),
              "updated_at": datetime(2026, 11, 2, 23, 30), "currency": "EUR", "subtotal": Decimal("49.90"),
              "shipping_total": Decimal("4.99"), "total": Decimal("54.89"), "financial_status": "paid",
              "items": [ItemData(title="Linen shirt", quantity=1, unit_price=Decimal("49.90"), sku="LS-M",
                                 variant="M")], "shipments": [], "refunds": []}
    if shipped:
        values["fulfillment_status"] = "fulfilled"
        values["shipments"] = [ShipmentData(external_id=f"f-{n}", carrier="Colissimo", tracking_number="6A123",
                                            tracking_url="https://www.laposte.fr/outils/suivre-vos-envois?code=6A123",
                                            shipped_at=datetime(2026, 11, 3, 8, 0))]
    values.update(overrides)
    order, _ = order_services.upsert_order(store, OrderData(**values))
    db.session.commit()
    return order


def make_question(author=None, category=None, title=None, body="I would like to know more about this.", **overrides):
    from portal.forum import services as forum_services
    from portal.forum.models import ForumCategory

    n = next(_seq)
    author = author or make_user()
    if category is None:
        category = ForumCategory(slug=f"forum-cat-{n}", name=f"Forum category {n}", description="", position=n,
                                 question_count=0)
        db.session.add(category)
        db.session.flush()
    question = forum_services.ask(author=author, category=category, title=title or f"How does thing {n} work?",
                                  body=body, **overrides)
    db.session.commit()
    return question


def make_answer(question, author=None, body="Here is what worked for me.", **overrides):
    from portal.forum import services as forum_services

    answer = forum_services.answer(author=author or make_user(), question=question, body=body, **overrides)
    db.session.commit()
    return answer
