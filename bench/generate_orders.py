"""Run: .venv/bin/python bench/generate_orders.py [--orders 100000] [--seed 1] [--regenerate]

Builds a shop-orders database for bench/orders.py under bench/data/orders-N/: the schema through the real
migrations; stores, an agent and one sample customer through the real services; then customer accounts,
orders, items, shipments and refunds by SQLAlchemy Core bulk inserts. About 30,000 customers per 100,000
orders (a long tail: most order once or twice, a few dozens of times); 40 % of them have an account, 90 % of
those verified, whose orders carry customer_id as services._link_customer would set it. Same seed and size,
same database; a matching one is reused unless --regenerate. No ANALYZE: the app never runs it.
"""
import random
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import common  # first: it puts the repository root on sys.path (bench/ is there already)
import ticket_text as text

GENERATOR_VERSION = 2
PASSWORD = common.PASSWORD
SHOPIFY_SECRET = "shpss_bench_0123456789abcdef"
AGENT_EMAIL = "agent01@comptoir.test"
NOW = datetime(2026, 11, 30, 12, 0, 0)  # fixed, so the same seed gives the same database
SPAN_DAYS = 730
CHUNK = 5_000
# (platform, name, share of orders, first order number, first external id)
STORES = (("shopify", "Maison Lin", 0.6, 1001, 5_100_000_000_000),
          ("woocommerce", "Atelier Cuir", 0.3, 200_001, 200_001),
          ("manual", "Boutique Hiver", 0.1, 900_001, 900_001))
ITEM_COUNTS = ((1, 45), (2, 25), (3, 15), (4, 10), (5, 5))
CARRIERS = {  # carrier: (tracking number pattern, tracking URL prefix)
    "Colissimo": ("6A{d11}", "https://www.laposte.fr/outils/suivre-vos-envois?code="),
    "Chronopost": ("XW{d9}FR", "https://www.chronopost.fr/tracking-no-cms/suivi-page?listeNumerosLT="),
    "DPD": ("{d14}", "https://trace.dpd.fr/fr/trace/"),
    "UPS": ("1Z{d16}", "https://www.ups.com/track?tracknum="),
    "Mondial Relay": ("{d8}", "https://www.mondialrelay.fr/suivi-de-colis/?NumeroExpedition="),
    "DHL": ("{d10}", "https://www.dhl.com/fr-fr/home/suivi.html?tracking-id="),
}
CITIES = (("75011", "Paris"), ("69003", "Lyon"), ("13006", "Marseille"), ("31000", "Toulouse"), ("33000", "Bordeaux"),
          ("59000", "Lille"), ("44000", "Nantes"), ("67000", "Strasbourg"), ("1000", "Bruxelles"), ("1204", "Genève"))
PRICES = tuple(Decimal(p) for p in ("9.90", "14.90", "19.90", "24.90", "29.90", "39.90", "49.90", "59.90", "79.90",
                                    "89.90", "119.00", "149.00"))


def data_dir(orders: int) -> Path:
    """bench/data/orders-N/."""
    return common.data_dir("orders", orders)


def _tracking(rng, carrier: str) -> tuple[str, str]:
    pattern, url = CARRIERS[carrier]
    number = pattern
    for width in (16, 14, 11, 10, 9, 8):
        number = number.replace(f"{{d{width}}}", "".join(rng.choices("0123456789", k=width)))
    return number, url + number


def _customers(rng, count: int) -> list[dict]:
    """Names, addresses and a weight: a Pareto tail, so a few customers order very often."""
    people = []
    for n in range(count):
        name = text.person(rng)
        postcode, city = rng.choice(CITIES)
        people.append({"n": n, "name": name, "email": text.customer_email(name, n),
                       "address": {"name": name, "address1": f"{rng.randint(1, 180)} rue {rng.choice(text.LAST)}",
                                   "zip": postcode, "city": city, "country": "France"},
                       "weight": rng.paretovariate(2.0), "account": rng.random() < 0.4,
                       "verified": rng.random() < 0.9})
    return people


def _later(moment: datetime, **delta) -> datetime:
    """`moment` + `delta` in whole seconds, as shops send times."""
    return (moment + timedelta(**delta)).replace(microsecond=0)


def _order_rows(rng, oid, store, number, customer, placed, user_id, out):
    """One order with its items, shipments and refunds, appended to `out` as Core row dicts."""
    age = (NOW - placed).total_seconds() / 86400
    items, subtotal = [], Decimal("0")
    for n in range(rng.choices(*zip(*ITEM_COUNTS))[0]):
        price, quantity = rng.choice(PRICES), rng.choice((1, 1, 1, 1, 2, 2, 3))
        product = rng.choice(text.PRODUCTS)
        items.append({"order_id": oid, "external_id": str(oid * 10 + n), "title": product.capitalize(),
                      "sku": f"{product[:3].upper()}-{rng.randint(100, 999)}",
                      "variant": f"{rng.choice(text.COLOURS)} / {rng.choice(text.SIZES)}", "quantity": quantity,
                      "unit_price": price, "image_url": None})
        subtotal += price * quantity
    shipping = Decimal("0.00") if subtotal >= 60 else Decimal("4.90")
    total = subtotal + shipping
    financial, fulfillment, cancelled = "paid", "fulfilled", None
    if rng.random() < 0.03:
        financial, fulfillment = rng.choice(("voided", "refunded")), "unfulfilled"
        cancelled = _later(placed, hours=rng.uniform(1, 30))
    elif age < 3:
        financial, fulfillment = rng.choices((("pending", "unfulfilled"), ("paid", "unfulfilled"),
                                              ("paid", "fulfilled")), (30, 40, 30))[0]
    updated = _later(placed, hours=rng.uniform(0.1, 2))
    if fulfillment == "fulfilled":
        for n in range(2 if rng.random() < 0.1 else 1):
            carrier = rng.choice(tuple(CARRIERS))
            number_, url = _tracking(rng, carrier)
            shipped = _later(placed, hours=rng.uniform(4, 48) + 12 * n)
            delivered = _later(shipped, days=rng.uniform(1, 5)) if age > 7 else None
            out["shipment"].append({"order_id": oid, "external_id": str(oid * 10 + n), "carrier": carrier,
                                    "tracking_number": number_, "tracking_url": url,
                                    "status": "delivered" if delivered else "in_transit", "shipped_at": shipped,
                                    "delivered_at": delivered, "estimated_delivery": shipped + timedelta(days=3)})
            updated = max(updated, delivered or shipped)
        if age > 10 and rng.random() < 0.06:
            full = rng.random() < 0.5
            amount = total if full else items[0]["unit_price"]
            financial = "refunded" if full else "partially_refunded"
            refunded_at = _later(updated, days=rng.uniform(2, 20))
            out["refund"].append({"order_id": oid, "external_id": str(oid), "amount": amount,
                                  "reason": rng.choice(("Returned", "Damaged in transit", "Wrong size", None)),
                                  "created_at": refunded_at})
            updated = refunded_at
    out["order_item"].extend(items)
    _, _, _, first_number, first_external = store["spec"]
    out["shop_order"].append({
        "id": oid, "store_id": store["id"], "external_id": str(first_external + number - first_number),
        "number": str(number), "email": customer["email"], "customer_name": customer["name"], "customer_id": user_id,
        "placed_at": placed, "platform_updated_at": min(updated, NOW), "currency": "EUR", "subtotal": subtotal,
        "shipping_total": shipping, "tax_total": (total / 6).quantize(Decimal("0.01")), "total": total,
        "financial_status": financial, "fulfillment_status": fulfillment, "cancelled_at": cancelled,
        "cancel_reason": "customer" if cancelled else None, "shipping_address": customer["address"],
        "billing_address": customer["address"], "note": None, "deleted_at": None, "synced_at": min(updated, NOW)})


def _setup(app, seed):
    """Stores, one agent (scope all) and the password hash every bulk account shares."""
    from portal.accounts.models import Role
    from portal.accounts.services import create_user
    from portal.extensions import db
    from portal.orders import services
    from portal.tickets import groups

    with app.app_context():
        stores = []
        for spec in STORES:
            store = services.create_store(platform=spec[0], name=spec[1], domain=f"{spec[1].lower().replace(' ', '-')}"
                                          ".example.com", webhook_secret=SHOPIFY_SECRET, timezone="Europe/Paris")
            stores.append({"id": store.id, "spec": spec})
        agent = create_user(email=AGENT_EMAIL, name="Agent One", password=PASSWORD, role=Role.AGENT)
        groups.set_scope(agent, "all")
        db.session.commit()
        password_hash = agent.password_hash
        db.session.remove()
    return stores, password_hash


def _insert(conn, tables, rows) -> None:
    for name, table in tables.items():
        if rows[name]:
            conn.execute(table.insert(), rows[name])
            rows[name] = []


def _load(app, seed, orders, stores, password_hash, log) -> dict:
    """Accounts, then orders in time order (ids and numbers grow with placed_at, as in a shop)."""
    from sqlalchemy import func, select

    from portal.accounts.models import Role, User
    from portal.extensions import db
    from portal.orders.models import Order, OrderItem, Refund, Shipment

    rng = random.Random(f"{seed}-orders")
    people = _customers(rng, max(1, orders * 3 // 10))
    tables = {"shop_order": Order.__table__, "order_item": OrderItem.__table__, "shipment": Shipment.__table__,
              "refund": Refund.__table__}
    counts = dict.fromkeys(tables, 0)
    with app.app_context(), db.engine.begin() as conn:
        for pragma in ("synchronous=OFF", "cache_size=-500000", "temp_store=MEMORY"):
            conn.exec_driver_sql(f"PRAGMA {pragma}")
        next_id = conn.scalar(select(func.max(User.id))) + 1
        created = NOW - timedelta(days=SPAN_DAYS + 30)
        accounts = []
        for person in people:
            if person["account"]:
                person["user_id"] = next_id
                accounts.append({"id": next_id, "email": person["email"], "name": person["name"],
                                 "password_hash": password_hash, "role": Role.CUSTOMER, "locale": "fr",
                                 "email_verified_at": created if person["verified"] else None, "active": True,
                                 "created_at": created})
                next_id += 1
        conn.execute(User.__table__.insert(), accounts)
        placed = sorted(NOW - timedelta(seconds=rng.randrange(600, SPAN_DAYS * 86400)) for _ in range(orders))
        buyers = rng.choices(people, cum_weights=_cumulative(p["weight"] for p in people), k=orders)
        numbers = {s["id"]: s["spec"][3] for s in stores}
        rows = {name: [] for name in tables}
        for oid, (when, customer) in enumerate(zip(placed, buyers), 1):
            store = rng.choices(stores, [s["spec"][2] for s in stores])[0]
            user_id = customer.get("user_id") if customer["verified"] else None
            _order_rows(rng, oid, store, numbers[store["id"]], customer, when, user_id, rows)
            numbers[store["id"]] += 1
            customer["orders"] = customer.get("orders", 0) + 1
            if oid % CHUNK == 0 or oid == orders:
                for name in tables:
                    counts[name] += len(rows[name])
                _insert(conn, tables, rows)
                if oid % (CHUNK * 4) == 0 or oid == orders:
                    log(f"  {oid:,} orders")
    linked = [p for p in people if p.get("user_id") and p["verified"] and p.get("orders")]
    return {"rows": counts, "customers": len(people), "accounts": len(accounts),
            "verified_with_orders": len(linked),
            "customer_10": _closest(linked, 10), "customer_most": max(linked, key=lambda p: (p["orders"], -p["n"]))
            ["email"] if linked else None}


def _cumulative(weights):
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def _closest(people, wanted: int) -> str | None:
    """The verified customer whose order count is nearest `wanted` (lowest index on a tie)."""
    if not people:
        return None
    return min(people, key=lambda p: (abs(p["orders"] - wanted), p["n"]))["email"]


def ensure_database(orders=100_000, seed=1, regenerate=False, log=print) -> dict:
    """The benchmark database for this size and seed (built if missing); returns its meta.json content."""
    wanted = {"orders": orders, "seed": seed, "generator": GENERATOR_VERSION}
    return common.ensure_database(data_dir(orders), wanted, lambda app: _generate(app, orders, seed, log),
                                  what=f"{orders:,} orders", regenerate=regenerate, log=log,
                                  summary=lambda meta: f"{meta['rows']}, {meta['accounts']:,} accounts")


def _generate(app, orders, seed, log) -> dict:
    """Stores and the agent through the services, then accounts and orders; the rest of meta.json."""
    stores, password_hash = _setup(app, seed)
    return dict(stores=[{"id": s["id"], "platform": s["spec"][0], "name": s["spec"][1]} for s in stores],
                agent=AGENT_EMAIL, secret=SHOPIFY_SECRET, **_load(app, seed, orders, stores, password_hash, log))


def main(argv=None):
    common.generator_main(argv, ensure_database, description="Generate the orders benchmark database.",
                          size="orders", default=100_000)


if __name__ == "__main__":
    main()
