"""Cursor pagination: keyset pages in a fixed order, each ending with an opaque cursor for the next.

A cursor names the last row of a page, not an offset, so rows added or changed meanwhile never make a
page repeat or skip the rows that did not change.
"""
import base64
import json
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import tuple_

from portal.api.errors import ApiError
from portal.extensions import db


def encode(*values) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, datetime) else v for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str, kinds: tuple) -> tuple:
    """The values `encode` packed, typed as `kinds`; ApiError 400 for a cursor we did not make."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(values, list) or len(values) != len(kinds):
            raise ValueError(cursor)
        typed = []
        for value, kind in zip(values, kinds):
            if kind is datetime:
                typed.append(datetime.fromisoformat(value))
            elif kind is int and isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**63:
                typed.append(value)
            elif kind is str and isinstance(value, str):
                typed.append(value)
            else:
                raise ValueError(value)
        return tuple(typed)
    except (ValueError, TypeError, UnicodeDecodeError):
        raise ApiError(400, _("This cursor is not valid. Use the next_cursor of the previous page."),
                       code="invalid_cursor", field="cursor") from None


def keyset(query, model, names: tuple[str, ...], kinds: tuple, *, cursor: str | None, limit: int,
           descending: bool = False) -> tuple[list, str | None]:
    """One page of `query` ordered by `names` (the last one unique), after `cursor`: (rows, next cursor)."""
    columns = [getattr(model, name) for name in names]
    if cursor:
        after = decode(cursor, kinds)
        query = query.where(tuple_(*columns) < after if descending else tuple_(*columns) > after)
    order = [column.desc() for column in columns] if descending else columns
    rows = list(db.session.scalars(query.order_by(*order).limit(limit + 1)).unique())
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode(*(getattr(rows[-1], name) for name in names))
