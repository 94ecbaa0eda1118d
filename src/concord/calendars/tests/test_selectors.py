from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from pytest_django import DjangoAssertNumQueries

from concord.calendars.businesstime import add_business_seconds, business_seconds_between
from concord.calendars.selectors import (
    calendar_holiday_preview,
    calendar_schedule,
    holiday_countries,
    holiday_subdivisions,
)
from concord.calendars.services import calendar_add_closed_date, calendar_create, time_zone_names

pytestmark = pytest.mark.django_db


def test_the_schedule_carries_hours_holidays_and_closed_dates(
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    calendar = calendar_create(
        name="Support hours",
        time_zone="Europe/Berlin",
        holiday_country="DE",
        holiday_subdivision="BY",
        intervals=[(d, time(8), time(18)) for d in range(5)],
        closed_dates=[(date(2026, 12, 31), "Inventory")],
    )

    with django_assert_num_queries(2):
        schedule = calendar_schedule(calendar=calendar)

    assert schedule.tz.key == "Europe/Berlin"
    assert schedule.weekly[0] == ((8 * 3600, 18 * 3600),)
    assert schedule.weekly[5] == ()
    assert schedule.is_closed(date(2026, 12, 31))  # custom
    assert schedule.is_closed(date(2026, 1, 6))  # Epiphany, a holiday in Bavaria
    assert schedule.is_closed(date(2031, 12, 25))  # any year, not a precomputed range
    assert not schedule.is_closed(date(2026, 12, 30))
    # Tuesday 2026-01-06 is a holiday: from Monday 17:00 the next hour ends Wednesday 09:00.
    monday_17 = datetime(2026, 1, 5, 16, 0, tzinfo=UTC)
    wednesday_09 = datetime(2026, 1, 7, 8, 0, tzinfo=UTC)
    assert add_business_seconds(schedule=schedule, start=monday_17, seconds=2 * 3600) == (
        wednesday_09
    )
    assert business_seconds_between(schedule=schedule, start=monday_17, end=wednesday_09) == 7200


def test_a_calendar_without_holidays_is_open_on_them() -> None:
    calendar = calendar_create(name="Hours", time_zone="UTC")
    assert calendar_schedule(calendar=calendar).is_closed(date(2026, 12, 25)) is False


def test_the_holiday_preview_lists_counted_days_and_the_ones_left_out() -> None:
    munich = calendar_create(
        name="Munich", time_zone="Europe/Berlin", holiday_country="DE", holiday_subdivision="BY"
    )
    calendar_add_closed_date(calendar=munich, day=date(2027, 12, 24), label="Christmas Eve")
    preview = calendar_holiday_preview(calendar=munich, start=date(2027, 1, 1))
    counted = {h.day: h.name for h in preview.counted}
    assert counted[date(2027, 1, 6)] == "Epiphany"  # Bavarian
    assert counted[date(2027, 12, 24)] == "Christmas Eve"  # closed by hand
    assert date(2027, 10, 31) not in counted  # Reformation Day is not Bavaria's
    catholic = next(g for g in preview.optional if g.category == "Catholic")
    assert [(h.day, h.name) for h in catholic.days] == [(date(2027, 8, 15), "Assumption Day")]
    assert catholic.listed
    school = next(g for g in preview.optional if g.category == "School")
    assert not school.listed  # a season is counted, not listed
    assert all(date(2027, 1, 1) <= h.day < date(2028, 1, 1) for h in preview.counted)


def test_pickers_know_countries_regions_and_zones() -> None:
    countries = dict(holiday_countries())
    assert countries["DE"] == "Germany"
    assert countries["US"] == "United States"
    assert "DEU" not in countries  # one entry per country
    assert ("BY", "Bayern (BY)") in holiday_subdivisions(country="DE")
    assert holiday_subdivisions(country="XX") == []
    assert "Europe/Berlin" in time_zone_names()
