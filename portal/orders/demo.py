"""Demo shop: one store (CSV-fed, no webhooks) with orders for the demo customers (created once)."""
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from portal.extensions import db
from portal.models_base import utcnow
from portal.orders import services
from portal.orders.data import ItemData, OrderData, RefundData, ShipmentData
from portal.orders.models import Order


def _order(number, email, name, days_ago, items, status="paid", fulfillment="unfulfilled", shipments=(),
           refunds=()):
    placed = utcnow() - timedelta(days=days_ago)
    subtotal = sum((i.unit_price * i.quantity for i in items), Decimal("0"))
    return OrderData(external_id=f"demo-{number}", number=str(number), email=email, customer_name=name,
                     placed_at=placed, updated_at=placed + timedelta(hours=2), currency="EUR", subtotal=subtotal,
                     shipping_total=Decimal("4.90"), tax_total=Decimal("0"), total=subtotal + Decimal("4.90"),
                     financial_status=status, fulfillment_status=fulfillment,
                     shipping_address={"name": name, "address1": "12 rue des Lilas", "zip": "69003", "city": "Lyon",
                                       "country": "France"},
                     items=list(items), shipments=list(shipments), refunds=list(refunds))


def load(users) -> list[str]:
    """Create the demo store and orders unless orders already exist."""
    if db.session.scalar(select(Order.id).limit(1)):
        return ["Demo orders: already there."]
    store = services.create_store(platform="manual", name="Maison Demo", domain="shop.demo.comptoir.test",
                                  timezone="Europe/Paris")
    now = utcnow()
    claire, sam = "claire@demo.comptoir.test", "sam@demo.comptoir.test"
    orders = [
        _order(10477, sam, "Sam Carter", 3, [ItemData(title="Linen shirt", variant="M", sku="LIN-M", quantity=1,
                                                      unit_price=Decimal("59.00"))]),
        _order(10481, claire, "Claire Dubois", 6,
               [ItemData(title="Merino jumper", variant="S / Navy", sku="MER-S-NV", quantity=1,
                         unit_price=Decimal("89.00")),
                ItemData(title="Wool socks", variant="37-40", sku="SOCK-37", quantity=2, unit_price=Decimal("12.50"))],
               fulfillment="fulfilled",
               shipments=[ShipmentData(external_id="demo-s1", carrier="Colissimo", tracking_number="6A12345678901",
                                       tracking_url="https://www.laposte.fr/outils/suivre-vos-envois?code=6A12345678901",
                                       status="in_transit", shipped_at=now - timedelta(days=5),
                                       estimated_delivery=now + timedelta(days=1))]),
        _order(10352, claire, "Claire Dubois", 40,
               [ItemData(title="Leather tote bag", variant="Cognac", sku="TOTE-CG", quantity=1,
                         unit_price=Decimal("149.00"))],
               status="partially_refunded", fulfillment="fulfilled",
               shipments=[ShipmentData(external_id="demo-s2", carrier="Chronopost", tracking_number="XY987654321FR",
                                       tracking_url="https://www.chronopost.fr/tracking-no-cms/suivi-page?listeNumerosLT=XY987654321FR",
                                       status="delivered", shipped_at=now - timedelta(days=38),
                                       delivered_at=now - timedelta(days=36))],
               refunds=[RefundData(amount=Decimal("20.00"), reason="Scratch on the strap: partial refund",
                                   created_at=now - timedelta(days=30))]),
    ]
    for data in orders:
        services.upsert_order(store, data)
    db.session.flush()
    return [f"Demo orders: store '{store.name}' with {len(orders)} orders (Claire has a parcel on its way)."]
