"""The reports' figures (portal/reports/service.py `figures`), as the API returns them."""
from datetime import date
from typing import Literal

from pydantic import ConfigDict, Field

from portal.api.schemas import Out, Query

REPORT_NAMES = Literal["dashboard", "volume", "times", "sla", "csat", "agents", "self-service"]


class ReportQuery(Query):
    period: Literal["7d", "30d", "90d", "365d", "last-week", "last-month", "custom"] | None = Field(
        None, description="Without it: the last 30 days, or `custom` when `from`/`to` are given.")
    from_: date | None = Field(None, alias="from", description="First local day (with period=custom).")
    to: date | None = Field(None, description="Last local day, included (with period=custom).")
    store: int | None = Field(None, ge=1)
    channel: str | None = Field(None, max_length=20)
    group: int | None = Field(None, ge=1)
    agent: int | None = Field(None, ge=1, description="Agents without everyone's figures get their own only.")
    tag: str | None = Field(None, max_length=50)


class ReportPeriod(Out):
    start: str
    end: str
    days: int


class Report(Out):
    """One report. `summary` maps each figure to {"value", "previous", "change"} (durations in whole
    seconds of business time, rates in percent); `series` has one point per day, week or month."""

    model_config = ConfigDict(extra="allow")

    report: REPORT_NAMES
    period: ReportPeriod
    summary: dict = Field(description="Each figure with the previous period's value and the change.")


class ReportRef(Out):
    name: REPORT_NAMES
    title: str


class ReportList(Out):
    data: list[ReportRef]
