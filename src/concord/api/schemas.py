"""Schemas shared by every app's router: the error body and small references."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

# A row id as a client may send it: a database id is a positive 64-bit integer,
# and a larger number would overflow the driver rather than simply not match.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class Out(BaseModel):
    """A response body.

    Routers build responses as plain dicts, so these are plain pydantic models:
    ninja's ``Schema`` would also run its attribute-resolving validator on every
    nested object, a measurable share of a 100-row list request.
    """


class ErrorField(Out):
    field: str
    message: str


class ErrorDetail(Out):
    code: str
    message: str
    fields: list[ErrorField]


class ErrorOut(Out):
    """The one error body every endpoint returns, whatever went wrong."""

    error: ErrorDetail


class UserRef(Out):
    id: int
    username: str


class TeamRef(Out):
    id: int
    name: str


class CustomerRef(Out):
    id: int
    name: str


class OrganizationRef(Out):
    id: int
    name: str


# The error responses an operation may give, for the OpenAPI document.
READ_ERRORS: dict[int, type[Out]] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS: dict[int, type[Out]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
}
