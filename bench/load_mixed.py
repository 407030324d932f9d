"""Mixed load as a busy shop makes it: agents working tickets, customers writing, visitors browsing, shops
posting webhooks, on gunicorn. Prints requests, 5xx, lost writes (a success whose row is missing), p50/p95.

    .venv/bin/python bench/load_mixed.py [--mode sync|threaded|serve] [--database sqlite|postgresql]
        [--seconds 600] [--connections 8]

sync: `gunicorn` with 2 sync workers; threaded: 4 gthread workers with 4 threads each; serve: `portal serve`
(the production command: 2 workers, 4 threads each) with `portal worker` beside it taking the jobs, whose
peak memory is printed. postgresql: a private PostgreSQL cluster (as the test suite starts it) instead of the
SQLite file. The instance is a throwaway copy of the demo data in a temp folder.
"""
import argparse
import base64
import hashlib
import hmac
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import common

BIN = Path(sys.executable).parent
AGENT, CUSTOMER, PASSWORD = "agent@demo.comptoir.test", "claire@demo.comptoir.test", "demo-password-1"
SECRET = "load-test-webhook-secret"
_TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')
_VERSION = re.compile(r'name="version" type="hidden" value="(\d+)"|name="version" value="(\d+)"')


class Stats:
    def __init__(self):
        self.lock, self.latencies, self.errors, self.writes = threading.Lock(), [], [], []
        self.statuses = {}

    def record(self, status, seconds, body=b""):
        with self.lock:
            self.latencies.append(seconds)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status >= 500 and len(self.errors) < 5:
                self.errors.append(body[:400])


class Client:
    """One connection's cookies and CSRF token."""

    def __init__(self, base, stats):
        self.base, self.stats = base, stats
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.token = ""

    def call(self, path, data=None, headers=None, raw=None):
        body = raw if raw is not None else (urllib.parse.urlencode(data).encode() if data is not None else None)
        request = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=60) as response:
                status, payload, url = response.status, response.read(), response.geturl()
        except urllib.error.HTTPError as exc:
            status, payload, url = exc.code, exc.read(), path
        self.stats.record(status, time.perf_counter() - started, payload)
        found = _TOKEN.search(payload.decode("utf-8", "replace"))
        if found:
            self.token = found.group(1)
        return status, payload, url

    def login(self, email):
        self.call("/login")
        self.call("/login", {"email": email, "password": PASSWORD, "csrf_token": self.token})


def agent_loop(client, stats, deadline, numbers):
    client.login(AGENT)
    while time.monotonic() < deadline:
        client.call("/staff/tickets/")
        number = numbers[int(time.monotonic() * 1000) % len(numbers)]
        _status, page, _ = client.call(f"/staff/tickets/{number}")
        client.call(f"/staff/tickets/{number}/presence", raw=b'{"composing": true}',
                    headers={"Content-Type": "application/json", "X-CSRFToken": client.token})
        version = _VERSION.search(page.decode("utf-8", "replace"))
        marker = f"load-reply-{uuid.uuid4().hex}"
        status, _, url = client.call(f"/staff/tickets/{number}/messages", {
            "csrf_token": client.token, "body": marker, "kind": "public", "status": "",
            "version": (version.group(1) or version.group(2)) if version else "1"})
        if status == 200 and not url.endswith("/messages"):  # redirected back to the ticket: sent
            stats.writes.append(("message", marker))


def customer_loop(client, stats, deadline):
    client.login(CUSTOMER)
    while time.monotonic() < deadline:
        client.call("/portal/")
        client.call("/portal/tickets/new")
        marker = f"load-request-{uuid.uuid4().hex[:20]}"
        status, _, url = client.call("/portal/tickets/new", {
            "csrf_token": client.token, "topic": "", "subject": marker, "body": "Where is my parcel? " + marker})
        if status == 200 and not url.endswith("/new"):  # redirected to the new request
            stats.writes.append(("ticket", marker))
        client.call("/help/en/search?q=delivery")


def visitor_loop(client, stats, deadline):
    pages = ["/help/en/", "/help/en/search?q=refund", "/community/", "/help/fr/"]
    n = 0
    while time.monotonic() < deadline:
        client.call(pages[n % len(pages)])
        if n % len(pages) == 0:
            contact(client, stats)
        n += 1


def contact(client, stats):
    """A guest opens a request through the public contact form."""
    client.call("/help/contact")
    marker = f"load-contact-{uuid.uuid4().hex[:20]}"
    status, _, url = client.call("/help/contact", {"csrf_token": client.token, "email": f"{marker}@example.com",
                                                   "name": "Guest", "topic": "", "subject": marker,
                                                   "body": "My parcel never came. " + marker, "website": ""})
    if status == 200 and url.endswith("/help/contact/sent"):
        stats.writes.append(("ticket", marker))


def webhook_loop(client, stats, deadline, store_id):
    while time.monotonic() < deadline:
        order_id = int(uuid.uuid4().int % 10**12)
        raw = json.dumps(_order(order_id)).encode()
        signature = base64.b64encode(hmac.new(SECRET.encode(), raw, hashlib.sha256).digest()).decode()
        status, _, _ = client.call(f"/hooks/shopify/{store_id}", raw=raw, headers={
            "Content-Type": "application/json", "X-Shopify-Hmac-Sha256": signature, "X-Shopify-Topic": "orders/create",
            "X-Shopify-Webhook-Id": uuid.uuid4().hex, "X-Shopify-Shop-Domain": "load.myshopify.com"})
        if status == 200:
            stats.writes.append(("order", str(order_id)))
        time.sleep(0.2)


def _order(order_id):
    return {"id": order_id, "name": f"#{order_id % 100000}", "order_number": order_id % 100000,
            "email": "claire@demo.comptoir.test", "created_at": "2026-12-01T10:00:00+01:00",
            "updated_at": "2026-12-01T10:00:00+01:00", "currency": "EUR", "subtotal_price": "10.00",
            "total_tax": "0.00", "total_discounts": "0.00", "total_price": "10.00", "financial_status": "paid",
            "fulfillment_status": None, "line_items": [{"id": 1, "title": "Mug", "sku": "MUG", "quantity": 1,
                                                        "price": "10.00"}], "fulfillments": [], "refunds": []}


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(instance: Path, database_url: str | None = None, worker: bool = False) -> tuple[dict, int]:
    env = {**os.environ, "PORTAL_INSTANCE_PATH": str(instance), "PORTAL_SECRET_KEY": "load-test",
           "PORTAL_QUEUE_IMMEDIATE": "false" if worker else "true", "PORTAL_LOGIN_MAX_ATTEMPTS": "1000",
           "PORTAL_CONTACT_MAX_PER_HOUR_IP": "1000000"}  # every guest comes from 127.0.0.1
    if database_url:
        env["PORTAL_DATABASE_URL"] = database_url
    subprocess.run([BIN / "portal", "demo"], env=env, check=True, capture_output=True)
    out = subprocess.run([BIN / "portal", "stores", "add", "--platform", "shopify", "--name", "Load",
                          "--domain", "load.myshopify.com", "--webhook-secret", SECRET, "--json"],
                         env=env, check=True, capture_output=True, text=True).stdout
    return env, json.loads(out.strip().splitlines()[-1])["id"]


def _database(instance: Path):
    """The load's database (the SQLite file, or the PostgreSQL URL given to the site), as SQLAlchemy."""
    from sqlalchemy import create_engine

    return create_engine(_DATABASE_URL or f"sqlite:///{instance / 'portal.db'}")


def lost_writes(instance: Path, writes) -> list:
    from sqlalchemy import text

    lost = []
    with _database(instance).connect() as db:
        for kind, marker in writes:
            query = {"message": "SELECT 1 FROM ticket_message WHERE body = :m",
                     "ticket": "SELECT 1 FROM ticket WHERE subject = :m",
                     "order": "SELECT 1 FROM shop_order WHERE external_id = :m"}[kind]
            if db.execute(text(query), {"m": marker}).first() is None:
                lost.append((kind, marker))
    return lost


class MemoryWatch(threading.Thread):
    """Samples a process's resident memory every second; `peak_mb` is the highest seen."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak_mb = pid, 0.0

    def run(self):
        while True:
            try:
                status = Path(f"/proc/{self.pid}/status").read_text()
            except OSError:
                return
            rss = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
            self.peak_mb = max(self.peak_mb, rss / 1024)
            time.sleep(1)


_DATABASE_URL = None


def main(argv=None):
    global _DATABASE_URL
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["sync", "threaded", "serve"], default="sync")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args(argv)
    postgres = None
    with tempfile.TemporaryDirectory(prefix="comptoir-load-") as folder:
        instance = Path(folder)
        if args.database == "postgresql":
            sys.path.insert(0, str(common.ROOT))
            from tests.postgres_server import PostgresServer

            postgres = PostgresServer(tempfile.mkdtemp(prefix="comptoir-load-pg-")).start()
            postgres.execute("CREATE DATABASE comptoir")
            _DATABASE_URL = postgres.url("comptoir")
        serve = args.mode == "serve"
        env, store_id = prepare(instance, _DATABASE_URL, worker=serve)
        port = _free_port()
        if serve:
            command = [BIN / "portal", "serve", "--port", str(port), "--workers", "2", "--threads", "4",
                       "--timeout", "120"]
        else:
            workers = ["--workers", "2"] if args.mode == "sync" else ["--workers", "4", "--threads", "4",
                                                                         "--worker-class", "gthread"]
            command = [BIN / "gunicorn", *workers, "--bind", f"127.0.0.1:{port}", "--timeout", "120",
                       "--error-logfile", str(instance / "gunicorn.log"), "portal.wsgi:app"]
        server = subprocess.Popen(command, env=env, cwd=common.ROOT, start_new_session=True,
                                  stdout=(instance / "app.log").open("w"), stderr=subprocess.STDOUT)
        worker, watch = None, None
        if serve:
            worker = subprocess.Popen([BIN / "portal", "worker"], env=env, cwd=common.ROOT, start_new_session=True,
                                      stdout=(instance / "worker.log").open("w"), stderr=subprocess.STDOUT)
            watch = MemoryWatch(worker.pid)
            watch.start()
        try:
            run(args, instance, port, store_id)
            if watch:
                print(f"worker peak memory: {watch.peak_mb:.0f} MB RSS")
        finally:
            for process in (server, worker):
                if process:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(timeout=30)
            if postgres:
                postgres.stop()


def run(args, instance, port, store_id):
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/help/en/", timeout=2)
            break
        except OSError:
            time.sleep(0.2)
    from sqlalchemy import text

    # a merged ticket refuses replies: leave it out
    open_tickets = "SELECT id FROM ticket WHERE merged_into_id IS NULL ORDER BY id LIMIT 20"
    with _database(instance).connect() as db:
        numbers = [row[0] + 1000 for row in db.execute(text(open_tickets))]
    stats = Stats()
    deadline = time.monotonic() + args.seconds
    roles = [lambda c: agent_loop(c, stats, deadline, numbers), lambda c: customer_loop(c, stats, deadline),
             lambda c: visitor_loop(c, stats, deadline), lambda c: webhook_loop(c, stats, deadline, store_id)]
    threads = [threading.Thread(target=roles[n % len(roles)], args=(Client(base, stats),))
               for n in range(args.connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    report(args, stats, elapsed, lost_writes(instance, stats.writes), instance)


def report(args, stats, elapsed, lost, instance):
    total = sum(stats.statuses.values())
    errors = sum(n for status, n in stats.statuses.items() if status >= 500)
    latencies = sorted(stats.latencies)
    print(f"mode={args.mode} connections={args.connections} seconds={elapsed:.0f}")
    print(f"requests={total} throughput={total / elapsed:.1f}/s 5xx={errors} writes={len(stats.writes)} "
          f"lost_writes={len(lost)}")
    kinds = {}
    for kind, _marker in stats.writes:
        kinds[kind] = kinds.get(kind, 0) + 1
    print("writes by kind=" + json.dumps(dict(sorted(kinds.items()))) + (f" lost={lost[:5]}" if lost else ""))
    print(f"p50={common.percentile(latencies, 50) * 1000:.0f}ms p95={common.percentile(latencies, 95) * 1000:.0f}ms")
    print("statuses=" + json.dumps(dict(sorted(stats.statuses.items()))))
    for body in stats.errors:
        print("5xx body:", body.decode("utf-8", "replace")[:300])
    log = "\n".join((instance / name).read_text(errors="replace") for name in ("gunicorn.log", "app.log", "worker.log")
                    if (instance / name).exists()).splitlines()
    skipped = [line for line in log if "presence not recorded" in line]
    print(f"presence writes given up (a hint, the page still answered): {len(skipped)}")
    for line in [line for line in log if "Error" in line and "presence not recorded" not in line][:5]:
        print("server log:", line[:300])


if __name__ == "__main__":
    main()
