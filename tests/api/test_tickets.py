"""/api/v1/tickets as an integrating developer uses it: list with filters and cursors, show, open,
update, reply, note, merge, each error; every response is checked against the OpenAPI document."""
from sqlalchemy import select

from portal.accounts.models import Role
from portal.extensions import db
from portal.mail import OutgoingMail
from portal.tickets import queries, services
from portal.tickets.models import Channel, MessageKind, Status, Ticket, TicketEvent
from tests.api.conftest import error_of
from tests.factories import make_agent, make_group, make_ticket, make_user

RW = ("tickets:read", "tickets:write")


def numbers(response) -> list[int]:
    assert response.status_code == 200, response.get_json()
    return [t["number"] for t in response.get_json()["data"]]


def test_list_answers_every_ticket_the_user_may_see_in_change_order(api, token, manager):
    first, second = make_ticket(subject="First"), make_ticket(subject="Second")
    services.set_tags(first, ["vip"], actor=manager)  # first now changed last
    db.session.commit()
    response = api.get("/tickets", token=token(manager, "tickets:read"))
    assert numbers(response) == [second.number, first.number]
    body = response.get_json()
    assert body["next_cursor"] is None
    listed = body["data"][1]
    assert listed["subject"] == "First" and listed["tags"] == ["vip"] and listed["status"] == "new"
    assert listed["updated_at"].endswith("Z") and listed["version"] == 2
    newest_first = api.get("/tickets?order=-updated_at", token=token(manager, "tickets:read"))
    assert numbers(newest_first) == [first.number, second.number]


def test_list_filters(api, token, manager, agent, clock):
    group = make_group("Shipping", members=[agent])
    urgent = make_ticket(subject="Urgent one", email="zoe@example.com", priority="urgent", group=group)
    services.assign(urgent, agent, actor=manager)
    services.set_tags(urgent, ["late-delivery"], actor=manager)
    chat = make_ticket(subject="From chat", channel=Channel.CHAT, email="yan@example.com")
    services.change_status(chat, "pending", actor=manager)
    db.session.commit()
    clock.advance(hours=2)
    since = clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")  # to the second: before the next ticket
    recent = make_ticket(subject="Recent")
    secret = token(manager, "tickets:read")
    assert numbers(api.get("/tickets?status=pending", token=secret)) == [chat.number]
    assert numbers(api.get("/tickets?priority=urgent", token=secret)) == [urgent.number]
    assert numbers(api.get(f"/tickets?group={group.id}", token=secret)) == [urgent.number]
    assert numbers(api.get("/tickets?group=none", token=secret)) == [chat.number, recent.number]
    assert numbers(api.get(f"/tickets?assignee={agent.id}", token=secret)) == [urgent.number]
    assert numbers(api.get("/tickets?assignee=none", token=secret)) == [chat.number, recent.number]
    assert numbers(api.get("/tickets?channel=chat", token=secret)) == [chat.number]
    assert numbers(api.get("/tickets?tag=Late-Delivery", token=secret)) == [urgent.number]
    assert numbers(api.get("/tickets?requester=ZOE@example.com", token=secret)) == [urgent.number]
    assert numbers(api.get(f"/tickets?updated_since={since}", token=secret)) == [recent.number]
    assert numbers(api.get("/tickets?updated_since=2000-01-01T00:00:00%2B02:00&status=pending",
                           token=secret)) == [chat.number]
    mine = api.get("/tickets?assignee=me", token=token(agent, "tickets:read"))
    assert numbers(mine) == [urgent.number]


def test_bad_filters_are_400_naming_the_parameter(api, token, manager):
    secret = token(manager, "tickets:read")
    for query, field in (("status=lost", "status"), ("assignee=someone", "assignee"), ("limit=0", "limit"),
                         ("limit=101", "limit"), ("updated_since=yesterday", "updated_since"),
                         ("requester=not-an-email", "requester"), ("colour=red", "colour")):
        response = api.get(f"/tickets?{query}", token=secret)
        assert response.status_code == 400, query
        assert error_of(response)["code"] == "invalid_parameter" and error_of(response)["field"] == field, query


def test_cursor_pages_neither_repeat_nor_skip_while_tickets_change(api, token, manager, clock):
    tickets = []
    for n in range(7):
        tickets.append(make_ticket(subject=f"Ticket {n}"))
        clock.advance(seconds=1)
    secret = token(manager, "tickets:read")
    page = api.get("/tickets?limit=3", token=secret)
    seen = numbers(page)
    assert seen == [t.number for t in tickets[:3]]
    # Meanwhile: a seen ticket changes (it moves to the end), a new one arrives, an unseen one changes.
    services.set_tags(tickets[0], ["again"], actor=manager)
    clock.advance(seconds=1)
    services.set_priority(tickets[4], "high", actor=manager)
    db.session.commit()
    clock.advance(seconds=1)
    newcomer = make_ticket(subject="Newcomer")
    cursor = page.get_json()["next_cursor"]
    while cursor:
        page = api.get(f"/tickets?limit=3&cursor={cursor}", token=secret)
        seen += numbers(page)
        cursor = page.get_json()["next_cursor"]
    unchanged = [t.number for t in tickets[1:]]
    assert all(seen.count(number) == 1 for number in unchanged)  # none repeated, none skipped
    assert seen[-3:] == [tickets[0].number, tickets[4].number, newcomer.number]  # changes come last


def test_a_forged_cursor_is_400(api, token, manager):
    secret = token(manager, "tickets:read")
    for cursor in ("nonsense", "WzEsMl0", "W10"):  # not base64 JSON, [1,2] of wrong types, []
        response = api.get(f"/tickets?cursor={cursor}", token=secret)
        assert response.status_code == 400 and error_of(response) == {
            "code": "invalid_cursor", "field": "cursor",
            "message": "This cursor is not valid. Use the next_cursor of the previous page."}


def test_agents_see_their_scope_only_and_a_guessed_number_is_404(api, token, manager):
    own = make_agent(scope="assigned")
    in_group = make_agent(scope="groups")
    group = make_group("Returns", members=[in_group])
    mine, theirs, grouped = make_ticket(subject="Mine"), make_ticket(subject="Theirs"), make_ticket(subject="Grouped")
    services.assign(mine, own, actor=manager)
    services.set_group(grouped, group, actor=manager)
    db.session.commit()
    own_token, group_token = token(own, *RW), token(in_group, *RW)
    assert numbers(api.get("/tickets", token=own_token)) == [mine.number]
    assert numbers(api.get("/tickets", token=group_token)) == [grouped.number]
    for secret, hidden in ((own_token, theirs), (group_token, mine)):
        for call in (api.get(f"/tickets/{hidden.number}", token=secret),
                     api.patch(f"/tickets/{hidden.number}", token=secret, json={"priority": "high"}),
                     api.post(f"/tickets/{hidden.number}/replies", token=secret, json={"body": "Hi"})):
            assert call.status_code == 404 and error_of(call)["code"] == "not_found"
    assert api.get("/tickets/999999", token=own_token).status_code == 404
    assert api.get("/tickets/1", token=own_token).status_code == 404  # below the first number
    assert db.session.get(Ticket, theirs.id).priority.value == "normal"


def test_show_has_the_thread_with_internal_notes_and_an_etag(api, token, manager):
    ticket = make_ticket(subject="Broken zip", body="The zip broke.")
    services.add_note(ticket, body="Supplier knows.", actor=manager)
    db.session.commit()
    response = api.get(f"/tickets/{ticket.number}", token=token(manager, "tickets:read"))
    assert response.status_code == 200 and response.headers["ETag"] == f'"{ticket.version}"'
    messages = response.get_json()["messages"]
    assert [(m["kind"], m["body"], m["author"]["kind"]) for m in messages] == [
        ("public", "The zip broke.", "customer"), ("note", "Supplier knows.", "agent")]
    assert messages[1]["author"] == {"kind": "agent", "user_id": manager.id, "name": "Maya Manager"}


def test_open_a_ticket_for_a_requester(api, token, manager, agent):
    group = make_group("Shipping", members=[agent])
    response = api.post("/tickets", token=token(manager, *RW), json={
        "subject": "Parcel lost", "body": "Tracking stopped a week ago.", "requester": {"email": "Lea@Example.com",
                                                                                     "name": "Léa"},
        "priority": "high", "group_id": group.id, "assignee_id": agent.id, "tags": ["Carrier", "vip"]})
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert response.headers["Location"] == f"/api/v1/tickets/{data['number']}"
    assert data["channel"] == "api" and data["priority"] == "high" and data["status"] == "open"
    assert data["requester"]["email"] == "lea@example.com" and data["requester"]["name"] == "Léa"
    assert data["group"] == {"id": group.id, "name": "Shipping"} and data["assignee"]["id"] == agent.id
    assert data["tags"] == ["carrier", "vip"]
    assert data["messages"][0]["author"]["kind"] == "customer"
    ticket = services.get_ticket(data["number"])
    assert ticket.last_customer_message_at is not None
    receipts = db.session.scalars(select(OutgoingMail).where(OutgoingMail.to == "lea@example.com")).all()
    assert receipts, "the requester gets the usual receipt"


def test_open_a_ticket_as_the_agent_starting_the_conversation(api, token, agent):
    response = api.post("/tickets", token=token(agent, *RW), json={
        "subject": "Your return", "body": "We received your parcel.", "requester": {"email": "sam@example.com"},
        "author": "agent", "assignee_id": agent.id})
    assert response.status_code == 201, response.get_json()
    first = response.get_json()["messages"][0]
    assert first["author"] == {"kind": "agent", "user_id": agent.id, "name": "Alex Agent"}


def test_open_refuses_bad_fields_with_422_and_stores_nothing(api, token, manager):
    secret = token(manager, *RW)
    cases = [({"subject": "", "body": "x", "requester": {"email": "a@example.com"}}, "subject"),
             ({"subject": "x", "body": "  ", "requester": {"email": "a@example.com"}}, "body"),
             ({"subject": "x", "body": "x", "requester": {"email": "nobody"}}, "requester.email"),
             ({"subject": "x", "body": "x"}, "requester"),
             ({"subject": "x", "body": "x", "requester": {"email": "a@example.com"}, "group_id": 999}, "group_id"),
             ({"subject": "x", "body": "x", "requester": {"email": "a@example.com"}, "priority": "asap"}, "priority"),
             ({"subject": "x", "body": "x", "requester": {"email": "a@example.com"}, "assignee_id": "7"},
              "assignee_id"),
             ({"subject": "x", "body": "x", "requester": {"email": "a@example.com"}, "colour": "red"}, "colour")]
    for body, field in cases:
        response = api.post("/tickets", token=secret, json=body)
        assert response.status_code == 422, (body, response.get_json())
        assert error_of(response)["field"] == field and error_of(response)["code"] == "validation_failed", body
    customer = make_user(Role.CUSTOMER)
    refused = api.post("/tickets", token=secret, json={"subject": "x", "body": "x", "requester": {
        "email": "a@example.com"}, "assignee_id": customer.id})
    assert refused.status_code == 422 and error_of(refused)["field"] == "assignee_id"
    assert db.session.scalar(select(Ticket.id)) is None


def test_update_fields_in_one_call(api, token, manager, agent):
    group = make_group("Billing")
    ticket = make_ticket()
    response = api.patch(f"/tickets/{ticket.number}", token=token(manager, *RW), json={
        "status": "pending", "priority": "urgent", "group_id": group.id, "assignee_id": agent.id,
        "tags": ["refund", "vip"]})
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert (data["status"], data["priority"], data["group"]["id"], data["assignee"]["id"], data["tags"]) == (
        "pending", "urgent", group.id, agent.id, ["refund", "vip"])
    kinds = [e.kind for e in db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id))]
    assert {"status", "priority", "group", "assignee", "tags"} <= set(kinds)
    cleared = api.patch(f"/tickets/{ticket.number}", token=token(manager, *RW),
                        json={"assignee_id": None, "group_id": None})
    assert cleared.get_json()["assignee"] is None and cleared.get_json()["group"] is None
    assert cleared.get_json()["priority"] == "urgent"  # not sent, not changed


def test_update_errors(api, token, manager):
    ticket = make_ticket()
    secret = token(manager, *RW)
    closed = api.patch(f"/tickets/{ticket.number}", token=secret, json={"status": "closed"})
    assert closed.status_code == 422 and error_of(closed) == {
        "code": "validation_failed", "field": "status", "message": "Only solved tickets can be closed."}
    assert api.patch(f"/tickets/{ticket.number}", token=secret, json={"status": None}).status_code == 422
    assert error_of(api.patch(f"/tickets/{ticket.number}", token=secret,
                              json={"assignee_id": 987654}))["field"] == "assignee_id"
    assert db.session.get(Ticket, ticket.id).version == 1  # nothing was kept


def test_if_match_guards_every_change(api, token, manager):
    ticket = make_ticket()
    secret = token(manager, *RW)
    first = api.patch(f"/tickets/{ticket.number}", token=secret, json={"priority": "high"},
                      headers={"If-Match": '"1"'})
    assert first.status_code == 200 and first.headers["ETag"] == '"2"'
    for call in (lambda: api.patch(f"/tickets/{ticket.number}", token=secret, json={"priority": "low"},
                                   headers={"If-Match": '"1"'}),
                 lambda: api.post(f"/tickets/{ticket.number}/replies", token=secret, json={"body": "Hello"},
                                  headers={"If-Match": 'W/"1"'}),
                 lambda: api.post(f"/tickets/{ticket.number}/notes", token=secret, json={"body": "Hm"},
                                  headers={"If-Match": "1"})):
        stale = call()
        assert stale.status_code == 412, stale.get_json()
        assert error_of(stale)["code"] == "version_mismatch" and error_of(stale)["field"] == "If-Match"
        assert stale.headers["ETag"] == '"2"'
    assert db.session.get(Ticket, ticket.id).priority.value == "high"
    assert db.session.get(Ticket, ticket.id).message_count == 1
    malformed = api.patch(f"/tickets/{ticket.number}", token=secret, json={"priority": "low"},
                          headers={"If-Match": "version two"})
    assert malformed.status_code == 400 and error_of(malformed)["field"] == "If-Match"
    fresh = api.patch(f"/tickets/{ticket.number}", token=secret, json={"priority": "low"}, headers={"If-Match": '"2"'})
    assert fresh.status_code == 200 and fresh.headers["ETag"] == '"3"'
    assert api.patch(f"/tickets/{ticket.number}", token=secret, json={"priority": "normal"},
                     headers={"If-Match": "*"}).status_code == 200


def test_reply_is_mailed_to_the_customer_and_can_set_the_status(api, token, agent):
    ticket = make_ticket(email="nina@example.com")
    response = api.post(f"/tickets/{ticket.number}/replies", token=token(agent, *RW),
                        json={"body": "It ships tomorrow.", "status": "pending"})
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["message"]["kind"] == "public" and data["message"]["author"]["user_id"] == agent.id
    assert data["ticket"]["status"] == "pending" and response.headers["ETag"] == f'"{data["ticket"]["version"]}"'
    mails = db.session.scalars(select(OutgoingMail).where(OutgoingMail.to == "nina@example.com")).all()
    assert any("It ships tomorrow." in mail.text for mail in mails)
    empty = api.post(f"/tickets/{ticket.number}/replies", token=token(agent, *RW), json={"body": ""})
    assert empty.status_code == 422 and error_of(empty)["field"] == "body"


def test_note_stays_internal(api, token, agent):
    ticket = make_ticket(email="omar@example.com")
    before = db.session.query(OutgoingMail).filter(OutgoingMail.to == "omar@example.com").count()
    response = api.post(f"/tickets/{ticket.number}/notes", token=token(agent, *RW), json={"body": "Call the carrier."})
    assert response.status_code == 201 and response.get_json()["message"]["kind"] == "note"
    assert db.session.query(OutgoingMail).filter(OutgoingMail.to == "omar@example.com").count() == before
    stored = db.session.get(Ticket, ticket.id)
    assert stored.message_count == 2
    assert [m.kind for m in queries.thread(stored, include_notes=True)][-1] == MessageKind.NOTE
    public = api.get(f"/tickets/{ticket.number}", token=token(agent, "tickets:read")).get_json()["messages"]
    assert [m["kind"] for m in public] == ["public", "note"]


def test_merge_into_a_ticket_of_the_same_requester(api, token, manager):
    old = make_ticket(email="pia@example.com", subject="Order 1")
    new = make_ticket(email="pia@example.com", subject="Order 1 again")
    other = make_ticket(email="someone@example.com")
    secret = token(manager, *RW)
    response = api.post(f"/tickets/{new.number}/merge", token=secret, json={"into": old.number})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["number"] == old.number and response.get_json()["message_count"] >= 2
    merged = api.get(f"/tickets/{new.number}", token=secret).get_json()
    assert merged["merged_into"] == old.number and merged["status"] == "closed"
    refused = api.post(f"/tickets/{other.number}/merge", token=secret, json={"into": old.number})
    assert refused.status_code == 422 and error_of(refused)["field"] == "into"
    missing = api.post(f"/tickets/{other.number}/merge", token=secret, json={"into": 424242})
    assert missing.status_code == 422 and error_of(missing)["field"] == "into"
    assert db.session.get(Ticket, other.id).status == Status.NEW


def test_tag_filter_reads_the_same_tickets_whether_the_tag_is_rare_or_common(api, token, manager, monkeypatch):
    from portal.api.v1 import ticket_list

    tagged = [make_ticket(subject=f"Tagged {n}") for n in range(3)]
    make_ticket(subject="Untagged")
    for ticket in tagged:
        services.set_tags(ticket, ["fragile"], actor=manager)
    db.session.commit()
    secret = token(manager, "tickets:read")
    rare = numbers(api.get("/tickets?tag=fragile&limit=2", token=secret))
    monkeypatch.setattr(ticket_list, "TAG_DRIVE_LIMIT", 1)  # now "common": walked in order, checked one by one
    common = numbers(api.get("/tickets?tag=fragile&limit=2", token=secret))
    assert rare == common == [tagged[0].number, tagged[1].number]
