"""Small database checks shared by the order tests."""
from sqlalchemy import func, select

from portal.extensions import db
from portal.orders.models import Order, WebhookDelivery

SECRET = "shpss_0123456789abcdef"


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def stored_nothing() -> bool:
    return count(Order) == 0 and count(WebhookDelivery) == 0


def the_order() -> Order:
    db.session.expire_all()
    return db.session.scalars(select(Order)).one()
