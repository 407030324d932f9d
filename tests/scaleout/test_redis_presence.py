"""PORTAL_REDIS_URL: collision warnings (who else is on a ticket) live in Redis with a time to live, and a
Redis that is gone or goes away never fails the ticket page (the database keeps presence meanwhile)."""
import redis
from sqlalchemy import func, select

from portal.extensions import db
from portal.tickets.models import TicketPresence
from tests.factories import PASSWORD, make_agent, make_ticket
from tests.redis_server import RedisServer


def two_agents(app):
    """Ann and Ben logged in, each in their own browser, and a ticket for them both."""
    make_agent(email="ann@example.com", name="Ann")
    make_agent(email="ben@example.com", name="Ben")
    ticket = make_ticket()
    ann, ben = app.test_client(), app.test_client()
    for browser, email in ((ann, "ann@example.com"), (ben, "ben@example.com")):
        assert browser.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return ticket, ann, ben


def beat(browser, ticket, composing=False):
    response = browser.post(f"/staff/tickets/{ticket.number}/presence", json={"composing": composing})
    assert response.status_code == 200
    return response.get_json()["others"]


def presence_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(TicketPresence))


def test_an_agent_on_a_ticket_is_shown_to_another_from_redis_until_the_beat_expires(app_with_redis, redis_url,
                                                                                       clock):
    app = app_with_redis(redis_url)
    ticket, ann, ben = two_agents(app)
    assert ann.get(f"/staff/tickets/{ticket.number}").status_code == 200
    assert beat(ben, ticket) == [{"name": "Ann", "composing": False}]
    beat(ben, ticket, composing=True)
    assert "Ben is writing a reply" in ann.get(f"/staff/tickets/{ticket.number}").get_data(as_text=True)
    assert presence_rows() == 0
    ttl = redis.Redis.from_url(redis_url).ttl(f"comptoir:presence:{ticket.id}")
    assert 0 < ttl <= app.config["PRESENCE_SECONDS"]  # Redis forgets the ticket once nobody beats on it
    clock.advance(seconds=app.config["PRESENCE_SECONDS"] + 1)
    assert beat(ann, ticket) == []  # Ben's beat is older than the window


def test_sending_a_reply_takes_the_agent_off_the_ticket(app_with_redis, redis_url):
    app = app_with_redis(redis_url)
    ticket, ann, ben = two_agents(app)
    beat(ann, ticket, composing=True)
    assert beat(ben, ticket) == [{"name": "Ann", "composing": True}]
    reply = ann.post(f"/staff/tickets/{ticket.number}/messages",
                     data={"body": "On its way.", "kind": "public", "confirm": "1"})
    assert reply.status_code == 302
    assert beat(ben, ticket) == []


def test_a_redis_that_is_not_there_leaves_presence_to_the_database(app_with_redis, dead_redis_url):
    app = app_with_redis(dead_redis_url)
    ticket, ann, ben = two_agents(app)
    assert ann.get(f"/staff/tickets/{ticket.number}").status_code == 200
    assert beat(ben, ticket) == [{"name": "Ann", "composing": False}]
    assert presence_rows() == 2


def test_redis_going_away_mid_way_never_fails_the_ticket_page(app_with_redis, tmp_path):
    server = RedisServer(tmp_path).start()
    try:
        app = app_with_redis(server.url)
        ticket, ann, ben = two_agents(app)
        beat(ann, ticket)
        assert beat(ben, ticket) == [{"name": "Ann", "composing": False}]
    finally:
        server.stop()
    page = ben.get(f"/staff/tickets/{ticket.number}")
    assert page.status_code == 200  # Ann's Redis beat went with Redis: nobody is shown, nothing fails
    assert beat(ann, ticket) == [{"name": "Ben", "composing": False}]  # the database took over
