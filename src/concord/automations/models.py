"""Triggers (act on an event) and time rules (act on how long something waited).

Both are made of conditions and actions edited as rows in the admin, so an
administrator composes them without code. A run log records every firing under
a unique key: that key, written in the same transaction as the actions, is what
makes a re-run (a retried task, a second worker) a no-op.
"""

from __future__ import annotations

from django.db import models


class TriggerEvent(models.TextChoices):
    """What a trigger listens to; each maps from one or more conversation event kinds."""

    CREATED = "created", "Conversation created"
    CUSTOMER_REPLIED = "customer_replied", "Customer replied"
    AGENT_REPLIED = "agent_replied", "Agent replied"
    NOTE_ADDED = "note_added", "Internal note added"
    STATUS_CHANGED = "status_changed", "Status changed"
    ASSIGNED = "assigned", "Assignee changed"
    TEAM_CHANGED = "team_changed", "Team changed"
    PRIORITY_CHANGED = "priority_changed", "Priority changed"
    SLA_WARNING = "sla_warning", "SLA warning"
    SLA_BREACHED = "sla_breached", "SLA breached"
    SURVEY_ANSWERED = "survey_answered", "Survey answered"


class Match(models.TextChoices):
    ALL = "all", "All conditions"
    ANY = "any", "Any condition"


class Field(models.TextChoices):
    STATUS = "status", "Status"
    PRIORITY = "priority", "Priority"
    CHANNEL = "channel", "Channel"
    CATEGORY = "category", "Category"
    TEAM = "team", "Team (slug)"
    ASSIGNEE = "assignee", "Assignee (username)"
    TAGS = "tags", "Tags"
    SUBJECT = "subject", "Subject"
    CUSTOMER_TIER = "customer_tier", "Customer tier"
    ORGANIZATION = "organization", "Organization (name)"
    CUSTOMER_EMAIL = "customer_email", "Customer email"
    MESSAGE_TEXT = "message_text", "Message text"
    PREVIOUS_VALUE = "previous_value", "Changed from (status, priority…)"
    NEW_VALUE = "new_value", "Changed to (status, priority…)"
    SLA_TARGET = "sla_target", "SLA target (first_response, next_reply, resolution)"
    SURVEY_KIND = "survey_kind", "Survey kind (csat, nps, ces, stars, ves, gcr)"
    SURVEY_SCORE = "survey_score", "Survey score"
    # The conversation's consults that are not closed, by team slug or username:
    # "is set" = any open consult; "is billing" = one to Billing is open.
    CONSULT_OPEN = "consult_open", "Open consult to (team slug or username)"
    CONSULT_OVERDUE = "consult_overdue", "Overdue consult to (team slug or username)"


class Operator(models.TextChoices):
    IS = "is", "is"
    IS_NOT = "is_not", "is not"
    IN = "in", "is one of (comma-separated)"
    NOT_IN = "not_in", "is none of (comma-separated)"
    CONTAINS = "contains", "contains"
    NOT_CONTAINS = "not_contains", "does not contain"
    AT_MOST = "at_most", "is at most (a number)"
    AT_LEAST = "at_least", "is at least (a number)"
    IS_SET = "is_set", "is set"
    IS_NOT_SET = "is_not_set", "is not set"


class ActionKind(models.TextChoices):
    ASSIGN = "assign", "Assign to (username, or 'auto' for the team's strategy)"
    SET_TEAM = "set_team", "Set team (slug)"
    SET_PRIORITY = "set_priority", "Set priority"
    SET_STATUS = "set_status", "Set status"
    ADD_TAGS = "add_tags", "Add tags (comma-separated)"
    REMOVE_TAGS = "remove_tags", "Remove tags (comma-separated)"
    ADD_NOTE = "add_note", "Add an internal note (text is a template)"
    SEND_EMAIL = "send_email", "Email the customer (text is a template)"
    NOTIFY = "notify", "Notify users (target: assignee, team, account_owner or usernames)"
    SLACK = "slack", "Post to a Slack channel (target: channel name)"
    WEBHOOK = "webhook", "Call a webhook (target: webhook name)"
    CONSULT = "consult", "Consult a team (target: team slug; text: the question, a template)"


class Rule(models.Model):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # Rules run in this order; each sees what the ones before it changed.
    position = models.PositiveIntegerField(default=100)
    is_active = models.BooleanField(default=True)
    match = models.CharField(max_length=3, choices=Match.choices, default=Match.ALL)
    created_at = models.DateTimeField(auto_now_add=True)
    # Bumped by every save, including the admin saving its condition and action
    # rows: the per-process cache of active rules is keyed by it.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Trigger(Rule):
    # A list of TriggerEvent values; the admin edits it as checkboxes.
    events = models.JSONField(default=list)


class TimeRule(Rule):
    """Acts on conversations that have been in ``status`` for ``after_seconds``.

    Fires once per stay in that status: a conversation that leaves and comes
    back is measured again from its return.
    """

    status = models.CharField(max_length=8)
    after_seconds = models.PositiveIntegerField()
    # Count only the team calendar's business hours (around the clock without one).
    business_hours = models.BooleanField(default=False)


class Condition(models.Model):
    field = models.CharField(max_length=20, choices=Field.choices)
    operator = models.CharField(max_length=12, choices=Operator.choices, default=Operator.IS)
    value = models.CharField(max_length=500, blank=True)

    class Meta:
        abstract = True
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.field} {self.operator} {self.value}".strip()


class Action(models.Model):
    kind = models.CharField(max_length=16, choices=ActionKind.choices)
    target = models.CharField(max_length=300, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        abstract = True
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.target}".strip()


class TriggerCondition(Condition):
    rule = models.ForeignKey(Trigger, on_delete=models.CASCADE, related_name="conditions")


class TriggerAction(Action):
    rule = models.ForeignKey(Trigger, on_delete=models.CASCADE, related_name="actions")


class TimeRuleCondition(Condition):
    rule = models.ForeignKey(TimeRule, on_delete=models.CASCADE, related_name="conditions")


class TimeRuleAction(Action):
    rule = models.ForeignKey(TimeRule, on_delete=models.CASCADE, related_name="actions")


class Outcome(models.TextChoices):
    FIRED = "fired", "Fired"
    LOOP_GUARD = "loop_guard", "Stopped by the loop guard"
    FAILED = "failed", "Failed"


class TriggerRun(models.Model):
    """One trigger's verdict on one event: at most one row, so at most one firing."""

    trigger = models.ForeignKey(Trigger, on_delete=models.CASCADE, related_name="runs")
    event_id = models.BigIntegerField()
    conversation_id = models.BigIntegerField(db_index=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["trigger", "event_id"], name="trigger_run_once")
        ]

    def __str__(self) -> str:
        return f"{self.trigger_id} on event {self.event_id}: {self.outcome}"


class TimeRuleRun(models.Model):
    """One firing of a time rule for one stay in a status (``since`` is when it began)."""

    rule = models.ForeignKey(TimeRule, on_delete=models.CASCADE, related_name="runs")
    conversation_id = models.BigIntegerField(db_index=True)
    since = models.DateTimeField()
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "conversation_id", "since"], name="time_rule_run_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} on #{self.conversation_id}: {self.outcome}"
