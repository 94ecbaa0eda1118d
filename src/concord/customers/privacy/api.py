"""API for privacy requests: export a customer's data as a zip, or erase it (admins only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import FileResponse, HttpRequest
from ninja import Router
from pydantic import BaseModel, ConfigDict

from concord.api.auth import current_user
from concord.api.schemas import ErrorOut, Id, Out, UserRef
from concord.common.errors import NotFound
from concord.customers.models import Customer
from concord.customers.privacy.access import customer_get_for_privacy
from concord.customers.privacy.erase import customer_erase
from concord.customers.privacy.export import customer_export

router = Router(tags=["privacy"])


class CustomerErasureIn(BaseModel):
    """The word ERASE, so that erasing is never an accident."""

    model_config = ConfigDict(extra="forbid")

    confirm: Literal["ERASE"]


class CustomerErasureOut(Out):
    customer_id: int
    erased_at: datetime
    erased_by: UserRef
    conversations: int
    messages: int
    attachments: int
    identities: int
    survey_comments: int
    calls: int
    emails: int
    records: int
    portal_login_deleted: bool


_ZIP = {
    "description": "A zip: customer.json (everything held about the customer) and "
    "attachments/<id>/<file name> for each of their files.",
    "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
}


def _customer(request: HttpRequest, customer_id: int) -> Customer:
    found = customer_get_for_privacy(user=current_user(request), customer_id=customer_id)
    if found is None:
        # Not an admin, or no such customer: the same answer.
        raise NotFound(f"Customer {customer_id} not found.")
    return found


@router.get(
    "/customers/{customer_id}/export",
    response={401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    openapi_extra={"responses": {"200": _ZIP}},
)
def export_customer(request: HttpRequest, customer_id: Id) -> FileResponse:
    """Everything Concord holds about one customer, as one zip (admins only)."""
    customer = _customer(request, customer_id)
    archive = customer_export(customer=customer, actor=current_user(request))
    response = FileResponse(
        archive.file, as_attachment=True, filename=archive.filename, content_type="application/zip"
    )
    response["Content-Length"] = str(archive.size)
    response["Cache-Control"] = "private, no-store"
    return response


@router.post(
    "/customers/{customer_id}/erase",
    response={
        200: CustomerErasureOut,
        400: ErrorOut,
        401: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
)
def erase_customer(
    request: HttpRequest, customer_id: Id, payload: CustomerErasureIn
) -> dict[str, Any]:
    """Erase the customer's personal data, keeping anonymous facts (admins only).

    409 if they were already erased. See docs/privacy.md for what is removed and kept.
    """
    actor = current_user(request)
    customer = _customer(request, customer_id)
    result = customer_erase(customer=customer, actor=actor)
    return {
        "customer_id": result.customer_id,
        "erased_at": result.erased_at,
        "erased_by": {"id": actor.pk, "username": actor.username},
        "conversations": result.conversations,
        "messages": result.messages,
        "attachments": result.attachments,
        "identities": result.identities,
        "survey_comments": result.survey_comments,
        "calls": result.calls,
        "emails": result.emails,
        "records": result.records,
        "portal_login_deleted": result.portal_login_deleted,
    }
