"""Staff users, their teams, and personal API tokens."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    SUPERVISOR = "supervisor", "Supervisor"
    AGENT = "agent", "Agent"
    COLLABORATOR = "collaborator", "Collaborator"
    # A portal login for a customer; linked from customers.Customer.user.
    CUSTOMER = "customer", "Customer"


STAFF_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.AGENT, Role.COLLABORATOR})
SEE_ALL_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR})


class User(AbstractUser):
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AGENT)
    # IANA name the user reads times in; blank: not chosen yet, so the
    # installation's zone (settings.TIME_ZONE) until the browser reports one.
    time_zone = models.CharField(max_length=64, blank=True, default="")

    @property
    def is_staff_member(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def sees_all_conversations(self) -> bool:
        return self.role in SEE_ALL_ROLES

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class TeamKind(models.TextChoices):
    SERVICE = "service", "Service team"
    DEPARTMENT = "department", "Other department"


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    kind = models.CharField(max_length=16, choices=TeamKind.choices, default=TeamKind.SERVICE)
    description = models.TextField(blank=True)
    members = models.ManyToManyField(User, related_name="teams", blank=True)
    # The hours the team works by (SLA clocks and business-time metrics); none: around the clock.
    calendar = models.ForeignKey(
        "calendars.Calendar",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="teams",
    )
    # What a customer reads while this team is consulted on their conversation
    # ("{team}" is replaced by the name); empty: "The {team} team is checking
    # this for you." A hidden team is never named to customers.
    consult_notice = models.CharField(max_length=200, blank=True)
    consult_hidden = models.BooleanField(
        default=False, help_text="Internal team: customers are not told it was consulted."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 digest is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    # The first characters, kept in clear so a user can tell their tokens apart.
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
