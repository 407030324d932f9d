"""Customers: contact form, guest link, portal list and thread, replies, solving, attachments, IDOR."""
import io
import re

from sqlalchemy import func, select

from portal.extensions import db
from portal.mail import OutgoingMail
from portal.tickets import queries, services
from portal.tickets.models import Deflection, Status, Ticket
from tests import sample_files
from tests.factories import make_agent, make_article, make_ticket, make_user

PNG = sample_files.png()


def contact(client, **overrides):
    data = {"email": "guest@example.com", "name": "Gail Guest", "topic": "shipping",
            "subject": "Parcel not delivered", "body": "Order 1042 has not arrived.", "website": ""}
    data.update(overrides)
    return client.post("/help/contact", data=data, content_type="multipart/form-data")


def guest_link(address):
    mail = db.session.scalars(select(OutgoingMail).where(OutgoingMail.to == address)).all()[-1]
    return re.search(r"http://localhost(/help/requests/\S+)", mail.text).group(1)


def test_contact_form_opens_a_ticket_and_mails_a_signed_link(app, client):
    page = client.get("/help/contact")
    assert page.status_code == 200 and b'name="website"' in page.data and b"Subject" in page.data
    response = contact(client, attachments=(io.BytesIO(PNG), "photo.png"))
    assert response.status_code == 302
    assert b"#1001" in client.get(response.location).data
    ticket = db.session.scalar(select(Ticket))
    assert ticket.subject == "Parcel not delivered" and ticket.topic == "shipping" and ticket.requester_id is None
    link = guest_link("guest@example.com")
    page = client.get(link)
    assert page.status_code == 200 and b"Order 1042 has not arrived." in page.data and b"photo.png" in page.data
    attachment = re.search(rb'href="(/help/requests/[^"]+/files/\d+)"', page.data).group(1).decode()
    assert client.get(attachment).data == PNG
    assert client.get(link[:-3] + "xyz").status_code == 404


def test_contact_form_errors_keep_input_and_change_nothing(app, client):
    response = contact(client, email="nope", subject="")
    assert response.status_code == 400
    assert b"Enter a valid email address" in response.data or b"valid email" in response.data
    assert b"Tell us what it is about." in response.data and b"Order 1042 has not arrived." in response.data
    bad_file = contact(client, attachments=(io.BytesIO(b"MZ\x90\x00binary"), "setup.exe"))
    assert bad_file.status_code == 400 and b"can be attached" in bad_file.data
    assert db.session.scalar(select(func.count(Ticket.id))) == 0


def test_honeypot_and_rate_limit(app, client):
    assert contact(client, website="http://spam.example").status_code == 302
    assert db.session.scalar(select(func.count(Ticket.id))) == 0
    for _ in range(3):
        assert contact(client).status_code == 302
    limited = contact(client)
    assert limited.status_code == 400 and b"several requests in a short time" in limited.data
    assert db.session.scalar(select(func.count(Ticket.id))) == 3


def test_guest_reply_and_solve_through_the_link(app, client):
    contact(client)
    link = guest_link("guest@example.com")
    client.post(link, data={"body": "Any news?"})
    ticket = db.session.scalar(select(Ticket))
    assert [m.body for m in queries.thread(ticket, include_notes=False)][-1] == "Any news?"
    client.post(link + "/solve")
    db.session.refresh(ticket)
    assert ticket.status == Status.SOLVED


def test_portal_lists_own_tickets_and_hides_notes(app, client, login):
    customer, agent = make_user(email="me@example.com"), make_agent()
    mine = make_ticket(requester=customer, subject="Mine")
    services.add_note(mine, body="SECRET internal remark", actor=agent)
    services.add_reply(mine, body="Public answer", author=agent)
    db.session.commit()
    other = make_ticket(requester=make_user(), subject="Someone else's")
    login("me@example.com")
    listing = client.get("/portal/tickets/")
    assert b"Mine" in listing.data and b"Someone else" not in listing.data
    page = client.get(f"/portal/tickets/{mine.number}")
    assert b"Public answer" in page.data and b"SECRET" not in page.data
    assert client.get(f"/portal/tickets/{other.number}").status_code == 404
    assert client.get("/portal/tickets/99999").status_code == 404


def test_portal_new_request_reply_solve_and_follow_up(app, client, login):
    customer, agent = make_user(email="me@example.com"), make_agent()
    login("me@example.com")
    response = client.post("/portal/tickets/new", data={"subject": "Wrong size", "body": "I need a M.",
                                                         "topic": "returns"})
    ticket = db.session.scalar(select(Ticket))
    assert response.location.endswith(f"/portal/tickets/{ticket.number}") and ticket.requester_id == customer.id
    client.post(f"/portal/tickets/{ticket.number}/solve")
    db.session.refresh(ticket)
    assert ticket.status == Status.SOLVED
    client.post(f"/portal/tickets/{ticket.number}", data={"body": "Actually no."})
    db.session.refresh(ticket)
    assert ticket.status == Status.OPEN
    services.change_status(ticket, "solved", actor=agent)
    services.change_status(ticket, "closed", actor=agent)
    db.session.commit()
    page = client.get(f"/portal/tickets/{ticket.number}")
    assert b"This request is closed" in page.data
    reply = client.post(f"/portal/tickets/{ticket.number}", data={"body": "New problem"})
    follow = db.session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()
    assert follow.follow_up_of_id == ticket.id and reply.location.endswith(f"/{follow.number}")


def test_attachments_of_notes_and_other_tickets_are_404_for_customers(app, client, login):
    customer, agent = make_user(email="me@example.com"), make_agent()
    ticket = make_ticket(requester=customer)
    note = services.add_note(ticket, body="see file", actor=agent, attachments=[("internal.txt", io.BytesIO(b"x"))])
    db.session.commit()
    other = make_ticket(requester=make_user(), attachments=[("theirs.txt", io.BytesIO(b"private"))])
    other_file = queries.thread(other, include_notes=False)[0].attachments[0]
    login("me@example.com")
    assert client.get(f"/portal/tickets/{ticket.number}/files/{note.attachments[0].id}").status_code == 404
    assert client.get(f"/portal/tickets/{ticket.number}/files/{other_file.id}").status_code == 404
    assert client.get(f"/portal/tickets/{other.number}/files/{other_file.id}").status_code == 404


def test_suggestion_opened_is_recorded_and_marked_when_submitted(app, client):
    make_article(title="Track your parcel", body="Use the tracking link.")
    suggestions = client.get("/help/en/suggest?q=parcel").get_json()
    assert suggestions and suggestions[0]["title"] == "Track your parcel"
    client.post("/help/contact/opened", json={"slug": "track-your-parcel", "q": "parcel", "source": "contact"})
    row = db.session.scalar(select(Deflection))
    assert row.article_slug == "track-your-parcel" and row.submitted is False
    contact(client)
    db.session.refresh(row)
    assert row.submitted is True


def test_unsubscribe_link_turns_notifications_off(app, client):
    ticket = make_ticket(email="quiet@example.com")
    mail = db.session.scalar(select(OutgoingMail).where(OutgoingMail.to == "quiet@example.com"))
    one_click = re.search(r"<http://localhost(\S+)>", mail.headers["List-Unsubscribe"]).group(1)
    assert client.post(one_click, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert client.post(one_click.replace("/unsubscribe", "x/unsubscribe")).status_code == 404
    agent = make_agent()
    services.change_status(ticket, "solved", actor=agent)
    db.session.commit()
    subjects = [m.text for m in db.session.scalars(select(OutgoingMail).where(OutgoingMail.to == "quiet@example.com"))]
    assert len(subjects) == 1  # the receipt only: no "solved" notification after unsubscribing
    prefs = re.search(r"http://localhost(/notifications/\S+)", mail.text).group(1)
    assert b"checked" not in client.get(prefs).data


def test_help_center_offers_contact_and_track_my_order(app, client):
    home = client.get("/help/en/").get_data(as_text=True)
    assert 'href="/help/contact"' in home and "Track my order" in home
    assert 'href="/help/order-status"' in home
    assert "Track my order" in client.get("/help/contact").get_data(as_text=True)
