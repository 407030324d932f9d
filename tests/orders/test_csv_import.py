"""CSV import for manual stores: a valid file, every bad line reported with its number, all or nothing."""
import io
from datetime import datetime
from decimal import Decimal

import pytest

from portal.errors import ValidationError
from portal.extensions import db
from portal.orders.csv_import import CsvImportError, import_csv
from portal.orders.models import FinancialStatus, FulfillmentStatus, Order
from tests.factories import make_store
from tests.orders.helpers import count

HEADER = ("order_number,email,customer_name,placed_at,currency,total,financial_status,fulfillment_status,"
          "item_sku,item_title,item_variant,item_quantity,item_unit_price,carrier,tracking_number,tracking_url,"
          "shipped_at\n")
VALID = HEADER + (
    "#1001,Ana@Example.com,Ana Lima,2024-03-01T14:30:00+02:00,EUR,64.87,paid,,MUG-1,Mug,Blue,3,19.99,"
    "Colissimo,6A123,https://www.laposte.fr/outils/suivre-vos-envois?code=6A123,2024-03-02T09:00:00Z\n"
    "1001,,,,,,,,CARD-1,Card,,1,4.90,,6A123,,\n"
    "1002,bo@example.com,Bo,2024-03-03T10:00:00Z,EUR,0.30,pending,,,Sticker,,3,0.10,,,,\n"
)


@pytest.fixture
def manual_store(app):
    return make_store(platform="manual")


def write(tmp_path, text, name="orders.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def orders() -> dict[str, Order]:
    db.session.expire_all()
    return {o.number: o for o in Order.query.all()}


def test_a_valid_file_imports_one_order_per_order_number(manual_store, tmp_path):
    report = import_csv(write(tmp_path, VALID), manual_store)
    db.session.commit()
    assert (report.orders, report.created, report.updated, report.items) == (2, 2, 0, 3)
    first, second = orders()["1001"], orders()["1002"]
    assert (first.email, first.customer_name, first.currency) == ("ana@example.com", "Ana Lima", "EUR")
    assert first.placed_at == datetime(2024, 3, 1, 12, 30)  # +02:00 converted to UTC
    assert [(i.sku, i.title, i.variant, i.quantity, i.unit_price) for i in first.items] == [
        ("MUG-1", "Mug", "Blue", 3, Decimal("19.99")), ("CARD-1", "Card", None, 1, Decimal("4.90"))]
    assert first.subtotal == Decimal("64.87") == first.total  # 3 x 19.99 + 4.90, exactly
    [shipment] = first.shipments  # the tracking number repeated on the second line is the same parcel
    assert (shipment.carrier, shipment.tracking_number, shipment.shipped_at) == (
        "Colissimo", "6A123", datetime(2024, 3, 2, 9, 0))
    assert (first.financial_status, first.fulfillment_status) == (FinancialStatus.PAID, FulfillmentStatus.FULFILLED)
    assert second.subtotal == Decimal("0.30") == second.total  # 3 x 0.10, not 0.30000000000000004
    assert (second.financial_status, second.fulfillment_status) == (
        FinancialStatus.PENDING, FulfillmentStatus.UNFULFILLED)


def test_importing_again_updates_instead_of_duplicating(manual_store, tmp_path):
    import_csv(write(tmp_path, VALID), manual_store)
    db.session.commit()
    report = import_csv(write(tmp_path, VALID.replace("paid,,MUG-1", "refunded,,MUG-1")), manual_store)
    db.session.commit()
    assert (report.created, report.updated) == (0, 2)
    assert count(Order) == 2
    assert orders()["1001"].financial_status == FinancialStatus.REFUNDED
    assert len(orders()["1001"].items) == 2


def test_three_bad_lines_are_all_reported_and_nothing_is_stored(manual_store, tmp_path):
    text = HEADER + (
        "2001,a@example.com,A,2024-03-01T10:00:00Z,EUR,10.00,paid,,,Mug,,1,10.00,,,,\n"
        "2002,b@example.com,B,yesterday,EUR,10.00,paid,,,Mug,,1,10.00,,,,\n"
        "2003,c@example.com,C,2024-03-01T10:00:00Z,EUR,\"12,50\",paid,,,Mug,,1,12.50,,,,\n"
        "2004,d@example.com,D,2024-03-01T10:00:00Z,EUR,10.00,paid,,,Mug,,two,10.00,,,,\n"
        "2005,e@example.com,E,2024-03-01T10:00:00Z,EUR,10.00,paid,,,Mug,,1,10.00,,,,\n"
    )
    path = write(tmp_path, text)
    with pytest.raises(CsvImportError) as caught:
        import_csv(path, manual_store)
    assert caught.value.errors == [
        f"{path}:3: placed_at 'yesterday' is not an ISO 8601 date (like 2024-03-01T14:30:00+01:00)",
        f"{path}:4: total '12,50' is not an amount (like 59.90: a dot, at most two decimals)",
        f"{path}:5: item_quantity 'two' is not a whole number of 1 or more",
    ]
    db.session.rollback()
    assert count(Order) == 0


def test_one_line_with_several_problems_is_one_entry(manual_store):
    text = HEADER + ",not-an-email,,,eur,-1,sold,,,,,0,abc,,,ftp://x,\n"
    with pytest.raises(CsvImportError) as caught:
        import_csv(io.StringIO(text), manual_store)
    [error] = caught.value.errors
    assert error.startswith("upload.csv:2: ")
    for problem in ("email 'not-an-email' is not an email address", "total '-1' is not an amount",
                    "financial_status 'sold' is not one of", "item_quantity '0' is not a whole number",
                    "item_unit_price 'abc'", "tracking_url 'ftp://x'", "order_number is required",
                    "item_title is required"):
        assert problem in error


def test_line_numbers_count_physical_lines_of_quoted_fields(manual_store):
    text = HEADER + (
        '3001,a@example.com,"Ana\nLima",2024-03-01T10:00:00Z,EUR,1.00,,,,Mug,,1,1.00,,,,\n'
        "3002,b@example.com,B,2024-03-01T10:00:00Z,EUR,1.00,,,,Mug,,1,x,,,,\n"
    )
    with pytest.raises(CsvImportError) as caught:
        import_csv(io.StringIO(text), manual_store)
    assert [e.split(": ")[0] for e in caught.value.errors] == ["upload.csv:2", "upload.csv:4"]


def test_order_values_must_agree_across_an_orders_lines(manual_store):
    text = HEADER + (
        "4001,a@example.com,A,2024-03-01T10:00:00Z,EUR,20.00,,,,Mug,,1,10.00,,,,\n"
        "4001,a@example.com,A,2024-03-01T10:00:00Z,USD,,,,,Cup,,1,10.00,,,,\n"
        "4002,,,,,,,,,Cup,,1,10.00,,,,\n"
    )
    with pytest.raises(CsvImportError) as caught:
        import_csv(io.StringIO(text), manual_store)
    assert caught.value.errors == [
        "upload.csv:3: currency differs from line 2 of the same order",
        "upload.csv:4: placed_at is required on the first line of order 4002; currency is required on the first "
        "line of order 4002; total is required on the first line of order 4002",
    ]


@pytest.mark.parametrize("text, message", [
    ("", "orders.csv:1: the file is empty"),
    ("order_number,placed_at,total\n", "orders.csv:1: missing column(s): currency, item_title, item_quantity"),
    (HEADER.replace("email", "emial"), "orders.csv:1: unknown column(s) 'emial'"),
    (HEADER.strip() + ",total\n", "orders.csv:1: column(s) named twice: total"),
])
def test_header_problems_are_reported_on_line_one(manual_store, tmp_path, text, message):
    with pytest.raises(CsvImportError) as caught:
        import_csv(write(tmp_path, text), manual_store)
    [error] = caught.value.errors
    assert error.startswith(message.replace("orders.csv", str(tmp_path / "orders.csv")))


def test_a_file_that_is_not_utf8_names_the_line(manual_store, tmp_path):
    path = write(tmp_path, VALID.replace("Ana Lima", "Anaïs"), encoding="latin-1")
    with pytest.raises(CsvImportError) as caught:
        import_csv(path, manual_store)
    assert caught.value.errors == [f"{path}:2: not UTF-8 text (save the file as \"CSV UTF-8\")"]


def test_excel_style_semicolons_and_bom_are_read(manual_store):
    text = "\ufeff" + VALID.replace(",", ";").replace("Ana Lima", "Lima, Ana")
    report = import_csv(io.BytesIO(text.encode("utf-8")), manual_store)
    assert report.orders == 2
    assert orders()["1001"].customer_name == "Lima, Ana"


def test_a_missing_file_is_one_error(manual_store, tmp_path):
    with pytest.raises(CsvImportError) as caught:
        import_csv(tmp_path / "nope.csv", manual_store)
    assert caught.value.errors == [f"{tmp_path / 'nope.csv'}: No such file or directory"]


def test_only_manual_stores_take_csv_files(app, tmp_path):
    with pytest.raises(ValidationError, match="shopify store"):
        import_csv(write(tmp_path, VALID), make_store(platform="shopify"))
