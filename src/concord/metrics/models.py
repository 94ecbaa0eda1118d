"""Per-conversation facts the metrics count, kept beside the rows they come from.

Worked out from a conversation's own messages and events by
``metrics.services.conversation_facts_refresh`` — recomputed whole, never
incremented — on the core's ``conversation_written`` signal, sent in the same
transaction as every change (``metrics.receivers``). ``concord manage
metrics_backfill`` rebuilds them all (after a bulk import, or if a bug ever
left them wrong). The metrics read these
instead of walking every message and event of every conversation in a
period, which cannot answer within a second at a million conversations.

A conversation merged into another has no facts: its messages, and so its
waits, now belong to the other. Channel, team, assignee and category are
copied from the conversation, so the usual cuts need no join.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from concord.accounts.models import Team
from concord.conversations.models import Channel, Conversation


class CopiedCuts(models.Model):
    """The conversation's own cut columns, as they are now.

    No index of their own: each metric reads a range of one of its own
    indexes, which hold the team too (SQLite, without statistics, would
    otherwise prefer an index on the team and read all its conversations).
    PostgreSQL alone gets one by team (migration 0003) for SLA attainment.
    """

    channel = models.CharField(max_length=8, choices=Channel.choices)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    category = models.CharField(max_length=100, blank=True)

    class Meta:
        abstract = True


class ConversationFacts(CopiedCuts):
    """One row per conversation (not merged away).

    The ``*_seconds`` columns are calendar seconds between the two instants,
    so the usual (calendar) figures need no date arithmetic in SQL.
    """

    conversation = models.OneToOneField(
        Conversation, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField()
    # The customer's first message that a person wrote (not machine mail).
    first_message_at = models.DateTimeField(null=True, blank=True)
    # The first public reply by someone on staff (not the automation user).
    first_reply_at = models.DateTimeField(null=True, blank=True)
    # From the first customer message to the first reply (when there are both).
    first_response_seconds = models.FloatField(null=True, blank=True)
    agent_replies = models.PositiveIntegerField(default=0)
    # From the conversation's own status log (not events a merge moved in).
    first_solved_at = models.DateTimeField(null=True, blank=True)
    reopened = models.BooleanField(default=False)
    # Moved to a department team after it was opened, tagged "escalated", or consulted.
    escalated = models.BooleanField(default=False)
    # Another team or person was consulted (a ``consult_asked`` event), at any time.
    consulted = models.BooleanField(default=False)
    # When it was last solved, while it is solved or closed.
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_seconds = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "conversation facts"
        # Each metric reads one range of one index and nothing else.
        indexes = [
            models.Index(
                fields=["created_at", "team", "channel", "category", "escalated", "consulted"],
                name="facts_created",
            ),
            models.Index(
                fields=["first_reply_at", "team", "first_response_seconds"],
                name="facts_first_reply",
            ),
            models.Index(
                fields=["first_solved_at", "team", "agent_replies", "reopened"],
                name="facts_first_solved",
            ),
            models.Index(
                fields=["resolved_at", "team", "resolution_seconds"], name="facts_resolved"
            ),
        ]

    def __str__(self) -> str:
        return f"facts of #{self.conversation_id}"


class IntervalKind(models.TextChoices):
    # A customer message waiting for the agent reply that answered it.
    WAIT = "wait", "Waiting for a reply"
    # A stretch in which the conversation was not solved or closed.
    UNSOLVED = "unsolved", "Unsolved"


class ConversationInterval(CopiedCuts):
    """A stretch of a conversation's time: it covers the moments after ``started_at``,
    up to and including ``ended_at`` (None while it runs, as an unsolved one can)."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=IntervalKind.choices)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["kind", "ended_at", "team", "started_at", "seconds"],
                name="interval_ended",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of #{self.conversation_id} from {self.started_at:%Y-%m-%d %H:%M}"
