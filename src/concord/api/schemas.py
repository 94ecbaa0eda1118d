"""Schemas shared by every app's router: the error body and small references."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    Field,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

# A row id as a client may send it: a database id is a positive 64-bit integer,
# and a larger number would overflow the driver rather than simply not match.
MAX_ID = 2**63 - 1


def _json_integer(value: Any) -> Any:
    # JSON Schema's integer is a number with no fraction (7 or 7.0); pydantic alone
    # would also take "7" and true.
    if isinstance(value, bool | str | bytes):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


# A whole number in a JSON body: 7 or 7.0, never "7", 7.5 or true. With bounds,
# write ``Annotated[int, Field(ge=…), JSON_INT]``: the bounds first, or an optional
# field's document loses them.
JSON_INT = BeforeValidator(_json_integer)
JsonInt = Annotated[int, JSON_INT]
# In a query string or a path (where every value is text, "7" is 7).
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# In a JSON body.
BodyId = Annotated[int, Field(ge=1, le=MAX_ID), JSON_INT]

# Times and days a client may send: ISO 8601 text (never a number, which
# pydantic would read as Unix time), within years the server can store and
# shift by a time zone or a period without leaving the calendar.
EARLIEST_YEAR = 1900
LATEST_YEAR = 2999
YEARS = r"(19[0-9]{2}|2[0-9]{3})"
_TIME = r"[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?"
_ZONE = r"([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)"


def _text_matching(pattern: re.Pattern[str], kind: type, what: str) -> Any:
    def check(value: Any) -> Any:
        if isinstance(value, kind):  # Python callers (tests, services) pass objects
            return value
        if not isinstance(value, str):
            raise ValueError(f"Input should be {what} as a string")
        if not pattern.fullmatch(value):
            raise ValueError(f"Input should be {what}")
        return value

    return BeforeValidator(check)


def moment_check(*, years: str = YEARS, first_year: int = EARLIEST_YEAR, aware: bool = True) -> Any:
    """The validator of an ISO 8601 date and time (with a UTC offset if ``aware``) in ``years``."""
    what = f"an ISO 8601 date and time from {first_year} to {LATEST_YEAR}" + (
        " with a time zone (2025-06-01T09:00:00Z)" if aware else ""
    )
    zone = _ZONE if aware else _ZONE + "?"
    pattern = re.compile(years + r"-[0-9]{2}-[0-9]{2}" + _TIME + zone)
    return _text_matching(pattern, datetime, what)


def moment_schema(*, years: str = YEARS, aware: bool = True) -> WithJsonSchema:
    schema: dict[str, Any] = {"type": "string", "pattern": "^" + years + "-"}
    if aware:
        schema["format"] = "date-time"
    return WithJsonSchema(schema, mode="validation")


# ISO 8601 with a UTC offset, e.g. 2025-06-01T09:00:00Z.
Timestamp = Annotated[AwareDatetime, moment_check(), moment_schema()]
# ISO 8601 day, e.g. 2025-06-01.
Day = Annotated[
    date,
    _text_matching(
        re.compile(YEARS + r"-[0-9]{2}-[0-9]{2}"),
        date,
        f"an ISO 8601 date from {EARLIEST_YEAR} to {LATEST_YEAR} (2025-06-01)",
    ),
    WithJsonSchema(
        {"type": "string", "format": "date", "pattern": "^" + YEARS + "-"}, mode="validation"
    ),
]


# At least one character that is not white space (what a service's strip() would leave).
NON_BLANK = r"[^\s\x1c-\x1f\ufeff]"
# A tag as the server stores it, or written with capitals and spaces ("VIP customer").
TAG_PATTERN = r"^[ \t]*[A-Za-z0-9][A-Za-z0-9_\-:. \t]{0,49}$"
# The one alternative pattern of a text that may carry an email address (Django's
# validate_email accepts more; this is what the API promises to accept).
EMAIL_PATTERN = (
    r"^[A-Za-z0-9_%+\-]+(\.[A-Za-z0-9_%+\-]+)*@"
    r"([A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
# 4 to 20 digits, a leading + (or 00), and single spaces, dots, dashes, slashes or
# brackets between digits: what the phone identities' normalisation accepts.
PHONE_PATTERN = r"^(\+?[1-9]|0[1-9]|00[0-9]{2})([ ().\-/]?[0-9]){3,18}$"
DOMAIN_PATTERN = r"^@?([A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"


def pattern_check(pattern: str, message: str) -> AfterValidator:
    """Refuse a text the pattern does not find, with ``message`` (``{value}``: the text).

    Pair it with ``Field(json_schema_extra={"pattern": pattern})``: the document
    states the pattern, and the client reads a sentence rather than a regex.
    """
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.search(value):
            raise PydanticCustomError("pattern_mismatch", message.format(value=repr(value)))
        return value

    return AfterValidator(check)


def _query_bool(value: Any) -> Any:
    # A query string says true or false; pydantic alone would also take 0, "yes", "on"...
    if isinstance(value, str) and value not in ("true", "false"):
        raise ValueError("Input should be true or false")
    return value


QueryBool = Annotated[bool, BeforeValidator(_query_bool)]


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


# What an identity's value must look like, by its kind; chat ids and social
# handles are anything that is not blank.
IDENTITY_PATTERNS: dict[str, str] = {"email": EMAIL_PATTERN, "phone": PHONE_PATTERN}
IDENTITY_NAMES = {"email": "an email address", "phone": "a phone number"}


def identity_value_check(kind: str, value: str) -> str:
    """Refuse a value that does not fit its kind, as the schema's ``anyOf`` says."""
    pattern = IDENTITY_PATTERNS.get(str(kind))
    if pattern is not None and not re.search(pattern, value):
        raise PydanticCustomError(
            "identity_value", f"{value!r} is not {IDENTITY_NAMES[str(kind)]}."
        )
    return value


def identity_json_schema(schema: dict[str, Any]) -> None:
    """The value's format depends on the kind: say so in the document."""
    schema["anyOf"] = [
        {
            "properties": {
                "kind": {"const": kind},
                "value": {"type": "string", "pattern": pattern},
            }
        }
        for kind, pattern in IDENTITY_PATTERNS.items()
    ] + [{"properties": {"kind": {"enum": ["chat", "social"]}}}]
