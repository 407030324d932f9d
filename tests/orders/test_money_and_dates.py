"""Money stays exact from payload to database and back; dates are stored in UTC whatever offset they came with."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from portal.orders.data import money, utc
from tests.orders import payloads
from tests.orders.helpers import the_order


@pytest.mark.parametrize("value, expected", [
    ("59.90", "59.90"), (59.9, "59.90"), (0.1, "0.10"), ("19.9900", "19.99"), ("10.1250", "10.13"),
    ("10.1249", "10.12"), (3, "3.00"), (None, "0.00"), ("", "0.00"), (" 4.90 ", "4.90"),
])
def test_money_is_an_exact_decimal_rounded_half_up_to_cents(value, expected):
    amount = money(value)
    assert isinstance(amount, Decimal) and amount == Decimal(expected) and str(amount) == expected


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-inf", "12,50", "abc", "1e30"])
def test_money_refuses_what_is_not_an_amount(value):
    with pytest.raises(ValueError, match="not an amount"):
        money(value)


def test_float_arithmetic_would_be_wrong_and_money_is_not():
    assert 0.1 + 0.2 != 0.3 and 0.1 * 3 != 0.3
    assert money("0.1") + money("0.2") == money("0.3") == money("0.1") * 3
    assert sum((money("19.99") for _ in range(3)), money(0)) == money("59.97")


@pytest.mark.parametrize("value, expected", [
    ("2024-03-01T23:30:00-05:00", datetime(2024, 3, 2, 4, 30)),  # the evening in New York is the next day in UTC
    ("2024-03-01T00:30:00+01:00", datetime(2024, 2, 29, 23, 30)),  # and the reverse, through a leap day
    ("2024-03-01T10:00:00Z", datetime(2024, 3, 1, 10, 0)),
    ("2024-03-01T10:00:00", datetime(2024, 3, 1, 10, 0)),  # no offset: already UTC
    ("Fri, 01 Mar 2024 21:30:00 +0100", datetime(2024, 3, 1, 20, 30)),  # BigCommerce v2, RFC 2822
    (datetime(2024, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=5, minutes=30))), datetime(2024, 3, 1, 6, 30)),
    (None, None), ("", None),
])
def test_dates_become_naive_utc(value, expected):
    assert utc(value) == expected


def test_not_a_date_is_a_value_error():
    with pytest.raises(ValueError, match="not a date"):
        utc("next tuesday")


def test_a_webhook_order_keeps_exact_money_and_utc_times_in_the_database(store_for, deliver):
    store = store_for("shopify")
    order_payload = payloads.shopify_order(
        line_items=[{"id": 1, "title": "Pen", "quantity": 3, "price": "0.10"},
                    {"id": 2, "title": "Mug", "quantity": 3, "price": "19.99"}],
        subtotal_price="60.27", total_price="65.17")
    deliver(store, order_payload)
    order = the_order()
    assert sum((i.unit_price * i.quantity for i in order.items), Decimal("0")) == Decimal("60.27")
    assert (order.subtotal, order.shipping_total, order.total) == (Decimal("60.27"), Decimal("4.90"),
                                                                    Decimal("65.17"))
    assert all(isinstance(v, Decimal) for v in (order.subtotal, order.total, order.items[0].unit_price))
    assert order.placed_at == datetime(2024, 3, 2, 4, 30)
    assert order.platform_updated_at == datetime(2024, 3, 2, 4, 45)
