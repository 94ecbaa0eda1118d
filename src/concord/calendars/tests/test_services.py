"""Calendar services: validation names the field, and a refusal writes nothing."""

from __future__ import annotations

from datetime import date, time

import pytest

from concord.accounts.models import Team
from concord.accounts.services import team_set_calendar
from concord.calendars.models import Calendar, CalendarClosedDate, CalendarInterval
from concord.calendars.services import (
    calendar_add_closed_date,
    calendar_create,
    calendar_remove_closed_date,
    calendar_set_intervals,
    calendar_update,
)
from concord.common.errors import Conflict, ValidationFailed

pytestmark = pytest.mark.django_db

WEEKDAYS_9_TO_5 = [(d, time(9), time(17)) for d in range(5)]


def test_it_creates_a_calendar_with_hours_and_closed_dates() -> None:
    calendar = calendar_create(
        name=" Support hours ",
        time_zone="Europe/Berlin",
        holiday_country="de",
        holiday_subdivision="by",
        intervals=[*WEEKDAYS_9_TO_5, (5, time(22), time(0))],
        closed_dates=[(date(2026, 12, 31), "Inventory")],
    )

    assert (calendar.name, calendar.time_zone) == ("Support hours", "Europe/Berlin")
    assert (calendar.holiday_country, calendar.holiday_subdivision) == ("DE", "BY")
    assert calendar.intervals.count() == 6
    saturday = calendar.intervals.get(weekday=5)
    assert (saturday.start_second, saturday.end_second) == (22 * 3600, 86_400)
    assert str(saturday) == "Saturday 22:00-24:00"
    assert list(calendar.closed_dates.values_list("date", "label")) == [
        (date(2026, 12, 31), "Inventory")
    ]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": " "}, "name"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"time_zone": "../../etc/passwd"}, "time_zone"),
        ({"holiday_country": "XX"}, "holiday_country"),
        ({"holiday_country": "DE", "holiday_subdivision": "CA"}, "holiday_subdivision"),
        ({"holiday_subdivision": "BY"}, "holiday_subdivision"),
        ({"intervals": [(0, time(17), time(9))]}, "end"),
        ({"intervals": [(0, time(9), time(9))]}, "end"),
        ({"intervals": [(7, time(9), time(17))]}, "weekday"),
        ({"intervals": [(0, time(9), time(13)), (0, time(12), time(17))]}, "intervals"),
    ],
)
def test_it_refuses_bad_input_naming_the_field(kwargs: dict[str, object], field: str) -> None:
    arguments: dict[str, object] = {"name": "Hours", "time_zone": "UTC", **kwargs}

    with pytest.raises(ValidationFailed) as raised:
        calendar_create(**arguments)  # type: ignore[arg-type]

    assert raised.value.field == field
    assert not Calendar.objects.exists()
    assert not CalendarInterval.objects.exists()


def test_it_refuses_a_taken_name_in_any_case() -> None:
    calendar_create(name="Hours", time_zone="UTC")
    with pytest.raises(Conflict):
        calendar_create(name="HOURS", time_zone="UTC")
    assert Calendar.objects.count() == 1


def test_update_changes_only_the_given_fields() -> None:
    calendar = calendar_create(name="Hours", time_zone="UTC", holiday_country="DE")

    calendar_update(calendar=calendar, time_zone="America/New_York", holiday_subdivision="BE")

    calendar.refresh_from_db()
    assert (calendar.name, calendar.time_zone) == ("Hours", "America/New_York")
    assert (calendar.holiday_country, calendar.holiday_subdivision) == ("DE", "BE")
    with pytest.raises(ValidationFailed) as raised:
        calendar_update(calendar=calendar, time_zone="Nowhere")
    assert raised.value.field == "time_zone"
    calendar.refresh_from_db()
    assert calendar.time_zone == "America/New_York"


def test_set_intervals_replaces_the_week() -> None:
    calendar = calendar_create(name="Hours", time_zone="UTC", intervals=WEEKDAYS_9_TO_5)

    calendar_set_intervals(calendar=calendar, intervals=[(6, time(10), time(12))])

    assert list(calendar.intervals.values_list("weekday", "start", "end")) == [
        (6, time(10), time(12))
    ]


def test_closed_dates_are_added_once_and_removed() -> None:
    calendar = calendar_create(name="Hours", time_zone="UTC")
    calendar_add_closed_date(calendar=calendar, day=date(2026, 5, 4), label="Move")
    with pytest.raises(Conflict):
        calendar_add_closed_date(calendar=calendar, day=date(2026, 5, 4))

    calendar_remove_closed_date(calendar=calendar, day=date(2026, 5, 4))

    assert not CalendarClosedDate.objects.exists()


def test_a_team_names_its_calendar_and_loses_it_when_it_is_deleted(support: Team) -> None:
    calendar = calendar_create(name="Hours", time_zone="UTC")

    team_set_calendar(team=support, calendar=calendar)
    support.refresh_from_db()
    assert support.calendar == calendar

    calendar.delete()
    support.refresh_from_db()
    assert support.calendar is None
