"""A ticket's channel everywhere: a labelled badge per queue row, the queue's channel filter (kept in the URL
across pages), the ticket page header and the customer's list of requests."""
import re

from portal.channels import contacts
from portal.extensions import db
from portal.tickets import queries, services
from portal.tickets.models import Channel
from tests.factories import make_agent, make_ticket, make_user


def sms_ticket(subject, number):
    contact = contacts.contact_for("phone", number)
    ticket = services.open_ticket(subject=subject, body="Sent by SMS", channel=Channel.SMS, contact_id=contact.id,
                                  channel_address=number, name=number)
    db.session.commit()
    return ticket


def subjects(html: str) -> list[str]:
    return re.findall(r'<a href="/staff/tickets/\d+">([^<]+)</a>', html)


def desk():
    make_ticket(subject="Mailed question", channel=Channel.EMAIL)
    make_ticket(subject="Form question")
    for n in range(3):
        sms_ticket(f"Texted question {n}", f"+3361234567{n}")
    contact = contacts.contact_for("phone", "+33700000001")
    services.open_ticket(subject="Phoned question", body="Called", channel=Channel.PHONE, contact_id=contact.id)
    db.session.commit()


def test_the_channel_filter_lists_only_that_channel_and_keeps_it_across_pages(app, client, login):
    desk()
    login(make_agent().email)
    app.config["TICKETS_PER_PAGE"] = 2
    first = client.get("/staff/tickets/?view=open&channel=sms").get_data(as_text=True)
    assert sorted(subjects(first)) == ["Texted question 0", "Texted question 1"]
    assert re.search(r'<option value="sms"\s+selected>', first)
    following = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "channel=sms" in following
    second = client.get(following).get_data(as_text=True)
    assert subjects(second) == ["Texted question 2"]
    app.config["TICKETS_PER_PAGE"] = 50
    assert subjects(client.get("/staff/tickets/?view=open&channel=phone").get_data(as_text=True)) == ["Phoned question"]
    assert subjects(client.get("/staff/tickets/?view=open&channel=email").get_data(as_text=True)) == ["Mailed question"]
    assert len(subjects(client.get("/staff/tickets/?view=open").get_data(as_text=True))) == 6
    odd = client.get("/staff/tickets/?view=open&channel=pigeon")
    assert odd.status_code == 200 and subjects(odd.get_data(as_text=True)) == []


def test_the_filter_offers_every_channel_and_the_query_agrees(app, client, login):
    desk()
    agent = make_agent()
    login(agent.email)
    html = client.get("/staff/tickets/?view=open").get_data(as_text=True)
    select = html.split('id="f-channel"')[1].split("</select>")[0]
    assert [c.value for c in Channel] == re.findall(r'<option value="([a-z]+)"', select)
    page = queries.queue_page(agent, "open", queries.Filters(channel="sms"))
    assert {t.channel for t in page.tickets} == {Channel.SMS} and len(page.tickets) == 3


def test_each_queue_row_shows_a_labelled_channel_badge(app, client, login):
    desk()
    login(make_agent().email)
    html = client.get("/staff/tickets/?view=open").get_data(as_text=True)
    rows = {title: row for row in html.split("<tr class=")[1:] for title in subjects(row)}
    for title, value, label in (("Texted question 0", "sms", "SMS"), ("Mailed question", "email", "Email"),
                                ("Phoned question", "phone", "Phone"), ("Form question", "web", "Contact form")):
        badge = re.search(rf'<span class="badge badge-channel badge-channel-{value}">(.*?)</span>', rows[title], re.S)
        assert badge, title
        assert badge.group(1).strip().endswith(label) and 'aria-hidden="true"' in badge.group(1)
    assert '<th scope="col">Channel</th>' in html


def test_the_ticket_page_and_the_customers_list_show_the_channel(app, client, login):
    customer = make_user(email="cust@example.com")
    ticket = make_ticket(requester=customer, subject="Portal question", channel=Channel.PORTAL)
    login(customer.email)
    mine = client.get("/portal/tickets/").get_data(as_text=True)
    badge = re.search(r'<span class="badge badge-channel badge-channel-portal">(.*?)</span>', mine, re.S)
    assert "Portal question" in mine and badge and badge.group(1).strip().endswith("Portal")
    client.post("/logout")
    login(make_agent().email)
    head = client.get(f"/staff/tickets/{ticket.number}").get_data(as_text=True).split('class="ticket-head"')[1]
    assert "Portal" in head.split("</h1>")[0]


def test_channel_labels_are_translated(app, client, login):
    desk()
    login(make_agent().email)
    client.post("/language", data={"lang": "fr", "next": "/staff/"})
    html = client.get("/staff/tickets/?view=open&channel=phone").get_data(as_text=True)
    assert "badge-channel-phone" in html and "Téléphone" in html
