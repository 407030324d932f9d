"""The rules Comptoir ships: intent tags in French and English on new tickets; "where is my order" answered
from the order; the out-of-hours auto-reply; what a bad satisfaction rating does; reminders when a customer has
waited 4, 24 and 48 hours for a reply. They are ordinary rows a manager edits or disables; installing again
adds only the ones missing (by Rule.builtin), so an edited or disabled default stays as it is.

Triggers run in position order and each sees what the rules before it changed, so the order answer, which
reads the intent rule's tag, is installed after the intent rules."""
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.automation.models import Rule
from portal.extensions import db

# builtin key -> (name, phrases in French and English); each tags new tickets "intent-<key>"
INTENTS = {
    "where-is-my-order": (_l("Intent: where is my order"), [
        "où est ma commande", "pas reçu", "pas encore reçu", "toujours pas arrivé", "suivi", "where is my order",
        "where is my parcel", "not received", "tracking", "hasn't arrived", "has not arrived"]),
    "return": (_l("Intent: return"), ["retour", "renvoyer", "retourner", "return", "send back", "send it back"]),
    "refund": (_l("Intent: refund"), ["remboursement", "rembourser", "remboursé", "refund"]),
    "damaged": (_l("Intent: damaged item"), ["cassé", "abîmé", "endommagé", "damaged", "broken"]),
    "cancel": (_l("Intent: cancel"), ["annuler", "annulation", "cancel"]),
    "address-change": (_l("Intent: address change"), [
        "changer d'adresse", "changement d'adresse", "changer mon adresse", "change address", "change my address",
        "wrong address"]),
    "payment-failed": (_l("Intent: payment failed"), [
        "paiement refusé", "paiement échoué", "carte refusée", "payment failed", "card declined", "payment declined"]),
    "discount-code": (_l("Intent: discount code"), [
        "code promo", "code de réduction", "discount code", "promo code", "coupon"]),
}
WISMO, OUT_OF_HOURS, BAD_RATING = "wismo-answer", "out-of-hours", "csat-bad"
# builtin key -> (name, hours since the last customer message, whom to notify, condition that they exist)
REMINDERS = {
    "waiting-4h": (_l("Waiting 4 hours: remind the assignee"), 4, "notify_assignee", "assignee"),
    "waiting-24h": (_l("Waiting 24 hours: alert the group"), 24, "notify_group", "group"),
    "waiting-48h": (_l("Waiting 48 hours: alert the managers"), 48, "notify_managers", None),
}


def definitions() -> list[dict]:
    """Every shipped rule as the values rule_services.save_rule takes (names in the default language)."""
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE") or "en"):
        rows = [{"builtin": f"intent-{key}", "name": str(name), "kind": "trigger", "events": ["opened"],
                 "match": "all", "conditions": [{"field": "text", "op": "contains_any", "value": phrases}],
                 "actions": [{"type": "add_tags", "value": [f"intent-{key}"]}]}
                for key, (name, phrases) in INTENTS.items()]
        rows += [_wismo(), _out_of_hours(), _bad_rating()]
        for key, (name, hours, action, needs) in REMINDERS.items():
            conditions = [{"field": "awaiting_reply", "op": "yes"}]
            if needs:
                conditions.append({"field": needs, "op": "any"})
            rows.append({"builtin": key, "name": str(name), "kind": "timed", "since": "customer_message",
                         "hours": hours, "match": "all", "conditions": conditions,
                         "actions": [{"type": action, "value": None}]})
    return rows


def _wismo() -> dict:
    """Answer a new "where is my order" from the order, on opening or when the order is linked later; never
    twice (wismo.answer refuses a ticket already answered or routed, and so do the conditions)."""
    from portal.automation import wismo

    return {"builtin": WISMO, "name": str(_l("Where is my order: answer from the order")), "kind": "trigger",
            "events": ["opened", "order"], "match": "all", "conditions": [
                {"field": "tags", "op": "has", "value": "intent-where-is-my-order"},
                {"field": "awaiting_reply", "op": "yes"},
                {"field": "tags", "op": "has_not", "value": wismo.LATE_TAG},
                {"field": "tags", "op": "has_not", "value": wismo.STUCK_TAG}],
            "actions": [{"type": "answer_order", "value": None}]}


def _out_of_hours() -> dict:
    """Tell a customer who writes while the team is away when it is back. Not on live chat: the widget already
    says no one is online and the answer comes by email."""
    return {"builtin": OUT_OF_HOURS, "name": str(_l("Out of hours: tell the customer when we are back")),
            "kind": "trigger", "events": ["opened"], "match": "all", "conditions": [
                {"field": "business_hours", "op": "no"}, {"field": "awaiting_reply", "op": "yes"},
                {"field": "channel", "op": "is_not", "value": "chat"}],
            "actions": [{"type": "out_of_hours_reply", "value": None}]}


def _bad_rating() -> dict:
    """Reopen a ticket rated bad and alert the managers. Off unless the survey settings of an earlier version
    asked for it (then with the actions they chose)."""
    from portal.automation import csat

    legacy = csat.legacy_bad_rating()
    both = not (legacy["reopen"] or legacy["notify"])
    actions = ([{"type": "set_status", "value": "open"}] if legacy["reopen"] or both else []) + \
        ([{"type": "notify_managers", "value": None}] if legacy["notify"] or both else [])
    return {"builtin": BAD_RATING, "name": str(_l("Bad rating: reopen and alert the managers")), "kind": "trigger",
            "events": ["csat"], "match": "all", "conditions": [{"field": "csat_rating", "op": "is", "value": "bad"}],
            "actions": actions, "enabled": not both}


def install_defaults() -> int:
    """Add the shipped rules not installed yet; returns how many were added (flushes, the caller commits)."""
    from portal.automation import rule_services

    have = set(db.session.scalars(select(Rule.builtin).where(Rule.builtin.is_not(None))))
    added = 0
    for values in definitions():
        if values["builtin"] not in have:
            rule_services.save_rule(**values)
            added += 1
    return added
