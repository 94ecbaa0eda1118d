from __future__ import annotations

from django.db.models import QuerySet

from concord.accounts.models import User
from concord.reports.models import SummarySubscription


def summary_subscription_for(*, user: User) -> SummarySubscription | None:
    return SummarySubscription.objects.filter(user=user, is_active=True).first()


def summary_subscriptions_active() -> QuerySet[SummarySubscription]:
    return SummarySubscription.objects.filter(is_active=True, user__is_active=True).select_related(
        "user", "team"
    )
