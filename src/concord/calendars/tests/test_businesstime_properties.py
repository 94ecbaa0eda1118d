"""Both business-time functions against a minute-by-minute reference.

The reference walks UTC minutes and asks, for each, the one question that
defines business time: is this minute's wall-clock time, in the schedule's
zone, inside an opening interval of its local weekday on an open date? It is
too slow for production and too simple to be wrong in the same way as the
day-by-day implementation.

Instants are drawn from 2024-2027, half of them near a DST change of the
drawn zone, so spring-forward and fall-back days are hit often.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from concord.calendars.businesstime import (
    Schedule,
    add_business_seconds,
    business_seconds_between,
)

# derandomize: the same examples on every run, so CI is never flaky; the
# strategies below aim the draws at the interesting days instead.
SETTINGS = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "Asia/Kolkata",  # +05:30, no DST
]
MAX_SPAN_MINUTES = 4 * 24 * 60  # the reference walks every minute


def _dst_changes(zone: str) -> list[datetime]:
    """UTC instants in 2024-2027 where the zone's offset changes (hour resolution)."""
    tz = ZoneInfo(zone)
    changes = []
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    previous = moment.astimezone(tz).utcoffset()
    while moment.year < 2028:
        offset = moment.astimezone(tz).utcoffset()
        if offset != previous:
            changes.append(moment)
            previous = offset
        moment += timedelta(hours=1)
    return changes


DST_CHANGES = {zone: _dst_changes(zone) for zone in ZONES}


def utc(moment: datetime) -> datetime:
    # Datetimes sharing a tzinfo compare by wall clock (wrong in a fall-back
    # hour); in UTC they compare as instants.
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class Drawn:
    """What the strategy drew, kept raw (unsorted, overlapping) for the reference."""

    tz: ZoneInfo
    intervals: list[tuple[int, int, int]]
    closed: set[date]

    def on(self, weekday: int) -> list[tuple[int, int]]:
        return [(start, end) for day, start, end in self.intervals if day == weekday]


def reference_is_business(drawn: Drawn, minute: datetime) -> bool:
    local = minute.astimezone(drawn.tz)
    if local.date() in drawn.closed:
        return False
    second = local.hour * 3600 + local.minute * 60
    return any(start <= second < end for start, end in drawn.on(local.weekday()))


def reference_between(drawn: Drawn, start: datetime, end: datetime) -> int:
    total, minute = 0, start.astimezone(UTC)
    while minute < end:
        if reference_is_business(drawn, minute):
            total += 60
        minute += timedelta(minutes=1)
    return total


def reference_add(drawn: Drawn, start: datetime, seconds: int, limit: int) -> datetime | None:
    """None when the answer lies beyond ``limit`` minutes."""
    if seconds == 0:
        return start
    remaining, minute = seconds, start.astimezone(UTC)
    for _ in range(limit):
        if reference_is_business(drawn, minute):
            remaining -= 60
            if remaining == 0:
                return minute + timedelta(minutes=1)
        minute += timedelta(minutes=1)
    return None


minute_of_day = st.one_of(
    # Boundaries around 00:00-04:00 meet the DST changes and midnight.
    st.sampled_from([0, 30, 60, 90, 120, 150, 180, 210, 240, 1380, 1440]),
    st.integers(min_value=0, max_value=1440),
)


@st.composite
def drawn_schedules(draw: st.DrawFn) -> tuple[Schedule, Drawn]:
    zone = draw(st.sampled_from(ZONES))
    intervals = []
    for weekday in range(7):
        for _ in range(draw(st.integers(min_value=0, max_value=3))):
            a, b = draw(minute_of_day), draw(minute_of_day)
            if a != b:
                intervals.append((weekday, min(a, b) * 60, max(a, b) * 60))
    closed = draw(
        st.lists(st.dates(min_value=date(2023, 12, 25), max_value=date(2028, 1, 7)), max_size=40)
    )
    schedule = Schedule.build(tz=zone, intervals=intervals, closed_dates=closed)
    return schedule, Drawn(tz=ZoneInfo(zone), intervals=intervals, closed=set(closed))


def schedules() -> st.SearchStrategy[Schedule]:
    return drawn_schedules().map(lambda pair: pair[0])


@st.composite
def instants(draw: st.DrawFn, schedule: Schedule) -> datetime:
    changes = DST_CHANGES[schedule.tz.key]
    near_a_change: bool = draw(st.booleans())
    if changes and near_a_change:
        base = draw(st.sampled_from(changes))
        moment = base + timedelta(minutes=draw(st.integers(-3 * 1440, 1440)))
    else:
        moment = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(
            minutes=draw(st.integers(0, 4 * 365 * 1440))
        )
    return in_any_zone(draw, schedule, moment)


def in_any_zone(draw: st.DrawFn, schedule: Schedule, moment: datetime) -> datetime:
    # Callers pass datetimes in all sorts of zones; the answer must not care.
    return moment.astimezone(draw(st.sampled_from([UTC, schedule.tz, ZoneInfo("Asia/Tokyo")])))


@st.composite
def schedule_and_span(draw: st.DrawFn) -> tuple[Schedule, Drawn, datetime, datetime]:
    schedule, drawn = draw(drawn_schedules())
    start = draw(instants(schedule))
    # Arithmetic in UTC: adding to a zoned datetime adds wall-clock time.
    end = start.astimezone(UTC) + timedelta(minutes=draw(st.integers(0, MAX_SPAN_MINUTES)))
    return schedule, drawn, start, in_any_zone(draw, schedule, end)


@SETTINGS
@given(case=schedule_and_span())
def test_between_matches_the_reference(case: tuple[Schedule, Drawn, datetime, datetime]) -> None:
    schedule, drawn, start, end = case
    assert business_seconds_between(schedule=schedule, start=start, end=end) == reference_between(
        drawn, start, end
    )


@SETTINGS
@given(data=st.data())
def test_add_matches_the_reference(data: st.DataObject) -> None:
    schedule, drawn = data.draw(drawn_schedules())
    start = data.draw(instants(schedule))
    seconds = data.draw(st.integers(0, 2 * 24 * 60)) * 60
    limit = 6 * 24 * 60
    expected = reference_add(drawn, start, seconds, limit)
    if schedule.is_empty and seconds:
        return  # covered by the example tests: adding to an empty week raises
    got = add_business_seconds(schedule=schedule, start=start, seconds=seconds)
    if expected is None:
        assert utc(got) > utc(start) + timedelta(minutes=limit)
    else:
        assert utc(got) == utc(expected)
        assert got.tzinfo is start.tzinfo


@SETTINGS
@given(data=st.data())
def test_between_undoes_add(data: st.DataObject) -> None:
    schedule = data.draw(schedules().filter(lambda s: not s.is_empty))
    start = data.draw(instants(schedule))
    seconds = data.draw(st.integers(0, 30 * 24 * 3600))
    end = add_business_seconds(schedule=schedule, start=start, seconds=seconds)
    assert business_seconds_between(schedule=schedule, start=start, end=end) == seconds


@SETTINGS
@given(case=schedule_and_span(), split=st.floats(0, 1))
def test_between_is_additive_and_monotonic(
    case: tuple[Schedule, Drawn, datetime, datetime], split: float
) -> None:
    schedule, _, start, end = case
    span = (utc(end) - utc(start)).total_seconds()
    middle = utc(start) + timedelta(minutes=int(span / 60 * split))
    first = business_seconds_between(schedule=schedule, start=start, end=middle)
    second = business_seconds_between(schedule=schedule, start=middle, end=end)
    assert first >= 0
    assert second >= 0
    assert first + second == business_seconds_between(schedule=schedule, start=start, end=end)
    assert business_seconds_between(schedule=schedule, start=end, end=start) == -(first + second)


@SETTINGS
@given(data=st.data())
def test_add_is_monotonic(data: st.DataObject) -> None:
    schedule = data.draw(schedules().filter(lambda s: not s.is_empty))
    start = data.draw(instants(schedule))
    small = data.draw(st.integers(0, 5 * 24 * 3600))
    larger = small + data.draw(st.integers(0, 5 * 24 * 3600))
    assert utc(add_business_seconds(schedule=schedule, start=start, seconds=small)) <= utc(
        add_business_seconds(schedule=schedule, start=start, seconds=larger)
    )
