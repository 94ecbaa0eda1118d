"""SLA policies, and the targets (due times) they give each conversation.

A policy's conditions are plain lists of choice values (empty: any) and
many-to-many links, so the admin edits them as checkboxes without code.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from concord.accounts.models import Team
from concord.calendars.models import Calendar
from concord.common.durations import format_duration
from concord.conversations.models import Conversation
from concord.customers.models import Organization


class TargetKind(models.TextChoices):
    FIRST_RESPONSE = "first_response", "First response"
    NEXT_REPLY = "next_reply", "Next reply"
    RESOLUTION = "resolution", "Resolution"


_SECONDS_HELP = "Stored in seconds; forms take durations such as 4h or 1d 2h. Empty: no target."


def _budget(verbose_name: str) -> models.PositiveIntegerField[int | None, int | None]:
    return models.PositiveIntegerField(
        verbose_name,
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_SECONDS_HELP,
    )


class SlaPolicy(models.Model):
    name = models.CharField(max_length=100, unique=True)
    position = models.PositiveIntegerField(
        default=0, help_text="The first active policy in this order that matches wins."
    )
    is_active = models.BooleanField(default=True)
    # Conditions: a conversation matches when it meets every non-empty one.
    priorities = models.JSONField(default=list, blank=True)
    channels = models.JSONField(default=list, blank=True)
    customer_tiers = models.JSONField(
        default=list,
        blank=True,
        help_text="Matches the customer's own tier or their organization's.",
    )
    teams = models.ManyToManyField(Team, blank=True, related_name="sla_policies")
    organizations = models.ManyToManyField(Organization, blank=True, related_name="sla_policies")

    first_response_seconds = _budget("first response")
    next_reply_seconds = _budget("next reply")
    resolution_seconds = _budget("resolution")
    warn_before_seconds = models.PositiveIntegerField(
        default=0,
        help_text="Warn this long (of counted time) before a due time; in seconds; 0: never.",
    )
    business_hours = models.BooleanField(
        default=True,
        help_text="Count business time (this calendar, else the team's); off: calendar time.",
    )
    calendar = models.ForeignKey(
        Calendar, null=True, blank=True, on_delete=models.SET_NULL, related_name="sla_policies"
    )
    pause_on_pending = models.BooleanField(
        default=True,
        help_text="Stop the clocks while waiting on the customer (never the first response).",
    )
    pause_on_hold = models.BooleanField(
        default=False,
        help_text="Stop the clocks while waiting on another team (never the first response).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # A warning as long as the shortest target would fire at or before the
        # target starts, so it never warns: refused instead of kept silently.
        budgets = [
            seconds
            for seconds in (
                self.first_response_seconds,
                self.next_reply_seconds,
                self.resolution_seconds,
            )
            if seconds
        ]
        if self.warn_before_seconds and budgets and self.warn_before_seconds >= min(budgets):
            raise ValidationError(
                {
                    "warn_before_seconds": (
                        f"The warning ({format_duration(self.warn_before_seconds)} before) must "
                        f"be shorter than the shortest target ({format_duration(min(budgets))}), "
                        "or it never warns."
                    )
                }
            )

    def budget(self, target: str) -> int | None:
        seconds: int | None = getattr(self, f"{target}_seconds")
        return seconds


class SlaState(models.Model):
    """One row per conversation the SLA app has looked at.

    ``next_due_at`` (the earliest due time of its running targets) is what the
    inbox sorts "due soonest" by, through one indexed join; the row is also
    what a refresh locks, so two refreshes of one conversation serialise.
    """

    conversation = models.OneToOneField(
        Conversation, primary_key=True, on_delete=models.CASCADE, related_name="sla_state"
    )
    policy = models.ForeignKey(
        SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    next_due_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(
                fields=["next_due_at", "conversation"],
                condition=Q(next_due_at__isnull=False),
                name="sla_state_next_due",
            )
        ]

    def __str__(self) -> str:
        return f"SLA state of #{self.conversation_id}"


class SlaTarget(models.Model):
    """One clock: a target of one conversation in one cycle.

    First response and resolution have cycle 0; next reply counts 1, 2, …
    ``due_at`` is null while the clock is paused; ``warned_at`` and
    ``breached_at`` are set once, by a conditional update, together with the
    event they announce.
    """

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="sla_targets"
    )
    target = models.CharField(max_length=16, choices=TargetKind.choices)
    cycle = models.PositiveIntegerField(default=0)
    policy = models.ForeignKey(
        SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="targets"
    )
    budget_seconds = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    achieved_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["conversation", "started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "target", "cycle"], name="sla_target_once"
            )
        ]
        # The sweep reads only running, unsettled clocks; partial indexes keep
        # met and breached ones (nearly all rows, in time) out of its way.
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=Q(
                    breached_at__isnull=True, achieved_at__isnull=True, due_at__isnull=False
                ),
                name="sla_target_breach_due",
            ),
            models.Index(
                fields=["warn_at"],
                condition=Q(
                    warned_at__isnull=True,
                    breached_at__isnull=True,
                    achieved_at__isnull=True,
                    warn_at__isnull=False,
                ),
                name="sla_target_warn_due",
            ),
            # SLA attainment counts targets by when their outcome fell: met ones by
            # achieved time, missed ones by due time, or breached time if they have
            # no due time; one index for each, holding what the count looks at.
            models.Index(
                fields=["target", "cycle", "achieved_at", "breached_at", "due_at", "conversation"],
                name="sla_target_achieved",
            ),
            models.Index(
                fields=["target", "cycle", "due_at", "breached_at", "achieved_at", "conversation"],
                name="sla_target_due",
            ),
            models.Index(
                fields=["target", "cycle", "breached_at", "conversation"],
                condition=Q(due_at__isnull=True, breached_at__isnull=False),
                name="sla_target_breached",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target} #{self.cycle} of #{self.conversation_id}"
