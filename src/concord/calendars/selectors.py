"""Reads for calendars, and the bridge from a stored calendar to a ``Schedule``."""

from __future__ import annotations

import holidays
from django.db.models import QuerySet

from concord.calendars.businesstime import Schedule
from concord.calendars.models import Calendar


def calendar_list() -> QuerySet[Calendar]:
    return Calendar.objects.order_by("name")


def calendar_schedule(*, calendar: Calendar) -> Schedule:
    """The calendar's hours as a pure ``Schedule`` (two queries).

    Public holidays come as a ``holidays`` object, which works out each year
    the first time a date in it is asked about, so a schedule is right for any
    year without choosing a range up front.
    """
    holiday_dates = (
        holidays.country_holidays(
            calendar.holiday_country, subdiv=calendar.holiday_subdivision or None
        )
        if calendar.holiday_country
        else None
    )
    return Schedule.build(
        tz=calendar.time_zone,
        intervals=[
            (interval.weekday, interval.start_second, interval.end_second)
            for interval in calendar.intervals.all()
        ],
        closed_dates=calendar.closed_dates.values_list("date", flat=True),
        holidays=holiday_dates,
    )
