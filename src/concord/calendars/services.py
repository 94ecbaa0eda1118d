"""Writes for calendars: create, change, opening hours and closed dates.

The ``check_*`` helpers validate one field each and are shared with the admin's
forms, so a bad zone or region gets the same message everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, time
from functools import cache
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import holidays
from django.db import transaction

from concord.calendars.models import END_OF_DAY, Calendar, CalendarClosedDate, CalendarInterval
from concord.calendars.signals import calendar_hours_replaced
from concord.common.errors import Conflict, ValidationFailed

IntervalSpec = tuple[int, time, time]  # weekday (0 = Monday), start, end (00:00 = 24:00)


@cache
def time_zone_names() -> tuple[str, ...]:
    """Every IANA zone name, sorted: what ``check_time_zone`` accepts, for pickers.

    Reading the list walks the tz database on disk; once per process is enough.
    """
    return tuple(sorted(available_timezones()))


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(time_zone_names())


def check_time_zone(*, time_zone: str) -> str:
    time_zone = time_zone.strip()
    # ZoneInfo alone would also accept paths to any tz file; the listed names are the contract.
    if time_zone not in _zone_names():
        raise ValidationFailed(f"{time_zone!r} is not an IANA time zone.", field="time_zone")
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationFailed(f"{time_zone!r} cannot be loaded.", field="time_zone") from exc
    return time_zone


def check_holiday_region(*, country: str, subdivision: str) -> tuple[str, str]:
    country, subdivision = country.strip().upper(), subdivision.strip()
    if not country:
        if subdivision:
            raise ValidationFailed("A subdivision needs a country.", field="holiday_subdivision")
        return "", ""
    supported = holidays.list_supported_countries()
    if country not in supported:
        raise ValidationFailed(
            f"No public holidays are known for {country!r}.", field="holiday_country"
        )
    if subdivision:
        # Codes are upper case ("BY"), a few named ones are not ("Augsburg").
        by_fold = {code.casefold(): code for code in supported[country]}
        if subdivision.casefold() not in by_fold:
            raise ValidationFailed(
                f"{subdivision!r} is not a subdivision of {country}.", field="holiday_subdivision"
            )
        subdivision = by_fold[subdivision.casefold()]
    return country, subdivision


def check_interval(*, weekday: int, start: time, end: time) -> None:
    if weekday not in range(7):
        raise ValidationFailed(f"Weekday {weekday} is not 0 (Monday) to 6.", field="weekday")
    if end != END_OF_DAY and end <= start:
        raise ValidationFailed(
            f"An interval must end after it starts ({start:%H:%M}-{end:%H:%M}); "
            "use 00:00 as the end for midnight.",
            field="end",
        )


def check_intervals(*, intervals: Iterable[IntervalSpec]) -> None:
    def seconds(t: time) -> int:
        return t.hour * 3600 + t.minute * 60 + t.second

    by_day: dict[int, list[tuple[int, int]]] = {}
    for weekday, start, end in intervals:
        check_interval(weekday=weekday, start=start, end=end)
        end_s = 86_400 if end == END_OF_DAY else seconds(end)
        by_day.setdefault(weekday, []).append((seconds(start), end_s))
    for pieces in by_day.values():
        pieces.sort()
        for (_, first_end), (second_start, _) in pairwise(pieces):
            if second_start < first_end:
                raise ValidationFailed("Opening intervals of one day overlap.", field="intervals")


def calendar_create(
    *,
    name: str,
    time_zone: str,
    holiday_country: str = "",
    holiday_subdivision: str = "",
    intervals: Iterable[IntervalSpec] = (),
    closed_dates: Iterable[tuple[date, str]] = (),
) -> Calendar:
    name = name.strip()
    if not name:
        raise ValidationFailed("A calendar name is required.", field="name")
    time_zone = check_time_zone(time_zone=time_zone)
    country, subdivision = check_holiday_region(
        country=holiday_country, subdivision=holiday_subdivision
    )
    intervals = list(intervals)
    check_intervals(intervals=intervals)
    with transaction.atomic():
        if Calendar.objects.filter(name__iexact=name).exists():
            raise Conflict(f"A calendar named {name!r} exists.", field="name")
        calendar = Calendar.objects.create(
            name=name,
            time_zone=time_zone,
            holiday_country=country,
            holiday_subdivision=subdivision,
        )
        _write_intervals(calendar=calendar, intervals=intervals)
        for day, label in closed_dates:
            calendar_add_closed_date(calendar=calendar, day=day, label=label)
    return calendar


def calendar_update(
    *,
    calendar: Calendar,
    name: str | None = None,
    time_zone: str | None = None,
    holiday_country: str | None = None,
    holiday_subdivision: str | None = None,
) -> Calendar:
    """Change the given fields; None leaves a field as it is."""
    changed: list[str] = []
    if name is not None:
        name = name.strip()
        if not name:
            raise ValidationFailed("A calendar name is required.", field="name")
        calendar.name = name
        changed.append("name")
    if time_zone is not None:
        calendar.time_zone = check_time_zone(time_zone=time_zone)
        changed.append("time_zone")
    if holiday_country is not None or holiday_subdivision is not None:
        country = calendar.holiday_country if holiday_country is None else holiday_country
        sub = calendar.holiday_subdivision if holiday_subdivision is None else holiday_subdivision
        calendar.holiday_country, calendar.holiday_subdivision = check_holiday_region(
            country=country, subdivision=sub
        )
        changed += ["holiday_country", "holiday_subdivision"]
    if not changed:
        return calendar
    with transaction.atomic():
        if (
            "name" in changed
            and Calendar.objects.filter(name__iexact=calendar.name).exclude(pk=calendar.pk).exists()
        ):
            raise Conflict(f"A calendar named {calendar.name!r} exists.", field="name")
        calendar.save(update_fields=changed)
    return calendar


def calendar_set_intervals(*, calendar: Calendar, intervals: Iterable[IntervalSpec]) -> None:
    """Replace the calendar's weekly opening hours."""
    intervals = list(intervals)
    check_intervals(intervals=intervals)
    with transaction.atomic():
        calendar.intervals.all().delete()
        _write_intervals(calendar=calendar, intervals=intervals)
        calendar_hours_replaced.send(sender=Calendar, calendar=calendar)


def _write_intervals(*, calendar: Calendar, intervals: list[IntervalSpec]) -> None:
    CalendarInterval.objects.bulk_create(
        CalendarInterval(calendar=calendar, weekday=weekday, start=start, end=end)
        for weekday, start, end in intervals
    )


def calendar_add_closed_date(
    *, calendar: Calendar, day: date, label: str = ""
) -> CalendarClosedDate:
    with transaction.atomic():
        if calendar.closed_dates.filter(date=day).exists():
            raise Conflict(f"{day:%Y-%m-%d} is already closed.", field="date")
        return CalendarClosedDate.objects.create(calendar=calendar, date=day, label=label.strip())


def calendar_remove_closed_date(*, calendar: Calendar, day: date) -> None:
    with transaction.atomic():
        calendar.closed_dates.filter(date=day).delete()


def calendar_change(
    *,
    calendar: Calendar,
    name: str,
    time_zone: str,
    holiday_country: str,
    holiday_subdivision: str,
    intervals: Iterable[IntervalSpec],
) -> Calendar:
    """Details and weekly hours together, as the settings page saves them: all or nothing."""
    intervals = list(intervals)
    check_intervals(intervals=intervals)
    with transaction.atomic():
        # Only what differs is passed on: an unchanged calendar is not saved,
        # so it does not queue a recompute of every open conversation's due times.
        calendar_update(
            calendar=calendar,
            name=_changed(calendar.name, name),
            time_zone=_changed(calendar.time_zone, time_zone),
            holiday_country=_changed(calendar.holiday_country, holiday_country),
            holiday_subdivision=_changed(calendar.holiday_subdivision, holiday_subdivision),
        )
        current = sorted(
            (i.weekday, i.start, i.end) for i in calendar.intervals.order_by("weekday", "start")
        )
        if current != sorted(intervals):
            calendar_set_intervals(calendar=calendar, intervals=intervals)
    return calendar


def _changed(old: str, new: str) -> str | None:
    return None if old == new.strip() else new
