"""Queue reads per scope: each view page and count equals the scope filter applied to the view."""
import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.extensions import db
from portal.tickets import queries, services
from portal.tickets.access import staff_filter
from portal.tickets.models import Ticket
from tests.factories import make_agent, make_group, make_ticket, make_user


@pytest.fixture
def desk(app):
    """Two groups, a manager, and tickets spread over assignees, groups, statuses and priorities."""
    shipping, billing = make_group("Shipping"), make_group("Billing")
    boss = make_user(role=Role.MANAGER)
    agents = {scope: make_agent(scope=scope) for scope in ("all", "groups", "assigned")}
    other = make_agent(scope="all")
    from portal.tickets import groups as group_services
    group_services.set_membership(shipping, [agents["groups"].id, agents["assigned"].id])
    plan = [(assignee, group, status) for assignee in (None, "groups", "assigned", "other")
            for group in (None, shipping, billing) for status in ("new", "open", "pending", "solved")]
    for n, (assignee, group, status) in enumerate(plan):
        ticket = make_ticket(notify=False)
        services.set_group(ticket, group, actor=boss)
        if n % 3 == 0:
            services.set_priority(ticket, "urgent", actor=boss)
        if assignee:
            services.assign(ticket, other if assignee == "other" else agents[assignee], actor=boss)
        if status != "new":
            services.change_status(ticket, status, actor=boss)
    db.session.commit()
    return agents


def expected(user, view):
    order = ((Ticket.updated_at.desc(), Ticket.id.desc()) if view == "solved"
             else (Ticket.priority_rank, Ticket.waiting_since, Ticket.id))
    return list(db.session.scalars(select(Ticket.id).where(staff_filter(user), queries.view_condition(view, user))
                                   .order_by(*order)))


def test_pages_and_counts_match_the_scope_filter(app, desk):
    for scope, agent in desk.items():
        counts = queries.view_counts(agent)
        for view in queries.VIEW_KEYS:
            seen, cursor = [], None
            while True:
                page = queries.queue_page(agent, view, queries.Filters(), cursor=cursor, per_page=5)
                seen += [t.id for t in page.tickets]
                if not page.next_cursor:
                    break
                cursor = page.next_cursor
            # In order, each ticket once even where a scope's arms overlap (mine and in my group).
            assert seen == expected(agent, view), (scope, view)
            assert counts[view] == len(seen), (scope, view)


def test_priority_filter_reads_the_rank(app, desk):
    agent = desk["all"]
    page = queries.queue_page(agent, "open", queries.Filters(priority="urgent"))
    assert page.tickets and {t.priority.value for t in page.tickets} == {"urgent"}
    assert queries.queue_page(agent, "open", queries.Filters(priority="nope")).tickets == []
