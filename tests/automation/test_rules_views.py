"""Settings › Rules in HTTP (managers only, forms with row errors, preview, enable, order, delete) and the
`portal rules` commands."""
import json
import re
from html import unescape

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.automation import rule_services
from portal.automation.models import Rule
from portal.extensions import db
from tests.automation.rule_helpers import make_rule, runs
from tests.factories import PASSWORD, make_agent, make_group, make_ticket, make_user

URL = "/staff/settings/rules/"


@pytest.fixture
def manager(login):
    user = make_user(role=Role.MANAGER, email="boss@example.com")
    login(user.email)
    return user


def form(**values) -> dict:
    """What the browser sends: the named fields, and six rows of conditions and actions (empty unless given)."""
    data = {"name": "Parcels to Shipping", "kind": "trigger", "events": ["opened"], "since": "created", "hours": "",
            "match": "all"}
    for i in range(6):
        data.update({f"conditions-{i}-field": "", f"conditions-{i}-op": "", f"conditions-{i}-value": "",
                     f"actions-{i}-type": "", f"actions-{i}-value": ""})
    data.update(values)
    return data


def page(response) -> str:
    return unescape(response.get_data(as_text=True))


def test_only_managers_see_the_rules(app, client, login):
    assert client.get(URL).status_code == 302  # to the login page
    agent = make_agent(email="ana@example.com")
    login(agent.email)
    assert client.get(URL).status_code == 404
    assert client.post(URL + "new", data=form()).status_code == 404
    assert "/staff/settings/rules/" not in page(client.get("/staff/"))
    client.post("/logout")
    login(make_user(role=Role.MANAGER).email)
    assert client.get(URL).status_code == 200
    assert 'href="/staff/settings/rules/"' in page(client.get("/staff/"))


def test_a_manager_creates_a_rule_with_rows_and_edits_it_again(app, client, manager):
    make_group("Shipping")
    response = client.post(URL + "new", data=form(**{
        "events": ["opened", "customer_reply"], "match": "any",
        "conditions-0-field": "text", "conditions-0-op": "contains_any", "conditions-0-value": "colis, livraison",
        "conditions-2-field": "channel", "conditions-2-op": "is", "conditions-2-value": "Email",
        "actions-0-type": "set_group", "actions-0-value": "shipping",
        "actions-1-type": "add_tags", "actions-1-value": "Parcel"}))
    assert response.status_code == 302
    assert "Rule “Parcels to Shipping” saved." in page(client.get(URL))
    rule = db.session.scalar(select(Rule))
    assert rule.events == ["opened", "customer_reply"] and rule.match == "any"
    assert rule.conditions == [{"field": "text", "op": "contains_any", "value": ["colis", "livraison"]},
                               {"field": "channel", "op": "is", "value": "email"}]
    assert rule.actions[0] == {"type": "set_group", "value": make_group_id("Shipping")}
    assert rule.actions[1] == {"type": "add_tags", "value": ["parcel"]}
    edit = page(client.get(f"{URL}{rule.id}"))
    assert 'value="colis, livraison"' in edit and "\nShipping</textarea>" in edit
    ticket = make_ticket(subject="Ma livraison")
    assert ticket.group.name == "Shipping" and ticket.tags == ["parcel"]


def make_group_id(name):
    from portal.tickets.models import TicketGroup

    return db.session.scalar(select(TicketGroup.id).where(TicketGroup.name == name))


def test_wrong_rows_are_shown_next_to_them_and_nothing_is_saved(app, client, manager):
    response = client.post(URL + "new", data=form(**{
        "name": "", "conditions-1-field": "colour", "conditions-1-op": "is", "conditions-1-value": "red",
        "conditions-3-field": "priority", "conditions-3-op": "is", "conditions-3-value": "very high",
        "actions-0-type": "webhook", "actions-0-value": "javascript:alert(1)"}))
    assert response.status_code == 400
    html = page(response)
    assert "Give the rule a name" in html
    assert "Condition 2: choose a field from the list." in html
    assert "Condition 4: “very high” is not one of: low, normal, high, urgent." in html
    assert "Action 1: enter an http:// or https:// address." in html
    assert 'aria-invalid="true" id="conditions-1-field"' in html and 'id="conditions-1-field-error"' in html
    assert 'value="very high"' in html  # what was typed stays in the form
    assert db.session.scalar(select(func.count(Rule.id))) == 0
    timed = client.post(URL + "new", data=form(kind="timed", hours="lots", **{"actions-0-type": "notify_managers"}))
    assert timed.status_code == 400 and "Enter a number of hours from 1 to" in page(timed)


def test_the_form_preview_shows_matching_open_tickets_and_saves_nothing(app, client, manager):
    match = make_ticket(subject="Je veux un remboursement")
    make_ticket(subject="Where is my parcel?")
    response = client.post(URL + "new", data=form(preview="1", **{
        "conditions-0-field": "text", "conditions-0-op": "contains_any", "conditions-0-value": "remboursement, refund",
        "actions-0-type": "add_tags", "actions-0-value": "refund"}))
    html = page(response)
    assert response.status_code == 200 and "1 ticket." in html
    assert f"#{match.number} Je veux un remboursement" in html and "Where is my parcel" not in html
    assert db.session.scalar(select(func.count(Rule.id))) == 0 and match.tags == []


def test_the_list_enables_orders_and_deletes_rules(app, client, manager):
    first = make_rule(name="First rule")
    second = make_rule(name="Second rule")
    make_ticket()
    html = page(client.get(URL))
    assert html.index("First rule") < html.index("Second rule")
    row = html[html.index("First rule"):html.index("Second rule")]
    assert ">1</td>" in row and "never" not in row  # fired once, just now
    assert client.post(f"{URL}{second.id}/move", data={"direction": "up"}).status_code == 302
    html = page(client.get(URL))
    assert html.index("Second rule") < html.index("First rule")
    assert client.post(f"{URL}{first.id}/move", data={"direction": "sideways"}).status_code == 400
    client.post(f"{URL}{first.id}/enabled", data={"enabled": "0"})
    assert "Rule “First rule” disabled." in page(client.get(URL))
    db.session.expire_all()
    assert not first.enabled
    make_ticket()
    assert len(runs(first)) == 1 and len(runs(second)) == 2
    client.post(f"{URL}{second.id}/delete")
    assert db.session.get(Rule, second.id) is None and len(runs()) == 3  # its log stays
    assert client.get(f"{URL}{second.id}").status_code == 404
    assert client.post(f"{URL}999/enabled", data={"enabled": "1"}).status_code == 404


def test_the_preview_page_of_a_saved_rule(app, client, manager):
    rule = make_rule(name="VIP", conditions=[{"field": "tags", "op": "has", "value": "vip"}])
    ticket = make_ticket()
    rule_services.set_enabled(rule, False)
    agent = make_agent()
    from portal.tickets import services

    services.set_tags(ticket, "vip", actor=agent)
    db.session.commit()
    html = page(client.get(f"{URL}{rule.id}/preview"))
    assert "1 ticket." in html and f"#{ticket.number}" in html and "This rule is disabled" in html


def test_a_webhook_shows_its_signing_secret_and_keeps_it_when_saved_again(app, client, manager):
    client.post(URL + "new", data=form(**{"actions-0-type": "webhook", "actions-0-value": "https://shop.example/hook"}))
    rule = db.session.scalar(select(Rule))
    secret = rule.actions[0]["value"]["secret"]
    edit = page(client.get(f"{URL}{rule.id}"))
    assert secret in edit and "X-Comptoir-Signature" in edit
    client.post(f"{URL}{rule.id}", data=form(name="Renamed", **{"actions-0-type": "webhook",
                                                               "actions-0-value": "https://shop.example/hook"}))
    db.session.expire_all()
    assert rule.name == "Renamed" and rule.actions[0]["value"]["secret"] == secret


def test_forms_need_their_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        make_user(role=Role.MANAGER, email="boss@example.com")
        rule = make_rule(name="Kept")
        client = app.test_client()
        login_page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
        client.post("/login", data={"email": "boss@example.com", "password": PASSWORD, "csrf_token": token})
        assert client.post(f"{URL}{rule.id}/delete").status_code == 400
        assert client.post(URL + "new", data=form()).status_code in (200, 400)
        db.session.expire_all()
        assert db.session.get(Rule, rule.id) is not None and db.session.scalar(select(func.count(Rule.id))) == 1
        db.session.remove()
        db.engine.dispose()


# --- `portal rules` ----------------------------------------------------------------------------

def test_cli_lists_previews_and_sweeps(app, runner, clock):
    rule = make_rule(name="Refunds", conditions=[{"field": "text", "op": "contains_any", "value": "refund"}])
    rule_services.set_enabled(rule, False)
    late = make_rule(name="Late", kind="timed", since="created", hours=1)
    db.session.commit()
    ticket = make_ticket(subject="Refund me")
    listed = json.loads(runner.invoke(args=["rules", "list", "--json"]).output)
    assert [(r["name"], r["enabled"], r["kind"]) for r in listed] == [("Refunds", False, "trigger"),
                                                                       ("Late", True, "timed")]
    assert "Refunds" in runner.invoke(args=["rules", "list"]).output
    preview = runner.invoke(args=["rules", "preview", str(rule.id), "--json"])
    assert json.loads(preview.output) == {"count": 1, "capped": False, "scanned": 1, "tickets": [ticket.number]}
    missing = runner.invoke(args=["rules", "preview", "999"])
    assert missing.exit_code == 1 and missing.output.strip() == "Error: rule 999: No such rule."
    clock.advance(hours=2)
    swept = runner.invoke(args=["rules", "run-sweep"])
    assert swept.exit_code == 0 and "1 fired over 1 rules" in swept.output
    assert len(runs(late)) == 1


def test_cli_installs_the_defaults_once(app, runner):
    first = runner.invoke(args=["rules", "install-defaults"])
    assert first.exit_code == 0 and "Default rules: 14 added." in first.output
    assert "Default rules: 0 added." in runner.invoke(args=["rules", "install-defaults"]).output


def test_the_rules_pages_in_french(app, client, login):
    user = make_user(role=Role.MANAGER, email="patronne@example.com")
    user.locale = "fr"
    db.session.commit()
    login(user.email)
    make_rule(name="Colis")
    listing = page(client.get(URL))
    assert "Nouvelle règle" in listing and "Quand il se passe quelque chose" in listing and "Ticket créé" in listing
    wrong = page(client.post(URL + "new", data=form(**{"conditions-1-field": "couleur", "conditions-1-op": "is",
                                                        "actions-0-type": "add_tags", "actions-0-value": "x"})))
    assert "Condition 2 : choisissez un champ dans la liste." in wrong
    assert "Aperçu : quels tickets ouverts correspondent maintenant" in wrong


def test_the_editor_offers_satisfaction_order_answers_and_out_of_hours_replies(app, client, manager):
    html = page(client.get(URL + "new"))
    assert 'value="csat"' in html and "Satisfaction rated" in html
    for value, label in (("csat_rating", "Satisfaction rating"), ("csat_comment", "Satisfaction comment left"),
                         ("answer_order", "Answer from the order (where is my order)"),
                         ("out_of_hours_reply", "Auto-reply: when the team is back")):
        assert f'<option value="{value}">{label}</option>' in html
    assert "Good (good), Okay (okay), Bad (bad)" in html  # the values the rating condition takes
    wrong = client.post(URL + "new", data=form(name="Unhappy", events=["csat"], **{
        "conditions-0-field": "csat_rating", "conditions-0-op": "is", "conditions-0-value": "terrible",
        "conditions-1-field": "csat_comment", "conditions-1-op": "contains_any", "conditions-1-value": "slow",
        "actions-0-type": "set_status", "actions-0-value": "open"}))
    assert wrong.status_code == 400
    assert "Condition 1: “terrible” is not one of: good, okay, bad." in page(wrong)
    assert "Condition 2: choose one of: yes, no." in page(wrong)
    assert db.session.scalar(select(func.count(Rule.id))) == 0
    saved = client.post(URL + "new", data=form(name="Unhappy", events=["csat"], **{
        "conditions-0-field": "csat_rating", "conditions-0-op": "is", "conditions-0-value": "Bad",
        "conditions-1-field": "csat_comment", "conditions-1-op": "yes",
        "actions-0-type": "set_status", "actions-0-value": "open", "actions-1-type": "notify_managers"}))
    assert saved.status_code == 302
    rule = db.session.scalar(select(Rule))
    assert rule.events == ["csat"] and rule.conditions == [{"field": "csat_rating", "op": "is", "value": "bad"},
                                                           {"field": "csat_comment", "op": "yes", "value": None}]
    assert "Satisfaction rated" in page(client.get(URL))
