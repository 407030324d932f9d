"""Rule conditions, each field and operator on real tickets; all/any; the check of a rule as it is saved."""
from datetime import datetime

import pytest
from sqlalchemy import func, select

from portal.automation import matching, rules
from portal.automation.models import BusinessCalendar
from portal.extensions import db
from portal.tickets import services
from portal.tickets.models import Channel, TicketMessage
from tests.automation.rule_helpers import make_rule
from tests.factories import make_agent, make_group, make_order, make_store, make_ticket


def condition(field, op, value=None) -> dict:
    """The condition as the rule form saves it (names turned into ids, phrases split)."""
    cleaned = rules.clean_rule(name="c", kind="trigger", events=["opened"], actions=[{"type": "add_tags", "value": "x"}],
                               conditions=[{"field": field, "op": op, "value": value}])
    return cleaned["conditions"][0]


def check(ticket, field, op, value=None, **facts) -> bool:
    return matching.holds(condition(field, op, value), matching.Facts(ticket, **facts))


def test_channel_is_and_is_not_by_value_or_label(app):
    web = make_ticket()
    mail = make_ticket(channel=Channel.EMAIL)
    assert check(web, "channel", "is", "web") and not check(mail, "channel", "is", "web")
    assert check(mail, "channel", "is", "Email") and check(web, "channel", "is_not", "email")


def test_store_language_and_topic(app):
    store = make_store(name="Paris shop")
    ticket = make_ticket(store_id=store.id, locale="fr", topic="shipping")
    bare = make_ticket()
    assert check(ticket, "store", "is", "paris shop") and check(ticket, "store", "any")
    assert check(bare, "store", "none") and not check(bare, "store", "is", str(store.id))
    assert check(ticket, "language", "is", "fr") and not check(ticket, "language", "is", "en")
    assert check(bare, "language", "none")
    assert check(ticket, "topic", "is", "shipping") and check(bare, "topic", "none")
    assert check(ticket, "topic", "is_not", "returns")


def test_tags_priority_and_status(app):
    agent = make_agent()
    ticket = make_ticket()
    services.set_tags(ticket, "vip, b2b", actor=agent)
    services.set_priority(ticket, "high", actor=agent)
    db.session.commit()
    assert check(ticket, "tags", "has", "VIP") and not check(ticket, "tags", "has_not", "b2b")
    assert check(ticket, "tags", "has_not", "gift")
    assert check(ticket, "priority", "is", "high") and check(ticket, "priority", "is_not", "urgent")
    assert check(ticket, "status", "is", "new")
    services.add_reply(ticket, body="On it.", author=agent)
    db.session.commit()
    assert check(ticket, "status", "is", "open") and check(ticket, "status", "is_not", "new")


def test_group_and_assignee(app):
    agent = make_agent(email="ana@example.com")
    shipping = make_group("Shipping", members=[agent])
    ticket = make_ticket(group=shipping)
    bare = make_ticket()
    assert check(ticket, "group", "is", "Shipping") and check(ticket, "group", "any") and check(bare, "group", "none")
    assert check(bare, "group", "is_not", "shipping")
    assert check(ticket, "assignee", "none")
    services.assign(ticket, agent, actor=agent)
    db.session.commit()
    assert check(ticket, "assignee", "is", "ANA@example.com") and check(ticket, "assignee", "any")


def test_requester_vip_is_a_vip_tag_on_any_of_their_tickets_and_new_is_their_first(app):
    agent = make_agent()
    first = make_ticket(email="mia@example.com")
    assert check(first, "requester_new", "yes") and check(first, "requester_vip", "no")
    services.set_tags(first, "vip", actor=agent)
    db.session.commit()
    second = make_ticket(email="mia@example.com")
    other = make_ticket(email="noa@example.com")
    assert check(second, "requester_vip", "yes") and check(second, "requester_new", "no")
    assert check(other, "requester_vip", "no") and check(other, "requester_new", "yes")


def test_text_conditions_fold_accents_and_case_and_match_at_word_starts(app):
    ticket = make_ticket(subject="Livraison en retard", body="Bonjour, je n’ai pas REÇU mon colis. Il hasn’t arrived.")
    assert check(ticket, "subject", "contains_any", "livraison") and not check(ticket, "body", "contains_any", "livraison")
    assert check(ticket, "text", "contains_any", "facture, recu")
    assert check(ticket, "body", "contains_any", "pas reçu") and check(ticket, "body", "contains_any", "hasn't arrived")
    assert check(ticket, "body", "contains_all", "pas recu, colis")
    assert not check(ticket, "body", "contains_all", "pas recu, facture")
    assert check(ticket, "text", "not_contains", "remboursement, refund")
    assert not check(ticket, "subject", "contains_any", "tard")  # inside "retard": not a word start
    assert check(ticket, "subject", "contains_any", "livr")  # "livraison" starts with it


def test_a_reply_is_read_by_text_conditions_of_its_event(app):
    ticket = make_ticket(body="Hello")
    reply = services.add_reply(ticket, body="Actually I want a refund", author=None, guest_email=ticket.requester_email)
    db.session.commit()
    assert check(ticket, "body", "contains_any", "refund", message_id=reply.id)
    first = db.session.scalar(select(func.min(TicketMessage.id)).where(TicketMessage.ticket_id == ticket.id))
    assert not check(ticket, "body", "contains_any", "refund", message_id=first)


def test_order_conditions_read_the_linked_order(app):
    order = make_order(email="buyer@example.com", shipped=True)
    ticket = make_ticket(email="buyer@example.com")
    bare = make_ticket()
    services.set_order(ticket, order, actor=None)
    db.session.commit()
    assert check(ticket, "order", "yes") and check(bare, "order", "no")
    assert check(ticket, "order_status", "is", "shipped") and check(ticket, "financial_status", "is", "paid")
    assert check(ticket, "fulfillment_status", "is", "fulfilled")
    assert not check(bare, "order_status", "is", "shipped") and check(bare, "order_status", "is_not", "shipped")


def test_business_hours_use_the_default_calendar_or_are_always_open(app):
    ticket = make_ticket()
    sunday = datetime(2026, 6, 7, 10, 0)
    assert check(ticket, "business_hours", "yes", now=sunday)  # no calendar: 24/7
    db.session.add(BusinessCalendar(name="Paris", timezone="Europe/Paris", is_default=True,
                                    hours={str(d): "09:00-18:00" for d in range(5)}))
    db.session.commit()
    assert check(ticket, "business_hours", "yes", now=datetime(2026, 6, 3, 8, 0))  # Wednesday 10:00 in Paris
    assert check(ticket, "business_hours", "no", now=sunday)
    assert check(ticket, "business_hours", "no", now=datetime(2026, 6, 3, 17, 0))  # 19:00 in Paris


def test_waiting_for_our_reply_follows_who_wrote_last(app):
    agent = make_agent()
    ticket = make_ticket()
    assert check(ticket, "awaiting_reply", "yes")
    services.add_reply(ticket, body="Here you go.", author=agent)
    db.session.commit()
    assert check(ticket, "awaiting_reply", "no")
    services.add_reply(ticket, body="Thanks, one more thing", author=None, guest_email=ticket.requester_email)
    db.session.commit()
    assert check(ticket, "awaiting_reply", "yes")


@pytest.mark.parametrize("match, tagged", [("all", False), ("any", True)])
def test_all_needs_every_condition_and_any_one(app, match, tagged):
    make_rule(match=match, conditions=[{"field": "channel", "op": "is", "value": "web"},
                                       {"field": "priority", "op": "is", "value": "urgent"}])
    ticket = make_ticket()
    assert ("ruled" in ticket.tags) is tagged


def test_a_rule_without_conditions_matches_every_channel(app):
    make_rule()
    assert "ruled" in make_ticket(channel=Channel.EMAIL).tags and "ruled" in make_ticket().tags


# --- checking a rule as it is saved ------------------------------------------------------------

def errors_of(**values) -> dict:
    base = {"name": "R", "kind": "trigger", "events": ["opened"], "actions": [{"type": "add_tags", "value": "x"}]}
    with pytest.raises(rules.RuleErrors) as raised:
        rules.clean_rule(**{**base, **values})
    return raised.value.errors


def test_unknown_fields_operators_and_values_name_their_row(app):
    make_group("Shipping")
    errors = errors_of(conditions=[
        {"field": "", "op": "", "value": ""},  # an empty row: ignored
        {"field": "colour", "op": "is", "value": "red"},
        {"field": "status", "op": "contains_any", "value": "open"},
        {"field": "status", "op": "is", "value": "shipped"},
        {"field": "group", "op": "is", "value": "Nowhere"},
        {"field": "tags", "op": "has", "value": "a, b"},
    ])
    assert errors["conditions-1-field"] == "Condition 2: choose a field from the list."
    assert errors["conditions-2-op"].startswith("Condition 3: choose one of: is, is not")
    assert errors["conditions-3-value"].startswith("Condition 4: “shipped” is not one of: new, open")
    assert errors["conditions-4-value"] == "Condition 5: no group is called “Nowhere”."
    assert errors["conditions-5-value"] == "Condition 6: enter one tag."
    assert not any(k.startswith("conditions-0") for k in errors)


def test_actions_events_and_timing_are_checked(app):
    errors = errors_of(name="", events=[], actions=[{"type": "explode", "value": ""},
                                                    {"type": "webhook", "value": "ftp://example.com/x"},
                                                    {"type": "assign", "value": "nobody@example.com"}])
    assert set(errors) == {"name", "events", "actions-0-type", "actions-1-value", "actions-2-value"}
    assert errors["actions-1-value"] == "Action 2: enter an http:// or https:// address."
    assert errors_of(actions=[])["actions-0-type"] == "Add at least one action."
    timed = errors_of(kind="timed", since="yesterday", hours="0")
    assert set(timed) == {"since", "hours"}
    assert rules.clean_rule(name="R", kind="timed", since="pending", hours="72",
                            actions=[{"type": "set_status", "value": "Solved"}])["timing"] == {"since": "pending",
                                                                                             "hours": 72}
