"""Business-time arithmetic over a ``Schedule``: pure, no database.

An instant is *business time* when its wall-clock time in the schedule's zone
falls inside one of the opening intervals of its local weekday, and its local
date is neither a public holiday nor a closed date. Everything here follows
from that one definition, which is also what the minute-by-minute reference in
the tests implements. Consequences worth knowing:

- On a spring-forward day, an interval 01:00-04:00 in Europe/Berlin is two
  hours long (02:00-03:00 never happens); on a fall-back day it is four hours
  (02:00-03:00 happens twice).
- Durations are real elapsed seconds, never wall-clock differences.

How it is fast: the business time of one local date is a handful of UTC
intervals (epoch seconds) with their total, computed once per schedule and
date and cached on the schedule; the functions walk day by day, adding whole
days from the total and clipping only the first and last. The walk starts two
days before the start's UTC date, which covers every offset and zones that
fall back at local midnight (whose dates overlap in UTC). A schedule can be
shared between threads: its cache only gains entries that are the same
whoever computes them.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

DAY = 86_400
# Offsets never exceed ±16 h; the UTC window that can hold a local date's instants.
_WINDOW = 16 * 3600
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# `add_business_seconds` gives up after this many days with no business time at
# all, so a calendar closed for good cannot loop forever.
MAX_IDLE_DAYS = 3 * 366
_CACHE_LIMIT = 50_000

Piece = tuple[int, int]  # [start, end) in UTC epoch seconds
# One local date: (first start, last end, total seconds, pieces), so a day that
# lies wholly inside a span is added without looking at its pieces.
DayPlan = tuple[int, int, int, tuple[Piece, ...]]
_CLOSED: DayPlan = (0, 0, 0, ())


@dataclass(frozen=True)
class Schedule:
    """Opening hours in one zone.

    ``weekly[w]`` holds Monday=0 … Sunday=6's intervals as sorted, disjoint
    ``(start, end)`` pairs of seconds after local midnight, ``0 <= start < end
    <= 86400`` (86400 is 24:00). Build one with ``Schedule.build``, which sorts
    and merges. ``holidays`` is any container of dates (a ``holidays`` package
    object expands itself year by year); ``closed_dates`` are the custom ones.
    """

    tz: ZoneInfo
    weekly: tuple[tuple[Piece, ...], ...]
    closed_dates: frozenset[date] = frozenset()
    holidays: Container[date] | None = field(default=None, compare=False)
    _plans: dict[int, DayPlan] = field(default_factory=dict, compare=False, repr=False, hash=False)

    def __post_init__(self) -> None:
        if len(self.weekly) != 7:
            raise ValueError("A schedule needs one entry per weekday (7).")
        for pieces in self.weekly:
            previous_end = -1
            for start, end in pieces:
                if not 0 <= start < end <= DAY or start <= previous_end:
                    raise ValueError(f"Bad or unmerged interval ({start}, {end}).")
                previous_end = end

    @classmethod
    def build(
        cls,
        *,
        tz: ZoneInfo | str,
        intervals: Iterable[tuple[int, int, int]],
        closed_dates: Iterable[date] = (),
        holidays: Container[date] | None = None,
    ) -> Schedule:
        """From ``(weekday, start_second, end_second)`` triples, in any order."""
        per_day: list[list[Piece]] = [[] for _ in range(7)]
        for weekday, start, end in intervals:
            if not 0 <= weekday <= 6:
                raise ValueError(f"Weekday {weekday} is not 0 (Monday) to 6 (Sunday).")
            if not 0 <= start < end <= DAY:
                raise ValueError(
                    f"Interval {start}-{end} s must satisfy 0 <= start < end <= 86400."
                )
            per_day[weekday].append((start, end))
        weekly = tuple(_merge(sorted(day)) for day in per_day)
        zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
        return cls(tz=zone, weekly=weekly, closed_dates=frozenset(closed_dates), holidays=holidays)

    @property
    def is_empty(self) -> bool:
        return not any(self.weekly)

    def is_closed(self, day: date) -> bool:
        return day in self.closed_dates or (self.holidays is not None and day in self.holidays)

    def day_pieces(self, ordinal: int) -> tuple[Piece, ...]:
        """The business time of the local date with this ordinal, in UTC epoch seconds."""
        return self.day_plan(ordinal)[3]

    def day_plan(self, ordinal: int) -> DayPlan:
        plan = self._plans.get(ordinal)
        if plan is None:
            if len(self._plans) > _CACHE_LIMIT:
                self._plans.clear()
            pieces = self._compute_day(ordinal)
            plan = self._plans[ordinal] = (
                (pieces[0][0], pieces[-1][1], sum(hi - lo for lo, hi in pieces), pieces)
                if pieces
                else _CLOSED
            )
        return plan

    def _compute_day(self, ordinal: int) -> tuple[Piece, ...]:
        day = date.fromordinal(ordinal)
        intervals = self.weekly[day.weekday()]
        if not intervals or self.is_closed(day):
            return ()
        # Local midnight as if the wall clock were UTC; an instant u with offset o
        # has wall time u + o, so wall time t maps back to u = t - o.
        local_midnight = (ordinal - _EPOCH_ORDINAL) * DAY
        found: list[Piece] = []
        for seg_start, seg_end, offset in self._offset_segments(local_midnight):
            for start, end in intervals:
                lo = max(local_midnight + start - offset, seg_start)
                hi = min(local_midnight + end - offset, seg_end)
                if hi > lo:
                    found.append((lo, hi))
        return tuple(_merge(sorted(found)))

    def _offset_segments(self, local_midnight: int) -> list[tuple[int, int, int]]:
        # The UTC window around the day, cut where the offset changes. Real zones
        # change at most once within these ~2.3 days.
        lo, hi = local_midnight - _WINDOW, local_midnight + DAY + _WINDOW
        first, last = self._offset_at(lo), self._offset_at(hi)
        if first == last:
            return [(lo, hi, first)]
        # Bisect for the first second with the new offset.
        a, b = lo, hi
        while b - a > 1:
            mid = (a + b) // 2
            if self._offset_at(mid) == first:
                a = mid
            else:
                b = mid
        return [(lo, b, first), (b, hi, last)]

    def _offset_at(self, epoch: int) -> int:
        offset = datetime.fromtimestamp(epoch, self.tz).utcoffset()
        assert offset is not None  # noqa: S101 - a ZoneInfo always answers
        return int(offset.total_seconds())


def _merge(pieces: list[Piece]) -> tuple[Piece, ...]:
    merged: list[Piece] = []
    for start, end in pieces:
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return tuple(merged)


def _require_aware(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(
            f"{name} must be a timezone-aware datetime; got naive {value.isoformat()}."
        )


def _utc_ordinal(epoch: float) -> int:
    return int(epoch // DAY) + _EPOCH_ORDINAL


def business_seconds_between(*, schedule: Schedule, start: datetime, end: datetime) -> int:
    """Whole business seconds in [start, end); negative when end is before start."""
    return int(exact_business_seconds_between(schedule=schedule, start=start, end=end))


def exact_business_seconds_between(*, schedule: Schedule, start: datetime, end: datetime) -> float:
    """Business seconds in [start, end) to the microsecond; negative when end is before start.

    For clocks that add up many stretches (an SLA paused and resumed ten
    times): whole seconds would lose up to a second per stretch and move the
    due time. Rounded to the microsecond, the precision of a ``datetime``, so
    float noise in the timestamps cannot build up either.
    """
    _require_aware("start", start)
    _require_aware("end", end)
    # Timestamps, not `end < start`: two datetimes sharing a tzinfo compare by
    # wall clock, which is wrong across a fall-back hour.
    a, b = start.timestamp(), end.timestamp()
    if b < a:
        return -exact_business_seconds_between(schedule=schedule, start=end, end=start)
    total = 0.0
    plans = schedule._plans
    # An instant's local date is its UTC date ±1; starting one more day early
    # covers zones that fall back at local midnight, whose previous date's
    # pieces can reach past the start. Converting to local time would cost more
    # than looking at two empty-or-cached extra days.
    for ordinal in range(_utc_ordinal(a) - 2, _utc_ordinal(b) + 2):
        plan = plans.get(ordinal)
        if plan is None:
            plan = schedule.day_plan(ordinal)
        first, last, day_total, pieces = plan
        if not day_total or last <= a or first >= b:
            continue
        if first >= a and last <= b:
            total += day_total
            continue
        for lo, hi in pieces:
            if hi <= a:
                continue
            if lo >= b:
                break
            total += min(hi, b) - max(lo, a)
    return round(total, 6)


def add_business_seconds(*, schedule: Schedule, start: datetime, seconds: float) -> datetime:
    """The earliest instant with ``seconds`` business seconds in [start, it).

    ``seconds == 0`` returns ``start`` itself, even outside opening hours. The
    answer is in ``start``'s time zone.
    """
    _require_aware("start", start)
    if seconds < 0:
        raise ValueError(f"seconds must not be negative; got {seconds}.")
    if seconds == 0:
        return start
    if schedule.is_empty:
        raise ValueError("The schedule has no opening hours; no business time can pass.")
    a = start.timestamp()
    remaining = float(seconds)
    ordinal = _utc_ordinal(a) - 2
    idle_days = 0
    plans = schedule._plans
    while True:
        plan = plans.get(ordinal)
        if plan is None:
            plan = schedule.day_plan(ordinal)
        first, _, day_total, pieces = plan
        if day_total and first >= a and day_total < remaining:
            remaining -= day_total
            idle_days = 0
            ordinal += 1
            continue
        found_time = False
        for lo, hi in pieces:
            begin = max(lo, a)
            if hi <= begin:
                continue
            found_time = True
            available = hi - begin
            if available >= remaining:
                utc = start.astimezone(UTC) + timedelta(seconds=begin + remaining - a)
                return utc.astimezone(start.tzinfo)
            remaining -= available
        idle_days = 0 if found_time else idle_days + 1
        if idle_days > MAX_IDLE_DAYS:
            raise ValueError(
                f"No business time in {MAX_IDLE_DAYS} days after {start.isoformat()};"
                " every open day is closed."
            )
        ordinal += 1
