"""PORTAL_REDIS_URL: a chat message wakes the other side's live stream through Redis at once (no waiting for
the next database read), and a Redis that is not there leaves the streams polling the database as before."""
import json
import threading
import time
import urllib.request
import uuid

from tests.channels.test_chat_api import SHOP, make_chat, online_agent
from tests.scaleout.test_two_machines import browser, call
from tests.tickets.test_presence_concurrency import logged_in, serving

SLOW_POLL = {"CHAT_POLL_SECONDS": 30, "CHAT_WAKE_POLL_SECONDS": 30, "CHAT_STREAM_SECONDS": 5}


def chat_with_a_first_message(base, account):
    """A visitor's chat (its first message opens the ticket); returns a function saying more."""
    visitor, chat = browser(), f"{base}/chat/api/{account.id}"
    headers = {"Content-Type": "application/json", "Origin": SHOP}
    status, body = call(visitor, f"{chat}/sessions", json.dumps({"lang": "en"}).encode(), headers)
    opened = json.loads(body)

    def say(text):
        status, body = call(visitor, f"{chat}/sessions/{opened['id']}/messages",
                            json.dumps({"id": str(uuid.uuid4()), "text": text, "name": "Vic",
                                        "email": "vic@example.com"}).encode(),
                            {**headers, "X-Chat-Token": opened["token"]})
        assert status == 201, body
    say("Hello?")
    return opened["id"], say


def seconds_to_reach_the_agent(base, account) -> float:
    """Open the agent's stream, have the visitor write, and time the message's arrival on the stream."""
    online_agent(email="ann@example.com", name="Ann")
    session_id, say = chat_with_a_first_message(base, account)
    ann = logged_in(base, "ann@example.com")
    events = f"{base}/staff/chats/{session_id}/events"
    last = json.loads(call(ann, events)[1])["last"]
    arrivals = {}
    reader = threading.Thread(target=_read_to_the_end, args=(ann, f"{events}?after={last}", arrivals))
    reader.start()
    time.sleep(0.5)  # the stream has read the log once and waits
    started = time.monotonic()
    say("Is my parcel lost?")
    reader.join(timeout=20)  # the whole stream: nothing of it still runs on the server after the test
    found = [at for line, at in arrivals.items() if "Is my parcel lost?" in line]
    assert found, arrivals
    return found[0] - started


def _read_to_the_end(opener, url, arrivals: dict) -> None:
    """Each data line of an agent's SSE stream and when it came, until the server ends the stream."""
    request = urllib.request.Request(url, headers={"Accept": "text/event-stream"})
    with opener.open(request, timeout=15) as response:
        for raw in response:
            if raw.startswith(b"data:"):
                arrivals[raw.decode()] = time.monotonic()


def test_a_visitor_message_wakes_the_agents_stream_through_redis(app_with_redis, redis_url):
    app = app_with_redis(redis_url, **SLOW_POLL)
    account = make_chat()
    with serving(app) as base:
        assert seconds_to_reach_the_agent(base, account) < 3  # not the 30 s of the next database read


def test_without_redis_the_stream_still_reads_the_database(app_with_redis, dead_redis_url):
    app = app_with_redis(dead_redis_url, CHAT_POLL_SECONDS=0.2, CHAT_STREAM_SECONDS=5)
    account = make_chat()
    with serving(app) as base:
        assert seconds_to_reach_the_agent(base, account) < 3
