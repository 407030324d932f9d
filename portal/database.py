"""SQLite pragmas (WAL, foreign keys), and the few SQL expressions each database spells its own way."""
import sqlite3

from sqlalchemy import BigInteger, event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


def _sqlite_pragmas(dbapi_connection, _record):
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def _without_nul(value):
    return value.replace("\x00", "") if isinstance(value, str) and "\x00" in value else value


def _row_without_nul(row):
    if isinstance(row, dict):
        return {key: _without_nul(value) for key, value in row.items()}
    if isinstance(row, (list, tuple)):
        return type(row)(_without_nul(value) for value in row)
    return row


def _postgres_text(conn, cursor, statement, parameters, context, executemany):
    """PostgreSQL refuses a NUL character in text, which SQLite stores: drop it from every text value sent,
    so odd input (a pasted control character, a crafted query string) is stored the same way on both."""
    if conn.dialect.name != "postgresql" or not parameters:
        return statement, parameters
    if executemany and isinstance(parameters, (list, tuple)):
        return statement, [_row_without_nul(row) for row in parameters]
    return statement, _row_without_nul(parameters)


def init_app(app):
    if not event.contains(Engine, "connect", _sqlite_pragmas):
        event.listen(Engine, "connect", _sqlite_pragmas)
    if not event.contains(Engine, "before_cursor_execute", _postgres_text):
        event.listen(Engine, "before_cursor_execute", _postgres_text, retval=True)


class epoch_seconds(FunctionElement):
    """Whole seconds since 1970 of a naive UTC timestamp column, in SQLite and in PostgreSQL."""

    type = BigInteger()
    inherit_cache = True


@compiles(epoch_seconds)
def _epoch_seconds_sqlite(element, compiler, **kw):
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(epoch_seconds, "postgresql")
def _epoch_seconds_postgresql(element, compiler, **kw):
    # A timestamp without time zone counts from 1970-01-01 00:00 as UTC; truncated like strftime('%s').
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})) AS BIGINT)"
