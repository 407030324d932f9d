"""`portal stores …` and `portal orders …`: connect shops, backfill, import CSV, show an order, purge payloads."""
import json
import sys
from datetime import datetime
from urllib.parse import urlsplit

import click
from flask import current_app, url_for
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.errors import DomainError
from portal.extensions import db
from portal.orders import csv_import, ingest, queries, services, sync
from portal.orders.data import utc
from portal.orders.models import Order, Platform, Store
from portal.orders.platforms import bigcommerce
from portal.orders.rest import ShopApiError

stores_cli = AppGroup("stores", help="Shop connections: add and list.")
orders_cli = AppGroup("orders", help="Orders: backfill from a shop's API, import CSV, show, purge payloads.")


def fail(message: str):
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _store(store_id, where: str = "--store") -> Store:
    try:
        return services.get_store(store_id)
    except DomainError:
        fail(f"{where} {store_id}: no such store (see 'portal stores list')")


def webhook_url(store: Store) -> str | None:
    """Where the shop sends deliveries: under PUBLIC_URL, else SERVER_NAME (the CLI has no request to go by)."""
    if store.platform == Platform.MANUAL:
        return None
    values = {"platform": store.platform.value, "store_id": store.id}
    base = current_app.config.get("PUBLIC_URL")
    if not base and current_app.config.get("SERVER_NAME"):
        return url_for("hooks.webhook", _external=True, **values)
    # Bound to PUBLIC_URL itself: url_for in a test request context would prefer SERVER_NAME when both are set.
    parts = urlsplit(base or "http://localhost:5000")
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
    return adapter.build("hooks.webhook", values, force_external=True)


# --- stores ---------------------------------------------------------------------------------------

@stores_cli.command("add")
@click.option("--platform", required=True, help="shopify, woocommerce, bigcommerce or manual.")
@click.option("--name", required=True, help="What staff see, like 'Main shop'.")
@click.option("--domain", required=True, help="The shop's domain, like myshop.example.com.")
@click.option("--webhook-secret", help="The secret the shop signs webhooks with (not for manual stores).")
@click.option("--api-url",
              help="REST API base when not https://DOMAIN (BigCommerce: https://api.bigcommerce.com/stores/HASH).")
@click.option("--api-token", help="Shopify access token, WooCommerce 'key:secret', BigCommerce X-Auth-Token.")
@click.option("--timezone", default="UTC", show_default=True, help="The shop's time zone, like Europe/Paris.")
@click.option("--json", "as_json", is_flag=True, help="Print {\"id\": …, \"webhook_url\": …}.")
def add_command(platform, name, domain, webhook_secret, api_url, api_token, timezone, as_json):
    """Connect a shop; prints its id and the webhook URL to paste in the shop."""
    try:
        store = services.create_store(platform=platform, name=name, domain=domain, webhook_secret=webhook_secret,
                                      api_url=api_url, api_token=api_token, timezone=timezone)
    except DomainError as exc:
        db.session.rollback()
        fail(f"--{(exc.field or 'store').replace('_', '-')}: {exc.message}")
    db.session.commit()
    url = webhook_url(store)
    if as_json:
        click.echo(json.dumps({"id": store.id, "webhook_url": url}))
        return
    click.echo(f"Store {store.id} added: {store.name} ({store.platform.value}, {store.domain}).")
    if url is None:
        click.echo(f"Import its orders with: portal orders import FILE.csv --store {store.id}")
        return
    click.echo(f"Webhook URL: {url}")
    if store.platform == Platform.BIGCOMMERCE:
        click.echo(f"Register the hooks with the header {bigcommerce.SECRET_HEADER}: <the webhook secret>.")


@stores_cli.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_command(as_json):
    """List the connected shops with their last webhook delivery."""
    rows = [{"id": s.id, "platform": s.platform.value, "name": s.name, "domain": s.domain,
             "last_delivery_at": _iso(s.last_delivery_at), "last_delivery_status": s.last_delivery_status,
             "sync_in_progress": bool(s.sync_cursor)}
            for s in db.session.scalars(select(Store).order_by(Store.id))]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("No stores yet: add one with 'portal stores add'.")
    for row in rows:
        last = f"last delivery {row['last_delivery_at']} ({row['last_delivery_status']})" \
            if row["last_delivery_at"] else "no delivery yet"
        click.echo(f"{row['id']:>4}  {row['platform']:<12} {row['name']:<30} {row['domain']:<30} {last}")


# --- orders ---------------------------------------------------------------------------------------

def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail(f"--since {value!r}: not a date (use 2024-03-01 or 2024-03-01T12:00:00+01:00)")
    return utc(parsed)


def interactive() -> bool:
    return sys.stdout.isatty()


class _SyncDisplay:
    """Pages and orders so far, one line per page; on a terminal, a bar once the shop tells the total."""

    def __init__(self):
        self.bar = None
        self.interactive = interactive()

    def __call__(self, progress: sync.Progress) -> None:
        if progress.total and self.bar is None and self.interactive:
            self.bar = click.progressbar(length=progress.total, label="Orders", show_pos=True)
            self.bar.__enter__()
        if self.bar is not None:
            self.bar.update(progress.orders - self.bar.pos)
        else:
            of_total = f" of {progress.total}" if progress.total else ""
            click.echo(f"page {progress.page}: {progress.orders}{of_total} orders so far")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@orders_cli.command("sync")
@click.argument("store_id")
@click.option("--since", help="Only orders updated since this date (ISO 8601; without offset: UTC).")
def sync_command(store_id, since):
    """Backfill STORE_ID's orders from its API; interrupted, a rerun continues where it stopped."""
    store = _store(store_id, where="store")
    if store.platform == Platform.MANUAL:
        fail(f"store {store.id}: a manual store has no API; use 'portal orders import FILE.csv --store {store.id}'")
    since_at = _since(since)
    cursor = store.sync_cursor or {}
    if cursor.get("next") and cursor.get("since") == (since_at.isoformat() if since_at else ""):
        click.echo("Resuming the interrupted sync.")
    display = _SyncDisplay()
    try:
        count = sync.backfill(store, since=since_at, on_page=display)
    except ShopApiError as exc:
        db.session.rollback()
        display.close()
        fail(f"store {store.id}: {exc} (the pages done are kept; run the command again to resume)")
    except KeyboardInterrupt:
        db.session.rollback()
        display.close()
        click.echo("Interrupted; run the command again to resume.", err=True)
        sys.exit(130)
    display.close()
    click.echo(f"Synced {count} orders from store {store.id} ({store.name}).")


@orders_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--store", "store_id", required=True, help="The manual store's id.")
def import_command(file, store_id):
    """Import orders from FILE.csv (columns: see docs/orders-csv.md); nothing is stored if a line is wrong."""
    store = _store(store_id)
    try:
        report = csv_import.import_csv(file, store)
    except csv_import.CsvImportError as exc:
        db.session.rollback()
        for error in exc.errors:
            click.echo(error, err=True)
        fail(f"{file}: {len(exc.errors)} bad line(s); nothing was imported.")
    except DomainError as exc:
        db.session.rollback()
        fail(f"--store {store_id}: {exc.message}")
    db.session.commit()
    click.echo(f"Imported {report.orders} orders ({report.created} new, {report.updated} updated, "
               f"{report.items} items) into store {store.id}.")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() + "Z" if value else None


def _money(value) -> str:
    return format(value, ".2f")


def order_data(order: Order) -> dict:
    """An order as JSON-ready data: money as strings ("59.90"), times in UTC with a Z; the status the customer
    sees beside the shop's own words."""
    return {
        "store": {"id": order.store.id, "name": order.store.name, "platform": order.store.platform.value},
        "number": order.number, "external_id": order.external_id, "email": order.email,
        "customer_name": order.customer_name, "placed_at": _iso(order.placed_at), "currency": order.currency,
        "subtotal": _money(order.subtotal), "shipping_total": _money(order.shipping_total),
        "tax_total": _money(order.tax_total), "total": _money(order.total),
        "refunded_total": _money(order.refunded_total), "financial_status": order.financial_status.value,
        "fulfillment_status": order.fulfillment_status.value, "platform_status": order.platform_status,
        "customer_status": {"key": queries.status_key(order), "label": queries.status_label(order)},
        "cancelled_at": _iso(order.cancelled_at), "cancel_reason": order.cancel_reason,
        "note": order.note, "tags": list(order.tags or []), "deleted_at": _iso(order.deleted_at),
        "items": [{"sku": i.sku, "title": i.title, "variant": i.variant, "quantity": i.quantity,
                   "unit_price": _money(i.unit_price)} for i in order.items],
        "shipments": [{"carrier": s.carrier, "tracking_number": s.tracking_number, "tracking_url": s.tracking_url,
                       "status": s.status, "shipped_at": _iso(s.shipped_at), "delivered_at": _iso(s.delivered_at)}
                      for s in order.shipments],
        "refunds": [{"amount": _money(r.amount), "reason": r.reason, "created_at": _iso(r.created_at)}
                    for r in order.refunds],
    }


def _find_order(number: str, store_id) -> Order:
    number = number.strip().lstrip("#")
    query = select(Order).options(selectinload(Order.items), selectinload(Order.shipments),
                                  selectinload(Order.refunds)).where(Order.number == number)
    if store_id is not None:
        query = query.where(Order.store_id == _store(store_id).id)
    orders = db.session.scalars(query.order_by(Order.store_id)).all()
    if not orders:
        fail(f"order {number}: not found" + (f" in store {store_id}" if store_id is not None else ""))
    if len(orders) > 1:
        fail(f"order {number}: found in stores {', '.join(str(o.store_id) for o in orders)}; pass --store ID")
    return orders[0]


@orders_cli.command("show")
@click.argument("number")
@click.option("--store", "store_id", help="The store's id, when several stores use the same numbers.")
@click.option("--json", "as_json", is_flag=True)
def show_command(number, store_id, as_json):
    """Show order NUMBER with its items, statuses, shipments and refunds."""
    data = order_data(_find_order(number, store_id))
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"Order {data['number']} ({data['store']['name']}), placed {data['placed_at']} by "
               f"{data['customer_name'] or '-'} <{data['email'] or '-'}>")
    click.echo(f"Total {data['total']} {data['currency']}, payment {data['financial_status']}, "
               f"{data['fulfillment_status']}" + (f", refunded {data['refunded_total']}" if data["refunds"] else ""))
    shop_words = f" ({data['store']['platform']}: {data['platform_status']})" if data["platform_status"] else ""
    click.echo(f"Customer sees: {data['customer_status']['label']}{shop_words}")
    if data["cancelled_at"]:
        reason = f": {data['cancel_reason']}" if data["cancel_reason"] else ""
        click.echo(f"Cancelled {data['cancelled_at']}{reason}")
    if data["note"]:
        click.echo(f"Note: {' '.join(data['note'].split())}")
    if data["tags"]:
        click.echo(f"Tags: {', '.join(data['tags'])}")
    for item in data["items"]:
        click.echo(f"  {item['quantity']} x {item['title']}{' (' + item['variant'] + ')' if item['variant'] else ''}"
                   f"  {item['unit_price']}")
    for shipment in data["shipments"]:
        click.echo(f"  shipped {shipment['shipped_at'] or '-'} {shipment['carrier'] or ''} "
                   f"{shipment['tracking_number'] or ''} [{shipment['status']}]")
    for refund in data["refunds"]:
        click.echo(f"  refund {refund['amount']} on {refund['created_at']}: {refund['reason'] or ''}")


@orders_cli.command("purge-payloads")
@click.option("--days", type=int, help="Keep payloads younger than this (default: WEBHOOK_PAYLOAD_DAYS).")
def purge_payloads_command(days):
    """Forget raw webhook payloads past their retention; delivery ids stay, so replays remain harmless."""
    if days is not None and days < 0:
        fail(f"--days {days}: must be 0 or more")
    count = ingest.purge_payloads(days)
    db.session.commit()
    kept = current_app.config["WEBHOOK_PAYLOAD_DAYS"] if days is None else days
    click.echo(f"Forgot {count} webhook payloads older than {kept} days.")
