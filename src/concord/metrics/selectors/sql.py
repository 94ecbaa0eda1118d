"""Grouping rows by bucket in SQL, cheaply, on SQLite and PostgreSQL.

Buckets start at local midnight (or Monday, or the 1st) in the query's zone,
which neither database groups by on its own, and one filtered count per
bucket costs a comparison per row and bucket. Instead rows are grouped by a
key that never straddles a bucket edge, and the groups are added into buckets
here:

- PostgreSQL: ``width_bucket(instant, edges)``, the number of bucket edges
  at or before the instant, which is the bucket itself;
- SQLite: every bucket edge is a whole UTC day (in UTC), a whole UTC hour
  (in nearly every zone) or a whole minute, so the key is that prefix of the
  stored text ('2026-03-01 14'): no date is parsed, and each group lies in
  one bucket.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import CharField, Expression, F, Func, IntegerField
from django.db.models.sql.compiler import SQLCompiler

from concord.metrics.selectors.query import MetricQuery

Unit = Literal["day", "hour", "minute"]
# SQLite stores 'YYYY-MM-DD HH:MM:SS[.ffffff]' (UTC): a day is its first 10 characters.
_PREFIX: dict[Unit, int] = {"day": 10, "hour": 13, "minute": 16}
_SECONDS: dict[Unit, int] = {"day": 86400, "hour": 3600, "minute": 60}

_SQL = tuple[str, tuple[Any, ...]]


class BucketKey(Func):
    """The grouping key of an instant (see the module docstring)."""

    def __init__(self, expression: Expression | F, keys: BucketKeys) -> None:
        self.keys = keys
        output = IntegerField() if keys.postgres else CharField()
        super().__init__(expression, output_field=output)

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> _SQL:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"substr({sql}, 1, {_PREFIX[self.keys.unit]})", tuple(params)

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> _SQL:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"width_bucket({sql}, %s::timestamptz[])", (*params, list(self.keys.starts))


@dataclass(frozen=True)
class BucketKeys:
    """How to group the query's rows so that each group falls in one bucket."""

    unit: Unit
    postgres: bool
    # Where each bucket after the first starts, and the key there.
    starts: tuple[datetime, ...]
    edges: tuple[Any, ...]

    def key(self, field: str | Expression) -> BucketKey:
        return BucketKey(F(field) if isinstance(field, str) else field, self)

    def bucket(self, key: Any) -> int:
        """Which bucket (0-based) a group with this key belongs to."""
        return bisect_right(self.edges, key)


def _aligned(moments: list[datetime], unit: Unit) -> bool:
    step = _SECONDS[unit]
    return all(m.timestamp() % step == 0 for m in moments)


def bucket_keys(query: MetricQuery) -> BucketKeys | None:
    """How to group by the query's buckets; None without buckets, or if it cannot be done."""
    windows = query.buckets()
    if len(windows) < 2:
        return None
    starts = [lo for lo, _ in windows[1:]]
    if connection.vendor == "postgresql":
        # width_bucket gives bucket i + 1 from the start of bucket i + 1 on.
        edges = tuple(range(1, len(windows)))
        return BucketKeys(unit="day", postgres=True, starts=tuple(starts), edges=edges)
    if connection.vendor != "sqlite":
        return None
    units: tuple[Unit, ...] = ("day", "hour", "minute")
    # Never more groups than rows, however fine the unit.
    for unit in units:
        if _aligned(starts, unit):
            length = _PREFIX[unit]
            keys = tuple(s.astimezone(UTC).strftime("%Y-%m-%d %H:%M")[:length] for s in starts)
            return BucketKeys(unit=unit, postgres=False, starts=tuple(starts), edges=keys)
    return None
