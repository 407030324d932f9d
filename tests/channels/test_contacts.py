"""One customer across channels: records reused by every channel, identities, the customer page (in the
agent's ticket scope), merging two records (page and CLI), and the card beside a ticket."""
import json
import re

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.channels import contacts
from portal.channels.models import Contact, ContactIdentity
from portal.errors import ValidationError
from portal.extensions import db
from portal.tickets import services
from portal.tickets.models import Channel, Ticket
from tests.factories import make_agent, make_order, make_store, make_ticket, make_user

NUMBER = "+33612345678"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def page(client, url, status=200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def sms_ticket(number=NUMBER, name="Sam", subject="Texted question"):
    contact = contacts.contact_for("phone", number, name=name)
    ticket = services.open_ticket(subject=subject, body="Hello by SMS", channel=Channel.SMS, contact_id=contact.id,
                                  name=name, channel_address=contacts.normalize("phone", number))
    db.session.commit()
    return ticket


# --- the service ----------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, stored", [
    ("+33 6 12 34 56 78", NUMBER), ("0033 6 12 34 56 78", NUMBER), ("+33 (0)6 12 34 56 78", NUMBER),
    ("+33.6.12.34.56.78", NUMBER), ("33612345678", NUMBER), ("+33-6-12-34-56-78", NUMBER),
    ("＋３３６１２３４５６７８", NUMBER), ("+1 (415) 555-0100", "+14155550100"),
])
def test_phone_numbers_are_stored_in_international_form(typed, stored):
    assert contacts.normalize("phone", typed) == stored
    assert contacts.valid_phone(typed) == stored


@pytest.mark.parametrize("typed", ["06 12 34 56 78", "(0)6 12 34 56 78", "+0612345678", "12", "", "call me",
                                   "+33٦١٢٣٤٥٦٧٨", "+3361234567890123"])
def test_numbers_that_are_not_international_are_refused(typed):
    with pytest.raises(ValidationError):
        contacts.valid_phone(typed)


def test_contact_for_reuses_one_record_across_channels(app):
    by_mail = make_ticket(email="Carla@Example.com", name="Carla")
    carla = db.session.get(Contact, by_mail.contact_id)
    assert carla.name == "Carla" and carla.identity("email") == "carla@example.com"
    assert contacts.contact_for("email", " CARLA@example.com ").id == carla.id
    contacts.add_identity(carla, "phone", "+33 6 12 34 56 78")
    db.session.commit()
    by_sms = sms_ticket("0033612345678")
    assert by_sms.contact_id == carla.id
    assert contacts.contact_for("whatsapp", "33612345678").id != carla.id  # another channel's id is another record
    assert count(Contact) == 2
    # a second email ticket from the same address names the same record
    assert make_ticket(email="carla@example.com").contact_id == carla.id


def test_a_verified_account_and_its_guest_tickets_share_a_record(app):
    guest = make_ticket(email="dana@example.com")
    user = make_user(email="dana@example.com", name="Dana")
    mine = make_ticket(requester=user)
    assert mine.contact_id == guest.contact_id
    assert db.session.get(Contact, guest.contact_id).user_id == user.id


def test_an_unverified_account_does_not_take_over_the_record_of_its_address(app):
    guest = make_ticket(email="victim@example.com")
    squatter = make_user(email="victim@example.com", verified=False)
    assert not squatter.email_verified
    record = contacts.contact_for_user(squatter)
    assert record.id != guest.contact_id and record.identity("email") is None
    assert db.session.get(Contact, guest.contact_id).user_id is None


def test_identities_are_checked_and_an_empty_sender_is_refused_before_anything_is_written(app):
    with pytest.raises(ValidationError):
        contacts.contact_for("phone", "   ")
    with pytest.raises(ValidationError):
        contacts.contact_for("fax", "+33612345678")
    assert count(Contact) == 0
    carla = contacts.contact_for("email", "carla@example.com")
    with pytest.raises(ValidationError) as error:
        contacts.add_identity(carla, "carrier-pigeon", "x")
    assert error.value.field == "kind"
    for kind, value in (("email", "not an address"), ("phone", "0612345678"), ("messenger", "")):
        with pytest.raises(ValidationError) as error:
            contacts.checked(kind, value)
        assert error.value.field == "value"
    assert contacts.checked("email", " Carla@Example.COM ") == "carla@example.com"


def test_an_identity_of_another_contact_is_refused(app):
    carla = contacts.contact_for("email", "carla@example.com")
    sam = contacts.contact_for("phone", NUMBER)
    with pytest.raises(ValidationError) as error:
        contacts.add_identity(carla, "phone", "+33 6 12 34 56 78")
    assert error.value.field == "value" and "already belongs to another customer" in error.value.message
    assert contacts.find("phone", NUMBER).id == sam.id


def test_merge_moves_identities_tickets_and_the_account(app):
    email_ticket = make_ticket(email="carla@example.com")
    phone_ticket = sms_ticket()
    carla, sam = (db.session.get(Contact, t.contact_id) for t in (email_ticket, phone_ticket))
    kept = contacts.merge(sam, carla, actor=None)
    db.session.commit()
    assert kept.id == carla.id and sam.merged_into_id == carla.id
    assert {(i.kind, i.value) for i in carla.identities} == {("email", "carla@example.com"), ("phone", NUMBER)}
    assert db.session.get(Ticket, phone_ticket.id).contact_id == carla.id
    assert contacts.find("phone", NUMBER).id == carla.id
    # later messages from the merged record's number land on the kept record
    assert contacts.contact_for("phone", NUMBER).id == carla.id
    assert contacts.add_identity(sam, "chat", "chat-session-1").contact_id == carla.id
    with pytest.raises(ValidationError):
        contacts.merge(sam, carla, actor=None)  # already merged
    with pytest.raises(ValidationError):
        contacts.merge(carla, carla, actor=None)


def test_two_records_with_accounts_cannot_be_merged(app):
    one, two = make_user(), make_user()
    with pytest.raises(ValidationError):
        contacts.merge(contacts.contact_for_user(one), contacts.contact_for_user(two), actor=None)


# --- the customer page ----------------------------------------------------------------------------

def test_the_customer_page_shows_identities_tickets_on_every_channel_and_orders(app, client, login):
    login(make_agent().email)
    store = make_store()
    email_ticket = make_ticket(email="carla@example.com", name="Carla", subject="Parcel late")
    order = make_order(store=store, number=5001, email="carla@example.com")
    make_order(store=store, number=5002, email="someone-else@example.com")
    carla = db.session.get(Contact, email_ticket.contact_id)
    contacts.add_identity(carla, "phone", NUMBER)
    db.session.commit()
    phone_ticket = sms_ticket(subject="Texted question")
    html = page(client, f"/staff/customers/{carla.id}")
    assert "Carla" in html and "carla@example.com" in html and NUMBER in html
    assert "Parcel late" in html and "Texted question" in html and phone_ticket.contact_id == carla.id
    assert "badge-channel-sms" in html and "badge-channel-web" in html
    assert f"/staff/orders/{order.id}" in html and "#5001" in html and "#5002" not in html
    assert f'href="/staff/customers/{carla.id}"' in page(client, f"/staff/tickets/{email_ticket.number}")


def test_an_agent_adds_an_identity_and_a_taken_one_offers_a_merge(app, client, login):
    login(make_agent().email)
    carla = contacts.contact_for("email", "carla@example.com", name="Carla")
    sam = contacts.contact_for("phone", NUMBER, name="Sam")
    db.session.commit()
    added = client.post(f"/staff/customers/{carla.id}/identities",
                        data={"kind": "whatsapp", "value": "+44 7700 900123"})
    assert added.status_code == 302 and contacts.find("whatsapp", "+447700900123").id == carla.id
    bad = client.post(f"/staff/customers/{carla.id}/identities", data={"kind": "phone", "value": "0612"})
    assert bad.status_code == 400 and 'id="value-error"' in bad.get_data(as_text=True)
    unknown = client.post(f"/staff/customers/{carla.id}/identities", data={"kind": "fax", "value": "1"})
    assert unknown.status_code == 400 and 'id="kind-error"' in unknown.get_data(as_text=True)
    taken = client.post(f"/staff/customers/{carla.id}/identities", data={"kind": "phone", "value": "0033612345678"})
    html = taken.get_data(as_text=True)
    assert taken.status_code == 400 and "already belongs to another customer" in html
    assert f'/staff/customers/{carla.id}/merge?other={sam.id}' in html
    assert contacts.find("phone", NUMBER).id == sam.id and count(ContactIdentity) == 3


def test_merging_from_the_page_search_confirm_merge_and_redirect(app, client, login):
    login(make_agent().email)
    store = make_store()
    email_ticket = make_ticket(email="carla@example.com", name="Carla", subject="Parcel late")
    make_order(store=store, number=6001, email="carla@example.com")
    phone_ticket = sms_ticket(name="Sam", subject="Texted question")
    other_email = contacts.add_identity(db.session.get(Contact, phone_ticket.contact_id), "email", "sam@example.com")
    make_order(store=store, number=6002, email="sam@example.com")
    db.session.commit()
    carla_id, sam_id = email_ticket.contact_id, phone_ticket.contact_id
    for q in ("+33 6 12 34", "sam@exa", "Sam"):
        found = page(client, f"/staff/customers/{carla_id}/merge?q={q}")
        assert f"/staff/customers/{carla_id}/merge?other={sam_id}" in found, q
    assert f"other={carla_id}" not in page(client, f"/staff/customers/{carla_id}/merge?q=carla")
    confirm = page(client, f"/staff/customers/{carla_id}/merge?other={sam_id}")
    assert "Carla" in confirm and "Sam" in confirm and NUMBER in confirm and "carla@example.com" in confirm
    assert 'name="keep"' in confirm and 'name="other"' in confirm
    response = client.post(f"/staff/customers/{carla_id}/merge", data={"other": str(sam_id), "keep": "this"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/staff/customers/{carla_id}")
    kept = page(client, f"/staff/customers/{carla_id}")
    assert "Parcel late" in kept and "Texted question" in kept and "#6001" in kept and "#6002" in kept
    assert other_email.value in kept and NUMBER in kept
    gone = client.get(f"/staff/customers/{sam_id}")
    assert gone.status_code in (301, 302) and gone.headers["Location"].endswith(f"/staff/customers/{carla_id}")
    # and the ticket sidebar's recent orders now read every address of the record
    sidebar = page(client, f"/staff/tickets/{email_ticket.number}")
    assert "#6001" in sidebar and "#6002" in sidebar


def test_merge_errors_are_shown_and_keep_both_records(app, client, login):
    login(make_agent().email)
    one, two = make_user(name="One"), make_user(name="Two")
    first, second = contacts.contact_for_user(one), contacts.contact_for_user(two)
    db.session.commit()
    response = client.post(f"/staff/customers/{first.id}/merge", data={"other": str(second.id), "keep": "other"})
    assert response.status_code == 400 and "cannot be merged" in response.get_data(as_text=True)
    assert db.session.get(Contact, first.id).merged_into_id is None
    assert client.post(f"/staff/customers/{first.id}/merge", data={"other": "999999"}).status_code == 404
    assert client.post(f"/staff/customers/{first.id}/merge", data={"other": str(second.id), "keep": "both"}
                       ).status_code == 400


def test_merging_needs_a_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        make_agent(email="agent@example.com")
        first, second = contacts.contact_for("email", "a@example.com"), contacts.contact_for("email", "b@example.com")
        db.session.commit()
        client = app.test_client()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                          client.get("/login").get_data(as_text=True)).group(1)
        client.post("/login", data={"email": "agent@example.com", "password": "correct-horse-9", "csrf_token": token})
        response = client.post(f"/staff/customers/{first.id}/merge", data={"other": str(second.id), "keep": "this"})
        assert response.status_code == 400 and db.session.get(Contact, second.id).merged_into_id is None
        confirm = client.get(f"/staff/customers/{first.id}/merge?other={second.id}").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', confirm).group(1)
        merged = client.post(f"/staff/customers/{first.id}/merge",
                             data={"other": str(second.id), "keep": "this", "csrf_token": token})
        assert merged.status_code == 302
        db.session.expire_all()
        assert db.session.get(Contact, second.id).merged_into_id == first.id
        db.session.remove()
        db.engine.dispose()


def test_an_agent_sees_only_the_tickets_of_their_scope_on_the_customer_page(app, client, login):
    boss = make_user(role=Role.MANAGER)
    agent = make_agent(scope="assigned")
    mine = make_ticket(email="carla@example.com", subject="Assigned to me")
    theirs = make_ticket(email="carla@example.com", subject="Someone else's ticket")
    services.assign(mine, agent, actor=boss)
    db.session.commit()
    assert mine.contact_id == theirs.contact_id
    login(agent.email)
    html = page(client, f"/staff/customers/{mine.contact_id}")
    assert "Assigned to me" in html and "Someone else" not in html and f"/staff/tickets/{theirs.number}" not in html
    confirm = page(client, f"/staff/customers/{mine.contact_id}/merge?other={contacts.contact_for('phone', NUMBER).id}")
    assert "Someone else" not in confirm


def test_customers_and_strangers_get_404(app, client, login):
    contact = make_ticket(email="carla@example.com").contact_id
    assert client.get(f"/staff/customers/{contact}").status_code == 302  # to the login page
    login(make_user().email)
    for url in (f"/staff/customers/{contact}", f"/staff/customers/{contact}/merge?q=carla",
                f"/staff/customers/{contact}/merge?other={contact}"):
        assert client.get(url).status_code == 404
    assert client.post(f"/staff/customers/{contact}/identities", data={"kind": "email",
                                                                       "value": "me@example.com"}).status_code == 404
    client.post("/logout")
    login(make_agent().email)
    for guessed in ("999999", "0", "99999999999999999999999"):
        assert client.get(f"/staff/customers/{guessed}").status_code == 404


def test_the_ticket_sidebar_shows_the_customer_card(app, client, login):
    login(make_agent().email)
    ticket = sms_ticket(name="Sam")
    contacts.add_identity(db.session.get(Contact, ticket.contact_id), "email", "sam@example.com")
    db.session.commit()
    html = page(client, f"/staff/tickets/{ticket.number}")
    card = html.split('class="customer-card"')[1].split("</div>")[0]
    assert "Sam" in card and NUMBER in card and "sam@example.com" in card
    assert f'href="/staff/customers/{ticket.contact_id}"' in card and "<svg" in card


# --- the command line -----------------------------------------------------------------------------

def test_cli_show_and_merge(app, runner):
    email_ticket = make_ticket(email="carla@example.com", name="Carla")
    phone_ticket = sms_ticket()
    make_order(store=make_store(), number=7001, email="carla@example.com")
    carla, sam = email_ticket.contact_id, phone_ticket.contact_id
    shown = runner.invoke(args=["customers", "show", str(carla), "--json"])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    assert data["id"] == carla and data["identities"] == [{"kind": "email", "value": "carla@example.com"}]
    assert [t["number"] for t in data["tickets"]] == [email_ticket.number] and data["orders"][0]["number"] == "7001"

    merged = runner.invoke(args=["customers", "merge", str(sam), str(carla)])
    assert merged.exit_code == 0 and f"Customer {sam} merged into {carla}." in merged.output
    data = json.loads(runner.invoke(args=["customers", "show", str(sam), "--json"]).output)
    assert data["id"] == carla and data["merged_from"] == sam
    assert {t["channel"] for t in data["tickets"]} == {"web", "sms"}
    text = runner.invoke(args=["customers", "show", str(carla)])
    assert text.exit_code == 0 and "phone: +33612345678" in text.output


@pytest.mark.parametrize("args, message", [
    (["customers", "show", "999999"], "Error: customer: no customer with id 999999."),
    (["customers", "show", "abc", "--json"], "Error: customer: no customer with id abc."),
    (["customers", "merge", "999999", "1"], "Error: source: no customer with id 999999."),
])
def test_cli_errors_are_one_line_and_exit_non_zero(app, runner, args, message):
    result = runner.invoke(args=args)
    assert result.exit_code == 1 and result.output.strip() == message


def test_cli_merge_refusal_is_one_line(app, runner):
    one = contacts.contact_for("email", "a@example.com")
    db.session.commit()
    result = runner.invoke(args=["customers", "merge", str(one.id), str(one.id)])
    assert result.exit_code == 1 and result.output.strip() == "Error: Choose two different customers."


# --- contacts for email and web tickets -----------------------------------------------------------

def test_mailed_tickets_get_the_senders_record_and_replies_fill_in_a_missing_one(app, runner):
    from tests.channels.test_mail_receive import mail, receive

    first = receive(runner, mail())
    ticket = db.session.get(Ticket, first["ticket"] - 1000)
    rose = db.session.get(Contact, ticket.contact_id)
    assert rose.name == "Rose Tyler" and rose.identity("email") == "rose@example.com"
    ticket.contact_id = None  # a ticket from before customer records existed
    db.session.commit()
    reply = receive(runner, mail(subject="Re: Where is my parcel?", message_id="<m2@mail.example.com>",
                                 extra="In-Reply-To: <m1@mail.example.com>\n"))
    assert reply["ticket"] == first["ticket"]
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).contact_id == rose.id and count(Contact) == 1


def test_web_and_portal_tickets_get_a_record(app, client, login):
    client.post("/help/contact", data={"name": "Gil Guest", "email": "gil@example.com", "subject": "Sizes",
                                       "body": "Do you have this in blue?", "topic": "product"})
    customer = make_user(email="pat@example.com", name="Pat")
    login(customer.email)
    client.post("/portal/tickets/new", data={"subject": "Refund", "body": "Where is my refund?", "topic": "payment"})
    tickets = {t.requester_email: t for t in db.session.scalars(select(Ticket))}
    assert set(tickets) == {"gil@example.com", "pat@example.com"}
    assert db.session.get(Contact, tickets["gil@example.com"].contact_id).identity("email") == "gil@example.com"
    assert db.session.get(Contact, tickets["pat@example.com"].contact_id).user_id == customer.id
