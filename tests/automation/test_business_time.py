"""Business-time arithmetic across nights, weekends, holidays and the two DST changes."""
from datetime import date, datetime, time, timezone

import pytest

from portal.automation.business_time import BusinessCalendar, parse_hours, public_holidays

UTC = timezone.utc


def paris(**extra) -> BusinessCalendar:
    """Mon–Fri 09:00–12:30 and 14:00–18:00 in Paris."""
    hours = parse_hours("09:00-12:30, 14:00-18:00")
    return BusinessCalendar(tz="Europe/Paris", weekly={d: hours for d in range(5)}, **extra)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_minutes_inside_one_opening_range():
    assert paris().add_minutes(at("2026-06-03T09:00+02:00"), 60) == at("2026-06-03T10:00+02:00")


def test_the_lunch_break_is_skipped():
    assert paris().add_minutes(at("2026-06-03T12:00+02:00"), 60) == at("2026-06-03T14:30+02:00")


def test_friday_evening_plus_four_hours_lands_on_monday_morning():
    assert paris().add_minutes(at("2026-06-05T17:00+02:00"), 240) == at("2026-06-08T12:00+02:00")


def test_a_message_at_night_starts_counting_at_opening():
    assert paris().add_minutes(at("2026-06-02T23:30+02:00"), 30) == at("2026-06-03T09:30+02:00")


def test_a_public_holiday_is_closed():
    holidays = public_holidays("FR", None, [2026])
    assert date(2026, 7, 14) in holidays and date(2026, 5, 1) in holidays
    calendar = paris(holidays=holidays)
    # Monday 13 July 17:00 + 2 h: one hour on Monday, Tuesday 14 July (national day) closed, then Wednesday.
    assert calendar.add_minutes(at("2026-07-13T17:00+02:00"), 120) == at("2026-07-15T10:00+02:00")
    assert not calendar.is_open(at("2026-07-14T10:00+02:00"))


def test_custom_dates_close_the_shop_too():
    calendar = paris(holidays={date(2026, 6, 4)})
    assert calendar.add_minutes(at("2026-06-03T17:30+02:00"), 60) == at("2026-06-05T09:30+02:00")


def test_spring_forward_keeps_the_local_opening_hours():
    """29 March 2026: clocks go 02:00 -> 03:00 in Paris. Opening is still 09:00 local, now 07:00 UTC."""
    calendar = BusinessCalendar(tz="Europe/Paris", weekly={d: parse_hours("09:00-18:00") for d in range(7)})
    assert calendar.add_minutes(at("2026-03-28T17:00+01:00"), 120) == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)
    assert calendar.next_open(datetime(2026, 3, 29, 6, 30, tzinfo=UTC)) == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)


def test_fall_back_an_overnight_desk_counts_the_extra_hour():
    """25 October 2026: 03:00 -> 02:00 in Paris, so a desk open all night that day has 25 hours."""
    calendar = BusinessCalendar(tz="Europe/Paris", weekly={d: parse_hours("00:00-00:00") for d in range(7)})
    start, end = at("2026-10-25T00:00+02:00"), at("2026-10-26T00:00+01:00")
    assert calendar.minutes_between(start, end) == 25 * 60


def test_minutes_between_counts_only_open_time():
    calendar = paris()
    assert calendar.minutes_between(at("2026-06-05T17:00+02:00"), at("2026-06-08T10:00+02:00")) == 120
    assert calendar.minutes_between(at("2026-06-08T10:00+02:00"), at("2026-06-05T17:00+02:00")) == 0


def test_is_open_and_next_open():
    calendar = paris()
    assert calendar.is_open(at("2026-06-03T10:00+02:00"))
    assert not calendar.is_open(at("2026-06-03T13:00+02:00"))
    assert calendar.next_open(at("2026-06-06T10:00+02:00")) == at("2026-06-08T09:00+02:00")


def test_a_calendar_that_never_opens_gives_no_due_time():
    assert BusinessCalendar(tz="Europe/Paris", weekly={}).add_minutes(at("2026-06-03T10:00+02:00"), 60) is None


def test_twenty_four_seven_is_plain_clock_time():
    calendar = BusinessCalendar.twenty_four_seven()
    assert calendar.add_minutes(at("2026-06-06T23:00+00:00"), 120) == at("2026-06-07T01:00+00:00")


def test_naive_datetimes_are_utc_as_stored():
    assert paris().add_minutes(datetime(2026, 6, 3, 7, 0), 30) == datetime(2026, 6, 3, 7, 30, tzinfo=UTC)


@pytest.mark.parametrize("text,reason", [("9-18", "not a range"), ("18:00-09:00", "ends before"),
                                         ("09:00-12:00, 11:00-13:00", "overlap"), ("lunch", "not a range")])
def test_bad_opening_hours_say_what_is_wrong(text, reason):
    with pytest.raises(ValueError, match=reason):
        parse_hours(text)


def test_empty_hours_mean_closed():
    assert parse_hours("") == [] and parse_hours("09:00-18:00") == [(time(9), time(18))]
