"""Orders from a CSV file, for manual stores (shops without an API we connect to).

The first line names the columns, in any order; the separator is a comma, a semicolon or a tab; the file is
UTF-8 (a BOM, as Excel writes it, is fine). One line per item; the lines sharing an order_number form one order.

    order_number        required  the shop's number, "1001" or "#1001"
    email               optional  the customer's address (used to match accounts and guest lookups)
    customer_name       optional
    placed_at           required  ISO 8601 date and time with an offset, 2024-03-01T14:30:00+01:00,
                                  or in UTC, 2024-03-01T13:30:00Z (a time without offset is read as UTC)
    currency            required  ISO 4217 code, EUR
    total               required  what the customer paid, 59.90 (a dot, at most two decimals)
    financial_status    optional  pending (default), authorized, partially_paid, paid, partially_refunded,
                                  refunded, voided or failed
    fulfillment_status  optional  unfulfilled, partial or fulfilled (default: fulfilled when a shipment is given)
    item_sku            optional
    item_title          required
    item_variant        optional  "Blue / XL"
    item_quantity       required  a whole number, 1 or more
    item_unit_price     required  like total
    carrier             optional  a shipment: carrier, tracking_number, tracking_url (http or https), shipped_at
    tracking_number     optional  (ISO 8601 like placed_at); lines of one order repeating a tracking number
    tracking_url        optional  describe one shipment
    shipped_at          optional

The order columns (email to fulfillment_status) may be left empty on an order's following lines; when filled,
they must repeat the value of its first line. Everything is checked before anything is stored: each bad line is
reported as FILE:LINE: reason, and nothing is stored when any line is wrong. Importing a file again updates the
orders it names. Amounts are read as exact decimals, never as floating point.
"""
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from portal.errors import ValidationError
from portal.models_base import utcnow
from portal.orders import services
from portal.orders.data import ItemData, OrderData, ShipmentData, utc
from portal.orders.models import FinancialStatus, FulfillmentStatus, Platform, Store

ORDER_COLUMNS = ("order_number", "email", "customer_name", "placed_at", "currency", "total", "financial_status",
                 "fulfillment_status")
ITEM_COLUMNS = ("item_sku", "item_title", "item_variant", "item_quantity", "item_unit_price")
SHIPMENT_COLUMNS = ("carrier", "tracking_number", "tracking_url", "shipped_at")
COLUMNS = ORDER_COLUMNS + ITEM_COLUMNS + SHIPMENT_COLUMNS
REQUIRED_COLUMNS = ("order_number", "placed_at", "currency", "total", "item_title", "item_quantity",
                    "item_unit_price")
FIRST_LINE_REQUIRED = ("placed_at", "currency", "total")  # order values every order's first line must give
MAX_LENGTH = {"order_number": 64, "email": 254, "customer_name": 200, "item_sku": 100, "item_title": 300,
              "item_variant": 200, "carrier": 100, "tracking_number": 100, "tracking_url": 500}
_AMOUNT = re.compile(r"\d{1,12}(\.\d{1,2})?")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class CsvImportError(ValidationError):
    """The file cannot be imported; `errors` holds one "FILE:LINE: reason" per bad line."""

    def __init__(self, errors: list[str]):
        super().__init__(f"{len(errors)} problem(s) found; nothing was imported.", field="file")
        self.errors = errors


@dataclass
class ImportReport:
    orders: int = 0
    created: int = 0
    updated: int = 0
    items: int = 0


@dataclass
class _Line:
    number: int
    order: dict  # parsed order values; only the columns filled on this line
    item: ItemData | None = None
    shipment: ShipmentData | None = None
    problems: list[str] = field(default_factory=list)


def import_csv(path_or_file, store: Store) -> ImportReport:
    """Check the whole file, then store its orders with upsert_order (flushes; the caller commits).

    Raises CsvImportError listing every bad line (nothing stored), ValidationError for a store that is not manual."""
    if store.platform != Platform.MANUAL:
        raise ValidationError(f"Store {store.id} is a {store.platform.value} store; its orders come from the "
                              "shop. Import CSV files into a manual store.", field="store")
    name, text = _read(path_or_file)
    report = ImportReport()
    for data in parse_csv(name, text):
        outcome = services.upsert_order(store, data)[1]
        report.orders += 1
        report.created += outcome == "created"
        report.updated += outcome != "created"
        report.items += len(data.items)
    return report


def _read(path_or_file) -> tuple[str, str]:
    """(name for messages, text) from a path or an open file, text or binary."""
    if isinstance(path_or_file, (str, Path)):
        name = str(path_or_file)
        try:
            raw = Path(path_or_file).read_bytes()
        except OSError as exc:
            raise CsvImportError([f"{name}: {exc.strerror or exc}"]) from None
    else:
        name = Path(str(getattr(path_or_file, "name", "") or "upload.csv")).name
        raw = path_or_file.read()
    if isinstance(raw, str):
        return name, raw.removeprefix("\ufeff")
    try:
        return name, raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise CsvImportError([f"{name}:{line}: not UTF-8 text (save the file as \"CSV UTF-8\")"]) from None


def parse_csv(name: str, text: str) -> list[OrderData]:
    """Every order in the file, or CsvImportError naming each bad line."""
    if not text.strip():
        raise CsvImportError([f"{name}:1: the file is empty (expected a header line naming the columns)"])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        header = [column.strip().lower() for column in next(reader)]
    except csv.Error as exc:
        raise CsvImportError([f"{name}:1: {exc}"]) from None
    problem = _header_problem(header)
    if problem:
        raise CsvImportError([f"{name}:1: {problem}"])
    lines = []
    while True:
        start = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise CsvImportError([f"{name}:{start}: {exc}"]) from None
        if any(v.strip() for v in values):
            lines.append(_line(start, header, values))
    orders = _orders(lines)
    errors = [f"{name}:{line.number}: {'; '.join(line.problems)}" for line in lines if line.problems]
    if errors:
        raise CsvImportError(errors)
    return orders


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=first.count)


def _header_problem(header: list[str]) -> str | None:
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        return f"unknown column(s) {', '.join(repr(c) for c in unknown)} (expected: {', '.join(COLUMNS)})"
    repeated = sorted({c for c in header if header.count(c) > 1})
    if repeated:
        return f"column(s) named twice: {', '.join(repeated)}"
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        return f"missing column(s): {', '.join(missing)}"
    return None


# --- one line -----------------------------------------------------------------------------------

def _line(number: int, header: list[str], values: list[str]) -> _Line:
    """Parse one line's values; its problems are kept on it, so every bad line can be reported."""
    line = _Line(number=number, order={})
    if len(values) > len(header):
        line.problems.append(f"{len(values)} values but the header names {len(header)} columns")
        return line
    row = {column: value.strip() for column, value in zip(header, values)}
    for column, value in row.items():
        if column in MAX_LENGTH and len(value) > MAX_LENGTH[column]:
            line.problems.append(f"{column} is longer than {MAX_LENGTH[column]} characters")
    line.order = _parsed(line, row, ORDER_PARSERS)
    item = _parsed(line, row, ITEM_PARSERS)
    shipment = _parsed(line, row, SHIPMENT_PARSERS)
    _require(line, line.order, ("order_number",))
    _require(line, item, ("item_title", "item_quantity", "item_unit_price"))
    if not line.problems:
        line.item = ItemData(title=item["item_title"], quantity=item["item_quantity"],
                             unit_price=item["item_unit_price"], sku=item.get("item_sku"),
                             variant=item.get("item_variant"))
    if shipment:
        line.shipment = ShipmentData(external_id=shipment.get("tracking_number"), carrier=shipment.get("carrier"),
                                     tracking_number=shipment.get("tracking_number"),
                                     tracking_url=shipment.get("tracking_url"), shipped_at=shipment.get("shipped_at"))
    return line


def _has_problem(line: _Line, column: str) -> bool:
    return any(p.startswith(column + " ") for p in line.problems)


def _require(line: _Line, values: dict, columns: tuple) -> None:
    for column in columns:
        if column not in values and not _has_problem(line, column):
            line.problems.append(f"{column} is required")


def _parsed(line: _Line, row: dict, parsers: dict) -> dict:
    """The filled columns of `row` that `parsers` knows, parsed; a failure becomes one of the line's problems."""
    out = {}
    for column, parse in parsers.items():
        value = row.get(column, "")
        if not value:
            continue
        try:
            out[column] = parse(value)
        except ValueError as exc:
            line.problems.append(f"{column} {exc}")
    return out


def _shown(value: str) -> str:
    """A value quoted in a message, cut short: a message is one line, not a copy of the cell."""
    return repr(value if len(value) <= 40 else value[:37] + "...")


def _text(value: str) -> str:
    if any(ord(c) < 32 for c in value):
        raise ValueError("contains control characters")
    return value


def _number(value: str) -> str:
    value = _text(value).lstrip("#").strip()
    if not value:
        raise ValueError("is empty")
    return value


def _email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise ValueError(f"{_shown(value)} is not an email address")
    return value.lower()


def _when(value: str) -> datetime:
    try:
        return utc(datetime.fromisoformat(value))
    except ValueError:
        raise ValueError(f"{_shown(value)} is not an ISO 8601 date (like 2024-03-01T14:30:00+01:00)") from None


def _currency(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z]{3}", value):
        raise ValueError(f"{_shown(value)} is not a currency code (like EUR)")
    return value.upper()


def _amount(value: str) -> Decimal:
    if not _AMOUNT.fullmatch(value):
        raise ValueError(f"{_shown(value)} is not an amount (like 59.90: a dot, at most two decimals)")
    return Decimal(value).quantize(Decimal("0.01"))


def _quantity(value: str) -> int:
    if not re.fullmatch(r"\d{1,6}", value) or int(value) < 1:
        raise ValueError(f"{_shown(value)} is not a whole number of 1 or more")
    return int(value)


def _choice(kind):
    def parse(value: str) -> str:
        if value.lower() not in kind._value2member_map_:
            raise ValueError(f"{_shown(value)} is not one of {', '.join(kind._value2member_map_)}")
        return value.lower()
    return parse


def _url(value: str) -> str:
    if not re.match(r"https?://[^\s/]+", value):
        raise ValueError(f"{_shown(value)} is not an http or https address")
    return value


ORDER_PARSERS = {"order_number": _number, "email": _email, "customer_name": _text, "placed_at": _when,
                 "currency": _currency, "total": _amount, "financial_status": _choice(FinancialStatus),
                 "fulfillment_status": _choice(FulfillmentStatus)}
ITEM_PARSERS = {"item_sku": _text, "item_title": _text, "item_variant": _text, "item_quantity": _quantity,
                "item_unit_price": _amount}
SHIPMENT_PARSERS = {"carrier": _text, "tracking_number": _text, "tracking_url": _url, "shipped_at": _when}


# --- lines into orders --------------------------------------------------------------------------

def _orders(lines: list[_Line]) -> list[OrderData]:
    """Group lines by order number; order values must agree within an order. Problems go on the lines."""
    groups: dict[str, list[_Line]] = {}
    for line in lines:
        if line.order.get("order_number"):
            groups.setdefault(line.order["order_number"], []).append(line)
    orders = []
    for number, group in groups.items():
        values = _order_values(group)
        shipments = _shipments(group)
        if any(line.problems for line in group):
            continue
        orders.append(_order_data(number, values, [line.item for line in group], shipments))
    return orders


def _order_values(group: list[_Line]) -> dict:
    first = group[0]
    for column in FIRST_LINE_REQUIRED:
        if column not in first.order and not _has_problem(first, column):
            first.problems.append(f"{column} is required on the first line of order {first.order['order_number']}")
    for line in group[1:]:
        for column, value in line.order.items():
            if column in first.order and value != first.order[column]:
                line.problems.append(f"{column} differs from line {first.number} of the same order")
            elif column not in first.order and not _has_problem(first, column):
                line.problems.append(f"{column} is given here but not on line {first.number}, the order's first")
    return first.order


def _shipments(group: list[_Line]) -> list[ShipmentData]:
    """One shipment per tracking number (or per distinct line without one); repeated ones must agree."""
    seen: dict[tuple, tuple[int, ShipmentData]] = {}
    for line in group:
        shipment = line.shipment
        if shipment is None:
            continue
        key = (shipment.tracking_number,) if shipment.tracking_number else \
            (None, shipment.carrier, shipment.tracking_url, shipment.shipped_at)
        if key not in seen:
            seen[key] = (line.number, shipment)
            continue
        first_line, known = seen[key]
        for name in ("carrier", "tracking_url", "shipped_at"):
            mine, theirs = getattr(shipment, name), getattr(known, name)
            if mine is not None and theirs is not None and mine != theirs:
                line.problems.append(f"{name} of shipment {shipment.tracking_number} differs from line {first_line}")
            elif theirs is None:
                setattr(known, name, mine)
    return [shipment for _, shipment in seen.values()]


def _order_data(number: str, values: dict, items: list[ItemData], shipments: list[ShipmentData]) -> OrderData:
    fulfillment = values.get("fulfillment_status") or ("fulfilled" if shipments else "unfulfilled")
    return OrderData(
        external_id=number, number=number, placed_at=values["placed_at"], updated_at=utcnow(),
        email=values.get("email", ""), customer_name=values.get("customer_name", ""), currency=values["currency"],
        subtotal=sum((item.unit_price * item.quantity for item in items), Decimal("0.00")), total=values["total"],
        financial_status=values.get("financial_status", "pending"), fulfillment_status=fulfillment,
        items=items, shipments=shipments)
