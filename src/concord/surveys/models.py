"""Survey definitions, the rules that send them, invitations, and the answers."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from concord.accounts.models import Team
from concord.conversations.models import Channel, Conversation
from concord.customers.models import Customer


class SurveyKind(models.TextChoices):
    CSAT = "csat", "CSAT (1-5)"
    NPS = "nps", "NPS (0-10)"
    CES = "ces", "CES (1-7)"
    STARS = "stars", "Star rating (1-5)"
    VES = "ves", "VES (two statements, 1-7)"
    GCR = "gcr", "Goal completion (yes/no)"


@dataclass(frozen=True)
class Scale:
    low: int
    high: int
    # What each score is called on a button; empty: the number itself.
    labels: tuple[tuple[int, str], ...] = ()

    def label(self, score: int) -> str:
        return dict(self.labels).get(score, str(score))

    @property
    def scores(self) -> list[int]:
        return list(range(self.low, self.high + 1))


# A goal-completion answer is stored as 1 (yes) or 0 (no), so GCR is the mean.
SCALES: dict[str, Scale] = {
    SurveyKind.CSAT: Scale(1, 5),
    SurveyKind.NPS: Scale(0, 10),
    SurveyKind.CES: Scale(1, 7),
    SurveyKind.STARS: Scale(1, 5, tuple((n, "★" * n) for n in range(1, 6))),
    SurveyKind.VES: Scale(1, 7),
    SurveyKind.GCR: Scale(0, 1, ((1, "Yes"), (0, "No"))),
}


class SurveyDefinition(models.Model):
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=8, choices=SurveyKind.choices)
    language = models.CharField(max_length=16, default="en", help_text="e.g. en, de, fr-CA")
    subject = models.CharField(max_length=200, help_text="The survey email's subject.")
    question = models.CharField(max_length=300)
    # VES only: the second statement, rated on the comment page.
    question_2 = models.CharField(max_length=300, blank=True)
    low_label = models.CharField(max_length=60, blank=True, help_text="e.g. Very unsatisfied")
    high_label = models.CharField(max_length=60, blank=True, help_text="e.g. Very satisfied")
    # Empty: no open comment is asked for.
    comment_prompt = models.CharField(max_length=300, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"

    @property
    def scale(self) -> Scale:
        return SCALES[self.kind]


class Trigger(models.TextChoices):
    SOLVED = "solved", "Conversation solved"
    CHAT_ENDED = "chat_ended", "Chat ended"
    RELATIONSHIP = "relationship", "Every N days (relationship survey)"


class DispatchRule(models.Model):
    """When a definition is sent, on which channels, and how often at most per customer."""

    definition = models.ForeignKey(SurveyDefinition, on_delete=models.CASCADE, related_name="rules")
    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.SOLVED)
    # The conversation's channel is one of these; empty: any channel.
    channels = models.JSONField(default=list, blank=True)
    # No survey of any kind to the same customer within this many days.
    cooldown_days = models.PositiveIntegerField(default=7)
    # Relationship surveys only: each customer at most once in this many days.
    every_days = models.PositiveIntegerField(default=90, validators=[MinValueValidator(1)])
    position = models.PositiveIntegerField(default=100)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.definition.name} on {self.get_trigger_display()}"

    def applies_to(self, channel: str) -> bool:
        return not self.channels or channel in self.channels


def _key_account_tiers() -> list[str]:
    return ["vip"]


class SurveySettings(models.Model):
    """The installation's one survey settings row (pk 1), edited in the admin."""

    link_valid_days = models.PositiveIntegerField(
        default=30, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    ces_alert_at_or_below = models.PositiveSmallIntegerField(
        default=2, help_text="A CES answer this low notifies the conversation's agent."
    )
    nps_detractor_at_or_below = models.PositiveSmallIntegerField(
        default=6, help_text="An NPS answer this low at a key account notifies its owner."
    )
    key_account_tiers = models.JSONField(
        default=_key_account_tiers,
        blank=True,
        help_text='Organization tiers that are key accounts, e.g. ["vip"].',
    )
    csat_low_at_or_below = models.PositiveSmallIntegerField(default=2)
    csat_low_reopens = models.BooleanField(
        default=False, help_text="Reopen a solved conversation after a low CSAT answer."
    )

    class Meta:
        verbose_name = "survey settings"
        verbose_name_plural = "survey settings"

    def __str__(self) -> str:
        return "Survey settings"


class EmailState(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class SurveyInvitation(models.Model):
    """One survey sent to one customer, about one conversation (or, for NPS, the relationship)."""

    definition = models.ForeignKey(
        SurveyDefinition, on_delete=models.PROTECT, related_name="invitations"
    )
    rule = models.ForeignKey(
        DispatchRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # "c<conversation>:d<definition>" or "r<definition>:u<customer>:p<period>": a second
    # dispatch (a task run twice, two workers) hits this and sends nothing.
    dispatch_key = models.CharField(max_length=100, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    to_address = models.CharField(max_length=320)
    email_state = models.CharField(
        max_length=8, choices=EmailState.choices, default=EmailState.QUEUED
    )
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "-created_at"], name="survey_inv_customer")]

    def __str__(self) -> str:
        return f"{self.definition.name} to customer {self.customer_id}"


class SurveyResponse(models.Model):
    """The answer to one invitation; answering again updates it.

    Conversation, customer, agent, team and channel are copied from the
    invitation so metrics cut by any of them without a join through it.
    """

    invitation = models.OneToOneField(
        SurveyInvitation, on_delete=models.CASCADE, related_name="response"
    )
    definition = models.ForeignKey(
        SurveyDefinition, on_delete=models.PROTECT, related_name="responses"
    )
    kind = models.CharField(max_length=8, choices=SurveyKind.choices)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    score = models.SmallIntegerField()
    # VES only: the second statement's score.
    score_2 = models.SmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    answered_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # When a low CSAT reopened the conversation, so a changed answer reopens it once.
    followed_up_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-answered_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-answered_at"], name="survey_resp_customer"),
            models.Index(fields=["kind", "-answered_at"], name="survey_resp_kind"),
            models.Index(fields=["agent", "-answered_at"], name="survey_resp_agent"),
            models.Index(fields=["team", "-answered_at"], name="survey_resp_team"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.score} from customer {self.customer_id}"
