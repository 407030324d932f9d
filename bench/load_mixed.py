"""Mixed load as a busy shop makes it: agents working tickets, customers writing, visitors browsing, shops
posting webhooks, on gunicorn. Prints requests, 5xx, lost writes (a success whose row is missing), p50/p95.

    .venv/bin/python bench/load_mixed.py [--mode sync|threaded] [--seconds 600] [--connections 8]

sync: 2 sync workers; threaded: 4 gthread workers with 4 threads each. The instance is a throwaway copy
of the demo data in a temp folder.
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
import sqlite3
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


def prepare(instance: Path) -> tuple[dict, int]:
    env = {**os.environ, "PORTAL_INSTANCE_PATH": str(instance), "PORTAL_SECRET_KEY": "load-test",
           "PORTAL_QUEUE_IMMEDIATE": "true", "PORTAL_LOGIN_MAX_ATTEMPTS": "1000",
           "PORTAL_CONTACT_MAX_PER_HOUR_IP": "1000000"}  # every guest comes from 127.0.0.1
    subprocess.run([BIN / "portal", "demo"], env=env, check=True, capture_output=True)
    out = subprocess.run([BIN / "portal", "stores", "add", "--platform", "shopify", "--name", "Load",
                          "--domain", "load.myshopify.com", "--webhook-secret", SECRET, "--json"],
                         env=env, check=True, capture_output=True, text=True).stdout
    return env, json.loads(out.strip().splitlines()[-1])["id"]


def lost_writes(instance: Path, writes) -> list:
    db = sqlite3.connect(instance / "portal.db")
    lost = []
    for kind, marker in writes:
        query = {"message": "SELECT 1 FROM ticket_message WHERE body = ?",
                 "ticket": "SELECT 1 FROM ticket WHERE subject = ?",
                 "order": "SELECT 1 FROM shop_order WHERE external_id = ?"}[kind]
        if db.execute(query, (marker,)).fetchone() is None:
            lost.append((kind, marker))
    return lost


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["sync", "threaded"], default="sync")
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="comptoir-load-") as folder:
        instance = Path(folder)
        env, store_id = prepare(instance)
        port = _free_port()
        workers = ["--workers", "2"] if args.mode == "sync" else ["--workers", "4", "--threads", "4",
                                                                     "--worker-class", "gthread"]
        server = subprocess.Popen([BIN / "gunicorn", *workers, "--bind", f"127.0.0.1:{port}", "--timeout", "120",
                                   "--error-logfile", str(instance / "gunicorn.log"), "portal.wsgi:app"],
                                  env=env, cwd=common.ROOT, start_new_session=True,
                                  stdout=(instance / "app.log").open("w"), stderr=subprocess.STDOUT)
        try:
            run(args, instance, port, store_id)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


def run(args, instance, port, store_id):
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/help/en/", timeout=2)
            break
        except OSError:
            time.sleep(0.2)
    db = sqlite3.connect(instance / "portal.db")
    # a merged ticket refuses replies: leave it out
    open_tickets = "SELECT id FROM ticket WHERE merged_into_id IS NULL ORDER BY id LIMIT 20"
    numbers = [row[0] + 1000 for row in db.execute(open_tickets)]
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
    log = "\n".join((instance / name).read_text(errors="replace") for name in ("gunicorn.log", "app.log")
                    if (instance / name).exists()).splitlines()
    skipped = [line for line in log if "presence not recorded" in line]
    print(f"presence writes given up (a hint, the page still answered): {len(skipped)}")
    for line in [line for line in log if "Error" in line and "presence not recorded" not in line][:5]:
        print("server log:", line[:300])


if __name__ == "__main__":
    main()
