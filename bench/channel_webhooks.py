"""Run: .venv/bin/python bench/channel_webhooks.py [--channel sms] [--deliveries 2000] [--senders 400]
       [--tickets 100000] [--transport client|server|gunicorn] [--concurrency 4] [--workers 2] [--seed 1]

Inbound messaging webhooks, signed as the provider signs them, posted to the real endpoint on a copy of
the bench/generate_tickets.py database (bench/data/channel-webhooks-N/, upgraded through the migrations;
--tickets 0 for an empty one). The app is configured as in production: CSRF on, jobs queued to huey's
SQLite store (not run), CHANNELS_PUBLIC_URL set (the URL the signature covers).

--transport client: the Flask test client in this process, one delivery after another.
--transport server: a threaded werkzeug server in this process, --concurrency keep-alive connections.
--transport gunicorn: `gunicorn portal.wsgi:app` with --workers sync workers (the production setup),
  --concurrency keep-alive connections, as a provider's many deliveries arrive at once.

Each channel is a mode: a class with setup(app) -> account id, deliveries(account_id, count, rng,
senders) -> [Delivery], samples(account_id) (one delivery of each kind, for the SQL counts) and
stored(app, account_id) (rows to report); add one to MODES for another channel (WhatsApp: its signed
JSON). The SMS mode sends Twilio's form-encoded messages from --senders numbers (a new number opens a
ticket, the next ones thread on it: "first" and "reply" below), 3% repeated deliveries of a MessageSid
and 1% STOP/START keywords.
Prints p50/p95 per delivery, deliveries/s (goal >= 200/s), SQL statements per kind and the rows stored.
"""
import argparse
import gc
import http.client
import itertools
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import common  # first: it puts the repository root on sys.path (bench/ is there already)
import generate_tickets

PUBLIC_URL = "https://help.bench.example"
GOAL_PER_SECOND = 200
WATCHED = ("ticket", "ticket_message", "channel_event", "contact", "contact_identity")  # large tables
WORDS = ("Bonjour, ma commande {order} n'est pas arrivée.", "Le colis est marqué livré mais je n'ai rien reçu.",
         "Puis-je changer l'adresse de livraison ?", "Merci, c'est reçu !", "Quand serai-je remboursé ?",
         "La taille ne va pas, comment faire un retour ?", "Le code promo ne marche pas sur l'appli.",
         "Hello, is order {order} on its way?", "Thanks for the quick answer.")


@dataclass
class Delivery:
    kind: str  # what the provider sends: message, duplicate, keyword...
    path: str
    body: bytes
    headers: dict
    content_type: str


class SmsMode:
    """Twilio: form-encoded messages signed with X-Twilio-Signature (HMAC-SHA1 of URL + sorted fields)."""

    name = "sms"
    sid, token, number = "AC" + "be" * 16, "7c" * 16, "+15005550006"

    def setup(self, app) -> int:
        from portal.channels.sms import services
        from portal.extensions import db

        with app.app_context():
            account = services.save_sms_account(name="Bench SMS", number=self.number, account_sid=self.sid,
                                                 auth_token=self.token, api_base="http://127.0.0.1:9")
            db.session.commit()
            return account.id

    def deliveries(self, account_id: int, count: int, rng: random.Random, senders: int) -> list[Delivery]:
        numbers = [f"+336{rng.randrange(10**7, 10**8)}" for _ in range(senders)]
        weights = [1 / (n + 1) for n in range(senders)]  # a few numbers write a lot, most a little
        sids, out, seen = (f"SM{n:032x}" for n in itertools.count(1)), [], set()
        for _ in range(count):
            roll = rng.random()
            if roll < 0.03 and out:
                again = rng.choice(out)
                out.append(Delivery("duplicate", again.path, again.body, again.headers, again.content_type))
                continue
            body = rng.choice(("STOP", "START")) if roll > 0.99 else \
                rng.choice(WORDS).format(order=rng.randrange(10000, 99999))
            sender = rng.choices(numbers, weights)[0]
            delivery = self.message(account_id, sender, next(sids), body)
            delivery.kind = "keyword" if body in ("STOP", "START") else "reply" if sender in seen else "first"
            seen.add(sender)
            out.append(delivery)
        return out

    def samples(self, account_id: int) -> list[tuple[str, Delivery]]:
        """A new conversation, a reply on it and a repeated delivery, for their SQL statements."""
        first = self.message(account_id, "+33600000001", "SM" + "f" * 32, "First message")
        reply = self.message(account_id, "+33600000001", "SM" + "e" * 32, "Second message")
        return [("new conversation", first), ("reply", reply), ("repeated delivery", first)]

    def message(self, account_id: int, sender: str, sid: str, body: str) -> Delivery:
        """One inbound SMS as Twilio posts it."""
        from portal.channels.sms.twilio import signature

        path = f"/hooks/sms/{account_id}"
        fields = {"ToCountry": "US", "SmsMessageSid": sid, "NumMedia": "0", "SmsSid": sid, "SmsStatus": "received",
                  "Body": body, "FromCountry": "FR", "To": self.number, "NumSegments": "1", "MessageSid": sid,
                  "AccountSid": self.sid, "From": sender, "ApiVersion": "2010-04-01"}
        headers = {"X-Twilio-Signature": signature(self.token, PUBLIC_URL + path, fields.items())}
        return Delivery("message", path, urllib.parse.urlencode(fields).encode(), headers,
                        "application/x-www-form-urlencoded")

    def stored(self, app, account_id: int) -> dict:
        from sqlalchemy import func, select

        from portal.channels.models import ChannelEvent, ChannelOptOut
        from portal.extensions import db
        from portal.tickets.models import Ticket, TicketMessage

        with app.app_context():
            tickets = select(Ticket.id).where(Ticket.channel_account_id == account_id)
            return {"tickets": db.session.scalar(select(func.count()).select_from(tickets.subquery())),
                    "messages": db.session.scalar(select(func.count()).where(TicketMessage.ticket_id.in_(tickets))),
                    "events": db.session.scalar(select(func.count()).where(ChannelEvent.account_id == account_id)),
                    "opted_out": db.session.scalar(select(func.count()).where(ChannelOptOut.account_id == account_id))}


MODES = {"sms": SmsMode}


def prepare(tickets: int):
    """A fresh copy of the tickets database (or an empty one) and the app on it."""
    folder = common.DATA_ROOT / f"channel-webhooks-{tickets}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    if tickets:
        generate_tickets.ensure_database(tickets, 1, False)
        shutil.copy(generate_tickets.data_dir(tickets) / "portal.db", folder / "portal.db")
    app = common.make_app(folder, CHANNELS_PUBLIC_URL=PUBLIC_URL)
    common.upgrade(app, quiet=True)
    return folder, app


def run_client(app, deliveries) -> tuple[list, dict, float, float]:
    """Post every delivery through the test client; (latencies by kind, statuses, wall s, CPU s)."""
    client, latencies, statuses = app.test_client(), {}, {}
    gc.collect()
    began, began_cpu = time.perf_counter(), time.process_time()
    for d in deliveries:
        started = time.perf_counter()
        response = client.post(d.path, data=d.body, headers=d.headers, content_type=d.content_type)
        latencies.setdefault(d.kind, []).append(time.perf_counter() - started)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        response.close()
    return latencies, statuses, time.perf_counter() - began, time.process_time() - began_cpu


def run_server(app, deliveries, concurrency: int) -> tuple[dict, dict, float, float]:
    """Post every delivery to a threaded werkzeug server in this process."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    WSGIRequestHandler.protocol_version = "HTTP/1.1"  # keep-alive, as a provider's client does
    WSGIRequestHandler.log_request = lambda *args, **kwargs: None
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        return post_over_http(server.server_port, deliveries, concurrency)
    finally:
        server.shutdown()


def run_gunicorn(folder, deliveries, concurrency: int, workers: int) -> tuple[dict, dict, float, float]:
    """Post every delivery to `gunicorn portal.wsgi:app` with `workers` sync workers (the production setup)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "PORTAL_INSTANCE_PATH": str(folder), "PORTAL_SECRET_KEY": "bench",
           "PORTAL_CHANNELS_PUBLIC_URL": PUBLIC_URL}
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "--workers", str(workers), "--bind",
                               f"127.0.0.1:{port}", "--error-logfile", str(folder / "gunicorn.log"),
                               "portal.wsgi:app"], env=env, cwd=common.ROOT, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/help/en/", timeout=2).close()
                break
            except OSError:
                time.sleep(0.2)
        return post_over_http(port, deliveries, concurrency)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def post_over_http(port: int, deliveries, concurrency: int) -> tuple[dict, dict, float, float]:
    """`concurrency` threads, each on one keep-alive connection, posting the deliveries in turn."""
    latencies, statuses, lock, queue = {}, {}, threading.Lock(), iter(deliveries)

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                d = next(queue, None)
            if d is None:
                break
            started = time.perf_counter()
            conn.request("POST", d.path, body=d.body, headers={**d.headers, "Content-Type": d.content_type})
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
            with lock:
                latencies.setdefault(d.kind, []).append(elapsed)
                statuses[response.status] = statuses.get(response.status, 0) + 1
        conn.close()

    gc.collect()
    began, began_cpu = time.perf_counter(), time.process_time()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, statuses, time.perf_counter() - began, time.process_time() - began_cpu


def sql_per_kind(app, mode, account_id) -> tuple[dict, list]:
    """Statements per delivery of each of the mode's samples (test client, recorded) and the full scans of
    WATCHED tables among them (EXPLAIN QUERY PLAN): [(sample, table, plan)]."""
    client, counts, scans = app.test_client(), {}, []
    for label, d in mode.samples(account_id):
        with common.recording(app) as statements:
            response = client.post(d.path, data=d.body, headers=d.headers, content_type=d.content_type)
        if response.status_code != 200:
            raise SystemExit(f"{label}: HTTP {response.status_code}")
        counts[label] = (len(statements), common.sql_seconds(statements) * 1000)
        for plan in common.explain(app, statements):
            scans += [(label, table, plan) for table, rest in plan["scans"] if not rest and table in WATCHED]
    return counts, scans


def via_details(args) -> str:
    if args.transport == "server":
        return f" ({args.concurrency} connections, threaded werkzeug)"
    if args.transport == "gunicorn":
        return f" ({args.workers} sync workers, {args.concurrency} connections)"
    return " (in process)"


def report(args, latencies, statuses, elapsed, cpu, stored, before, sql, scans) -> None:
    every = [x for values in latencies.values() for x in values]
    rate = len(every) / elapsed
    print(f"\n{args.channel}: {len(every):,} signed deliveries via {args.transport}{via_details(args)} on "
          f"{args.tickets:,} tickets in {elapsed:.1f} s = {rate:.0f} deliveries/s "
          f"(goal >= {GOAL_PER_SECOND}/s: {'ok' if rate >= GOAL_PER_SECOND else 'MISSED'})")
    p50, p95 = common.percentile(every, 50) * 1000, common.percentile(every, 95) * 1000
    print(f"per delivery: p50 {p50:.2f} ms, p95 {p95:.2f} ms, max {max(every) * 1000:.2f} ms; CPU of this process "
          f"{cpu:.1f} s ({cpu * 1000 / len(every):.2f} ms each"
          f"{'' if args.transport == 'client' else ', the posting side only'})")
    for kind, values in sorted(latencies.items()):
        print(f"  {kind:<10} {len(values):>6}  p50 {common.percentile(values, 50) * 1000:6.2f} ms  "
              f"p95 {common.percentile(values, 95) * 1000:6.2f} ms")
    print("HTTP statuses: " + ", ".join(f"{code}: {n}" for code, n in sorted(statuses.items())))
    print("stored: " + ", ".join(f"{k} {stored[k] - before.get(k, 0):,}" for k in stored))
    print("SQL per delivery: " + ", ".join(f"{k} {n} statements ({ms:.1f} ms)" for k, (n, ms) in sql.items()))
    for label, table, plan in scans:
        common.print_plan(f"FULL SCAN of {table}", label, plan)
    print(f"(load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs)")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Signed inbound webhook deliveries of a messaging channel.")
    parser.add_argument("--channel", choices=sorted(MODES), default="sms")
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--senders", type=int, default=400, help="distinct customers writing in")
    parser.add_argument("--tickets", type=int, default=100_000, help="tickets already in the database (0: none)")
    parser.add_argument("--transport", choices=("client", "server", "gunicorn"), default="client")
    parser.add_argument("--concurrency", type=int, default=4, help="connections with --transport server|gunicorn")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers with --transport gunicorn")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    folder, app = prepare(args.tickets)
    mode = MODES[args.channel]()
    account_id = mode.setup(app)
    rng = random.Random(args.seed)
    deliveries = mode.deliveries(account_id, args.deliveries, rng, args.senders)
    before = mode.stored(app, account_id)
    if args.transport == "client":
        latencies, statuses, elapsed, cpu = run_client(app, deliveries)
    elif args.transport == "server":
        latencies, statuses, elapsed, cpu = run_server(app, deliveries, args.concurrency)
    else:
        common.checkpoint(app)  # the workers open the database afresh
        latencies, statuses, elapsed, cpu = run_gunicorn(folder, deliveries, args.concurrency, args.workers)
    stored = mode.stored(app, account_id)
    sql, scans = sql_per_kind(app, mode, account_id)
    report(args, latencies, statuses, elapsed, cpu, stored, before, sql, scans)
    shutil.rmtree(folder, ignore_errors=True)
    if set(statuses) != {200}:
        sys.exit(f"unexpected HTTP statuses: {statuses}")


if __name__ == "__main__":
    main()
