"""SMART goals: a metric with a scope, a target, dates and owners; its history and progress."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from concord.accounts.models import Team


class Comparison(models.TextChoices):
    AT_LEAST = ">=", "at least"
    AT_MOST = "<=", "at most"


class TimeBasis(models.TextChoices):
    CALENDAR = "calendar", "Calendar time"
    BUSINESS = "business", "Business hours"


class Goal(models.Model):
    """One target for one metric over [start, deadline], owned by one or more teams.

    The scope fields are the metric query's cuts (empty: not cut). The
    baseline is the metric over the same-length period before the start,
    measured when the goal is created (and again when what it measures changes).
    """

    name = models.CharField(max_length=200)
    objective = models.TextField(help_text="The company objective this goal serves, in words.")
    metric = models.CharField(max_length=40, help_text="A metric name from the metrics registry.")
    # Scope: the same names as MetricQuery's cuts.
    channel = models.CharField(max_length=16, blank=True)
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="scoped_goals"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="scoped_goals",
    )
    category = models.CharField(max_length=100, blank=True)
    tag = models.CharField(max_length=100, blank=True)
    customer_tier = models.CharField(max_length=16, blank=True)
    organization = models.ForeignKey(
        "customers.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="goals",
    )
    time_basis = models.CharField(
        max_length=16, choices=TimeBasis.choices, default=TimeBasis.CALENDAR
    )
    calendar = models.ForeignKey(
        "calendars.Calendar", on_delete=models.PROTECT, null=True, blank=True, related_name="goals"
    )
    # Time metrics only: the goal is about the % of samples at most this long.
    within_seconds = models.PositiveIntegerField(null=True, blank=True)
    comparison = models.CharField(max_length=2, choices=Comparison.choices)
    threshold = models.FloatField()
    start = models.DateField()
    deadline = models.DateField()
    owners = models.ManyToManyField(Team, related_name="goals")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="created_goals",
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    baseline_value = models.FloatField(null=True, blank=True)
    baseline_sample_size = models.PositiveIntegerField(default=0)
    baseline_enough = models.BooleanField(default=False)
    # The baseline period [baseline_start, baseline_end), in whole days.
    baseline_start = models.DateField(null=True, blank=True)
    baseline_end = models.DateField(null=True, blank=True)
    baseline_measured_at = models.DateTimeField(null=True, blank=True)
    archived = models.BooleanField(default=False)

    class Meta:
        ordering = ["deadline", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(deadline__gt=models.F("start")), name="goal_deadline_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class GoalChange(models.Model):
    """One change to one field of a goal, written in the same transaction as the change.

    Creation is one row with field "created"; values are stored as text as
    the history shows them.
    """

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="changes")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField()
    field = models.CharField(max_length=40)
    old = models.TextField(blank=True)
    new = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.goal_id} {self.field}: {self.old!r} -> {self.new!r}"


class GoalMeasurement(models.Model):
    """Two figures for one day of a goal, both through the end of ``measured_on``.

    ``value``: the metric from the goal's start (cumulative). ``recent_value``:
    over the last ``RECENT_DAYS`` days (from the start while the goal is
    younger); the status rule reads this one, since a cumulative figure keeps
    the echo of its first noisy weeks and can only creep.
    """

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="measurements")
    measured_on = models.DateField()
    value = models.FloatField(null=True, blank=True)
    sample_size = models.PositiveIntegerField(default=0)
    enough = models.BooleanField(default=False)
    recent_value = models.FloatField(null=True, blank=True)
    recent_sample_size = models.PositiveIntegerField(default=0)
    recent_enough = models.BooleanField(default=False)
    measured_at = models.DateTimeField()

    class Meta:
        ordering = ["goal", "measured_on"]
        constraints = [
            models.UniqueConstraint(fields=["goal", "measured_on"], name="goal_measurement_day"),
        ]

    def __str__(self) -> str:
        return f"{self.goal_id} {self.measured_on}: {self.value}"
