"""Automatic assignment: round-robin and fewest open tickets, online agents within capacity only,
tickets of an agent who went away handed on; set from the groups page."""
from portal.accounts.models import Role
from portal.automation import assignment
from portal.extensions import db
from portal.models_base import utcnow
from portal.tickets import groups as group_services
from portal.tickets.models import AgentSetting, Scope, Ticket, TicketGroup
from tests.factories import make_agent, make_ticket, make_user


def shipping(mode="round_robin", reassign=False, members=()):
    group = group_services.create_group(name="Shipping")
    group.assign_mode, group.reassign_when_away = mode, reassign
    group_services.set_membership(group, [m.id for m in members])
    db.session.commit()
    return group


def online(agent, capacity=None, at=None):
    setting = db.session.get(AgentSetting, agent.id) or AgentSetting(user_id=agent.id, scope=Scope.ASSIGNED)
    setting.availability, setting.availability_at, setting.capacity = "online", at or utcnow(), capacity
    db.session.add(setting)
    db.session.commit()


def test_round_robin_takes_online_agents_in_turn(app):
    alice, bob, carol = (make_agent(scope="groups", name=n) for n in ("Alice", "Bob", "Carol"))
    group = shipping(members=[alice, bob, carol])
    online(alice)
    online(carol)  # Bob is away
    owners = [make_ticket(group=group).assignee_id for _ in range(4)]
    assert owners == [alice.id, carol.id, alice.id, carol.id]


def test_fewest_open_tickets_and_capacity(app):
    alice, bob = make_agent(scope="groups", name="Alice"), make_agent(scope="groups", name="Bob")
    group = shipping(mode="least_open", members=[alice, bob])
    online(alice, capacity=1)
    online(bob)
    earlier = make_ticket()
    earlier.assignee_id = bob.id  # Bob already has one open ticket
    db.session.commit()
    first = make_ticket(group=group)
    assert first.assignee_id == alice.id  # fewest open
    second = make_ticket(group=group)
    assert second.assignee_id == bob.id  # Alice is at capacity
    online(bob, capacity=2)
    third = make_ticket(group=group)
    assert third.assignee_id is None  # nobody has room: it waits in the group


def test_nobody_online_leaves_the_ticket_unassigned_and_a_stale_heartbeat_counts_as_away(app, clock):
    alice = make_agent(scope="groups", name="Alice")
    group = shipping(members=[alice])
    online(alice)
    clock.advance(minutes=10)  # the switch says online but the page stopped calling in
    assert make_ticket(group=group).assignee_id is None


def test_mode_none_assigns_nobody(app):
    alice = make_agent(scope="groups")
    group = shipping(mode="none", members=[alice])
    online(alice)
    assert make_ticket(group=group).assignee_id is None


def test_an_agent_going_away_hands_their_open_tickets_on(app, clock):
    alice, bob = make_agent(scope="groups", name="Alice"), make_agent(scope="groups", name="Bob")
    group = shipping(reassign=True, members=[alice, bob])
    online(alice)
    ticket = make_ticket(group=group)
    assert ticket.assignee_id == alice.id
    clock.advance(minutes=5)
    online(bob)  # Bob is online now, Alice's heartbeat is old
    assert assignment.sweep() == 1
    assert db.session.get(Ticket, ticket.id).assignee_id == bob.id
    events = [e.kind for e in ticket_events(ticket)]
    assert events.count("assignee") >= 2


def ticket_events(ticket):
    from portal.tickets.models import TicketEvent

    return db.session.query(TicketEvent).filter_by(ticket_id=ticket.id).order_by(TicketEvent.id).all()


def test_the_groups_page_sets_mode_reassignment_and_capacity(client, login):
    manager = make_user(role=Role.MANAGER, email="boss@example.com")
    alice = make_agent(scope="groups", name="Alice")
    group = shipping(mode="none")
    login(manager.email)
    page = client.get("/staff/groups").get_data(as_text=True)
    assert "Automatic assignment" in page and f'name="assign-{group.id}"' in page
    response = client.post("/staff/groups/members", data={
        f"assign-{group.id}": "least_open", f"reassign-{group.id}": "on", f"capacity-{alice.id}": "5",
        f"member-{group.id}-{alice.id}": "on"}, follow_redirects=True)
    assert "Desk settings saved." in response.get_data(as_text=True)
    db.session.expire_all()
    group = db.session.get(TicketGroup, group.id)
    assert group.assign_mode == "least_open" and group.reassign_when_away
    assert db.session.get(AgentSetting, alice.id).capacity == 5

    bad = client.post("/staff/groups/members", data={f"capacity-{alice.id}": "lots"}, follow_redirects=True)
    assert "Capacity is a whole number" in bad.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(AgentSetting, alice.id).capacity == 5
