"""Subscribing to the weekly summary, and sending each week's summary exactly once."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from concord.accounts.models import Team, User
from concord.common.errors import NotAllowed
from concord.metrics.selectors.access import report_teams
from concord.reports.models import DeliveryState, SummaryDelivery, SummarySubscription
from concord.reports.selectors import summary_subscriptions_active
from concord.reports.summary import build_summary, last_full_week, site_zone

logger = logging.getLogger(__name__)

# A failed send is tried again on the next hourly runs, this many times in all.
MAX_ATTEMPTS = 3
# A delivery still "sending" this long after it was claimed was left by a worker
# that stopped mid-send; it is tried again (the email may, rarely, go twice).
STALE_AFTER = timedelta(minutes=30)


@transaction.atomic
def summary_subscribe(*, user: User, team: Team | None = None) -> SummarySubscription:
    """Switch the weekly summary on for ``user`` (for one of the teams they may see)."""
    if not user.is_staff_member:
        raise NotAllowed("Weekly summaries are for the service team.")
    if team is not None and team not in report_teams(user=user):
        raise NotAllowed(f"{user} may not see the figures of team {team}.")
    subscription, _ = SummarySubscription.objects.update_or_create(
        user=user, defaults={"team": team, "is_active": True}
    )
    return subscription


@transaction.atomic
def summary_unsubscribe(*, user: User) -> None:
    SummarySubscription.objects.filter(user=user).update(is_active=False)


def _claim(subscription: SummarySubscription, week_start: date, now: datetime) -> bool:
    """Take this week's delivery for sending; False if it is sent, being sent or given up."""
    try:
        with transaction.atomic():
            SummaryDelivery.objects.create(
                subscription=subscription,
                week_start=week_start,
                state=DeliveryState.SENDING,
                updated_at=now,
            )
        return True
    except IntegrityError:
        pass
    retried = SummaryDelivery.objects.filter(
        Q(state=DeliveryState.FAILED)
        | Q(state=DeliveryState.SENDING, updated_at__lt=now - STALE_AFTER),
        subscription=subscription,
        week_start=week_start,
        attempts__lt=MAX_ATTEMPTS,
    )
    return bool(
        retried.update(state=DeliveryState.SENDING, attempts=F("attempts") + 1, updated_at=now)
    )


def summary_send(
    *, subscription: SummarySubscription, week_start: date, now: datetime | None = None
) -> str:
    """Send one subscriber's summary for the week; idempotent. Returns what happened."""
    now = now or timezone.now()
    if not _claim(subscription, week_start, now):
        return "skipped"
    deliveries = SummaryDelivery.objects.filter(subscription=subscription, week_start=week_start)
    user = subscription.user
    summary = build_summary(user=user, team=subscription.team, week_start=week_start)
    if summary is None or not user.email:
        reason = "no figures this user may see" if summary is None else "the user has no email"
        deliveries.update(state=DeliveryState.FAILED, attempts=MAX_ATTEMPTS, error=reason)
        return "failed"
    message = EmailMultiAlternatives(
        subject=summary.subject,
        body=summary.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(summary.html, "text/html")
    try:
        message.send(fail_silently=False)
    except Exception as error:
        # The error's class and text name the SMTP problem; no credentials are in it.
        logger.warning("Weekly summary to user %s failed: %s", user.pk, type(error).__name__)
        deliveries.update(
            state=DeliveryState.FAILED, error=f"{type(error).__name__}: {error}"[:500]
        )
        return "failed"
    deliveries.update(state=DeliveryState.SENT, error="", updated_at=now)
    return "sent"


def summaries_send_due(*, now: datetime | None = None) -> int:
    """Send last week's summary to every active subscriber who has not had it; the count sent."""
    moment = now or timezone.now()
    week_start = last_full_week(now=moment, zone=site_zone())
    sent = 0
    for subscription in summary_subscriptions_active():
        if summary_send(subscription=subscription, week_start=week_start, now=moment) == "sent":
            sent += 1
    return sent
