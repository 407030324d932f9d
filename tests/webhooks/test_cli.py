"""`portal webhooks list | test | deliveries` through the real CLI runner."""
import json

from portal.extensions import db
from portal.webhooks import services
from tests.factories import make_ticket


def test_list_test_and_deliveries(app, runner, receiver, subscribe):
    subscription, _secret = subscribe(receiver.url, events=["ticket.created"])
    listed = json.loads(runner.invoke(args=["webhooks", "list", "--json"]).output)
    assert [(w["id"], w["name"], w["enabled"], w["events"]) for w in listed] == \
        [(subscription.id, "Shop ERP", True, ["ticket.created"])]
    assert "Shop ERP" in runner.invoke(args=["webhooks", "list"]).output

    tested = runner.invoke(args=["webhooks", "test", str(subscription.id)])
    assert tested.exit_code == 0 and tested.output.startswith("Delivered: HTTP 200 in ")
    assert receiver.types() == ["webhook.test"]
    receiver.answer(500, 500)
    make_ticket()
    failed = runner.invoke(args=["webhooks", "test", str(subscription.id)])
    assert failed.exit_code == 1 and "Error: not delivered: HTTP Error 500" in failed.output

    rows = json.loads(runner.invoke(args=["webhooks", "deliveries", str(subscription.id), "--json"]).output)
    assert [(r["event_type"], r["status"], r["test"]) for r in rows] == [
        ("webhook.test", "failed", True), ("ticket.created", "retrying", False), ("webhook.test", "delivered", True)]
    assert rows[1]["attempts"][0]["status_code"] == 500 and "HTTP Error 500" in rows[1]["attempts"][0]["error"]
    assert rows[1]["next_attempt_at"].endswith("Z") and rows[2]["attempts"][0]["status_code"] == 200
    text = runner.invoke(args=["webhooks", "deliveries", str(subscription.id)]).output
    assert "ticket.created" in text and "retrying" in text


def test_unknown_ids_are_one_line_errors(app, runner):
    for args in (["webhooks", "test", "42"], ["webhooks", "deliveries", "nope"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1 and result.output.strip().startswith(f"Error: webhook {args[2]}: No such webhook.")
    assert "No webhooks" in runner.invoke(args=["webhooks", "list"]).output


def test_a_disabled_webhook_can_still_be_tested(app, runner, receiver, subscribe):
    subscription, _secret = subscribe(receiver.url)
    services.set_enabled(subscription, False)
    db.session.commit()
    assert runner.invoke(args=["webhooks", "test", str(subscription.id)]).exit_code == 0
    assert "off (manager)" in runner.invoke(args=["webhooks", "list"]).output
