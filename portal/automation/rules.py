"""Automation rules: what a condition may test, what a rule may do, and the check of a rule as a manager
saves it (every problem named by its row).

A rule is data (portal.automation.models.Rule): matching.py tests its conditions on a ticket, engine.py
decides when it runs and rule_actions.py carries its actions out through tickets.services.
"""
import re
import secrets
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.errors import ValidationError
from portal.extensions import db
from portal.text import clean_tags
from portal.tickets.models import CHANNEL_LABELS, PRIORITY_LABELS, STATUS_LABELS

IS, SET, YES_NO = ("is", "is_not"), ("none", "any"), ("yes", "no")
TEXT_OPS = ("contains_any", "contains_all", "not_contains")
OPERATORS = {"is": _l("is"), "is_not": _l("is not"), "none": _l("is not set"), "any": _l("is set"),
             "has": _l("has"), "has_not": _l("does not have"), "contains_any": _l("contains any of"),
             "contains_all": _l("contains all of"), "not_contains": _l("contains none of"),
             "yes": _l("yes"), "no": _l("no")}
EVENTS = {"opened": _l("Ticket created"), "customer_reply": _l("Customer replied"),
          "agent_reply": _l("Agent replied"), "status": _l("Status changed"), "order": _l("Order linked"),
          "csat": _l("Satisfaction rated")}
SINCE = {"created": _l("since the ticket was created"), "customer_message": _l("since the last customer message"),
         "pending": _l("since it was set to pending"), "solved": _l("since it was solved")}
MAX_HOURS = 24 * 366
MAX_TEXT = 20_000  # what conditions read of a message: the customer's words come first, long quotes after
FINANCIAL_LABELS = {"pending": _l("Payment pending"), "authorized": _l("Authorized, not captured"),
                    "partially_paid": _l("Partly paid"), "paid": _l("Paid"),
                    "partially_refunded": _l("Partially refunded"), "refunded": _l("Refunded"), "voided": _l("Voided"),
                    "failed": _l("Payment failed")}
FULFILLMENT_LABELS = {"unfulfilled": _l("Not shipped"), "partial": _l("Partly shipped"), "fulfilled": _l("Shipped")}


@dataclass(frozen=True)
class Field:
    label: object
    ops: tuple
    values: str = "none"  # how a value is read: none | choice | group | agent | store | tag | phrases


FIELDS = {
    "channel": Field(_l("Channel"), IS, "choice"),
    "store": Field(_l("Store"), IS + SET, "store"),
    "language": Field(_l("Language"), IS + SET, "choice"),
    "topic": Field(_l("Topic"), IS + SET, "choice"),
    "tags": Field(_l("Tags"), ("has", "has_not"), "tag"),
    "priority": Field(_l("Priority"), IS, "choice"),
    "status": Field(_l("Status"), IS, "choice"),
    "group": Field(_l("Group"), IS + SET, "group"),
    "assignee": Field(_l("Assignee"), IS + SET, "agent"),
    "requester_vip": Field(_l("Requester is VIP"), YES_NO),
    "requester_new": Field(_l("Requester is new (first request)"), YES_NO),
    "subject": Field(_l("Subject"), TEXT_OPS, "phrases"),
    "body": Field(_l("Message"), TEXT_OPS, "phrases"),
    "text": Field(_l("Subject or message"), TEXT_OPS, "phrases"),
    "order": Field(_l("Has a linked order"), YES_NO),
    "order_status": Field(_l("Order status"), IS, "choice"),
    "financial_status": Field(_l("Payment status"), IS, "choice"),
    "fulfillment_status": Field(_l("Fulfilment status"), IS, "choice"),
    "business_hours": Field(_l("Within business hours"), YES_NO),
    "awaiting_reply": Field(_l("Waiting for our reply"), YES_NO),
    "csat_rating": Field(_l("Satisfaction rating"), IS + SET, "choice"),
    "csat_comment": Field(_l("Satisfaction comment left"), YES_NO),
}
# type -> (label, how its value is read: none | group | group_or_ticket | assignee | agent | priority | status |
# tags | text | macro | email | url)
ACTIONS = {
    "set_group": (_l("Set group"), "group"), "assign": (_l("Assign to"), "assignee"),
    "set_priority": (_l("Set priority"), "priority"), "set_status": (_l("Set status"), "status"),
    "add_tags": (_l("Add tags"), "tags"), "remove_tags": (_l("Remove tags"), "tags"),
    "add_note": (_l("Add an internal note"), "text"), "send_macro": (_l("Reply with a macro"), "macro"),
    "send_reply": (_l("Reply with a text"), "text"), "notify_assignee": (_l("Notify the assignee"), "none"),
    "notify_group": (_l("Notify the group"), "group_or_ticket"), "notify_agent": (_l("Notify an agent"), "agent"),
    "notify_managers": (_l("Notify the managers"), "none"),
    "notify_email": (_l("Notify an email address"), "email"), "webhook": (_l("Call a webhook (POST)"), "url"),
    "answer_order": (_l("Answer from the order (where is my order)"), "none"),
    "out_of_hours_reply": (_l("Auto-reply: when the team is back"), "none"),
}
ANSWERS = ("send_macro", "send_reply", "answer_order", "out_of_hours_reply")  # actions that write to the requester


# --- text: accents and case folded ---------------------------------------------------------------

def fold(text: str) -> str:
    """Lower case without accents, one kind of apostrophe, single spaces: "Reçu’" -> "recu'"."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("œ", "oe").replace("æ", "ae")
    return " ".join(text.split())


@lru_cache(maxsize=2048)
def phrase_patterns(phrases: tuple) -> tuple:
    """One pattern per phrase, matching where a word starts ("retour" finds "retourner", not "detour")."""
    return tuple(re.compile(r"(?<!\w)" + r"\s+".join(re.escape(w) for w in fold(p).split()))
                 for p in phrases if fold(p))


def split_phrases(value) -> list[str]:
    """Phrases from a list or from text separated by commas, semicolons or new lines."""
    items = value if isinstance(value, (list, tuple)) else re.split(r"[,;\n]", str(value or ""))
    return [" ".join(str(p).split())[:200] for p in items if str(p).strip()][:100]


# --- the values a field or action offers ------------------------------------------------------------

def choices(field: str) -> list[tuple[str, str]]:
    """(value, label) pairs of a choice field, in the reader's language."""
    from portal.automation.csat import RATING_LABELS
    from portal.orders.queries import STATUS_LABELS as ORDER_LABELS
    from portal.tickets.forms import TOPIC_LABELS

    pairs = {
        "channel": lambda: CHANNEL_LABELS.items(), "priority": lambda: PRIORITY_LABELS.items(),
        "status": lambda: STATUS_LABELS.items(), "topic": lambda: TOPIC_LABELS.items(),
        "language": lambda: [(code, code) for code in current_app.config["LANGUAGES"]],
        "order_status": lambda: ORDER_LABELS.items(), "financial_status": lambda: FINANCIAL_LABELS.items(),
        "fulfillment_status": lambda: FULFILLMENT_LABELS.items(), "csat_rating": lambda: RATING_LABELS.items(),
    }[field]()
    return [(getattr(key, "value", key), str(label)) for key, label in pairs]


def entities(kind: str) -> list[tuple[int, str]]:
    """(id, name) of the groups, agents, stores or shared macros a rule may name."""
    from portal.orders.models import Store
    from portal.tickets import queries
    from portal.tickets.models import Macro

    if kind == "group":
        return [(g.id, g.name) for g in queries.groups()]
    if kind == "agent":
        return [(a.id, a.email) for a in queries.agents()]
    if kind == "store":
        return [(s.id, s.name) for s in db.session.scalars(select(Store).order_by(Store.name))]
    return [(m.id, m.title) for m in db.session.scalars(select(Macro).where(Macro.owner_id.is_(None))
                                                        .order_by(Macro.title))]


def _entity(kind: str, raw: str) -> int:
    """An id from an id or a name (an agent by email), case-insensitive."""
    text = raw.strip()
    for entity_id, name in entities(kind):
        if text == str(entity_id) or text.casefold() == name.casefold():
            return entity_id
    if not text:
        raise ValueError(_("enter a value."))
    raise ValueError({"group": _("no group is called “%(value)s”.", value=text),
                      "agent": _("no agent has the address “%(value)s”.", value=text),
                      "store": _("no store is called “%(value)s”.", value=text),
                      "macro": _("no shared macro is called “%(value)s”.", value=text)}[kind])


def _choice(field: str, raw: str) -> str:
    text = raw.strip()
    for value, label in choices(field):
        if text.casefold() in (value.casefold(), label.casefold()):
            return value
    listed = ", ".join(value for value, _label in choices(field))
    raise ValueError(_("“%(value)s” is not one of: %(choices)s.", value=text, choices=listed) if text else
                     _("enter one of: %(choices)s.", choices=listed))


def _condition_value(field: str, op: str, raw):
    kind = FIELDS[field].values
    if op in SET + YES_NO or kind == "none":
        return None
    raw = raw if isinstance(raw, (list, tuple)) else str(raw if raw is not None else "")
    if kind == "choice":
        return _choice(field, str(raw))
    if kind in ("group", "agent", "store"):
        return _entity(kind, str(raw))
    if kind == "tag":
        tags = clean_tags(raw)
        if len(tags) != 1:
            raise ValueError(_("enter one tag."))
        return tags[0]
    phrases = split_phrases(raw)
    if not phrases or not phrase_patterns(tuple(phrases)):
        raise ValueError(_("enter words or phrases separated by commas."))
    return phrases


def _action_value(kind: str, raw, previous: dict):
    text = raw if isinstance(raw, (list, tuple, dict)) else str(raw if raw is not None else "").strip()
    if kind == "none":
        return None
    if kind == "group_or_ticket":
        return _entity("group", text) if text else None
    if kind == "assignee":
        return "auto" if str(text).casefold() == "auto" else _entity("agent", text)
    if kind in ("group", "agent", "macro"):
        return _entity(kind, text)
    if kind in ("priority", "status"):
        return _choice(kind, text)  # "closed" is refused by the service unless the ticket is solved
    if kind == "tags":
        tags = clean_tags(text)
        if not tags:
            raise ValueError(_("enter tags separated by commas."))
        return tags
    if kind == "text":
        if not text or len(text) > 10_000:
            raise ValueError(_("enter the text (at most %(num)d characters).", num=10_000))
        return text
    if kind == "email":
        from portal.accounts.services import valid_email

        try:
            return valid_email(text)
        except ValidationError:
            raise ValueError(_("enter a valid email address.")) from None
    return _webhook(text, previous)


def _webhook(raw, previous: dict) -> dict:
    """{"url", "secret"}: the secret is made once per URL and kept when the rule is saved again."""
    url = (raw.get("url") if isinstance(raw, dict) else raw) or ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 500:
        raise ValueError(_("enter an http:// or https:// address."))
    return {"url": url, "secret": previous.get(url) or secrets.token_hex(32)}


# --- checking a rule as it is saved ----------------------------------------------------------------

class RuleErrors(ValidationError):
    """Every problem of a rule at once: `errors` maps form paths ("conditions-2-value") to messages."""

    def __init__(self, errors: dict):
        field, message = next(iter(errors.items()))
        super().__init__(message, field=field)
        self.errors = errors


def clean_rule(*, name, kind, events=(), since=None, hours=None, match="all", conditions=(), actions=(),
               previous_actions=()) -> dict:
    """The rule's columns from what a form or the CLI sent; RuleErrors names each wrong row."""
    errors = {}
    name = " ".join((name or "").split())
    if not name or len(name) > 120:
        errors["name"] = _("Give the rule a name (at most %(num)d characters).", num=120)
    if kind not in ("trigger", "timed"):
        errors["kind"] = _("Choose when the rule runs.")
    events = [e for e in (events or []) if e]
    timing = None
    if kind == "trigger":
        if not events or any(e not in EVENTS for e in events):
            errors["events"] = _("Choose at least one event from the list.")
    elif kind == "timed":
        events = []
        if since not in SINCE:
            errors["since"] = _("Choose what the hours count from.")
        try:
            hours = int(str(hours).strip())
        except (TypeError, ValueError):
            hours = 0
        if not 1 <= hours <= MAX_HOURS:
            errors["hours"] = _("Enter a number of hours from 1 to %(num)d.", num=MAX_HOURS)
        timing = {"since": since, "hours": hours}
    if match not in ("all", "any"):
        errors["match"] = _("Choose all or any.")
    clean_conditions = _clean_conditions(conditions, errors)
    clean_actions = _clean_actions(actions, errors, previous_actions)
    if not clean_actions and not any(k.startswith("actions-") for k in errors):
        errors["actions-0-type"] = _("Add at least one action.")
    if errors:
        raise RuleErrors(errors)
    return {"name": name, "kind": kind, "events": events, "timing": timing, "match": match,
            "conditions": clean_conditions, "actions": clean_actions}


def _clean_conditions(rows, errors: dict) -> list[dict]:
    cleaned = []
    for i, row in enumerate(rows or ()):
        field, op, raw = (row.get("field") or "").strip(), (row.get("op") or "").strip(), row.get("value")
        if not field and not op and not str(raw or "").strip():
            continue  # an empty row of the form
        if field not in FIELDS:
            errors[f"conditions-{i}-field"] = _("Condition %(num)d: choose a field from the list.", num=i + 1)
        elif op not in FIELDS[field].ops:
            errors[f"conditions-{i}-op"] = _("Condition %(num)d: choose one of: %(ops)s.", num=i + 1, ops=", ".join(
                str(OPERATORS[o]) for o in FIELDS[field].ops))
        else:
            try:
                cleaned.append({"field": field, "op": op, "value": _condition_value(field, op, raw)})
            except ValueError as exc:
                errors[f"conditions-{i}-value"] = _("Condition %(num)d: %(error)s", num=i + 1, error=str(exc))
    return cleaned


def _clean_actions(rows, errors: dict, previous_actions) -> list[dict]:
    secrets_by_url = {a["value"]["url"]: a["value"].get("secret") for a in previous_actions or ()
                      if a.get("type") == "webhook" and isinstance(a.get("value"), dict)}
    cleaned = []
    for i, row in enumerate(rows or ()):
        kind, raw = (row.get("type") or "").strip(), row.get("value")
        if not kind and not str(raw or "").strip():
            continue
        if kind not in ACTIONS:
            errors[f"actions-{i}-type"] = _("Action %(num)d: choose an action from the list.", num=i + 1)
            continue
        try:
            cleaned.append({"type": kind, "value": _action_value(ACTIONS[kind][1], raw, secrets_by_url)})
        except ValueError as exc:
            errors[f"actions-{i}-value"] = _("Action %(num)d: %(error)s", num=i + 1, error=str(exc))
    return cleaned


def value_text(kind: str, value) -> str:
    """A stored value as a person types it again (names for ids, commas between tags and phrases)."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return value.get("url", "")
    if isinstance(value, list):
        return ", ".join(value)
    if kind in ("group", "agent", "store", "macro", "group_or_ticket", "assignee") and value != "auto":
        names = dict(entities("group" if kind == "group_or_ticket" else "agent" if kind == "assignee" else kind))
        return names.get(value, str(value))
    return str(value)
