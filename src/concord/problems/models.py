"""Problems and feature requests: many conversations, one cause (or one wish), everyone told.

A problem is a root cause owned by the department that can fix it; agents
link the conversations it causes, and resolving it tells every linked
customer once, on their own conversation. A feature request is the same
mechanism for product demand, with customers' votes from the portal.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ProblemKind(models.TextChoices):
    PROBLEM = "problem", "Problem"
    FEATURE = "feature", "Feature request"


class ProblemStatus(models.TextChoices):
    # Problems
    INVESTIGATING = "investigating", "Investigating"
    FIX_IN_PROGRESS = "fixing", "Fix in progress"
    RESOLVED = "resolved", "Resolved"
    # Feature requests
    UNDER_REVIEW = "review", "Under review"
    PLANNED = "planned", "Planned"
    BUILDING = "building", "In progress"
    SHIPPED = "shipped", "Shipped"
    DECLINED = "declined", "Declined"


# The statuses each kind moves through, in order; the first is where it starts.
STATUSES: dict[str, tuple[str, ...]] = {
    ProblemKind.PROBLEM: (
        ProblemStatus.INVESTIGATING,
        ProblemStatus.FIX_IN_PROGRESS,
        ProblemStatus.RESOLVED,
    ),
    ProblemKind.FEATURE: (
        ProblemStatus.UNDER_REVIEW,
        ProblemStatus.PLANNED,
        ProblemStatus.BUILDING,
        ProblemStatus.SHIPPED,
        ProblemStatus.DECLINED,
    ),
}
# Statuses that end it: linking more conversations is still allowed (late reports).
FINAL_STATUSES = frozenset({ProblemStatus.RESOLVED, ProblemStatus.SHIPPED, ProblemStatus.DECLINED})


class Problem(models.Model):
    kind = models.CharField(max_length=8, choices=ProblemKind.choices, default=ProblemKind.PROBLEM)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)  # internal
    # The department that owns the fix (or the product decision).
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="problems")
    status = models.CharField(max_length=14, choices=ProblemStatus.choices)
    # What customers may read (portal, announcements); never the description.
    public_note = models.TextField(blank=True)
    eta = models.DateField(null=True, blank=True)
    # Feature requests listed in the portal for customers to vote on.
    portal_visible = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="problems_created"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)  # when it reached a final status

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["kind", "status", "created_at"], name="problem_list"),
            models.Index(fields=["team", "kind", "status"], name="problem_team"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}: {self.title}"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES


class ProblemLink(models.Model):
    """A conversation caused by the problem (or asking for the feature)."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="links")
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="problem_links"
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["problem", "conversation"], name="problem_link_once")
        ]
        indexes = [models.Index(fields=["conversation"], name="problem_link_conversation")]

    def __str__(self) -> str:
        return f"#{self.conversation_id} in problem #{self.problem_id}"


class ProblemVote(models.Model):
    """A customer's vote for a feature request, from the portal; one per customer."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="votes")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="problem_votes"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["problem", "customer"], name="problem_vote_once")
        ]
        indexes = [models.Index(fields=["problem", "created_at"], name="problem_vote_trend")]

    def __str__(self) -> str:
        return f"Vote of customer {self.customer_id} for #{self.problem_id}"


class ProblemEventKind(models.TextChoices):
    CREATED = "created", "Created"
    EDITED = "edited", "Edited"
    STATUS_CHANGED = "status", "Status changed"
    LINKED = "linked", "Conversation linked"
    UNLINKED = "unlinked", "Conversation unlinked"
    ANNOUNCED = "announced", "Customers notified"


class ProblemEvent(models.Model):
    """The problem's timeline: append-only, like conversation events."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=ProblemEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    old_value = models.CharField(max_length=200, blank=True)
    new_value = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} on problem #{self.problem_id}"


class AnnouncementStatus(models.TextChoices):
    SENDING = "sending", "Sending"
    DONE = "done", "Sent"


class Announcement(models.Model):
    """One message to every customer linked to a problem, sent in the background.

    Its recipients are fixed when it starts (one row per customer); each is
    delivered in a transaction that also marks it sent, so a worker killed
    halfway resumes where it stopped and nobody is told twice.
    """

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="announcements")
    body = models.TextField()  # the template, with {{ placeholders }}
    solve_linked = models.BooleanField(default=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=8, choices=AnnouncementStatus.choices, default=AnnouncementStatus.SENDING
    )
    total = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    # A runner holds the announcement until then; a later runner takes over a dead one's.
    lease_until = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "lease_until"], name="announcement_due")]

    def __str__(self) -> str:
        return f"Announcement #{self.pk} of problem #{self.problem_id}"


class RecipientState(models.TextChoices):
    PENDING = "pending", "Waiting"
    SENT = "sent", "Told"
    OPTED_OUT = "opted_out", "Opted out"
    SKIPPED = "skipped", "Not reachable"


class AnnouncementRecipient(models.Model):
    announcement = models.ForeignKey(
        Announcement, on_delete=models.CASCADE, related_name="recipients"
    )
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(
        max_length=10, choices=RecipientState.choices, default=RecipientState.PENDING
    )
    # The message that told them, on their latest linked conversation.
    message = models.ForeignKey(
        "conversations.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    detail = models.CharField(max_length=300, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["announcement", "customer"], name="announcement_once_per_customer"
            )
        ]
        indexes = [models.Index(fields=["announcement", "state"], name="announcement_progress")]

    def __str__(self) -> str:
        return f"Customer {self.customer_id}: {self.state}"
