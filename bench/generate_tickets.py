"""Run: .venv/bin/python bench/generate_tickets.py [--tickets 1000000] [--seed 1] [--regenerate]

Builds a ticket-desk database for the queue benchmark (bench/tickets.py) under bench/data/tickets-N/:
the schema through the real migrations, staff and groups through the real services, then customers,
tickets, messages, tags and events by bulk inserts (WAL, synchronous=OFF, secondary indexes dropped
during the load and rebuilt after). Same seed and size, same database; an existing one with the same
size, seed and generator version is reused unless --regenerate. No ANALYZE is run: the app never runs it.
"""
import multiprocessing
import random
import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path

import common  # first: it puts the repository root on sys.path (bench/ is there already)
import ticket_text as text

GENERATOR_VERSION = 1
PASSWORD = common.PASSWORD
NOW = datetime(2026, 11, 30, 12, 0, 0)  # fixed, so the same seed gives the same database
DAY = 86400.0
SPAN_DAYS = 730
CUSTOMERS = 200_000
REGULARS = 10_000  # customers who write often: the portal list is measured on one of them
CHUNK = 10_000
LONG_THREAD = 50

STATUSES = (("closed", 68), ("solved", 18), ("pending", 4.5), ("on_hold", 2), ("open", 5.5), ("new", 2))
PRIORITIES = (("low", 15, 3), ("normal", 65, 2), ("high", 15, 1), ("urgent", 5, 0))
CHANNELS = (("email", 40), ("web", 35), ("portal", 15), ("chat", 5), ("social", 3), ("sms", 2))
GROUPS = ("Shipping", "Returns", "Billing", "Orders", "Product questions")
TOPIC_GROUP = {"shipping": 0, "returns": 1, "payment": 2, "order": 3, "product": 4, "account": 3, "other": None}
TOPICS = (("shipping", 34), ("returns", 22), ("order", 16), ("payment", 11), ("product", 9), ("account", 5),
          ("other", 3))
AGENT_SCOPES = ["all"] * 8 + ["groups"] * 7 + ["assigned"] * 5
MEMBERSHIP = {0: (0, 3), 1: (1, 3), 2: (2,), 3: (3, 0), 4: (4, 1)}  # agent % 5 -> groups
TAGS = (("vip", 8), ("damaged", 10), ("late-delivery", 14), ("refund-requested", 10), ("wrong-item", 6),
        ("missing-item", 6), ("exchange", 7), ("b2b", 3), ("gift", 4), ("pre-order", 3), ("chargeback", 2),
        ("repeat-contact", 6), ("escalated", 4), ("size-issue", 6), ("promo-code", 5), ("carrier-colissimo", 5),
        ("carrier-dpd", 4), ("carrier-ups", 3), ("fraud-check", 1), ("social-complaint", 2))


def weights(pairs):
    return [p[0] for p in pairs], [p[1] for p in pairs]


class Clock:
    """Formats epoch seconds the way SQLAlchemy stores DateTime on SQLite (microseconds always)."""

    SECONDS = tuple(f" {h:02d}:{m:02d}:{s:02d}." for h in range(24) for m in range(60) for s in range(60))

    def __init__(self):
        self.days = {}

    def __call__(self, ts: float) -> str:
        whole = int(ts)
        day, rest = divmod(whole, 86400)
        date = self.days.get(day)
        if date is None:
            date = self.days[day] = (EPOCH + timedelta(days=day)).strftime("%Y-%m-%d")
        return date + self.SECONDS[rest] + "%06d" % ((ts - whole) * 1_000_000)


EPOCH = datetime(1970, 1, 1)
NOW_TS = (NOW - EPOCH).total_seconds()


# --- one chunk of tickets, generated in a worker ---------------------------------------------------

def _times(rng, status, count, long_thread):
    """Creation time and message times: unsolved tickets are recent, closed ones at least 20 days old."""
    if status in ("closed", "solved"):
        low = 20 * DAY if status == "closed" else 1 * DAY
        created = NOW_TS - rng.uniform(low, SPAN_DAYS * DAY)
    elif status == "on_hold" and rng.random() < 0.1:
        created = NOW_TS - rng.uniform(30 * DAY, 365 * DAY)
    else:
        created = NOW_TS - min(rng.expovariate(1 / (10 * DAY)), 120 * DAY) - 600
    gaps = [rng.expovariate(1 / (9 * 3600)) + 60 for _ in range(count - 1)]
    room = (NOW_TS - 60 - created) * (0.5 if status == "closed" else 0.95)
    total = sum(gaps)
    if long_thread or total > room:
        gaps = [g * room / total for g in gaps]
    times = [created]
    for gap in gaps:
        times.append(times[-1] + gap)
    return times


def _authors(rng, status, count):
    """'C' customer reply, 'A' agent reply, 'N' internal note; the last public one fits the status.

    Public messages alternate customer/agent from the customer's first one, so an open ticket (waiting on
    us) has an odd number of them and a pending, on-hold or solved one an even number; a new ticket has
    only customer messages and maybe notes.
    """
    public = count - sum(rng.random() < 0.15 for _ in range(count - 1))
    if status != "new":
        customer_last = status == "open"
        public = max(public, 3 if customer_last else 2)
        if (public % 2 == 1) != customer_last:
            public += 1 if public < count else -1
    order = ["C" if status == "new" or i % 2 == 0 else "A" for i in range(public)]
    for _ in range(count - public):
        order.insert(rng.randint(1, len(order)), "N")
    return order


def _ticket(rng, tid, ctx, fmt, out):
    status = rng.choices(*ctx["status"])[0]
    long_thread = tid == ctx["long_id"]
    if long_thread:
        status = "open"
    count = LONG_THREAD if long_thread else rng.choice((3, 3, 4, 4, 4, 5, 5, 6))
    times = _times(rng, status, count, long_thread)
    authors = _authors(rng, status, count)
    topic = rng.choices(*ctx["topic"])[0]
    priority, rank = ctx["priority"][rng.choices(range(4), ctx["priority_w"])[0]]
    channel = rng.choices(*ctx["channel"])[0]
    group_index = TOPIC_GROUP[topic] if rng.random() < 0.9 else None
    group_id = ctx["group_ids"][group_index] if group_index is not None else None
    agents = ctx["group_agents"][group_index] if group_index is not None else ctx["agents"]
    assignee = rng.choice(agents) if status != "new" or rng.random() < 0.15 else None
    if status == "open" and rng.random() < 0.12:
        assignee = None
    responders = [assignee or rng.choice(agents)] + [rng.choice(agents) for _ in range(2)]
    if rng.random() < 0.85:
        customer = rng.randrange(REGULARS) if rng.random() < 0.3 else rng.randrange(CUSTOMERS)
        requester_id, name = ctx["customer_base"] + customer, ctx["customer_names"][customer]
        email = text.customer_email(name, customer)
    else:
        requester_id, name = None, rng.choice(("", text.person(rng)))
        email = f"guest{tid}@{rng.choice(text.MAIL_DOMAINS)}"
    order_id = rng.randrange(100_000, 999_999) if topic in ("shipping", "returns", "order", "payment") else None
    words = text.slots(rng, name, order_id)
    subject = text.subject(rng, topic, words)
    events = []

    def event(actor, kind, old, new, ts):
        events.append((ts, actor, kind, old, new))

    event(requester_id, "created", None, channel, times[0])
    if group_id:
        event(None, "group", None, GROUPS[group_index], times[0] + 1)
    first_reply = last_public = None
    state = "new"
    for i, (who, ts) in enumerate(zip(authors, times)):
        agent = responders[i % 3] if who != "C" else None
        if who == "C":
            body = text.customer_message(rng, topic, words, first=i == 0)
            out["messages"].append((tid, "public", "customer", requester_id, channel if i == 0 else (
                "email" if channel == "email" else "portal"), body, text.message_id(tid, i) if channel == "email"
                else None, None, fmt(ts)))
            last_public = ts
            if i:
                event(requester_id, "customer_reply", None, None, ts)
        elif who == "A":
            if first_reply is None:
                first_reply = ts
                if assignee:
                    event(agent, "assignee", None, ctx["agent_names"][assignee], ts - 30)
                if priority != "normal" and rng.random() < 0.5:
                    event(agent, "priority", "normal", priority, ts - 20)
            body = text.agent_reply(rng, topic, words, ctx["agent_names"][agent])
            out["messages"].append((tid, "public", "agent", agent, "staff", body, None, None, fmt(ts)))
            last_public = ts
            event(agent, "reply", None, None, ts)
            if state == "new":
                event(agent, "status", "new", "open", ts)
                state = "open"
        else:
            out["messages"].append((tid, "note", "agent", agent, "staff", text.note(rng, topic, words), None, None,
                                    fmt(ts)))
            event(agent, "note", None, None, ts)
    if status == "new" and assignee:
        event(assignee, "assignee", None, ctx["agent_names"][assignee], times[-1] + 5)
        event(assignee, "status", "new", "open", times[-1] + 5)
        status = "open"  # the assign service opens a new ticket
    solved_at = closed_at = None
    updated = times[-1]
    if status not in ("new", "open") and state != status:
        actor = responders[0]
        if status == "closed":
            event(actor, "status", state, "solved", last_public)
            solved_at, closed_at = last_public, last_public + 4 * DAY
            event(None, "status", "solved", "closed", closed_at)
        else:
            event(actor, "status", state, status, last_public)
            solved_at = last_public if status == "solved" else None
        updated = max(updated, closed_at or last_public)
    if rng.random() < 0.3:
        tags = sorted(set(rng.choices(*ctx["tags"], k=rng.choice((1, 1, 1, 2, 2, 3)))))
        for tag in tags:
            out["tags"].append((tid, tag))
        event(responders[0], "tags", "", ", ".join(tags), times[0] + 120)
    due = 4 * 3600 if priority == "urgent" else DAY
    out["tickets"].append((
        tid, subject, requester_id, email, name, status, priority, rank, channel, assignee, group_id, topic,
        "fr" if rng.random() < 0.2 else "en", order_id, rng.randint(1, 5) if order_id else None,
        fmt(times[0] + due), fmt(times[0] + 3 * DAY), fmt(first_reply) if first_reply else None,
        fmt(solved_at) if solved_at else None, fmt(closed_at) if closed_at else None, fmt(times[0]),
        fmt(updated), fmt(last_public), None, None, count, len(events)))
    events.sort(key=lambda e: e[0])
    out["events"].extend((tid, actor, kind, old, new, n, fmt(ts))
                         for n, (ts, actor, kind, old, new) in enumerate(events, 1))


_CTX = {}  # set before the worker pool forks, so the 200,000 customer names are not pickled per chunk


def generate_chunk(bounds):
    """Rows for tickets first..last (inclusive), from a seed of their own: any worker count, same rows."""
    first, last = bounds
    ctx = _CTX
    rng = random.Random(f"{ctx['seed']}-{first}")
    fmt = Clock()
    out = {"tickets": [], "messages": [], "events": [], "tags": []}
    for tid in range(first, last + 1):
        _ticket(rng, tid, ctx, fmt, out)
    return out


# --- loading --------------------------------------------------------------------------------------

def _staff(app, seed):
    """Agents, managers and groups through the real services; returns what the workers need."""
    from portal.accounts.models import Role
    from portal.accounts.services import create_user
    from portal.extensions import db
    from portal.tickets import groups

    rng = random.Random(f"{seed}-staff")
    with app.app_context():
        agents = [create_user(email=f"agent{n:02d}@comptoir.test", name=text.person(rng), password=PASSWORD,
                              role=Role.AGENT) for n in range(1, 21)]
        managers = [create_user(email=f"manager{n:02d}@comptoir.test", name=text.person(rng), password=PASSWORD,
                                role=Role.MANAGER) for n in range(1, 3)]
        group_rows = [groups.create_group(name=name) for name in GROUPS]
        for agent, scope in zip(agents, AGENT_SCOPES):
            groups.set_scope(agent, scope)
        for index, group in enumerate(group_rows):
            groups.set_membership(group, [a.id for n, a in enumerate(agents) if index in MEMBERSHIP[n % 5]])
        db.session.commit()
        staff = {"agents": [a.id for a in agents], "agent_names": {a.id: a.display_name for a in agents},
                 "group_ids": [g.id for g in group_rows], "managers": [m.id for m in managers],
                 "password_hash": agents[0].password_hash}
        staff["group_agents"] = [[a.id for n, a in enumerate(agents) if index in MEMBERSHIP[n % 5]]
                                 for index in range(len(GROUPS))]
        db.session.remove()
        db.engine.dispose()
    return staff


def _customers(app, seed, password_hash):
    """200,000 customer accounts by one Core executemany (one shared password hash: only a few log in)."""
    from sqlalchemy import func, insert, select

    from portal.accounts.models import Role, User
    from portal.extensions import db

    rng = random.Random(f"{seed}-customers")
    names = [text.person(rng) for _ in range(CUSTOMERS)]
    with app.app_context():
        base = db.session.scalar(select(func.max(User.id))) + 1
        created = NOW - timedelta(days=SPAN_DAYS + 30)
        rows = [{"id": base + n, "email": text.customer_email(name, n), "name": name, "password_hash": password_hash,
                 "role": Role.CUSTOMER, "locale": "fr" if n % 5 == 0 else "en", "email_verified_at": created,
                 "active": True, "created_at": created} for n, name in enumerate(names)]
        with db.engine.begin() as conn:
            conn.execute(insert(User), rows)
        db.engine.dispose()
    return base, names


SECONDARY = ("ticket", "ticket_message", "ticket_event", "ticket_tag")
INSERTS = {
    "tickets": "INSERT INTO ticket (id, subject, requester_id, requester_email, requester_name, status, priority, "
               "priority_rank, channel, assignee_id, group_id, topic, locale, order_id, store_id, first_reply_due_at, "
               "resolution_due_at, first_replied_at, solved_at, closed_at, created_at, updated_at, waiting_since, "
               "merged_into_id, follow_up_of_id, message_count, version) VALUES (" + ", ".join("?" * 27) + ")",
    "messages": "INSERT INTO ticket_message (ticket_id, kind, author_kind, author_id, channel, body, external_id, "
                "moved_from_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "events": "INSERT INTO ticket_event (ticket_id, actor_id, kind, old, new, version, created_at) "
              "VALUES (?, ?, ?, ?, ?, ?, ?)",
    "tags": "INSERT INTO ticket_tag (ticket_id, tag) VALUES (?, ?)",
}


def _bulk_load(path, ctx, tickets, workers, log):
    """Insert every chunk in ticket order with the secondary indexes dropped, then rebuild them."""
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=OFF", "foreign_keys=OFF", "cache_size=-1000000",
                   "temp_store=MEMORY"):
        conn.execute(f"PRAGMA {pragma}")
    marks = ",".join("?" * len(SECONDARY))
    indexes = conn.execute(f"SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL "
                           f"AND tbl_name IN ({marks})", SECONDARY).fetchall()
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    chunks = [(first, min(first + CHUNK - 1, tickets)) for first in range(1, tickets + 1, CHUNK)]
    _CTX.clear()
    _CTX.update(ctx)
    counts = dict.fromkeys(INSERTS, 0)
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for n, rows in enumerate(pool.imap(generate_chunk, chunks), 1):
            conn.execute("BEGIN")
            for table, sql in INSERTS.items():
                conn.executemany(sql, rows[table])
                counts[table] += len(rows[table])
            conn.execute("COMMIT")
            if n % 10 == 0 or n == len(chunks):
                log(f"  {counts['tickets']:,} tickets, {counts['messages']:,} messages "
                    f"({time.perf_counter() - started:.0f} s)")
    started = time.perf_counter()
    for name, sql in indexes:
        conn.execute(sql)
    log(f"  {len(indexes)} indexes rebuilt in {time.perf_counter() - started:.0f} s")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return counts


def data_dir(tickets: int) -> Path:
    """bench/data/tickets-N/."""
    return common.data_dir("tickets", tickets)


def ensure_database(tickets=1_000_000, seed=1, regenerate=False, log=print) -> dict:
    """The benchmark database for this size and seed (built if missing); returns its meta.json content."""
    folder = data_dir(tickets)
    wanted = {"tickets": tickets, "seed": seed, "generator": GENERATOR_VERSION}
    return common.ensure_database(folder, wanted, lambda app: _generate(app, folder, tickets, seed, log),
                                  what=f"{tickets:,} tickets", regenerate=regenerate, log=log)


def _generate(app, folder, tickets, seed, log) -> dict:
    """Staff and customers through the app, then the tickets by bulk load; the rest of meta.json."""
    staff = _staff(app, seed)
    base, names = _customers(app, seed, staff.pop("password_hash"))
    ctx = dict(staff, seed=seed, customer_base=base, customer_names=names, long_id=min(tickets, tickets // 2 + 7),
               status=weights(STATUSES), topic=weights(TOPICS), channel=weights(CHANNELS), tags=weights(TAGS),
               priority=[(p, r) for p, _, r in PRIORITIES], priority_w=[w for _, w, _ in PRIORITIES])
    workers = max(1, min(multiprocessing.cpu_count(), 4))
    counts = _bulk_load(str(folder / "portal.db"), ctx, tickets, workers, log)
    return {"long_thread_number": ctx["long_id"] + 1000, "regular_customer_id": base, "agents": staff["agents"],
            "managers": staff["managers"], "rows": counts}


def main(argv=None):
    common.generator_main(argv, ensure_database, description="Generate the ticket-queue benchmark database.",
                          size="tickets", default=1_000_000)


if __name__ == "__main__":
    main()
