"""Consults: the owner of a conversation asks another team (or a person) and keeps it.

A consult carries a question to a department; its members answer inside the
consult, internally, and the owner relays to the customer in their own words.
The conversation keeps its team and assignee the whole time.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ConsultStatus(models.TextChoices):
    OPEN = "open", "Waiting for an answer"
    ANSWERED = "answered", "Answered"
    CLOSED = "closed", "Closed"


class Consult(models.Model):
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="consults"
    )
    # To a team, a named person, a person within a team, or an outside
    # address (a supplier, a carrier); at least one.
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="consults"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consults_asked_of",
    )
    # An outside address, lower-cased: the question is emailed there and the
    # replies come back by a signed address (the email channel does both).
    email = models.EmailField(max_length=320, blank=True, default="")
    question = models.TextField()
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consults_asked"
    )
    status = models.CharField(
        max_length=10, choices=ConsultStatus.choices, default=ConsultStatus.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)
    # When the first answer is due: the asker's own "answer within", else the
    # consulted team's target (``ConsultTarget``) in that team's business hours.
    due_at = models.DateTimeField(null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    # Asked of a team without an own due time: the due time is the team's
    # target (none without one), and follows later changes to the target and
    # the team's hours until the consult is answered or missed.
    due_by_target = models.BooleanField(default=False)
    first_answer_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # When the sweep wrote the warning / the breach (each once); a late first
    # answer the sweep had not noticed yet sets ``breached_at`` too.
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(team__isnull=False) | Q(user__isnull=False) | ~Q(email=""),
                name="consult_has_someone_to_ask",
            )
        ]
        indexes = [
            # "Consults for my team": open ones, oldest first.
            models.Index(fields=["team", "status", "created_at"], name="consult_team_queue"),
            models.Index(fields=["user", "status", "created_at"], name="consult_user_queue"),
            # The sweep's two questions, so an idle sweep costs the same at any size.
            models.Index(
                fields=["due_at"],
                condition=Q(first_answer_at__isnull=True, breached_at__isnull=True)
                & Q(due_at__isnull=False),
                name="consult_breach_sweep",
            ),
            models.Index(
                fields=["warn_at"],
                condition=Q(first_answer_at__isnull=True, warned_at__isnull=True)
                & Q(breached_at__isnull=True, warn_at__isnull=False),
                name="consult_warning_sweep",
            ),
        ]

    def __str__(self) -> str:
        return f"Consult #{self.pk} on #{self.conversation_id}"

    @property
    def answered_late(self) -> bool:
        return (
            self.due_at is not None
            and self.first_answer_at is not None
            and self.first_answer_at > self.due_at
        )

    def is_overdue(self, *, now: datetime) -> bool:
        """Waiting for its first answer past the due time (a closed consult waits no more)."""
        return (
            self.due_at is not None
            and self.first_answer_at is None
            and self.status != ConsultStatus.CLOSED
            and self.due_at < now
        )

    def is_due_soon(self, *, now: datetime) -> bool:
        """Past its warning time and not yet answered or overdue."""
        return (
            self.warn_at is not None
            and self.first_answer_at is None
            and self.status != ConsultStatus.CLOSED
            and self.warn_at <= now
            and not self.is_overdue(now=now)
        )

    @property
    def asked_of(self) -> str:
        if self.team is not None and self.user is not None:
            return f"{self.user} ({self.team.name})"
        if self.team is None and self.user is None:
            return self.email
        return str(self.team.name if self.team is not None else self.user)


class ConsultReply(models.Model):
    """One message in a consult's thread: an answer, or the owner's follow-up.

    An answer that came by email from outside has no ``author`` but the
    address it came from, which may differ from the one asked.
    """

    consult = models.ForeignKey(Consult, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consult_replies",
    )
    author_email = models.EmailField(max_length=320, blank=True, default="")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Reply #{self.pk} to consult #{self.consult_id}"

    @property
    def by_email(self) -> bool:
        return self.author_id is None

    @property
    def author_name(self) -> str:
        return self.author_email if self.author is None else str(self.author)


class ConsultTarget(models.Model):
    """A team's time to first answer a consult, counted in its calendar's business hours.

    Applied to a consult asking the team that comes without the asker's own
    "answer within". A team without a calendar (or one with no opening hours)
    counts round the clock, as the SLA clocks do.
    """

    team = models.OneToOneField(
        "accounts.Team", on_delete=models.CASCADE, related_name="consult_target"
    )
    first_answer_seconds = models.PositiveIntegerField()
    # How long before the due time to warn those asked; 0: when a quarter is left.
    warn_before_seconds = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["team__name"]

    def __str__(self) -> str:
        return f"Consult target of {self.team}"
