"""Reads for calendars, and the bridge from a stored calendar to a ``Schedule``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

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


@dataclass(frozen=True)
class Holiday:
    day: date
    name: str


@dataclass(frozen=True)
class OptionalHolidays:
    """A category of holidays the calendar does not count unless closed by hand."""

    category: str
    days: list[Holiday]
    listed: bool  # False: too many days to list (school breaks), only counted


@dataclass(frozen=True)
class HolidayPreview:
    start: date
    end: date  # exclusive
    counted: list[Holiday]  # public holidays of the region, and closed dates
    optional: list[OptionalHolidays]


# A category with more days than this in the window is a season (school
# breaks), summarised rather than listed day by day.
_LISTED_LIMIT = 30


def calendar_holiday_preview(*, calendar: Calendar, start: date, days: int = 365) -> HolidayPreview:
    """The days off the calendar applies from ``start`` for ``days`` days, and the ones it does not.

    ``holidays`` counts only the public category by default; other categories
    (Catholic feasts kept in part of a state, bank holidays) are shown beside
    it so a supervisor sees, e.g., that Assumption Day is not counted for
    Bavaria, and can close that day by hand.
    """
    end = start + timedelta(days=days)
    years = list(range(start.year, end.year + 1))
    counted: dict[date, list[str]] = {}
    optional: list[OptionalHolidays] = []
    closed = {
        row.date: row.label or "Closed"
        for row in calendar.closed_dates.filter(date__gte=start, date__lt=end)
    }
    if calendar.holiday_country:
        subdivision = calendar.holiday_subdivision or None
        public = holidays.country_holidays(
            calendar.holiday_country, subdiv=subdivision, years=years
        )
        for day, name in public.items():
            if start <= day < end:
                counted.setdefault(day, []).append(name)
        supported = getattr(public, "supported_categories", ()) or ()
        for category in sorted(set(supported) - {"public"}):
            extra = holidays.country_holidays(
                calendar.holiday_country, subdiv=subdivision, years=years, categories=(category,)
            )
            found = [
                Holiday(day=day, name=name)
                for day, name in sorted(extra.items())
                if start <= day < end and day not in public and day not in closed
            ]
            if found:
                optional.append(
                    OptionalHolidays(
                        category=category.replace("_", " ").capitalize(),
                        days=found,
                        listed=len(found) <= _LISTED_LIMIT,
                    )
                )
    for day, label in closed.items():
        counted.setdefault(day, []).append(label)
    return HolidayPreview(
        start=start,
        end=end,
        counted=[Holiday(day=day, name="; ".join(names)) for day, names in sorted(counted.items())],
        optional=optional,
    )


def _words(class_name: str) -> str:
    # The registry names countries by class ("UnitedStates"); its words are the name.
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", class_name)


@cache
def holiday_countries() -> list[tuple[str, str]]:
    """(ISO code, name) of every country ``holidays`` knows, by name."""
    from holidays.registry import COUNTRIES

    # The registry lists each country once, by its two-letter code (the list
    # of supported codes also has three-letter aliases, which would repeat it).
    supported = holidays.list_supported_countries()
    found = [(entry[1], _words(entry[0])) for entry in COUNTRIES.values() if entry[1] in supported]
    return sorted(found, key=lambda c: c[1])


def holiday_subdivisions(*, country: str) -> list[tuple[str, str]]:
    """(code, name) of the country's states or regions; empty when it has none or is unknown."""
    codes = holidays.list_supported_countries().get(country.upper(), [])
    if not codes:
        return []
    # A listed country always loads; not every one names its subdivisions.
    aliases = getattr(holidays.country_holidays(country.upper()), "subdivisions_aliases", {})
    names: dict[str, str] = {}
    for name, code in aliases.items():
        names.setdefault(code, name)
    return [(code, f"{names[code]} ({code})" if code in names else code) for code in codes]
