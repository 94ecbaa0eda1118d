"""The daily digest: yesterday's emerging topics, emailed to the departments they concern.

A topic is a key (category, tag, subject word) whose count yesterday was
well above the same weekday of past weeks, by the same rule as the hourly
sweep. Its department is the team of its conversations: each team whose
conversations are among a topic's gets that topic, with its own count and
links to a few of its own conversations. The day's topics are worked out
once (``DigestRun``, unique per day) and each team's email is sent once
(``DigestDelivery``, unique per run and team), as the weekly summary does.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from concord.accounts.models import Team
from concord.trends.detection import detect, key_label
from concord.trends.models import DeliveryState, DigestDelivery, DigestRun
from concord.trends.selectors import conversation_rows, team_members_to_email, teams_by_ids
from concord.trends.services import rule_from_settings

logger = logging.getLogger(__name__)

TOP_TOPICS = 10
LINKS_PER_TOPIC = 3
MAX_ATTEMPTS = 3
STALE_AFTER = timedelta(minutes=30)


def site_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _day_window(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    # Local midnights, so a day across a clock change is 23 or 25 hours, as lived.
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)


def emerging_topics(*, day: date) -> list[dict[str, Any]]:
    """The day's top emerging keys, each with its conversations per team (JSON-ready)."""
    zone = site_zone()
    weeks = settings.CONCORD_TRENDS_BASELINE_WEEKS
    windows = [_day_window(day - timedelta(weeks=w), zone) for w in range(weeks + 1)]
    current, *baseline = conversation_rows(windows=windows)
    teams = {row.id: row.team_id for row in current}
    spikes = detect(current=current, baseline=baseline, rule=rule_from_settings())
    spikes.sort(key=lambda s: (-s.ratio, -s.count, s.key))
    topics = []
    for spike in spikes[:TOP_TOPICS]:
        by_team: dict[str, list[int]] = defaultdict(list)
        for pk in spike.ids:
            if teams[pk] is not None:
                by_team[str(teams[pk])].append(pk)
        topics.append(
            {
                "key": spike.key,
                "related": spike.related,
                "count": spike.count,
                "expected": round(spike.expected, 1),
                "teams": dict(by_team),
            }
        )
    return topics


def _run_for(day: date, now: datetime) -> DigestRun:
    existing = DigestRun.objects.filter(day=day).first()
    if existing is not None:
        return existing
    topics = emerging_topics(day=day)
    try:
        with transaction.atomic():
            return DigestRun.objects.create(day=day, topics=topics, created_at=now)
    except IntegrityError:
        return DigestRun.objects.get(day=day)  # another worker worked it out first


def _claim(run: DigestRun, team: Team, now: datetime) -> bool:
    try:
        with transaction.atomic():
            DigestDelivery.objects.create(
                run=run, team=team, state=DeliveryState.SENDING, updated_at=now
            )
        return True
    except IntegrityError:
        pass
    retried = DigestDelivery.objects.filter(
        Q(state=DeliveryState.FAILED)
        | Q(state=DeliveryState.SENDING, updated_at__lt=now - STALE_AFTER),
        run=run,
        team=team,
        attempts__lt=MAX_ATTEMPTS,
    )
    return bool(
        retried.update(state=DeliveryState.SENDING, attempts=F("attempts") + 1, updated_at=now)
    )


def _team_lines(run: DigestRun, team: Team) -> list[dict[str, Any]]:
    base = settings.CONCORD_BASE_URL
    lines = []
    for topic in run.topics:
        mine = topic["teams"].get(str(team.pk), [])
        if not mine:
            continue
        related = ", ".join(key_label(key) for key in topic["related"])
        lines.append(
            {
                "label": key_label(topic["key"]),
                "related": related,
                "count": topic["count"],
                "expected": topic["expected"],
                "team_count": len(mine),
                "links": [f"{base}/app/conversations/{pk}/" for pk in mine[:LINKS_PER_TOPIC]],
            }
        )
    return lines


def digest_send(*, run: DigestRun, team: Team, now: datetime | None = None) -> str:
    """Send the day's digest to one department; idempotent. Returns what happened."""
    moment = now or timezone.now()
    if not _claim(run, team, moment):
        return "skipped"
    deliveries = DigestDelivery.objects.filter(run=run, team=team)
    members = team_members_to_email(team_id=team.pk)
    lines = _team_lines(run, team)
    if not members or not lines:
        reason = "nobody in the team has an email" if lines else "no topics for this team"
        deliveries.update(state=DeliveryState.FAILED, attempts=MAX_ATTEMPTS, error=reason)
        return "failed"
    context = {"team": team, "day": run.day, "lines": lines, "base": settings.CONCORD_BASE_URL}
    message = EmailMultiAlternatives(
        subject=f"Concord: emerging topics for {team.name} on {run.day:%d %b %Y}",
        body=render_to_string("trends/digest_email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[member.email for member in members],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(render_to_string("trends/digest_email.html", context), "text/html")
    try:
        message.send(fail_silently=False)
    except Exception as error:
        # The error's class and text name the SMTP problem; no credentials are in it.
        logger.warning("Trends digest to team %s failed: %s", team.pk, type(error).__name__)
        deliveries.update(
            state=DeliveryState.FAILED, error=f"{type(error).__name__}: {error}"[:500]
        )
        return "failed"
    deliveries.update(
        state=DeliveryState.SENT, recipients=len(members), error="", updated_at=moment
    )
    return "sent"


def digests_send_due(*, now: datetime | None = None) -> int:
    """Send yesterday's digest to each department it concerns that has not had it; the count."""
    moment = now or timezone.now()
    day = moment.astimezone(site_zone()).date() - timedelta(days=1)
    run = _run_for(day, moment)
    shares: Counter[int] = Counter()
    for topic in run.topics:
        for team_id, ids in topic["teams"].items():
            shares[int(team_id)] += len(ids)
    teams = teams_by_ids(ids=list(shares))
    sent = 0
    for team_id, _ in shares.most_common():
        team = teams.get(team_id)
        if team is not None and digest_send(run=run, team=team, now=moment) == "sent":
            sent += 1
    return sent
