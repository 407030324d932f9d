"""Macros: canned replies with {{ variables }} that can also set status, priority, group and tags."""
import re

from flask_babel import gettext as _
from sqlalchemy import or_, select

from portal.errors import NotFound, ValidationError
from portal.extensions import db
from portal.inputs import parse_id
from portal.text import clean_tags
from portal.tickets.models import Macro, Priority, Status, TicketGroup

VARIABLE = re.compile(r"\{\{\s*([a-z_]+(?:\.[a-z_]+)*)\s*\}\}")
VARIABLES = ("customer.name", "customer.first_name", "customer.email", "ticket.number", "ticket.subject",
             "ticket.status", "agent.name", "agent.first_name", "site.name", "order.number", "order.status",
             "order.carrier", "order.tracking_url", "order.eta", "order.items", "team.back_at")


def macro_context(ticket, agent, site_name: str) -> dict:
    """The values a macro may use."""
    name = ticket.requester.name if ticket.requester and ticket.requester.name else ticket.requester_name
    return {
        "customer.name": name or "", "customer.first_name": (name or "").split()[0] if name else "",
        "customer.email": ticket.requester_email, "ticket.number": f"#{ticket.number}",
        "ticket.subject": ticket.subject, "ticket.status": ticket.status.label,
        "agent.name": agent.display_name if agent else "", "agent.first_name": agent.first_name if agent else "",
        "site.name": site_name, "team.back_at": team_back_at(ticket),
        **order_context(ticket),
    }


def team_back_at(ticket) -> str:
    """When the team is next open by the ticket's business-hours calendar ("" when open now or 24/7)."""
    from flask_babel import format_datetime

    from portal.automation import sla
    from portal.models_base import utcnow

    calendar = sla.calendar_for(ticket)
    now = utcnow()
    if calendar.always_open or calendar.is_open(now):
        return ""
    opening = calendar.next_open(now)
    if opening is None:
        return ""
    from zoneinfo import ZoneInfo

    return format_datetime(opening.astimezone(ZoneInfo(calendar.tz)).replace(tzinfo=None), "EEEE d MMMM, HH:mm",
                           rebase=False)


def order_context(ticket) -> dict:
    """order.* variables from the ticket's linked order (empty when none: they stay as placeholders)."""
    if not ticket.order_id:
        return {}
    from flask_babel import format_date

    from portal.orders import queries as order_queries

    order = order_queries.order_by_id(ticket.order_id)
    if order is None:
        return {}
    shipment = order.shipments[-1] if order.shipments else None
    eta = shipment.estimated_delivery if shipment else None
    return {"order.number": order.number, "order.status": order_queries.status_label(order),
            "order.carrier": shipment.carrier if shipment else "",
            "order.tracking_url": shipment.tracking_url if shipment else "",
            "order.eta": format_date(order_queries.local_time(order, eta), "long") if eta else "",
            "order.items": ", ".join(f"{i.quantity} × {i.title}" for i in order.items)}


def render(body: str, context: dict) -> str:
    """Fill {{ variables }}; an unknown or empty one stays visible as [variable] for the agent to fix."""
    def fill(match):
        value = context.get(match.group(1))
        return str(value) if value else f"[{match.group(1)}]"
    return VARIABLE.sub(fill, body or "")


def effects_text(macro: Macro) -> str:
    """What the macro changes besides the reply, in the reader's language ("" when nothing)."""
    parts = []
    if macro.set_status:
        parts.append(_("status: %(value)s", value=macro.set_status.label))
    if macro.set_priority:
        parts.append(_("priority: %(value)s", value=macro.set_priority.label))
    if macro.set_group:
        parts.append(_("group: %(value)s", value=macro.set_group.name))
    if macro.add_tags:
        parts.append(_("tags: %(value)s", value=", ".join(macro.add_tags)))
    return _("Macro will also set %(changes)s", changes=" · ".join(parts)) if parts else ""


def visible_macros(user) -> list[Macro]:
    """Shared macros and the user's own, by title."""
    return list(db.session.scalars(select(Macro).where(or_(Macro.owner_id.is_(None), Macro.owner_id == user.id))
                                    .order_by(Macro.title)))


def get_macro(macro_id, user) -> Macro:
    macro_id = parse_id(macro_id)
    macro = db.session.get(Macro, macro_id) if macro_id else None
    if macro is None or (macro.owner_id is not None and macro.owner_id != user.id):
        raise NotFound(_("No such macro."))
    return macro


def save_macro(*, actor, macro: Macro | None = None, title: str, body: str, shared: bool,
               set_status=None, set_priority=None, set_group_id=None, add_tags=()) -> Macro:
    """Create or edit a macro; only managers create or edit shared ones."""
    from portal.permissions import can

    title = (title or "").strip()
    if not title:
        raise ValidationError(_("Give the macro a title."), field="title")
    if len(title) > 120:
        raise ValidationError(_("The title is too long (at most %(num)d characters).", num=120), field="title")
    if shared and not can(actor, "staff.manage"):
        raise ValidationError(_("Only managers can share macros with the team."), field="shared")
    if macro is not None and macro.owner_id is None and not can(actor, "staff.manage"):
        raise NotFound(_("No such macro."))
    if set_status and set_status not in Status._value2member_map_:
        raise ValidationError(_("Choose a status from the list."), field="set_status")
    if set_priority and set_priority not in Priority._value2member_map_:
        raise ValidationError(_("Choose a priority from the list."), field="set_priority")
    if set_group_id and (not str(set_group_id).isdigit() or db.session.get(TicketGroup, int(set_group_id)) is None):
        raise ValidationError(_("Choose an existing group."), field="set_group_id")
    macro = macro or Macro()
    macro.title, macro.body = title, body or ""
    macro.owner_id = None if shared else actor.id
    macro.set_status = Status(set_status) if set_status else None
    macro.set_priority = Priority(set_priority) if set_priority else None
    macro.set_group_id = int(set_group_id) if set_group_id else None
    macro.add_tags = clean_tags(add_tags)
    db.session.add(macro)
    db.session.flush()
    return macro


def delete_macro(macro: Macro, *, actor) -> None:
    from portal.permissions import can

    if macro.owner_id is None and not can(actor, "staff.manage"):
        raise NotFound(_("No such macro."))
    db.session.delete(macro)
    db.session.flush()


def apply_fields(ticket, macro: Macro, *, actor) -> None:
    """Apply the macro's field changes (the reply itself is sent by the composer)."""
    from portal.tickets import services

    if macro.set_priority:
        services.set_priority(ticket, macro.set_priority, actor=actor)
    if macro.set_group_id:
        services.set_group(ticket, db.session.get(TicketGroup, macro.set_group_id), actor=actor)
    if macro.add_tags:
        services.set_tags(ticket, ticket.tags + list(macro.add_tags), actor=actor)
