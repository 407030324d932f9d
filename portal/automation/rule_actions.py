"""What a rule does, through tickets.services as the system actor: route, tag, note, answer, notify, call out.

Each action runs in its own savepoint: one that fails (a closed ticket, a deleted group) is logged on the
rule's run and leaves the others done. Answers never go to a machine's mail or to flagged mail.
"""
import json
import logging
from contextlib import contextmanager
from email.utils import make_msgid
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.automation.rules import ANSWERS
from portal.errors import DomainError
from portal.extensions import db
from portal.jobs import services as jobs
from portal.tickets import links, macros, notifications
from portal.tickets import services as tickets
from portal.tickets.models import Macro, Status, TicketGroup, group_members
from portal.webhooks import transport

log = logging.getLogger("portal.automation")
WEBHOOK_TIMEOUT = 10
SIGNATURE_HEADER = "X-Comptoir-Signature"


@contextmanager
def savepoint():
    """A savepoint that keeps jobs queued in this transaction for its real commit: the job queue's hooks also
    run when a savepoint is released (they would hand jobs to the worker before their rows are committed) or
    rolled back (they would forget the jobs queued before it)."""
    session = db.session()
    held = session.info.pop("queued_jobs", None) or []
    try:
        with session.begin_nested():
            yield
            held.extend(session.info.pop("queued_jobs", None) or [])
    finally:
        if held:
            session.info.setdefault("queued_jobs", []).extend(held)


def apply(rule, ticket, facts, actor, *, event: str) -> list[dict]:
    """Carry out the rule's actions in order; returns what each did, for the ticket's rule log."""
    outcomes = []
    for action in rule.actions or []:
        kind, value = action.get("type"), action.get("value")
        outcome = {"type": kind, "shown": _shown(kind, value)}
        if writes_to_requester(kind, value) and facts.answer_blocked:
            outcome["skipped"] = "flagged"
        elif kind not in HANDLERS:
            outcome["error"] = "unknown action"
        else:
            try:
                with savepoint():
                    skipped = HANDLERS[kind](ticket, value, rule=rule, facts=facts, actor=actor, event=event)
            except DomainError as exc:
                outcome["error"] = exc.message
            except Exception as exc:  # a broken action must not undo the change that triggered the rule
                log.warning("rule %s action %s on ticket %s failed", rule.id, kind, ticket.id, exc_info=True)
                outcome["error"] = type(exc).__name__
            else:
                if isinstance(skipped, dict):  # an action that reports what it did (answered, routed...)
                    outcome.update(skipped)
                elif skipped:
                    outcome["skipped"] = skipped
        outcomes.append(outcome)
    return outcomes


def writes_to_requester(kind: str, value) -> bool:
    """Replies, and solving (the requester is mailed that their request is solved)."""
    return kind in ANSWERS or (kind == "set_status" and value == Status.SOLVED.value)


def _shown(kind: str, value) -> str:
    """The action's object as the log shows it (names, not ids)."""
    if isinstance(value, dict):
        return value.get("url", "")
    if isinstance(value, list):
        return ", ".join(value)
    if kind in ("set_group", "notify_group") and value:
        group = db.session.get(TicketGroup, value)
        return group.name if group else f"#{value}"
    if kind in ("assign", "notify_agent") and value and value != "auto":
        user = db.session.get(User, value)
        return user.display_name if user else f"#{value}"
    if kind == "send_macro" and value:
        macro = db.session.get(Macro, value)
        return macro.title if macro else f"#{value}"
    text = "" if value is None else str(value)
    return text if len(text) <= 80 else text[:79] + "…"


# --- fields and tags ------------------------------------------------------------------------------

def _set_group(ticket, value, *, actor, **_):
    group = db.session.get(TicketGroup, value)
    if group is None:
        return "missing"
    tickets.set_group(ticket, group, actor=actor)


def _assign(ticket, value, *, actor, **_):
    if value == "auto":
        from portal.automation.assignment import auto_assign

        return None if auto_assign(ticket, ticket.group, actor=actor) else "nobody"
    agent = db.session.get(User, value)
    if agent is None:
        return "missing"
    tickets.assign(ticket, agent, actor=actor)


def _set_priority(ticket, value, *, actor, **_):
    tickets.set_priority(ticket, value, actor=actor)


def _set_status(ticket, value, *, actor, **_):
    if ticket.status == Status.CLOSED and value != Status.CLOSED.value:
        return "closed"  # closed is final: a new message opens a follow-up instead
    tickets.change_status(ticket, value, actor=actor)


def _add_tags(ticket, value, *, actor, **_):
    tickets.set_tags(ticket, ticket.tags + list(value or ()), actor=actor)


def _remove_tags(ticket, value, *, actor, **_):
    tickets.set_tags(ticket, [t for t in ticket.tags if t not in (value or ())], actor=actor)


# --- writing: notes and answers -------------------------------------------------------------------

def _filled(ticket, text: str, actor) -> tuple[str, list[str]]:
    """The text with its {{ variables }} filled, and the variables that have no value for this ticket."""
    from flask import current_app

    context = macros.macro_context(ticket, actor, current_app.config["SITE_NAME"])
    missing = sorted({m.group(1) for m in macros.VARIABLE.finditer(text or "") if not context.get(m.group(1))})
    return macros.render(text, context), missing


def _add_note(ticket, value, *, actor, **_):
    tickets.add_note(ticket, body=_filled(ticket, value, actor)[0], actor=actor)


def _send_reply(ticket, value, *, actor, **_):
    body, missing = _filled(ticket, value, actor)
    if missing:  # a customer must never read "[order.tracking_url]"
        return "missing:" + ", ".join(missing)
    tickets.add_reply(ticket, body=body, author=actor)


def _send_macro(ticket, value, *, actor, **_):
    macro = db.session.get(Macro, value)
    if macro is None or macro.owner_id is not None:
        return "missing"
    body, missing = _filled(ticket, macro.body, actor)
    if missing:
        return "missing:" + ", ".join(missing)
    macros.apply_fields(ticket, macro, actor=actor)
    status = macro.set_status.value if macro.set_status else None
    if body.strip():
        tickets.add_reply(ticket, body=body, author=actor, status=status)
    elif status and status != Status.CLOSED.value:
        tickets.change_status(ticket, status, actor=actor)


def _answer_order(ticket, value, *, actor, **_):
    from portal.automation import wismo

    done = wismo.answer(ticket, actor=actor)
    kind, _sep, why = done.partition(": ")
    if kind == "skipped":
        return WISMO_SKIPS.get(why, why)
    return {"result": done}  # "answered", "routed: wismo-late", "routed: wismo-stuck"


WISMO_SKIPS = {"flagged mail": "flagged", "no single order": "no-order", "already handled": "handled"}


def _out_of_hours_reply(ticket, value, *, actor, **_):
    from portal.automation import out_of_hours

    return out_of_hours.acknowledge(ticket, actor=actor)


# --- notifications --------------------------------------------------------------------------------

def _heading(rule):
    return _l("Rule “%(name)s”", name=rule.name)


def _alert(ticket, user_ids, rule, facts) -> str | None:
    user_ids = [i for i in user_ids if i]
    if not user_ids:
        return "nobody"
    notifications._alert_agents(ticket, facts.message, user_ids, _heading(rule))


def _notify_assignee(ticket, value, *, rule, facts, **_):
    return _alert(ticket, [ticket.assignee_id], rule, facts)


def _notify_group(ticket, value, *, rule, facts, **_):
    group_id = value or ticket.group_id
    members = db.session.scalars(select(group_members.c.user_id).where(group_members.c.group_id == group_id)) \
        if group_id else []
    return _alert(ticket, list(members), rule, facts)


def _notify_agent(ticket, value, *, rule, facts, **_):
    return _alert(ticket, [value], rule, facts)


def _notify_managers(ticket, value, *, rule, facts, **_):
    managers = db.session.scalars(select(User.id).where(User.role == Role.MANAGER, User.active.is_(True)))
    return _alert(ticket, list(managers), rule, facts)


def _notify_email(ticket, value, *, rule, facts, **_):
    if not notifications.wants_notifications(value):
        return "unsubscribed"
    notifications._send(to=value, ticket=ticket, template="agent_alert", subject=_heading(rule),
                        message=facts.message, message_id=make_msgid(domain=notifications._domain()),
                        link=links.staff_link(ticket))


# --- outgoing webhooks ----------------------------------------------------------------------------

def webhook_payload(ticket, event: str, rule) -> dict:
    """The JSON a webhook receives: the event and the ticket as it is after the rule's earlier actions."""
    return {"event": event, "rule": {"id": rule.id, "name": rule.name},
            "ticket": {"number": ticket.number, "subject": ticket.subject, "status": ticket.status.value,
                       "priority": ticket.priority.value, "channel": ticket.channel.value,
                       "requester": {"email": ticket.requester_email, "name": ticket.requester_name},
                       "tags": ticket.tags, "group": ticket.group.name if ticket.group else None}}


def _webhook(ticket, value, *, rule, event, **_):
    # The secret stays on the rule: the job row (shown on the jobs page) holds only the URL and the payload.
    jobs.enqueue("rules.webhook", rule_id=rule.id, url=value["url"], payload=webhook_payload(ticket, event, rule))


def sign(secret: str, body: bytes) -> str:
    """The signature header's value: "sha256=" and the hex HMAC-SHA256 of the exact body sent."""
    return transport.signature(secret, body)  # the one signing code, shared with portal/webhooks


@jobs.task("rules.webhook", max_attempts=5)
def deliver_webhook(*, rule_id: int, url: str, payload: dict) -> None:
    """POST the payload, signed with the rule's secret for this URL; an error or a 4xx/5xx raises (retried)."""
    from portal.automation.models import Rule

    rule = db.session.get(Rule, rule_id)
    secret = next((a["value"].get("secret") for a in (rule.actions if rule else None) or []
                   if a.get("type") == "webhook" and isinstance(a.get("value"), dict) and a["value"].get("url") == url),
                  None)
    if secret is None or urlsplit(url).scheme not in ("http", "https"):
        log.info("webhook %s of rule %s is no longer configured: not sent", url, rule_id)
        return
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    # portal/webhooks' sender: no redirects, timeouts, no private addresses (WEBHOOKS_ALLOW_PRIVATE_ADDRESSES)
    transport.post_or_raise(url, body, {SIGNATURE_HEADER: sign(secret, body)}, timeout=WEBHOOK_TIMEOUT)


HANDLERS = {
    "set_group": _set_group, "assign": _assign, "set_priority": _set_priority, "set_status": _set_status,
    "add_tags": _add_tags, "remove_tags": _remove_tags, "add_note": _add_note, "send_reply": _send_reply,
    "send_macro": _send_macro, "notify_assignee": _notify_assignee, "notify_group": _notify_group,
    "notify_agent": _notify_agent, "notify_managers": _notify_managers, "notify_email": _notify_email,
    "webhook": _webhook, "answer_order": _answer_order, "out_of_hours_reply": _out_of_hours_reply,
}
