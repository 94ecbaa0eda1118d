"""Which configuration is audited, and which of its fields are secrets.

Configuration only: the rows an administrator sets up (in the admin, the
workspace or the API) and whose change alters how every conversation is
handled. Conversations themselves have their own event log. Fields that a
worker updates on its own (poll times, round-robin pointers, computed
baselines) are left out, or the log would fill with changes nobody made.
"""

from __future__ import annotations

from typing import Any

from auditlog.registry import auditlog
from auditlog.signals import pre_log

from concord.accounts.models import ApiToken, Role, Team, User
from concord.automations.models import (
    TimeRule,
    TimeRuleAction,
    TimeRuleCondition,
    Trigger,
    TriggerAction,
    TriggerCondition,
)
from concord.calendars.models import Calendar, CalendarClosedDate, CalendarInterval
from concord.channels.email.models import Mailbox
from concord.goals.models import Goal
from concord.notifications.models import SlackChannel
from concord.routing.models import RoutingSettings, TeamRouting, TriageRule
from concord.sla.models import SlaPolicy
from concord.surveys.models import DispatchRule, SurveyDefinition, SurveySettings
from concord.webhooks.models import AllowedTarget, Webhook

MASK = "concord.audit.masking.mask_secret"
_UPDATED = ["updated_at"]


def register_all() -> None:
    if auditlog.contains(SlaPolicy):  # ready() may run twice in tests
        return
    auditlog.register(SlaPolicy, exclude_fields=_UPDATED, m2m_fields={"teams", "organizations"})
    for rule in (Trigger, TimeRule):
        auditlog.register(rule, exclude_fields=_UPDATED)
    for part in (TriggerCondition, TriggerAction, TimeRuleCondition, TimeRuleAction):
        auditlog.register(part)
    auditlog.register(TriageRule, exclude_fields=_UPDATED, m2m_fields={"organizations"})
    auditlog.register(RoutingSettings, m2m_fields={"high_value_organizations"})
    auditlog.register(TeamRouting, exclude_fields=["last_assigned", "last_assigned_at"])
    auditlog.register(
        User,
        include_fields=[
            "username",
            "first_name",
            "last_name",
            "email",
            "role",
            "is_active",
            "is_staff",
            "is_superuser",
            "password",
        ],
        mask_fields=["password"],
        mask_callable=MASK,
    )
    auditlog.register(Team, m2m_fields={"members"})
    auditlog.register(ApiToken, mask_fields=["digest"], mask_callable=MASK)
    auditlog.register(Webhook, mask_fields=["secret"], mask_callable=MASK)
    auditlog.register(AllowedTarget)
    auditlog.register(SlackChannel, mask_fields=["webhook_url"], mask_callable=MASK)
    auditlog.register(
        Mailbox,
        exclude_fields=["imap_last_polled_at", "imap_last_error"],
        mask_fields=["imap_password"],
        mask_callable=MASK,
    )
    auditlog.register(Calendar)
    auditlog.register(CalendarInterval)
    auditlog.register(CalendarClosedDate)
    auditlog.register(SurveyDefinition, exclude_fields=_UPDATED)
    auditlog.register(DispatchRule)
    auditlog.register(SurveySettings)
    auditlog.register(
        Goal,
        exclude_fields=[
            "updated_at",
            "baseline_value",
            "baseline_sample_size",
            "baseline_enough",
            "baseline_start",
            "baseline_end",
            "baseline_measured_at",
        ],
        m2m_fields={"owners"},
    )
    pre_log.connect(_skip_portal_logins, dispatch_uid="concord.audit.skip_portal_logins")


def _skip_portal_logins(sender: type[Any], instance: Any, action: int, **kwargs: Any) -> bool:
    """Customers' portal logins are not configuration (and are personal data): not logged.

    A staff member whose role is changed to "customer" is still logged, since
    the stored row was not a customer's.
    """
    if sender is not User or instance.role != Role.CUSTOMER:
        return True
    if instance._state.adding or instance.pk is None:
        return False
    stored = User.objects.filter(pk=instance.pk).values_list("role", flat=True).first()
    return stored not in (None, Role.CUSTOMER)
