"""The desk shows each ticket's SLA due time in words (and colour), sorts the queue by it through the
indexes, and the ticket page lists each target: due, met or missed."""
import re
from datetime import datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import event

from portal.accounts.models import Role
from portal.automation import sla
from portal.automation.models import SlaPolicy
from portal.extensions import db
from portal.tickets import queries, services
from portal.tickets.models import Channel, Priority, Ticket
from tests.factories import make_agent, make_group, make_ticket, make_user


def policy(**values) -> SlaPolicy:
    row = SlaPolicy(**{"name": "Web requests", "channels": ["web"], "first_response_minutes": 80,
                       "warn_before_minutes": 30, **values})
    db.session.add(row)
    db.session.commit()
    return row


def opened_at(clock, when: datetime, **kwargs) -> Ticket:
    clock.advance(seconds=(when - clock.now()).total_seconds())
    return make_ticket(**kwargs)


def row_text(page: str, subject: str) -> str:
    """The words of the queue row of `subject` (tags stripped, spaces collapsed)."""
    row = next(r for r in re.findall(r"<tr class=\"priority-.*?</tr>", page, re.S) if subject in r)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", row)).split())


def row_html(page: str, subject: str) -> str:
    return next(r for r in re.findall(r"<tr class=\"priority-.*?</tr>", page, re.S) if subject in r)


def test_the_queue_says_due_in_or_overdue_by_in_words_and_colour(app, client, login, clock):
    policy()
    agent = make_agent()
    opened_at(clock, datetime(2026, 6, 3, 8, 0), subject="Overdue parcel")
    clock.advance(hours=3, minutes=80)  # 12:20, 3 h past its 80-minute first response
    make_ticket(subject="Fresh question")  # due 13:40
    make_ticket(subject="Phone order", channel=Channel.PHONE)  # no policy for the phone
    clock.advance(minutes=70)  # 13:30
    make_ticket(subject="Newest one")  # due 14:50
    login(agent.email)
    page = client.get("/staff/tickets/?view=open").get_data(as_text=True)
    assert "Overdue by 4 h 10" in row_text(page, "Overdue parcel")
    assert 'class="sla sla-overdue"' in row_html(page, "Overdue parcel")
    assert "Due soon: in 10 min" in row_text(page, "Fresh question")
    assert 'class="sla sla-soon"' in row_html(page, "Fresh question")
    assert "Due in 1 h 20" in row_text(page, "Newest one") and "first response" in row_text(page, "Newest one")
    assert 'class="sla sla-due"' in row_html(page, "Newest one")
    assert "No target" in row_text(page, "Phone order")
    assert '<th scope="col">SLA</th>' in page


def test_sorting_by_sla_puts_overdue_first_then_soonest_and_no_target_last(app, client, login, clock):
    policy(first_response_minutes=60)
    agent = make_agent()
    opened_at(clock, datetime(2026, 6, 3, 8, 0), subject="Late one")
    clock.advance(minutes=30)
    make_ticket(subject="Later one")
    make_ticket(subject="Phone one", channel=Channel.PHONE)
    make_ticket(subject="Urgent phone", channel=Channel.PHONE, priority=Priority.URGENT)
    clock.advance(minutes=40)  # late is overdue by 10 min, later due in 20
    make_ticket(subject="Newest")
    login(agent.email)
    page = client.get("/staff/tickets/?view=open&sort=sla").get_data(as_text=True)
    order = [m for m in re.findall(r">(Late one|Later one|Phone one|Urgent phone|Newest)</a>", page)]
    assert order == ["Late one", "Later one", "Newest", "Urgent phone", "Phone one"]
    assert 'aria-sort="ascending"' in page and 'aria-current="true">SLA due time' in page
    # The default sort is unchanged: urgent first, then longest waiting.
    page = client.get("/staff/tickets/?view=open").get_data(as_text=True)
    order = [m for m in re.findall(r">(Late one|Later one|Phone one|Urgent phone|Newest)</a>", page)]
    assert order == ["Urgent phone", "Late one", "Later one", "Phone one", "Newest"]


def test_sla_pages_keep_the_sort_and_cross_from_due_to_no_target(app, client, login, clock):
    policy(first_response_minutes=60)
    agent = make_agent()
    subjects = []
    for n in range(5):
        make_ticket(subject=f"Timed {n}")
        make_ticket(subject=f"Untimed {n}", channel=Channel.PHONE)
        subjects += [f"Timed {n}", f"Untimed {n}"]
        clock.advance(minutes=5)
    app.config["TICKETS_PER_PAGE"] = 3
    login(agent.email)
    seen, url = [], "/staff/tickets/?view=open&sort=sla"
    while url:
        response = client.get(url)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        seen += re.findall(r">((?:Un)?[Tt]imed \d)</a>", page)
        found = re.search(r'<a rel="next" href="([^"]+)"', page)
        url = unescape(found.group(1)) if found else None
        if url:
            assert "sort=sla" in url
    assert seen == [f"Timed {n}" for n in range(5)] + [f"Untimed {n}" for n in range(5)]


def test_a_broken_cursor_or_sort_shows_the_first_page(app, client, login):
    policy()
    agent = make_agent()
    make_ticket(subject="Only one")
    login(agent.email)
    for url in ("/staff/tickets/?view=open&sort=sla&after=%%%", "/staff/tickets/?view=open&sort=sla&after=ZHVlfHh8eQ",
                "/staff/tickets/?view=open&sort=nonsense", "/staff/tickets/?view=solved&sort=sla"):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "Only one" in client.get("/staff/tickets/?view=open&sort=sla&after=%%%").get_data(as_text=True)


@pytest.fixture
def desk(app, clock):
    """Tickets over groups, assignees and statuses, some under a policy (web) and some not (phone)."""
    shipping, billing = make_group("Shipping"), make_group("Billing")
    boss = make_user(role=Role.MANAGER)
    agents = {scope: make_agent(scope=scope) for scope in ("all", "groups", "assigned")}
    from portal.tickets import groups as group_services

    group_services.set_membership(shipping, [agents["groups"].id, agents["assigned"].id])
    policy(first_response_minutes=90, resolution_minutes=600)
    plan = [(assignee, group, status, channel) for assignee in (None, "groups", "assigned")
            for group in (None, shipping, billing) for status in ("new", "open", "pending")
            for channel in (Channel.WEB, Channel.PHONE)]
    for n, (assignee, group, status, channel) in enumerate(plan):
        clock.advance(minutes=7 * (n % 5))
        ticket = make_ticket(notify=False, channel=channel)
        services.set_group(ticket, group, actor=boss)
        if assignee:
            services.assign(ticket, agents[assignee], actor=boss)
        if status != "new":
            services.change_status(ticket, status, actor=boss)
        if n % 4 == 0:
            services.set_priority(ticket, "urgent", actor=boss)
    db.session.commit()
    return agents, (shipping, billing)


def expected_sla_order(user, view):
    from sqlalchemy import select

    from portal.tickets.access import staff_filter

    rows = db.session.execute(select(Ticket.id, Ticket.sla_due_at, Ticket.priority_rank, Ticket.waiting_since)
                              .where(staff_filter(user), queries.view_condition(view, user))).all()
    due = sorted((r for r in rows if r.sla_due_at), key=lambda r: (r.sla_due_at, r.id))
    rest = sorted((r for r in rows if not r.sla_due_at), key=lambda r: (r.priority_rank, r.waiting_since, r.id))
    return [r.id for r in due + rest]


def test_sla_pages_match_every_scope_and_view(app, desk):
    agents, (shipping, _billing) = desk
    for scope, agent in agents.items():
        for view in ("mine", "unassigned", "groups", "open", "pending"):
            for filters in (queries.Filters(), queries.Filters(group=str(shipping.id))):
                seen, cursor = [], None
                while True:
                    page = queries.queue_page(agent, view, filters, cursor=cursor, per_page=4, sort="sla")
                    seen += [t.id for t in page.tickets]
                    if not page.next_cursor:
                        break
                    cursor = page.next_cursor
                wanted = [i for i in expected_sla_order(agent, view)
                          if not filters.group or db.session.get(Ticket, i).group_id == int(filters.group)]
                assert seen == wanted, (scope, view, filters)


@pytest.mark.sqlite_only
def test_the_sla_sort_reads_index_ranges_not_the_whole_table(app, desk):
    agents, (shipping, _billing) = desk
    statements = []

    def listener(conn, cursor, statement, parameters, *args):
        if statement.lstrip().upper().startswith("SELECT") and "FROM ticket" in statement:
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        for agent in agents.values():
            for view in ("open", "unassigned", "groups", "mine", "pending"):
                for filters in (queries.Filters(), queries.Filters(group=str(shipping.id), status="open")):
                    page = queries.queue_page(agent, view, filters, per_page=3, sort="sla")
                    queries.queue_page(agent, view, filters, cursor=page.next_cursor, per_page=3, sort="sla")
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    with db.engine.connect() as conn:
        plans = [row[3] for statement, parameters in statements
                 for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
    assert plans and not [p for p in plans if p.startswith("SCAN ticket")]  # neither the table nor a whole index
    assert any("ix_ticket_sla_due" in p for p in plans)  # a whole status range walks the due-time index


def test_the_ticket_sidebar_lists_each_target_due_met_or_missed(app, client, login, clock):
    policy(first_response_minutes=60, resolution_minutes=24 * 60)
    agent = make_agent()
    ticket = opened_at(clock, datetime(2026, 6, 3, 8, 0), subject="Where is it")
    login(agent.email)
    side = sidebar(client, ticket)
    assert "First response Due soon: in 1 h" in side and "Resolution Due in 1 d" in side
    clock.advance(minutes=90)
    side = sidebar(client, ticket)
    assert "First response Overdue by 30 min" in side
    services.add_reply(ticket, body="On its way.", author=agent)
    db.session.commit()
    side = sidebar(client, ticket)
    assert "First response Missed" in side and "Resolution Due in 22 h 30" in side
    other = make_ticket(subject="Quick one")
    services.add_reply(other, body="Done.", author=agent, status="solved")
    db.session.commit()
    assert "First response Met" in sidebar(client, other) and "Resolution Met" in sidebar(client, other)
    by_phone = make_ticket(subject="By phone", channel=Channel.PHONE)
    assert 'id="sla-title"' not in client.get(f"/staff/tickets/{by_phone.number}").get_data(as_text=True)


def sidebar(client, ticket) -> str:
    page = client.get(f"/staff/tickets/{ticket.number}").get_data(as_text=True)
    aside = page[page.index('<aside class="ticket-side"'):]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", aside)).split())


def test_describe_names_a_target_even_when_the_soonest_due_time_is_stale(app):
    policy()
    ticket = make_ticket()
    ticket.sla_due_at = ticket.first_reply_due_at + timedelta(seconds=1)  # written by an older release, say
    assert sla.describe(ticket)["target"] == "first"
