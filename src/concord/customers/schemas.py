"""API schemas for customers, organizations and external records."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import (
    BeforeValidator,
    ConfigDict,
    StrictBool,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from concord.api.schemas import (
    DOMAIN_PATTERN,
    NON_BLANK,
    BodyId,
    OrganizationRef,
    Out,
    TeamRef,
    Timestamp,
    UserRef,
    identity_json_schema,
    identity_value_check,
    pattern_check,
)
from concord.customers.models import IdentityKind, LifecycleStage, Tier

_MONEY_TEXT = r"^-?[0-9]{1,12}(\.[0-9]{1,2})?$"
_MONEY_LIMIT = 999_999_999_999.99


def _money(value: Any) -> Any:
    # A decimal string ("49.90") or a JSON number; no "1e3", " 5" or "".
    if isinstance(value, bool) or (isinstance(value, str) and not re.fullmatch(_MONEY_TEXT, value)):
        raise PydanticCustomError("decimal_type", "Give an amount like 49.90 (at most 2 decimals).")
    return value


# Money: 14 digits, 2 after the point.
Money = Annotated[
    Decimal,
    BeforeValidator(_money),
    Field(max_digits=14, decimal_places=2),
    WithJsonSchema(
        {
            "anyOf": [
                {
                    "type": "number",
                    "multipleOf": 0.01,
                    "minimum": -_MONEY_LIMIT,
                    "maximum": _MONEY_LIMIT,
                },
                {"type": "string", "pattern": _MONEY_TEXT},
            ]
        },
        mode="validation",
    ),
]

Domain = Annotated[
    str,
    Field(max_length=253, json_schema_extra={"pattern": DOMAIN_PATTERN}),
    pattern_check(DOMAIN_PATTERN, "{value} is not a domain name."),
]


class IdentityIn(Schema):
    """An email address, phone number, chat id or social handle."""

    model_config = ConfigDict(json_schema_extra=identity_json_schema)

    kind: IdentityKind
    value: str = Field(..., min_length=1, max_length=320, pattern=NON_BLANK)

    @field_validator("value")
    @classmethod
    def _fits_kind(cls, value: str, info: ValidationInfo) -> str:
        kind = info.data.get("kind")
        return value if kind is None else identity_value_check(kind, value)


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
    organization_id: BodyId | None = None
    tier: Tier = Tier.STANDARD
    lifecycle_stage: LifecycleStage = LifecycleStage.PURCHASE
    created_at: Timestamp | None = Field(
        None,
        description="When the customer first became one (importing history; not in the "
        "future). Admins, or holders of the customers.import_customers permission.",
    )


class CustomerPatchIn(Schema):
    """Only the fields sent change; null clears organization_id and churned_at."""

    name: str | None = Field(None, max_length=200)
    tier: Tier | None = None
    lifecycle_stage: LifecycleStage | None = None
    organization_id: BodyId | None = None
    churned_at: Timestamp | None = None


class OrganizationCreateIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    domains: list[Domain] = Field(default_factory=list, max_length=50)
    tier: Tier = Tier.STANDARD
    account_owner_id: BodyId | None = None
    shares_conversations: StrictBool = False


class OrganizationPatchIn(Schema):
    """Only the fields sent change; ``domains`` replaces the whole list."""

    name: str | None = Field(None, min_length=1, max_length=200)
    domains: list[Domain] | None = Field(None, max_length=50)
    tier: Tier | None = None
    account_owner_id: BodyId | None = None
    shares_conversations: StrictBool | None = None


class RecordIn(Schema):
    kind: str = Field("order", max_length=32)
    reference: str = Field("", max_length=200)
    status: str = Field("", max_length=50)
    amount: Money | None = None
    currency: str = Field("", pattern=r"^([A-Za-z]{3})?$")
    occurred_at: Timestamp | None = None
    data: dict[str, Any] = Field(default_factory=dict)
