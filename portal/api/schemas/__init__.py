"""The API's JSON shapes as pydantic models: request bodies and query strings are validated with them, and
the OpenAPI document is generated from them (responses are built as plain dicts and checked against these
by the test suite, see tests/api/conftest.py)."""
from datetime import datetime, timezone
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

UTC_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"
UtcTime = Annotated[str, Field(pattern=UTC_PATTERN, json_schema_extra={"format": "date-time"},
                               examples=["2026-12-03T09:30:00Z"])]


class Body(BaseModel):
    """A request body: unknown fields are refused, JSON types are not coerced ("1" is not 1)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Query(BaseModel):
    """A query string: values come as text and are converted; unknown parameters are refused."""

    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    """A response shape (documentation; the views build the dicts)."""


def to_utc(value: datetime | None) -> datetime | None:
    """An aware time as the naive UTC the database stores; a naive one is taken as UTC already."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(timezone.utc).replace(tzinfo=None)


class ErrorDetail(Out):
    code: str = Field(description="Stable machine-readable code, e.g. `validation_failed`, `not_found`.")
    message: str = Field(description="What went wrong, for people (follows Accept-Language: en or fr).")
    field: str | None = Field(description="The body field, query parameter or header at fault, if one is.")


class Error(Out):
    """Every 4xx answer has this body."""

    error: ErrorDetail


class PageQuery(Query):
    limit: int = Field(50, ge=1, le=100, description="Items per page (1 to 100).")
    cursor: str | None = Field(None, max_length=500, description="The `next_cursor` of the previous page.")

    @field_validator("cursor")
    @classmethod
    def _no_empty_cursor(cls, value):
        return value or None


class Ref(Out):
    """Another object, by id and name."""

    id: int
    name: str


class Reason(Body):
    reason: str = Field("", max_length=300, description="Kept in the moderation log.")
