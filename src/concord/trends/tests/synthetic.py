"""Seeded synthetic conversation streams: steady noise, and spikes to find in it.

The noise is a helpdesk's ordinary week: a daily and weekly rhythm, Poisson
arrivals, subjects from everyday templates with varying words, categories
and tags on some. A spike is a burst of one new topic inside one hour,
phrased several ways around one distinctive word.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from concord.trends.detection import Row, Rule, detect

# (subject template, category, tag or "")
TEMPLATES: tuple[tuple[str, str, str], ...] = (
    ("Where is my parcel {n}?", "delivery", ""),
    ("Parcel {n} has not arrived", "delivery", "late"),
    ("Tracking number for order {n}", "delivery", ""),
    ("Change the delivery address of order {n}", "delivery", ""),
    ("Refund for order {n}", "billing", "refund"),
    ("I was charged twice", "billing", ""),
    ("Copy of my {month} invoice", "billing", ""),
    ("Payment declined for my card", "billing", ""),
    ("Cannot log in to my account", "account", ""),
    ("Reset my password", "account", ""),
    ("Change my email address", "account", ""),
    ("Delete my account", "account", "privacy"),
    ("{product} arrived damaged", "returns", "damaged"),
    ("Return label for the {product}", "returns", ""),
    ("Exchange the {product} for another size", "returns", ""),
    ("Discount code {code} does not work", "", ""),
    ("Cancel my subscription", "billing", ""),
    ("Question about the {product}", "", ""),
    ("Is the {product} back in stock?", "", ""),
    ("Opening hours of your shop", "", ""),
    ("Complaint about the courier", "delivery", "complaint"),
    ("Warranty claim for my {product}", "returns", ""),
    ("Wrong item in order {n}", "returns", ""),
    ("Gift card balance", "billing", ""),
)
PRODUCTS = ("kettle", "jacket", "lamp", "blender", "backpack", "headphones", "chair", "toaster")
MONTHS = ("January", "February", "March", "April", "May", "June")
CODES = ("SPRING", "WELCOME", "VIP", "SUMMER")

# New topics: the distinctive word, then ways customers phrase it.
TOPICS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("checkout", ("Checkout crashes", "The checkout page is blank", "Stuck at checkout")),
    ("outage", ("Is there an outage?", "Site outage this morning", "Outage again")),
    ("voucher", ("Voucher not accepted", "My voucher expired early", "Voucher error")),
    ("recall", ("Product recall notice", "Is my item in the recall?", "Recall of batch")),
    ("sms", ("No SMS code received", "SMS verification fails", "SMS never arrives")),
    ("duplicate", ("Duplicate charge on card", "Duplicate order created", "Duplicate email")),
    ("app", ("The app will not open", "App crashes on start", "App logs me out")),
    ("parcelbox", ("Parcelbox is locked", "Parcelbox code wrong", "Cannot open parcelbox")),
)


@dataclass(frozen=True)
class Synthetic:
    at: datetime
    subject: str
    category: str
    tags: tuple[str, ...]
    spike: int | None = None  # which injected spike it belongs to


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def hourly_rate(at: datetime, base: float) -> float:
    """Busy office hours, quiet nights, a calmer weekend."""
    hour, weekday = at.hour, at.weekday()
    shape = 1.0 if 8 <= hour < 18 else 0.35 if 6 <= hour < 22 else 0.1
    return base * shape * (0.5 if weekday >= 5 else 1.0)


def noise(*, seed: int, start: datetime, hours: int, base: float = 8.0) -> list[Synthetic]:
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    out: list[Synthetic] = []
    for hour in range(hours):
        begin = start + timedelta(hours=hour)
        # A day-to-day swing of ±30% on top of the rhythm.
        mean = hourly_rate(begin, base) * rng.uniform(0.7, 1.3)
        for _ in range(_poisson(rng, mean)):
            subject, category, tag = rng.choice(TEMPLATES)
            text = subject.format(
                n=rng.randint(10000, 99999),
                month=rng.choice(MONTHS),
                product=rng.choice(PRODUCTS),
                code=rng.choice(CODES),
            )
            tags = (tag,) if tag and rng.random() < 0.7 else ()
            # Agents forget the category now and then.
            category = category if rng.random() < 0.8 else ""
            at = begin + timedelta(seconds=rng.randrange(3600))
            out.append(Synthetic(at=at, subject=text, category=category, tags=tags))
    return out


def burst(
    *,
    seed: int,
    start: datetime,
    count: int,
    topic: int,
    category: str = "",
    tag: str = "",
    label: int = 0,
) -> list[Synthetic]:
    """``count`` conversations on topic ``topic`` within the hour from ``start``."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    _, phrasings = TOPICS[topic % len(TOPICS)]
    return [
        Synthetic(
            at=start + timedelta(seconds=rng.randrange(3600)),
            subject=rng.choice(phrasings),
            category=category,
            tags=(tag,) if tag else (),
            spike=label,
        )
        for _ in range(count)
    ]


@dataclass(frozen=True)
class Score:
    alerts: int
    true_alerts: int
    spikes: int
    found: int

    @property
    def precision(self) -> float:
        return self.true_alerts / self.alerts if self.alerts else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.spikes if self.spikes else 1.0


def evaluate(*, seeds: list[int], rule: Rule, spikes_per_week: int = 6) -> Score:
    """Hourly sweeps over one week after four weeks of noise, with spikes injected.

    An alert counts once while its key keeps spiking, like the real sweep. It
    is true when most of its conversations belong to one injected spike; a
    spike is found when an alert on it comes at the end of its hour.
    """
    alerts = true_alerts = spikes = found = 0
    for seed in seeds:
        rng = random.Random(seed * 7919)  # noqa: S311 - reproducible test data
        start = datetime(2026, 1, 5, tzinfo=UTC)
        stream = noise(seed=seed, start=start, hours=5 * 7 * 24)
        week = start + timedelta(weeks=4)
        hours = sorted(rng.sample(range(7 * 24), spikes_per_week))
        spike_at: dict[int, int] = {}
        for label, hour in enumerate(hours):
            size = rng.randint(6, 20)
            stream += burst(
                seed=seed * 100 + label,
                start=week + timedelta(hours=hour),
                count=size,
                topic=rng.randrange(len(TOPICS)),
                category=rng.choice(("", "", "delivery", "website")),
                label=label,
            )
            spike_at[label] = hour
        spikes += len(hours)
        rows = [_row(index, item) for index, item in enumerate(stream)]
        by_id = {index: item for index, item in enumerate(stream)}
        times = [item.at for item in stream]
        live: set[str] = set()
        for hour in range(1, 7 * 24 + 1):
            end = week + timedelta(hours=hour)
            current = _between(rows, times, end - timedelta(hours=1), end)
            baseline = [
                _between(rows, times, end - timedelta(weeks=w, hours=1), end - timedelta(weeks=w))
                for w in range(1, 5)
            ]
            seen = detect(current=current, baseline=baseline, rule=rule, prefer=live)
            keys = {s.key for s in seen} | {k for s in seen for k in s.related}
            for spike in seen:
                if spike.key in live:
                    continue
                alerts += 1
                labels = [by_id[i].spike for i in spike.ids]
                top = max(set(labels), key=labels.count)
                if top is not None and labels.count(top) * 2 > len(labels):
                    true_alerts += 1
                    if spike_at[top] == hour - 1:
                        found += 1
            live = keys
    return Score(alerts=alerts, true_alerts=true_alerts, spikes=spikes, found=found)


def _row(index: int, item: Synthetic) -> Row:
    return Row(id=index, team_id=None, category=item.category, tags=item.tags, subject=item.subject)


def _between(rows: list[Row], times: list[datetime], start: datetime, end: datetime) -> list[Row]:
    return [row for row, at in zip(rows, times, strict=True) if start <= at < end]
