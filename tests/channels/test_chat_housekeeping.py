"""Live-chat bookkeeping: articles opened from the widget count as chat deflections, and the nightly job
purges the event log after CHAT_EVENT_HOURS while a reloaded widget still shows its chat."""
from sqlalchemy import func, select

from portal.channels.chat import availability
from portal.channels.models import ChatEvent
from portal.extensions import db
from portal.jobs import services as jobs
from portal.jobs.models import Job, JobStatus
from portal.tickets.contact import deflection_counts
from portal.tickets.models import Deflection
from tests.channels.test_chat_api import SHOP, Visitor, _agent_reply, make_chat, online_agent
from tests.factories import make_article


def test_an_article_opened_from_the_chat_counts_as_a_chat_deflection(app, client):
    account = make_chat()
    make_article(title="Delivery times to Belgium", body="We ship to Belgium in three days.")
    visitor = Visitor(client, account)
    visitor.open()
    found = client.get(f"{visitor.base}/suggest?lang=en&q=delivery bel", headers={"Origin": SHOP}).get_json()
    assert client.post(f"{visitor.base}/sessions/{visitor.id}/opened", json={"slug": found[0]["slug"], "q": "delivery"},
                       headers=visitor.headers()).status_code == 200
    client.post("/help/contact/opened", json={"slug": found[0]["slug"], "q": "delivery", "source": "contact"})
    assert sorted(db.session.scalars(select(Deflection.source))) == ["chat", "contact"]
    assert deflection_counts() == {"opened": 2, "deflected": 2}


def nightly():
    """The nightly job, queued and run as the worker runs it (in this process: QUEUE_IMMEDIATE)."""
    job = jobs.enqueue("maintenance.nightly")
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Job, job.id).status == JobStatus.DONE


def events_of(session_id) -> list[int]:
    return list(db.session.scalars(select(ChatEvent.id).where(ChatEvent.session_id == session_id)
                                   .order_by(ChatEvent.id)))


def test_the_nightly_job_purges_old_chat_events_and_a_reloaded_widget_keeps_its_chat(app, client, clock):
    agent = online_agent(name="Ada Agent")
    account = make_chat()
    old = Visitor(client, account)
    old.open()
    number = old.send("Hello, where is my parcel?").get_json()["ticket"]
    _agent_reply(number, agent, "It left the warehouse today.")
    read_to = old.events().get_json()["last"]
    clock.advance(hours=49)
    availability.set_availability(agent, "online")  # back at the desk two days later
    db.session.commit()
    recent = Visitor(client, account)
    recent.open()
    assert recent.send("Do you ship to Belgium?").status_code == 201
    kept = events_of(recent.id)
    assert kept

    app.config["CHAT_EVENT_HOURS"] = 72
    nightly()
    assert len(events_of(old.id)) == 2  # younger than 72 hours: kept
    app.config["CHAT_EVENT_HOURS"] = 48
    nightly()
    assert events_of(old.id) == [] and events_of(recent.id) == kept

    state = client.get(f"{old.base}/sessions/{old.id}", headers=old.headers()).get_json()
    assert [(m["from"], m["text"]) for m in state["messages"]] == [
        ("visitor", "Hello, where is my parcel?"), ("agent", "It left the warehouse today.")]
    assert state["messages"][1]["author"] == "Ada Agent" and all(m["id"] < 0 for m in state["messages"])
    # The chat goes on: the next reply has an id past everything the widget read before the purge.
    _agent_reply(number, agent, "It arrives tomorrow.")
    later = old.events(after=read_to).get_json()["events"]
    assert [e["text"] for e in later] == ["It arrives tomorrow."]


def test_the_newest_event_stays_so_ids_are_never_given_out_again(app, client, clock):
    online_agent()
    visitor = Visitor(client, make_chat())
    visitor.open()
    visitor.send("First")
    visitor.send("Second")
    newest = max(events_of(visitor.id))
    clock.advance(days=5)
    nightly()
    assert events_of(visitor.id) == [newest]
    visitor.send("Third")
    assert max(events_of(visitor.id)) > newest
    assert db.session.scalar(select(func.count()).select_from(ChatEvent)) == 2
