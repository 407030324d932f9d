"""Merging tickets and bulk actions on a selection, built on the single-ticket services."""
from contextlib import nullcontext

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import update

from portal.errors import DomainError, ValidationError
from portal.extensions import db
from portal.models_base import utcnow
from portal.signals import ticket_changed
from portal.tickets import notifications, services
from portal.tickets.models import Status, Ticket, TicketMessage


def same_requester(a: Ticket, b: Ticket) -> bool:
    if a.requester_id and b.requester_id:
        return a.requester_id == b.requester_id
    return a.requester_email == b.requester_email


def merge(source: Ticket, target: Ticket, *, actor) -> Ticket:
    """Move every message of `source` into `target` (one timeline in date order) and close `source`
    with a pointer both the requester and agents see. Same requester only."""
    services._require_staff(actor, source)
    services._require_staff(actor, target)
    if source.id == target.id:
        raise ValidationError(_("Choose two different tickets to merge."), field="target")
    if source.merged_into_id or target.merged_into_id:
        raise ValidationError(_("A merged ticket cannot be merged again."), field="target")
    if not same_requester(source, target):
        raise ValidationError(_("Only tickets from the same requester can be merged."), field="target")
    moved = db.session.execute(update(TicketMessage).where(TicketMessage.ticket_id == source.id)
                               .values(ticket_id=target.id, moved_from_id=source.id)).rowcount
    target.message_count = (target.message_count or 0) + moved
    source.message_count = 0
    for tag in source.tags:
        if tag not in target.tags:
            services.set_tags(target, target.tags + [tag], actor=actor)
    services._touch(source)
    services._touch(target)
    source.merged_into_id = target.id
    services._event(source, actor, "merged_into", None, f"#{target.number}")
    services._event(target, actor, "merged_from", None, f"#{source.number}")
    old_status = source.status
    source.status, source.closed_at = Status.CLOSED, utcnow()
    services._event(source, actor, "status", old_status.value, Status.CLOSED.value)
    with _requester_locale(source):  # the pointers are public: written in the requester's language
        services.add_system_message(source, _("This request was merged into #%(number)s.", number=target.number),
                                    public=True)
        services.add_system_message(target, _("Request #%(number)s was merged into this one.",
                                              number=source.number), public=True)
    if target.status in (Status.SOLVED, Status.CLOSED) and old_status in services.UNSOLVED:
        if target.status == Status.SOLVED:
            services._set_status(target, Status.OPEN, actor)
    db.session.flush()
    db.session.expire(target, ["message_count"])
    ticket_changed.send(target, kind="merge", actor=actor)
    return target


def _requester_locale(ticket: Ticket):
    """Write in the language the requester reads their mail in (else the request's)."""
    locale = notifications._locale_for(ticket)
    return force_locale(locale) if locale else nullcontext()


BULK_ACTIONS = ("assign", "status", "priority", "add_tag", "remove_tag", "merge")


def bulk_update(tickets: list[Ticket], *, action: str, value, actor) -> tuple[int, list[str]]:
    """Apply one action to each selected ticket; returns (changed count, per-ticket errors).

    Each ticket is done in a savepoint: one that fails (out of scope, closed...) does not block the rest.
    """
    if action not in BULK_ACTIONS:
        raise ValidationError(_("Choose an action."), field="action")
    if not tickets:
        raise ValidationError(_("Select at least one ticket."), field="ids")
    if action == "merge":
        return _bulk_merge(tickets, value, actor)
    done, errors = 0, []
    for ticket in tickets:
        try:
            with db.session.begin_nested():
                _apply(ticket, action, value, actor)
            done += 1
        except DomainError as exc:
            errors.append(_("#%(number)s: %(error)s", number=ticket.number, error=exc.message))
    return done, errors


def _apply(ticket, action, value, actor):
    if action == "assign":
        services.assign(ticket, value, actor=actor)
    elif action == "status":
        services.change_status(ticket, value, actor=actor)
    elif action == "priority":
        services.set_priority(ticket, value, actor=actor)
    elif action == "add_tag":
        services.set_tags(ticket, ticket.tags + [value], actor=actor)
    elif action == "remove_tag":
        services.set_tags(ticket, [t for t in ticket.tags if t != str(value).strip().lower()], actor=actor)


def _bulk_merge(tickets, target, actor):
    if target is None:
        target = min(tickets, key=lambda t: t.id)
    errors, done = [], 0
    for ticket in tickets:
        if ticket.id == target.id:
            continue
        try:
            with db.session.begin_nested():
                merge(ticket, target, actor=actor)
            done += 1
        except DomainError as exc:
            errors.append(_("#%(number)s: %(error)s", number=ticket.number, error=exc.message))
    return done, errors
