"""PORTAL_REDIS_URL: rate limits count in Redis, with the database's sliding-window rules, and a Redis that is
gone or goes away never fails a request (the database counts meanwhile)."""
import redis
from sqlalchemy import func, select

from portal import ratelimit
from portal.extensions import db
from portal.mail import OutgoingMail
from tests.factories import make_user
from tests.redis_server import RedisServer

NO_TOKEN = "/api/v1/tickets"


def rate_rows() -> int:
    return db.session.scalar(select(func.count(ratelimit.RateEvent.id)))


def calls_without_token(client, n, ip="203.0.113.5"):
    return [client.get(NO_TOKEN, environ_base={"REMOTE_ADDR": ip}).status_code for _ in range(n)]


def test_calls_without_a_token_are_refused_past_the_limit_counted_in_redis(app_with_redis, redis_url, clock):
    app = app_with_redis(redis_url, API_AUTH_FAILURES_PER_MINUTE=3)
    client = app.test_client()
    assert calls_without_token(client, 5) == [401, 401, 401, 429, 429]
    assert calls_without_token(client, 1, ip="198.51.100.9") == [401]  # another client has its own count
    assert rate_rows() == 0 and redis.Redis.from_url(redis_url).keys("comptoir:rate:*")
    clock.advance(seconds=61)
    assert calls_without_token(client, 1) == [401]


def test_twenty_reset_requests_send_at_most_the_per_address_limit_with_redis(app_with_redis, redis_url):
    app = app_with_redis(redis_url)
    make_user(email="rose@example.com")
    client = app.test_client()
    for _ in range(20):
        response = client.post("/password/forgot", data={"email": "rose@example.com"},
                               environ_base={"REMOTE_ADDR": "203.0.113.7"}, follow_redirects=True)
        assert "If an account exists for" in response.get_data(as_text=True)
    assert db.session.query(OutgoingMail).filter_by(to="rose@example.com").count() == 3
    assert rate_rows() == 0


def _window_story(clock) -> list:
    """Two allowed per minute: what allow() and count() answer as time passes, across the window's edge."""
    limits, story = [("story", "k", 2)], []
    for step in (0, 10, 20, 29.5, 1, 1):  # seconds since the previous step: at 0, 10, 30, 59.5, 60.5, 61.5
        clock.advance(seconds=step)
        story.append((ratelimit.allow(limits, window_seconds=60), ratelimit.count("story", "k", window_seconds=60)))
    db.session.commit()
    return story


def test_redis_counts_exactly_like_the_database(app_with_redis, make_app, redis_url, clock):
    app_with_redis(None)
    in_database = _window_story(clock)
    app_with_redis(redis_url)
    in_redis = _window_story(clock)
    # At 59.5 s the first event still counts, at 60.5 s it has left the window; the refused one never counted.
    assert in_database == [(True, 1), (True, 2), (False, 2), (False, 2), (True, 2), (False, 2)]
    assert in_redis == in_database


def test_one_refused_limit_records_none_of_the_others(app_with_redis, redis_url):
    app_with_redis(redis_url)
    assert ratelimit.allow([("a", "x", 1)], window_seconds=60)
    assert not ratelimit.allow([("b", "x", 5), ("a", "x", 1)], window_seconds=60)
    assert ratelimit.count("b", "x", window_seconds=60) == 0


def test_a_redis_that_is_not_there_leaves_the_limits_to_the_database(app_with_redis, dead_redis_url):
    app = app_with_redis(dead_redis_url, API_AUTH_FAILURES_PER_MINUTE=2)
    assert calls_without_token(app.test_client(), 3) == [401, 401, 429]
    assert rate_rows() == 2


def test_redis_going_away_mid_way_never_fails_a_request(app_with_redis, tmp_path):
    server = RedisServer(tmp_path).start()
    try:
        app = app_with_redis(server.url, API_AUTH_FAILURES_PER_MINUTE=3)
        client = app.test_client()
        assert calls_without_token(client, 2) == [401, 401]
    finally:
        server.stop()
    # The two calls Redis counted went with it: the database starts afresh, and still stops the client.
    assert calls_without_token(client, 4) == [401, 401, 401, 429]
