"""Consults: the owner of a conversation asks another team (or a person) and keeps it.

A consult carries a question to a department; its members answer inside the
consult, internally, and the owner relays to the customer in their own words.
The conversation keeps its team and assignee the whole time.
"""

from __future__ import annotations

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
    # To a team, a named person, or a person within a team; at least one.
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
    question = models.TextField()
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consults_asked"
    )
    status = models.CharField(
        max_length=10, choices=ConsultStatus.choices, default=ConsultStatus.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(null=True, blank=True)
    first_answer_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(team__isnull=False) | Q(user__isnull=False),
                name="consult_has_someone_to_ask",
            )
        ]
        indexes = [
            # "Consults for my team": open ones, oldest first.
            models.Index(fields=["team", "status", "created_at"], name="consult_team_queue"),
            models.Index(fields=["user", "status", "created_at"], name="consult_user_queue"),
        ]

    def __str__(self) -> str:
        return f"Consult #{self.pk} on #{self.conversation_id}"

    @property
    def asked_of(self) -> str:
        if self.team is not None and self.user is not None:
            return f"{self.user} ({self.team.name})"
        return str(self.team.name if self.team is not None else self.user)


class ConsultReply(models.Model):
    """One message in a consult's thread: an answer, or the owner's follow-up."""

    consult = models.ForeignKey(Consult, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consult_replies"
    )
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Reply #{self.pk} to consult #{self.consult_id}"
