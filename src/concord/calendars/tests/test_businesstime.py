"""Worked examples for business-time arithmetic, each checked by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from concord.calendars.businesstime import (
    Schedule,
    add_business_seconds,
    business_seconds_between,
)

HOUR = 3600
BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"


def office(tz: str, *, closed: tuple[date, ...] = ()) -> Schedule:
    """Monday to Friday 08:00-18:00."""
    return Schedule.build(
        tz=tz, intervals=[(d, 8 * HOUR, 18 * HOUR) for d in range(5)], closed_dates=closed
    )


def night_shift(tz: str) -> Schedule:
    """01:00-04:00 every day: it straddles both DST changes in Europe and the US."""
    return Schedule.build(tz=tz, intervals=[(d, 1 * HOUR, 4 * HOUR) for d in range(7)])


def at(tz: str, year: int, month: int, day: int, hour: int, minute: int, fold: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(tz), fold=fold)


def test_friday_evening_to_monday_counts_only_open_hours() -> None:
    schedule = office(BERLIN)
    friday_17, monday_09 = at(BERLIN, 2026, 11, 20, 17, 0), at(BERLIN, 2026, 11, 23, 9, 0)
    assert business_seconds_between(schedule=schedule, start=friday_17, end=monday_09) == 2 * HOUR
    # Three business hours from Friday 17:00: one on Friday, two on Monday.
    assert add_business_seconds(schedule=schedule, start=friday_17, seconds=3 * HOUR) == at(
        BERLIN, 2026, 11, 23, 10, 0
    )


def test_the_answer_lands_on_the_closing_time_not_the_next_opening() -> None:
    schedule = office(BERLIN)
    friday_17 = at(BERLIN, 2026, 11, 20, 17, 0)
    assert add_business_seconds(schedule=schedule, start=friday_17, seconds=HOUR) == at(
        BERLIN, 2026, 11, 20, 18, 0
    )


def test_a_public_holiday_is_closed() -> None:
    import holidays

    schedule = Schedule.build(
        tz=BERLIN,
        intervals=[(d, 8 * HOUR, 18 * HOUR) for d in range(5)],
        holidays=holidays.country_holidays("DE"),
    )
    # Thursday 2026-12-24 is open, Friday 25th and Saturday 26th are holidays/weekend.
    thursday_17 = at(BERLIN, 2026, 12, 24, 17, 0)
    monday_08 = at(BERLIN, 2026, 12, 28, 8, 0)
    assert business_seconds_between(schedule=schedule, start=thursday_17, end=monday_08) == HOUR
    assert add_business_seconds(schedule=schedule, start=thursday_17, seconds=2 * HOUR) == at(
        BERLIN, 2026, 12, 28, 9, 0
    )


def test_a_closed_date_is_closed() -> None:
    schedule = office(BERLIN, closed=(date(2026, 11, 23),))
    friday_17, tuesday_09 = at(BERLIN, 2026, 11, 20, 17, 0), at(BERLIN, 2026, 11, 24, 9, 0)
    assert business_seconds_between(schedule=schedule, start=friday_17, end=tuesday_09) == 2 * HOUR


@pytest.mark.parametrize(
    ("tz", "spring", "autumn"),
    [(BERLIN, (2026, 3, 29), (2026, 10, 25)), (NEW_YORK, (2026, 3, 8), (2026, 11, 1))],
)
def test_a_night_interval_has_its_real_length_on_dst_days(
    tz: str, spring: tuple[int, int, int], autumn: tuple[int, int, int]
) -> None:
    schedule = night_shift(tz)
    # Spring forward: one wall-clock hour never happens, 01:00-04:00 lasts two hours.
    day_start, day_end = at(tz, *spring, 0, 0), at(tz, *spring, 12, 0)
    assert business_seconds_between(schedule=schedule, start=day_start, end=day_end) == 2 * HOUR
    # Fall back: one wall-clock hour happens twice, 01:00-04:00 lasts four hours.
    day_start, day_end = at(tz, *autumn, 0, 0), at(tz, *autumn, 12, 0)
    assert business_seconds_between(schedule=schedule, start=day_start, end=day_end) == 4 * HOUR


def test_adding_across_spring_forward_in_berlin() -> None:
    schedule = night_shift(BERLIN)
    start = at(BERLIN, 2026, 3, 29, 1, 30)
    # 01:30-02:00 then 03:00-04:00 (02:00-03:00 does not exist that night).
    assert add_business_seconds(schedule=schedule, start=start, seconds=90 * 60) == at(
        BERLIN, 2026, 3, 29, 4, 0
    )


def test_adding_across_fall_back_in_new_york() -> None:
    schedule = night_shift(NEW_YORK)
    start = at(NEW_YORK, 2026, 11, 1, 1, 30)  # the first 01:30, still EDT
    got = add_business_seconds(schedule=schedule, start=start, seconds=HOUR)
    # An hour later the clock shows 01:30 again, now in EST.
    assert got.astimezone(UTC) == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    assert got.utcoffset() == at(NEW_YORK, 2026, 11, 1, 1, 30, fold=1).utcoffset()


def test_an_interval_can_run_to_midnight() -> None:
    schedule = Schedule.build(tz=BERLIN, intervals=[(0, 20 * HOUR, 24 * HOUR), (1, 0, 2 * HOUR)])
    monday_22 = at(BERLIN, 2026, 11, 23, 22, 0)
    assert add_business_seconds(schedule=schedule, start=monday_22, seconds=3 * HOUR) == at(
        BERLIN, 2026, 11, 24, 1, 0
    )


def test_build_merges_overlapping_and_touching_intervals() -> None:
    schedule = Schedule.build(
        tz="UTC",
        intervals=[(0, 10 * HOUR, 12 * HOUR), (0, 8 * HOUR, 10 * HOUR), (0, 11 * HOUR, 13 * HOUR)],
    )
    assert schedule.weekly[0] == ((8 * HOUR, 13 * HOUR),)


def test_an_empty_week_never_passes_business_time() -> None:
    schedule = Schedule.build(tz=BERLIN, intervals=[])
    start, end = at(BERLIN, 2026, 1, 1, 0, 0), at(BERLIN, 2027, 1, 1, 0, 0)
    assert business_seconds_between(schedule=schedule, start=start, end=end) == 0
    with pytest.raises(ValueError, match="no opening hours"):
        add_business_seconds(schedule=schedule, start=start, seconds=1)
    assert add_business_seconds(schedule=schedule, start=start, seconds=0) == start


def test_a_week_whose_open_days_are_all_closed_gives_up() -> None:
    # Open only on 2026-01-01's weekday, and that one date is closed: the next
    # Thursdays are open, so close every Thursday for four years.
    thursdays = [date.fromordinal(date(2026, 1, 1).toordinal() + 7 * n) for n in range(7 * 53 * 4)]
    schedule = Schedule.build(tz="UTC", intervals=[(3, 0, HOUR)], closed_dates=thursdays)
    with pytest.raises(ValueError, match="No business time in"):
        add_business_seconds(schedule=schedule, start=at("UTC", 2026, 1, 1, 0, 0), seconds=1)


def test_naive_datetimes_are_refused() -> None:
    schedule = office(BERLIN)
    naive = datetime(2026, 1, 5, 9, 0)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="timezone-aware"):
        business_seconds_between(schedule=schedule, start=naive, end=naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_seconds(schedule=schedule, start=naive, seconds=60)


def test_negative_seconds_are_refused_and_reversed_spans_are_negative() -> None:
    schedule = office(BERLIN)
    a, b = at(BERLIN, 2026, 11, 23, 9, 0), at(BERLIN, 2026, 11, 23, 11, 0)
    assert business_seconds_between(schedule=schedule, start=b, end=a) == -2 * HOUR
    with pytest.raises(ValueError, match="negative"):
        add_business_seconds(schedule=schedule, start=a, seconds=-1)
