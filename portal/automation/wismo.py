""""Where is my order?" answered from the live order: status, carrier, tracking link and ETA in the
customer's language, the ticket set pending; a late or stuck order goes to a person instead, tagged and
with priority high. Never sent to flagged (spoofed) mail or to automatic mail. Measured: how many were
answered this way and how many customers wrote back anyway."""
from contextlib import nullcontext
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from portal.extensions import db
from portal.models_base import utcnow
from portal.tickets.models import AuthorKind, MessageKind, Priority, Status, Ticket, TicketMessage, TicketTag

ANSWERED_TAG, LATE_TAG, STUCK_TAG = "wismo-answered", "wismo-late", "wismo-stuck"


def order_for(ticket: Ticket):
    """The ticket's linked order, else the requester's one open (not delivered, not cancelled) order."""
    from portal.orders import queries as order_queries
    from portal.orders.models import Order

    if ticket.order_id:
        return order_queries.order_by_id(ticket.order_id)
    if not ticket.requester_email and not ticket.requester_id:
        return None
    orders = order_queries.recent_orders_for(ticket.requester_email, ticket.requester_id, limit=20)
    live = [o for o in orders if isinstance(o, Order)
            and order_queries.status_key(o) in (*order_queries.BEFORE_SHIPPING, "shipped")]
    return live[0] if len(live) == 1 else None


def flagged(ticket: Ticket) -> bool:
    """The first message came by mail that failed authentication or whose Reply-To differs."""
    from portal.channels.email.models import InboundEmail

    first = db.session.scalar(select(TicketMessage.id).where(TicketMessage.ticket_id == ticket.id)
                              .order_by(TicketMessage.id).limit(1))
    record = db.session.scalar(select(InboundEmail).where(InboundEmail.ticket_message_id == first)) if first else None
    return bool(record and record.flags)


def problem(order, now=None) -> str | None:
    """Why a person must look: not shipped past the promised days, or tracking not moving."""
    from portal.orders import queries as order_queries

    now = now or utcnow()
    key = order_queries.status_key(order)
    promise = timedelta(days=current_app.config["WISMO_PROMISED_SHIP_DAYS"])
    if key in order_queries.BEFORE_SHIPPING and order.placed_at + promise < now:
        return LATE_TAG
    stale = timedelta(days=current_app.config["WISMO_TRACKING_STALE_DAYS"])
    shipped = [s for s in order.shipments if s.status != "delivered"]
    if key == "shipped" and shipped and max(order.platform_updated_at, *(s.shipped_at or order.placed_at
                                                                          for s in shipped)) + stale < now:
        return STUCK_TAG
    return None


def handled(ticket: Ticket) -> bool:
    """Someone already replied, or this ticket was already answered or routed from its order."""
    return ticket.first_replied_at is not None or bool({ANSWERED_TAG, LATE_TAG, STUCK_TAG} & set(ticket.tags))


def answer(ticket: Ticket, *, actor) -> str:
    """Reply from the order or hand the ticket to a person; returns what happened (for the rule log).

    Never twice on one ticket, nor after a person replied: "skipped: already handled"."""
    from portal.tickets import macros
    from portal.tickets import services as tickets

    if flagged(ticket):
        return "skipped: flagged mail"
    if handled(ticket):
        return "skipped: already handled"
    order = order_for(ticket)
    if order is None:
        return "skipped: no single order"
    if not ticket.order_id:
        tickets.set_order(ticket, order, actor=actor)
    issue = problem(order)
    if issue:
        tickets.set_tags(ticket, sorted(set(ticket.tags) | {issue}), actor=actor)
        tickets.set_priority(ticket, Priority.HIGH, actor=actor)
        tickets.add_system_message(ticket, _("Order %(number)s needs a person: %(why)s.", number=order.number,
                                             why=_("not shipped in time") if issue == LATE_TAG else
                                             _("tracking has not moved")), public=False)
        return f"routed: {issue}"
    locale = (ticket.requester.locale if ticket.requester else None) or ticket.locale
    with force_locale(locale) if locale else nullcontext():
        context = macros.order_context(ticket)
        body = reply_text(context)
    tickets.add_reply(ticket, body=body, author=actor, status=Status.PENDING.value)
    tickets.set_tags(ticket, sorted(set(ticket.tags) | {ANSWERED_TAG}), actor=actor)
    return "answered"


def reply_text(context: dict) -> str:
    """The answer in the current language, with only the lines the order can fill."""
    lines = [_("Hello,"), "", _("Here is where your order %(number)s stands: %(status)s.",
                                number=context.get("order.number", ""), status=context.get("order.status", ""))]
    if context.get("order.carrier"):
        lines.append(_("Carrier: %(carrier)s.", carrier=context["order.carrier"]))
    if context.get("order.tracking_url"):
        lines.append(_("Follow the parcel: %(url)s", url=context["order.tracking_url"]))
    if context.get("order.eta"):
        lines.append(_("Expected delivery: %(date)s.", date=context["order.eta"]))
    lines += ["", _("If something is not right, just reply to this message and a person will help you.")]
    return "\n".join(lines)


def stats(days: int = 30) -> dict:
    """Tickets answered this way in the last `days`, and how many customers still wrote back after it."""
    since = utcnow() - timedelta(days=days)
    answered = select(TicketTag.ticket_id).join(Ticket, Ticket.id == TicketTag.ticket_id).where(
        TicketTag.tag == ANSWERED_TAG, Ticket.created_at >= since)
    total = db.session.scalar(select(func.count()).select_from(answered.subquery())) or 0
    customer, agent = aliased(TicketMessage), aliased(TicketMessage)
    replied = db.session.scalar(
        select(func.count(func.distinct(customer.ticket_id)))
        .join(agent, (agent.ticket_id == customer.ticket_id) & (agent.author_kind == AuthorKind.AGENT) &
              (agent.kind == MessageKind.PUBLIC) & (agent.id < customer.id))
        .where(customer.ticket_id.in_(answered), customer.author_kind == AuthorKind.CUSTOMER,
               customer.kind == MessageKind.PUBLIC)) or 0
    routed = db.session.scalar(select(func.count(func.distinct(TicketTag.ticket_id))).join(
        Ticket, Ticket.id == TicketTag.ticket_id).where(TicketTag.tag.in_((LATE_TAG, STUCK_TAG)),
                                                        Ticket.created_at >= since)) or 0
    return {"answered": total, "replied_anyway": replied, "routed": routed, "days": days}
