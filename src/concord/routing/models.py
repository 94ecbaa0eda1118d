"""Routing: triage rules, the routing settings row, the classifier, agents' availability.

Triage decides *what* a new conversation is (team, category, priority, tags);
assignment decides *who* works it. Both write to conversations only through
the conversation services.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from concord.accounts.models import Team
from concord.conversations.models import Conversation, Priority
from concord.customers.models import Organization


class RoutingSettings(models.Model):
    """The installation's one settings row (pk 1), edited in the admin."""

    # The classifier's suggestion is applied only at or above this probability.
    confidence_threshold = models.FloatField(
        default=0.7, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)]
    )
    # High-value customers: their tier (or their organization's tier) is one of
    # these, or their organization is named below.
    high_value_tiers = models.JSONField(default=list, blank=True)
    high_value_organizations = models.ManyToManyField(Organization, blank=True, related_name="+")
    # Empty: raise the priority one step; otherwise raise it to this level (never lower it).
    high_value_priority = models.CharField(
        max_length=8, choices=Priority.choices, blank=True, default=""
    )
    high_value_team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The queue high-value conversations go to; empty: no special queue.",
    )

    class Meta:
        verbose_name = "routing settings"
        verbose_name_plural = "routing settings"

    def __str__(self) -> str:
        return "Routing settings"


class TriageRule(models.Model):
    """When a conversation opens, the first active rule (by position) whose conditions hold
    applies its actions. Every empty condition holds; a rule with none is a catch-all."""

    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=0, db_index=True)
    is_active = models.BooleanField(default=True)
    # conditions
    channels = models.JSONField(default=list, blank=True)
    words = models.TextField(
        blank=True,
        help_text="Any of these words, as whole words in the subject or first message "
        "(case-insensitive). Separate them with spaces or commas.",
    )
    tiers = models.JSONField(default=list, blank=True)
    organizations = models.ManyToManyField(Organization, blank=True, related_name="+")
    # actions
    set_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_category = models.CharField(max_length=100, blank=True)
    set_priority = models.CharField(max_length=8, choices=Priority.choices, blank=True)
    add_tags = models.CharField(
        max_length=500, blank=True, help_text="Tags to add, separated by spaces or commas."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class ClassifierModel(models.Model):
    """One training run. The newest row is the live model; its file is
    ``DATA_DIR/routing/classifier-<id>.joblib`` and must match ``sha256``."""

    trained_at = models.DateTimeField()
    # Per head ("category", "team"): {"train": n, "test": n}
    samples = models.JSONField(default=dict)
    # Per head: held-out accuracy, and recall per label.
    accuracy = models.JSONField(default=dict)
    label_accuracy = models.JSONField(default=dict)
    # Per head: the labels it can suggest (categories; team ids as strings).
    labels = models.JSONField(default=dict)
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["-id"]
        get_latest_by = "id"

    def __str__(self) -> str:
        return f"Classifier {self.pk} ({self.trained_at:%Y-%m-%d %H:%M})"


class RoutingDecision(models.Model):
    """What triage did to one conversation, and why. One per conversation: triage runs once."""

    conversation = models.OneToOneField(
        Conversation, on_delete=models.CASCADE, related_name="routing_decision"
    )
    rule = models.ForeignKey(
        TriageRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions"
    )
    rule_name = models.CharField(max_length=100, blank=True)  # kept if the rule is deleted
    high_value = models.BooleanField(default=False)
    classifier = models.ForeignKey(
        ClassifierModel, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    category_suggestion = models.CharField(max_length=100, blank=True)
    category_confidence = models.FloatField(null=True, blank=True)
    team_suggestion = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team_confidence = models.FloatField(null=True, blank=True)
    # What was set: {"team": id, "category": "...", "priority": "...", "tags": [...]}.
    applied = models.JSONField(default=dict)
    # Why, in words: one line per step ("rule 3 'Billing words' matched", ...).
    reasons = models.JSONField(default=list)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Routing of #{self.conversation_id}"


class Strategy(models.TextChoices):
    MANUAL = "manual", "Manual"
    ROUND_ROBIN = "round_robin", "Round-robin"
    LEAST_LOADED = "least_loaded", "Least loaded"


AUTOMATIC_STRATEGIES = frozenset({Strategy.ROUND_ROBIN, Strategy.LEAST_LOADED})


class TeamRouting(models.Model):
    """A team's assignment strategy and its round-robin pointer.

    Assignment locks this row (``select_for_update``), so two workers assigning
    for the same team take turns and the rotation stays fair.
    """

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="routing")
    strategy = models.CharField(max_length=16, choices=Strategy.choices, default=Strategy.MANUAL)
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "team routing"
        verbose_name_plural = "team routing"

    def __str__(self) -> str:
        return f"{self.team} ({self.get_strategy_display()})"


class Availability(models.TextChoices):
    ONLINE = "online", "Online"
    AWAY = "away", "Away"


DEFAULT_CAPACITY = 10


class AgentStatus(models.Model):
    """Whether an agent takes new work, and how much. An agent with no row is away."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="routing_status"
    )
    availability = models.CharField(
        max_length=8, choices=Availability.choices, default=Availability.AWAY
    )
    # The most open conversations assigned to the agent before automatic assignment
    # skips them (see selectors.OPEN_STATUSES); 0 takes no automatic work.
    capacity = models.PositiveIntegerField(
        default=DEFAULT_CAPACITY, validators=[MaxValueValidator(1000)]
    )
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name = "agent status"
        verbose_name_plural = "agent statuses"

    def __str__(self) -> str:
        return f"{self.user} ({self.availability}, {self.capacity})"
