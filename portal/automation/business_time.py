"""Business-time arithmetic: weekly opening hours in a time zone, minus holidays.

Pure functions over aware UTC datetimes (naive ones are taken as UTC, as the database stores them):
"add 240 business minutes to Friday 17:00 Paris" skips the weekend, a public holiday and the hour that
disappears when the clocks go forward, because each day's opening hours are turned into UTC on that day.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_DAYS = 3 * 366  # a calendar with no opening hours at all never loops forever


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def parse_hours(text: str) -> list[tuple[time, time]]:
    """"09:00-12:30, 14:00-18:00" -> intervals; "" -> closed. Raises ValueError with a readable reason."""
    intervals = []
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        try:
            start_text, end_text = (x.strip() for x in part.split("-"))
            start, end = time.fromisoformat(start_text), time.fromisoformat(end_text)
        except ValueError:
            raise ValueError(f"“{part}” is not a range such as 09:00-18:00") from None
        if end <= start and end != time(0, 0):
            raise ValueError(f"“{part}” ends before it starts")
        intervals.append((start, end))
    intervals.sort()
    for (_s1, e1), (s2, _e2) in zip(intervals, intervals[1:]):
        if e1 == time(0, 0) or s2 < e1:
            raise ValueError("opening ranges overlap")
    return intervals


@dataclass
class BusinessCalendar:
    """Opening hours per weekday (0 = Monday) in `tz`, closed on `holidays` (local dates)."""
    tz: str = "UTC"
    weekly: dict = field(default_factory=dict)  # weekday -> [(time, time)]; 00:00 as an end means midnight
    holidays: set = field(default_factory=set)
    always_open: bool = False

    @classmethod
    def twenty_four_seven(cls) -> "BusinessCalendar":
        return cls(always_open=True)

    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    def intervals_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """That local day's opening hours as UTC intervals (DST handled by converting on that day)."""
        if day in self.holidays:
            return []
        zone, out = self._zone(), []
        for start, end in self.weekly.get(day.weekday(), []):
            begin = datetime.combine(day, start, zone)
            finish = datetime.combine(day + timedelta(days=1), time(0, 0), zone) if end == time(0, 0) \
                else datetime.combine(day, end, zone)
            begin_utc, finish_utc = _utc(begin), _utc(finish)
            if finish_utc > begin_utc:
                out.append((begin_utc, finish_utc))
        return out

    def _intervals_from(self, moment: datetime):
        """Opening intervals (UTC) that end after `moment`, in order, clipped to start at `moment`."""
        local_day = moment.astimezone(self._zone()).date()
        for offset in range(-1, MAX_DAYS):
            for begin, finish in self.intervals_on(local_day + timedelta(days=offset)):
                if finish > moment:
                    yield max(begin, moment), finish

    def is_open(self, moment: datetime) -> bool:
        moment = _utc(moment)
        if self.always_open:
            return True
        return any(begin <= moment < finish for begin, finish in
                   self.intervals_on(moment.astimezone(self._zone()).date()) +
                   self.intervals_on(moment.astimezone(self._zone()).date() - timedelta(days=1)))

    def next_open(self, moment: datetime) -> datetime | None:
        """`moment` if open, else when it opens next (None when it never does within three years)."""
        moment = _utc(moment)
        if self.always_open:
            return moment
        return next((begin for begin, _finish in self._intervals_from(moment)), None)

    def add_minutes(self, start: datetime, minutes: float) -> datetime | None:
        """The moment `minutes` business minutes after `start` (None if the calendar never opens)."""
        start = _utc(start)
        if self.always_open:
            return start + timedelta(minutes=minutes)
        left = timedelta(minutes=minutes)
        if left <= timedelta(0):
            return self.next_open(start)
        for begin, finish in self._intervals_from(start):
            span = finish - begin
            if span >= left:
                return begin + left
            left -= span
        return None

    def minutes_between(self, start: datetime, end: datetime) -> float:
        """Business minutes from `start` to `end` (0 when end is not after start)."""
        start, end = _utc(start), _utc(end)
        if end <= start:
            return 0.0
        if self.always_open:
            return (end - start).total_seconds() / 60
        total = timedelta(0)
        for begin, finish in self._intervals_from(start):
            if begin >= end:
                break
            total += min(finish, end) - begin
        return total.total_seconds() / 60


def public_holidays(country: str | None, subdivision: str | None, years) -> set[date]:
    """Public holidays from the `holidays` package (e.g. "FR", "BE", "CA" with "QC")."""
    if not country:
        return set()
    import holidays

    return set(holidays.country_holidays(country, subdiv=subdivision or None, years=list(years)).keys())
