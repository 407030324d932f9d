"""Live chat latency on gunicorn: N visitors with an open chat each listen for events (a Server-Sent Events
stream, or polling), an agent replies to each through the ticket service, and we time how long each reply
takes to reach its visitor. Prints p50/p95/max and any reply that never arrived.

    .venv/bin/python bench/chat_latency.py [--chats 50] [--rounds 3] [--transport sse|poll] [--mode threaded|sync]

threaded: 4 gthread workers x 16 threads (every stream holds a thread for up to 25 s, so the threads must
outnumber the chats); sync: 2 sync workers, which only polling can share among 50 visitors. The instance is
a throwaway database in a temp folder; the agent's replies are sent from this process, as the desk would.
"""
import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import common

BIN = Path(sys.executable).parent
MODES = {"threaded": ["--workers", "4", "--threads", "32", "--worker-class", "gthread"],
         "sync": ["--workers", "2"]}


class Inbox:
    """When each reply (by its text) reached its visitor, on this process's clock."""

    def __init__(self):
        self.lock, self.arrived, self.errors, self.error_count = threading.Lock(), {}, [], 0

    def got(self, text):
        with self.lock:
            self.arrived.setdefault(text, time.perf_counter())

    def error(self, what):
        with self.lock:
            self.error_count += 1
            if len(self.errors) < 5:
                self.errors.append(what)


def call(port, method, path, data=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = json.dumps(data).encode() if data is not None else None
    conn.request(method, path, body=body, headers={"Content-Type": "application/json", **(headers or {})})
    response = conn.getresponse()
    payload = response.read()
    conn.close()
    return response.status, json.loads(payload or b"{}")


class Visitor(threading.Thread):
    """One widget: opens a chat, writes once, then listens until told to stop."""

    def __init__(self, port, channel, transport, inbox, stop):
        super().__init__(daemon=True)
        self.port, self.channel, self.transport, self.inbox, self.stop = port, channel, transport, inbox, stop
        self.ready, self.ticket, self.after = threading.Event(), None, 0

    def run(self):
        base = f"/chat/api/{self.channel}/sessions"
        status, opened = call(self.port, "POST", base, {"lang": "en"})
        if status != 201:
            self.inbox.error(f"open: {status} {opened}")
            return
        self.id, self.token, self.key = opened["id"], opened["token"], opened["key"]
        status, sent = call(self.port, "POST", f"{base}/{self.id}/messages", {"id": uuid.uuid4().hex,
                                                                               "text": "Where is my parcel?"},
                            {"X-Chat-Token": self.token})
        if status != 201:
            self.inbox.error(f"message: {status} {sent}")
            return
        self.ticket = sent["ticket"]
        while not self.stop.is_set():
            try:
                self.stream() if self.transport == "sse" else self.poll()
            except (OSError, http.client.HTTPException, ValueError) as exc:  # a broken stream: count it, go on
                self.inbox.error(f"{self.transport}: {type(exc).__name__}: {exc}")
                time.sleep(0.3)

    def handle(self, event):
        self.after = max(self.after, event.get("id", 0))
        if event.get("kind") == "message" and event.get("from") == "agent":
            self.inbox.got(event["text"])

    def stream(self):
        """One ~25 s stream, resumed with Last-Event-ID like EventSource does."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=40)
        conn.request("GET", f"/chat/api/{self.channel}/sessions/{self.id}/events?key={self.key}",
                     headers={"Accept": "text/event-stream", "Last-Event-ID": str(self.after)})
        response = conn.getresponse()
        self.ready.set()
        try:
            while not self.stop.is_set():
                line = response.readline()
                if not line:
                    return  # the server ended the stream: reconnect
                line = line.decode().rstrip("\n")
                if line.startswith("id: "):
                    self.after = max(self.after, int(line[4:]))
                elif line.startswith("data: "):
                    self.handle(json.loads(line[6:]))
        finally:
            conn.close()

    def poll(self):
        status, data = call(self.port, "GET", f"/chat/api/{self.channel}/sessions/{self.id}/events?after={self.after}",
                            headers={"X-Chat-Token": self.token, "Accept": "application/json"})
        self.ready.set()
        if status == 200:
            for event in data["events"]:
                self.handle(event)
            self.after = max(self.after, data["last"])
        time.sleep(0.25)


def prepare(instance: Path):
    """A migrated database with an online agent and a chat widget; returns (app, agent id, channel id)."""
    app = common.make_app(instance, QUEUE_IMMEDIATE=True)
    common.upgrade(app, quiet=True)
    with app.app_context():
        from portal.accounts.models import Role
        from portal.accounts.services import create_user
        from portal.channels.chat import availability, settings
        from portal.extensions import db
        from portal.tickets import groups

        agent = create_user(email="agent@bench.example", name="Bench Agent", password=common.PASSWORD,
                            role=Role.AGENT)
        groups.set_scope(agent, "all")
        availability.set_availability(agent, "online")
        account = settings.save_chat(name="Bench chat", origins_text="", greeting_en="", greeting_fr="",
                                     group_id=None, enabled=True)
        db.session.commit()
        return app, agent.id, account.id


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(instance: Path, mode: str):
    """gunicorn on the instance, in `mode`; returns (process, port) once it answers."""
    env = {**os.environ, "PORTAL_INSTANCE_PATH": str(instance), "PORTAL_SECRET_KEY": "bench",
           "PORTAL_QUEUE_IMMEDIATE": "true", "PORTAL_CHAT_RATE_PER_MINUTE": "1000000"}  # all from 127.0.0.1
    port = _free_port()
    server = subprocess.Popen([BIN / "gunicorn", *MODES[mode], "--bind", f"127.0.0.1:{port}", "--timeout", "60",
                               "--error-logfile", str(instance / "gunicorn.log"), "portal.wsgi:app"],
                              env=env, cwd=common.ROOT, start_new_session=True,
                              stdout=(instance / "app.log").open("w"), stderr=subprocess.STDOUT)
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/help/en/", timeout=2)
            return server, port
        except OSError:
            time.sleep(0.2)
    raise SystemExit("error: gunicorn did not start (see gunicorn.log)")


def reply_to_all(app, agent_id, visitors, rounds, gap):
    """The agent answers every chat `rounds` times, in a shuffled order; returns {text: sent at}."""
    from portal.accounts.models import User
    from portal.extensions import db
    from portal.tickets import services

    sent = {}
    with app.app_context():
        agent = db.session.get(User, agent_id)
        for round_number in range(rounds):
            for visitor in random.sample(visitors, len(visitors)):
                text = f"bench reply {round_number}-{visitor.id}-{uuid.uuid4().hex[:8]}"
                started = time.perf_counter()
                ticket = services.get_ticket(visitor.ticket, viewer=agent, staff=True)
                services.add_reply(ticket, body=text, author=agent)
                db.session.commit()  # the delivery job runs now too (QUEUE_IMMEDIATE), as a worker would
                sent[text] = started
                time.sleep(gap)
        db.session.remove()
    return sent


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--transport", choices=["sse", "poll"], default="sse")
    parser.add_argument("--mode", choices=sorted(MODES), default="threaded")
    parser.add_argument("--gap", type=float, default=0.02, help="seconds between two replies")
    args = parser.parse_args(argv)
    if args.transport == "sse" and args.mode == "sync":
        parser.error("sync workers cannot hold 50 streams: use --transport poll with --mode sync")
    with tempfile.TemporaryDirectory(prefix="comptoir-chat-") as folder:
        instance = Path(folder)
        app, agent_id, channel = prepare(instance)
        server, port = serve(instance, args.mode)
        try:
            run(args, app, agent_id, channel, port, instance)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


def run(args, app, agent_id, channel, port, instance):
    inbox, stop = Inbox(), threading.Event()
    visitors = [Visitor(port, channel, args.transport, inbox, stop) for _ in range(args.chats)]
    for visitor in visitors:
        visitor.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not all(v.ready.is_set() or not v.is_alive() for v in visitors):
        time.sleep(0.1)
    ready = [v for v in visitors if v.ready.is_set()]
    time.sleep(1.0)  # every stream past its first database read
    sent = reply_to_all(app, agent_id, ready, args.rounds, args.gap)
    wait_until = time.monotonic() + 10
    while time.monotonic() < wait_until and len(inbox.arrived) < len(sent):
        time.sleep(0.05)
    stop.set()
    report(args, sent, inbox, len(ready), instance)


def report(args, sent, inbox, ready, instance):
    latencies = sorted(inbox.arrived[text] - started for text, started in sent.items() if text in inbox.arrived)
    missing = [text for text in sent if text not in inbox.arrived]
    print(f"transport={args.transport} mode={args.mode} ({' '.join(MODES[args.mode])}) chats={ready}/{args.chats} "
          f"replies={len(sent)} received={len(latencies)} missing={len(missing)}")
    if latencies:
        p50, p95 = common.percentile(latencies, 50), common.percentile(latencies, 95)
        print(f"p50={p50 * 1000:.0f}ms p95={p95 * 1000:.0f}ms "
              f"max={latencies[-1] * 1000:.0f}ms (reply sent through the ticket service -> visitor has the event)")
    if inbox.error_count:
        print(f"client errors={inbox.error_count}")
    for error in inbox.errors:
        print("error:", error)
    log = "\n".join((instance / name).read_text(errors="replace") for name in ("gunicorn.log", "app.log")
                    if (instance / name).exists()).splitlines()
    for line in [line for line in log if "Error" in line or "Traceback" in line][:5]:
        print("server log:", line[:300])


if __name__ == "__main__":
    main()
