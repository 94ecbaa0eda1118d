"""Spike detection as plain arithmetic: rows in, spikes out (no database here).

A key is what conversations may share: their category, a tag, or a word of
the subject. For the window being judged, each key's count is compared with
its mean count in the same window of the past weeks (the same hour of the
week for the sweep, the same day of the week for the digest), so Monday
mornings are judged against Monday mornings.

The baseline is a mean of a few windows, often of zero or one, so it is
smoothed: a pseudo-count is added before dividing, which keeps a never-seen
key's expected count above zero (no division by zero, and a ratio that
means something). A key spikes when its count reaches
``max(min_count, factor * expected)`` and, because thousands of words are
judged every sweep, the count is also improbable as noise: its Poisson tail
probability under the expected rate is at most ``max_p``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

from concord.trends.terms import subject_terms

KINDS = ("category", "tag", "term")
KIND_LABELS = {"category": "Category", "tag": "Tag", "term": "Subject word"}


@dataclass(frozen=True)
class Row:
    """One conversation as the detector sees it."""

    id: int
    team_id: int | None
    category: str
    tags: tuple[str, ...]
    subject: str


@dataclass(frozen=True)
class Rule:
    min_count: int = 5
    factor: float = 3.0
    smoothing: float = 1.0  # pseudo-count added to the baseline's sum
    max_p: float = 0.0001
    # A key whose conversations are mostly another spike's is the same topic.
    overlap: float = 0.6


@dataclass
class Spike:
    key: str
    count: int
    expected: float  # smoothed mean count per window in the baseline
    ids: list[int]
    related: list[str] = field(default_factory=list)  # keys folded into this one

    @property
    def kind(self) -> str:
        return self.key.split(":", 1)[0]

    @property
    def value(self) -> str:
        return self.key.split(":", 1)[1]

    @property
    def ratio(self) -> float:
        return self.count / self.expected


def key_label(key: str) -> str:
    kind, _, value = key.partition(":")
    return f'{KIND_LABELS.get(kind, kind)} "{value}"'


def row_keys(row: Row) -> set[str]:
    keys = {f"term:{term}" for term in subject_terms(row.subject)}
    keys.update(f"tag:{tag}" for tag in row.tags)
    if row.category.strip():
        keys.add(f"category:{row.category.strip()}")
    return keys


def key_ids(rows: Iterable[Row]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        for key in row_keys(row):
            found[key].append(row.id)
    return found


def poisson_tail(count: int, expected: float) -> float:
    """P(X >= count) for X ~ Poisson(expected)."""
    if count <= 0:
        return 1.0
    term = math.exp(-expected)
    below = term
    for i in range(1, count):
        term *= expected / i
        below += term
    return max(0.0, 1.0 - below)


def detect(
    *,
    current: Sequence[Row],
    baseline: Sequence[Sequence[Row]],
    rule: Rule,
    prefer: Collection[str] = (),
) -> list[Spike]:
    """The spiking keys of ``current``, one per topic, biggest first.

    ``baseline`` holds the rows of each past window. Keys in ``prefer``
    (those with an alert already) keep their place when two keys are one
    topic, so a running spike keeps its alert.
    """
    weeks = max(1, len(baseline))
    past: dict[str, int] = defaultdict(int)
    for window in baseline:
        for key, ids in key_ids(window).items():
            past[key] += len(ids)
    candidates: list[Spike] = []
    for key, ids in key_ids(current).items():
        count = len(ids)
        if count < rule.min_count:
            continue
        expected = (past.get(key, 0) + rule.smoothing) / weeks
        if count < rule.factor * expected or poisson_tail(count, expected) > rule.max_p:
            continue
        candidates.append(Spike(key=key, count=count, expected=expected, ids=sorted(ids)))
    return _fold(candidates, rule=rule, prefer=prefer)


def _fold(candidates: list[Spike], *, rule: Rule, prefer: Collection[str]) -> list[Spike]:
    # A category or tag names a topic better than a word; among equals, the bigger one.
    candidates.sort(
        key=lambda s: (s.key not in prefer, KINDS.index(s.kind), -s.count, -s.ratio, s.key)
    )
    kept: list[tuple[Spike, set[int]]] = []
    for spike in candidates:
        ids = set(spike.ids)
        home = next(
            (k for k, k_ids in kept if len(ids & k_ids) >= rule.overlap * len(ids)),
            None,
        )
        if home is None:
            kept.append((spike, ids))
        else:
            home.related.append(spike.key)
    return [spike for spike, _ in kept]
