"""Numbers and JSON from outside: ids that fit SQLite's 64-bit INTEGER, bounded pages, JSON only where expected.

A value no row can have (20 digits, "²", 1e999) is "not found" or a field error, never a database overflow.
"""
import re

from flask import current_app, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

MAX_ID = 2**63 - 1  # SQLite INTEGER
MAX_PAGE = 100_000
_INTEGER = re.compile(r"-?[0-9]{1,19}")  # ASCII digits only: "²" and "١" pass str.isdigit() but are not ids


def parse_int(value, *, low: int, high: int) -> int | None:
    """`value` (a str of ASCII digits or an int) as an int in [low, high], else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        value = int(value.strip())
    if not isinstance(value, int) or not low <= value <= high:
        return None
    return value


def parse_id(value) -> int | None:
    """A row id (1 to 2**63 - 1) from a form field, query string or JSON value, else None."""
    return parse_int(value, low=1, high=MAX_ID)


def id_value(value) -> int:
    """parse_id for `request.args.get(name, type=id_value)`: raises ValueError so the default applies."""
    number = parse_id(value)
    if number is None:
        raise ValueError("not an id")
    return number


def page_value(value) -> int:
    """A page number (1 to MAX_PAGE) for `request.args.get("page", 1, type=page_value)`."""
    number = parse_int(value, low=1, high=MAX_PAGE)
    if number is None:
        raise ValueError("not a page number")
    return number


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: ASCII digits, at most MAX_ID, so an over-long number is a plain 404."""

    regex = r"[0-9]{1,19}"

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002 (Werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def takes_json(view):
    """Mark a view that reads a JSON body; every other view takes forms and refuses JSON (400)."""
    view.takes_json = True
    return view


def json_object() -> dict:
    """The request's JSON body when it is an object, else {} (a list, a string or broken JSON)."""
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else {}


def _refuse_unexpected_json():
    """A JSON body sent to a form view would reach WTForms as lists, numbers and None: refuse it."""
    if request.method not in ("POST", "PUT", "PATCH", "DELETE") or not request.is_json:
        return
    view = current_app.view_functions.get(request.endpoint)
    if view is not None and not getattr(view, "takes_json", False):
        raise BadRequest(_("This address takes a form, not JSON."))


def init_app(app):
    # Before any blueprint adds its routes: rules pick their converter class when they are added.
    app.url_map.converters["int"] = IdConverter
    app.before_request(_refuse_unexpected_json)
