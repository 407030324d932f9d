"""The staff desk in HTTP: queue views, filters, pages, the ticket page, composer, collisions, bulk, merge."""
import re

from sqlalchemy import select

from portal.accounts.models import Role
from portal.extensions import db
from portal.mail import OutgoingMail
from portal.tickets import queries, services
from portal.tickets.models import Macro, Status
from tests.factories import make_agent, make_group, make_ticket, make_user


def test_queue_views_show_counts_and_sort_urgent_first(app, client, login):
    agent = make_agent(email="agent@example.com")
    calm = make_ticket(subject="Calm question")
    urgent = make_ticket(subject="Urgent problem")
    services.set_priority(urgent, "urgent", actor=agent)
    services.assign(calm, agent, actor=agent)
    db.session.commit()
    login("agent@example.com")
    page = client.get("/staff/tickets/?view=open").get_data(as_text=True)
    assert page.index("Urgent problem") < page.index("Calm question")
    counts = dict(re.findall(r'view=(\w+)"[^>]*>[^<]+<span class="count">(\d+)', page))
    assert counts["open"] == "2" and counts["mine"] == "1" and counts["unassigned"] == "1"
    mine = client.get("/staff/tickets/?view=mine").get_data(as_text=True)
    assert "Calm question" in mine and "Urgent problem" not in mine


def test_filters_and_keyset_pages(app, client, login):
    app.config["TICKETS_PER_PAGE"] = 2
    agent = make_agent(email="agent@example.com")
    tickets = [make_ticket(subject=f"Subject {i}", email=f"c{i}@example.com") for i in range(5)]
    services.set_tags(tickets[3], "vip", actor=agent)
    db.session.commit()
    login("agent@example.com")
    seen, url = [], "/staff/tickets/?view=open"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += re.findall(r">Subject (\d)<", html)
        found = re.search(r'rel="next" href="([^"]+)"', html)
        url = found.group(1).replace("&amp;", "&") if found else None
    assert seen == ["0", "1", "2", "3", "4"]
    assert re.findall(r">Subject (\d)<", client.get("/staff/tickets/?view=open&tag=vip").get_data(as_text=True)) == ["3"]
    assert re.findall(r">Subject (\d)<", client.get("/staff/tickets/?view=open&requester=c2@").get_data(as_text=True)) == ["2"]
    for weird in ("?view=open&status=zzz", "?view=open&group=abc", "?view=open&after=%%%", "?view=open&q=%25_"):
        assert client.get("/staff/tickets/" + weird).status_code == 200
    assert client.get("/staff/tickets/?view=nope").status_code == 404


def test_queue_and_ticket_pages_do_not_grow_queries_with_rows(app, client, login, count_queries):
    agent = make_agent(email="agent@example.com")
    group = make_group("Shipping")
    for i in range(3):
        t = make_ticket()
        services.set_tags(t, f"t{i}", actor=agent)
        services.set_group(t, group, actor=agent)
    db.session.commit()
    login("agent@example.com")
    db.session.expire_all()
    with count_queries() as few:
        client.get("/staff/tickets/?view=open")
    for i in range(20):
        t = make_ticket()
        services.set_tags(t, f"x{i}", actor=agent)
        services.assign(t, agent, actor=agent)
    db.session.commit()
    db.session.expire_all()
    with count_queries() as many:
        client.get("/staff/tickets/?view=open")
    assert len(many) == len(few)
    ticket = make_ticket()
    for i in range(3):
        services.add_reply(ticket, body=f"reply {i}", author=agent)
    db.session.commit()
    db.session.expire_all()
    with count_queries() as short:
        client.get(f"/staff/tickets/{ticket.number}")
    for i in range(15):
        services.add_note(ticket, body=f"note {i}", actor=agent)
    db.session.commit()
    db.session.expire_all()
    with count_queries() as long:
        client.get(f"/staff/tickets/{ticket.number}")
    assert len(long) == len(short)


def test_ticket_page_shows_notes_distinctly_and_the_requester_sidebar(app, client, login):
    agent = make_agent(email="agent@example.com")
    customer = make_user(email="cust@example.com", name="Carla Customer")
    ticket = make_ticket(requester=customer, subject="First")
    other = make_ticket(requester=customer, subject="Earlier order question")
    services.add_note(ticket, body="Internal only", actor=agent)
    db.session.commit()
    login("agent@example.com")
    html = client.get(f"/staff/tickets/{ticket.number}").get_data(as_text=True)
    assert 'message-note' in html and "Internal only" in html and "Internal note" in html
    assert "Carla Customer" in html and f"#{other.number} Earlier order question" in html
    assert "Created" in html.split('class="timeline"')[1]  # the timeline names each event


def test_composer_reply_with_status_and_note(app, client, login):
    make_agent(email="agent@example.com")
    ticket = make_ticket(email="cust@example.com")
    login("agent@example.com")
    response = client.post(f"/staff/tickets/{ticket.number}/messages",
                           data={"body": "We shipped it.", "kind": "public", "status": "pending",
                                 "version": ticket.version})
    assert response.status_code == 302
    db.session.refresh(ticket)
    assert ticket.status == Status.PENDING
    client.post(f"/staff/tickets/{ticket.number}/messages",
                data={"body": "Carrier says Tuesday", "kind": "note", "version": ticket.version})
    mails = db.session.scalars(select(OutgoingMail).where(OutgoingMail.to == "cust@example.com")).all()
    assert any("We shipped it." in m.text for m in mails) and not any("Carrier says" in m.text for m in mails)
    empty = client.post(f"/staff/tickets/{ticket.number}/messages", data={"body": "", "kind": "public",
                                                                         "version": ticket.version})
    assert empty.status_code == 400 and b"Write a message." in empty.data


def test_stale_reply_shows_changes_and_asks_to_confirm(app, client, login):
    make_agent(email="agent@example.com")
    other = make_agent(name="Olga Other")
    ticket = make_ticket()
    seen = ticket.version
    services.add_reply(ticket, body="Olga answered first", author=other)
    db.session.commit()
    login("agent@example.com")
    data = {"body": "My duplicate answer", "kind": "public", "version": seen}
    stale = client.post(f"/staff/tickets/{ticket.number}/messages", data=data)
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "changed while you were working" in html and "Olga Other" in html and "Send anyway" in html
    assert "My duplicate answer" in html  # the draft is kept
    assert "My duplicate answer" not in [m.body for m in queries.thread(ticket, include_notes=True)]
    confirm = client.post(f"/staff/tickets/{ticket.number}/messages", data={**data, "confirm": "1"})
    assert confirm.status_code == 302
    bodies = [m.body for m in queries.thread(ticket, include_notes=True)]
    assert bodies.count("My duplicate answer") == 1


def test_presence_shows_who_else_is_on_the_ticket(app, make_app):
    agent_a = make_agent(email="a@example.com", name="Ann")
    make_agent(email="b@example.com", name="Ben")
    ticket = make_ticket()
    first, second = app.test_client(), app.test_client()
    for c, email in ((first, "a@example.com"), (second, "b@example.com")):
        c.post("/login", data={"email": email, "password": "correct-horse-9"})
    second.post(f"/staff/tickets/{ticket.number}/presence", json={"composing": True})
    seen = first.post(f"/staff/tickets/{ticket.number}/presence", json={}).get_json()
    assert seen["others"] == [{"name": "Ben", "composing": True}]
    assert "Ben is writing a reply" in first.get(f"/staff/tickets/{ticket.number}").get_data(as_text=True)
    assert agent_a


def test_macro_preview_sets_fields_and_missing_variables_stay_visible(app, client, login):
    agent = make_agent(email="agent@example.com")
    group = make_group("Returns")
    customer = make_user(name="Nina Client")
    ticket = make_ticket(requester=customer)
    login("agent@example.com")
    client.post("/staff/macros/new", data={"title": "Return label", "body": "Hi {{ customer.first_name }}, "
                                           "label for {{ ticket.number }} {{ order.tracking }}",
                                           "set_status": "pending", "set_priority": "high",
                                           "set_group_id": str(group.id), "add_tags": "returns"})
    macro = db.session.scalar(select(Macro))
    assert macro.owner_id == agent.id  # agents make personal macros
    rendered = client.get(f"/staff/tickets/{ticket.number}/macros/{macro.id}").get_json()
    assert rendered["body"] == f"Hi Nina, label for #{ticket.number} [order.tracking]"
    client.post(f"/staff/tickets/{ticket.number}/messages",
                data={"body": rendered["body"], "kind": "public", "status": rendered["status"],
                      "macro_id": macro.id, "version": ticket.version})
    db.session.refresh(ticket)
    assert ticket.status == Status.PENDING and ticket.priority.value == "high"
    assert ticket.group_id == group.id and ticket.tags == ["returns"]
    shared = client.post("/staff/macros/new", data={"title": "Team", "body": "x", "shared": "y"})
    assert shared.status_code == 400 and b"Only managers" in shared.data


def test_bulk_and_merge_from_the_desk(app, client, login):
    agent = make_agent(email="agent@example.com")
    customer = make_user()
    a, b = make_ticket(requester=customer), make_ticket(requester=customer)
    login("agent@example.com")
    client.post("/staff/tickets/bulk", data={"ids": [a.id, b.id], "action": "assign", "value": "me"})
    db.session.refresh(a), db.session.refresh(b)
    assert a.assignee_id == b.assignee_id == agent.id
    response = client.post(f"/staff/tickets/{b.number}/merge", data={"target": str(a.number)})
    assert response.location.endswith(f"/staff/tickets/{a.number}")
    db.session.refresh(b)
    assert b.merged_into_id == a.id and b.status == Status.CLOSED
    bad = client.post(f"/staff/tickets/{a.number}/merge", data={"target": str(make_ticket().number)})
    assert bad.status_code == 400


def test_staff_pages_are_404_for_customers_editors_and_out_of_scope_agents(app, client, login):
    ticket = make_ticket()
    make_user(email="cust@example.com")
    make_user(email="editor@example.com", role=Role.EDITOR)
    make_agent(email="new@example.com", scope="assigned")
    for email in ("cust@example.com", "editor@example.com"):
        login(email)
        assert client.get("/staff/tickets/").status_code == 404
        assert client.get(f"/staff/tickets/{ticket.number}").status_code == 404
        client.post("/logout")
    login("new@example.com")
    assert client.get("/staff/tickets/").status_code == 200
    assert client.get(f"/staff/tickets/{ticket.number}").status_code == 404
    assert client.post(f"/staff/tickets/{ticket.number}/take").status_code == 404


def test_manager_sets_groups_and_scopes(app, client, login):
    make_user(email="boss@example.com", role=Role.MANAGER)
    agent = make_agent(email="agent@example.com", scope="assigned")
    login("boss@example.com")
    client.post("/staff/groups", data={"name": "Shipping"})
    from portal.tickets.models import TicketGroup
    group = db.session.scalar(select(TicketGroup))
    client.post("/staff/groups/members", data={f"member-{group.id}-{agent.id}": "on", f"scope-{agent.id}": "groups"})
    from portal.tickets.access import agent_scope, group_ids
    assert group_ids(agent) == [group.id] and agent_scope(agent).value == "groups"
    assert client.post("/staff/groups", data={"name": "Shipping"}).status_code == 200  # duplicate: error shown


def test_bulk_assign_to_an_unknown_agent_changes_nothing(app, client, login):
    agent = make_agent(email="agent@example.com")
    ticket = make_ticket()
    services.assign(ticket, agent, actor=agent)
    db.session.commit()
    login("agent@example.com")
    response = client.post("/staff/tickets/bulk", data={"ids": [ticket.id], "action": "assign", "value": "424242"},
                           follow_redirects=True)
    assert "No agent with id 424242." in response.get_data(as_text=True)
    db.session.refresh(ticket)
    assert ticket.assignee_id == agent.id
