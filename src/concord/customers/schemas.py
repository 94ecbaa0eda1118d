"""API schemas for customers, organizations and external records."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema
from pydantic import AwareDatetime

from concord.api.schemas import Id, OrganizationRef, Out, TeamRef, UserRef
from concord.customers.models import IdentityKind, LifecycleStage, Tier


class IdentityIn(Schema):
    kind: IdentityKind
    value: str = Field(..., min_length=1, max_length=320)


class IdentityOut(Out):
    id: int
    kind: str
    value: str
    is_primary: bool
    undeliverable: bool


class CustomerRow(Out):
    id: int
    name: str
    tier: str
    lifecycle_stage: str
    organization: OrganizationRef | None
    identities: list[IdentityOut]
    churned_at: datetime | None
    created_at: datetime


class CustomerList(Out):
    items: list[CustomerRow]


class OrganizationOut(Out):
    id: int
    name: str
    tier: str
    domains: list[str]
    account_owner: UserRef | None
    shares_conversations: bool
    created_at: datetime


class OrganizationList(Out):
    items: list[OrganizationOut]


class RecordOut(Out):
    id: int
    source: str
    external_id: str
    kind: str
    reference: str
    status: str
    amount: Decimal | None
    currency: str
    occurred_at: datetime | None
    data: dict[str, Any]
    updated_at: datetime


class RecentConversation(Out):
    id: int
    subject: str
    status: str
    priority: str
    channel: str
    team: TeamRef | None
    assignee: UserRef | None
    created_at: datetime
    updated_at: datetime


class CustomerDetail(Out):
    """The 360° view: who they are, their company, their orders and their requests."""

    id: int
    name: str
    tier: str
    lifecycle_stage: str
    organization: OrganizationOut | None
    identities: list[IdentityOut]
    churned_at: datetime | None
    created_at: datetime
    notes: str
    records: list[RecordOut]
    recent_conversations: list[RecentConversation]


class CustomerCreateIn(Schema):
    name: str = Field("", max_length=200)
    identities: list[IdentityIn] = Field(default_factory=list, max_length=20)
    organization_id: Id | None = None
    tier: Tier = Tier.STANDARD
    lifecycle_stage: LifecycleStage = LifecycleStage.PURCHASE


class CustomerPatchIn(Schema):
    """Only the fields sent change; null clears organization_id and churned_at."""

    name: str | None = Field(None, max_length=200)
    tier: Tier | None = None
    lifecycle_stage: LifecycleStage | None = None
    organization_id: Id | None = None
    churned_at: AwareDatetime | None = None


class OrganizationCreateIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    domains: list[str] = Field(default_factory=list, max_length=50)
    tier: Tier = Tier.STANDARD
    account_owner_id: Id | None = None
    shares_conversations: bool = False


class OrganizationPatchIn(Schema):
    """Only the fields sent change; ``domains`` replaces the whole list."""

    name: str | None = Field(None, min_length=1, max_length=200)
    domains: list[str] | None = Field(None, max_length=50)
    tier: Tier | None = None
    account_owner_id: Id | None = None
    shares_conversations: bool | None = None


class RecordIn(Schema):
    kind: str = Field("order", max_length=32)
    reference: str = Field("", max_length=200)
    status: str = Field("", max_length=50)
    amount: Decimal | None = Field(None, max_digits=14, decimal_places=2)
    currency: str = Field("", max_length=3)
    occurred_at: AwareDatetime | None = None
    data: dict[str, Any] = Field(default_factory=dict)
