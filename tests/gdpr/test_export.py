"""A customer downloads their data from the portal; staff write the same zip with `portal gdpr export`."""
import io
import json
import zipfile

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.extensions import db


def read_zip(data: bytes) -> tuple[dict, dict]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    files = {name: archive.read(name) for name in archive.namelist()}
    return json.loads(files.pop("data.json")), files


def test_a_customer_downloads_their_own_data_field_by_field(app, client, login, world):
    login("alice@example.com")
    response = client.post("/portal/privacy/export", data={"email": "bob@example.com"})  # the email is ignored
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    assert "data-alice-at-example.com.zip" in response.headers["Content-Disposition"]
    data, files = read_zip(response.data)

    assert data["email"] == "alice@example.com"
    assert data["account"]["email"] == "alice@example.com"
    assert data["account"]["name"] == "Alice Martin"
    assert sorted((i["kind"], i["value"]) for i in data["contact_identities"]) == [
        ("email", "alice@example.com"), ("phone", "+33612345678")]

    assert [t["number"] for t in data["tickets"]] == [world.ticket.number]
    ticket = data["tickets"][0]
    assert ticket["subject"] == "Parcel for Alice Martin"
    assert [(m["from"], m["body"]) for m in ticket["messages"]] == [
        ("you", "My parcel has not arrived. Call me on +33 6 12 34 56 78."),
        ("team", world.reply.body)]
    name = ticket["messages"][0]["attachments"][0]
    assert name.startswith(f"attachments/{world.ticket.number}/") and name.endswith("receipt.txt")
    assert files == {name: b"receipt of order 1001"}

    assert [o["number"] for o in data["orders"]] == ["1001"]
    order = data["orders"][0]
    assert (order["shop"], order["total"], order["currency"], order["note"]) == ("Linen & Co", "54.89", "EUR",
                                                                                 "Leave it at the door")
    assert order["shipping_address"] == {"name": "Alice Martin", "city": "Lyon"}
    assert [(i["title"], i["quantity"], i["unit_price"]) for i in order["items"]] == [("Linen shirt", 1, "49.90")]
    assert [(s["carrier"], s["tracking_number"]) for s in order["shipments"]] == [("Colissimo", "6A123")]

    assert [q["title"] for q in data["community"]["questions"]] == ["Which size for a linen shirt?"]
    assert data["community"]["answers"] == []  # Bob's answer is his, not hers
    assert [c["body"] for c in data["community"]["comments"]] == ["Thanks, that helped me."]
    assert data["satisfaction"] == [{"ticket": world.ticket.number, "rating": "good", "comment": "Alice is happy",
                                     "answered_at": "2026-11-20T10:00:00"}]


def test_the_export_holds_no_internal_note_and_nothing_of_other_customers(client, login, world):
    login("alice@example.com")
    text = client.post("/portal/privacy/export").data
    data, _files = read_zip(text)
    dumped = json.dumps(data)
    for secret in ("Internal: Alice Martin asked twice", "bob@example.com", "Bob Stone", "broken mug", "2002",
                   "Take one size up"):
        assert secret not in dumped


def test_the_export_is_recorded_in_the_audit_log(app, client, login, world):
    login("alice@example.com")
    client.post("/portal/privacy/export")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "gdpr.exported"))
    assert (event.actor_email, event.target_type, event.target_id) == ("alice@example.com", "user", str(world.alice.id))
    assert event.details == {"tickets": 1, "orders": 1, "attachments": 1}


def test_the_privacy_page_is_linked_from_the_settings(client, login, world):
    login("alice@example.com")
    assert 'href="/portal/privacy"' in client.get("/portal/settings").get_data(as_text=True)
    page = client.get("/portal/privacy").get_data(as_text=True)
    assert "Download my data" in page
    assert "Ask for erasure" in page


def test_staff_write_the_same_zip_from_the_command_line(runner, world, tmp_path):
    output = tmp_path / "alice.zip"
    result = runner.invoke(args=["gdpr", "export", "Alice@Example.com", "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Wrote {output} (")
    data, files = read_zip(output.read_bytes())
    assert [t["number"] for t in data["tickets"]] == [world.ticket.number]
    assert list(files.values()) == [b"receipt of order 1001"]
    assert oct(output.stat().st_mode & 0o777) == "0o600"


def test_the_command_line_refuses_an_unknown_address_in_one_line(runner, world, tmp_path):
    result = runner.invoke(args=["gdpr", "export", "nobody@example.com", "--output", str(tmp_path / "x.zip")])
    assert result.exit_code == 1
    assert result.output == "Error: No customer with that email address.\n"
    assert not (tmp_path / "x.zip").exists()


def test_a_guest_who_only_wrote_by_email_is_exported_too(runner, app, tmp_path):
    from tests.factories import make_ticket

    make_ticket(email="guest@example.com", subject="Guest question", body="Hello from a guest.")
    output = tmp_path / "guest.zip"
    assert runner.invoke(args=["gdpr", "export", "guest@example.com", "--output", str(output)]).exit_code == 0
    data, _files = read_zip(output.read_bytes())
    assert data["account"] is None
    assert [m["body"] for m in data["tickets"][0]["messages"]] == ["Hello from a guest."]


def test_a_customer_must_be_logged_in(client):
    response = client.post("/portal/privacy/export")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
