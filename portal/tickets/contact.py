"""Contact-form protections (rate limits per IP and address) and deflection records."""
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from portal.errors import RateLimited
from portal.extensions import db
from portal.models_base import utcnow
from portal.tickets.models import ContactAttempt, Deflection

SOURCES = ("contact", "portal", "chat")  # where a suggested article was opened: the form, the portal, the chat


def check_rate(*, ip: str, email: str) -> None:
    """RateLimited when this IP or address sent too many requests in the last hour; records the attempt."""
    since = utcnow() - timedelta(hours=1)
    by_ip = db.session.scalar(select(func.count()).where(ContactAttempt.ip == ip, ContactAttempt.created_at >= since))
    by_email = db.session.scalar(select(func.count()).where(ContactAttempt.email == email,
                                                            ContactAttempt.created_at >= since))
    if by_ip >= current_app.config["CONTACT_MAX_PER_HOUR_IP"] or \
            by_email >= current_app.config["CONTACT_MAX_PER_HOUR_EMAIL"]:
        raise RateLimited(_("You have sent several requests in a short time. Please wait an hour, or reply "
                            "to the confirmation email of your earlier request."))
    db.session.add(ContactAttempt(ip=ip, email=email))
    db.session.flush()


def record_opened(*, visitor: str, source: str, query: str, article_slug: str, lang: str) -> None:
    """The visitor opened a suggested article while writing a request."""
    db.session.add(Deflection(visitor=visitor[:64], source=source if source in SOURCES else "contact",
                              query=(query or "")[:200], article_slug=(article_slug or "")[:120], lang=lang[:8]))
    db.session.flush()


def mark_submitted(visitor: str) -> None:
    """The visitor sent the request after all: their suggestions did not deflect it."""
    db.session.execute(update(Deflection).where(Deflection.visitor == visitor, Deflection.submitted.is_(False))
                       .values(submitted=True))


def deflection_counts() -> dict:
    """Opened suggestions, and how many of those visitors never submitted (deflected)."""
    opened = db.session.scalar(select(func.count(func.distinct(Deflection.visitor))))
    submitted = db.session.scalar(select(func.count(func.distinct(Deflection.visitor)))
                                  .where(Deflection.submitted.is_(True)))
    return {"opened": opened, "deflected": opened - submitted}
