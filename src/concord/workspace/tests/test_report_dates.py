"""Reports with dates at the ends of the calendar: a named form error, never a 500."""

from __future__ import annotations

import pytest
from django.test import Client

from concord.accounts.models import User

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("query", "message"),
    [
        # Each of these answered 500 (OverflowError) before.
        ("start=0001-01-01&end=0001-01-05", b"The start date cannot be before 01 Jan 1970."),
        ("start=1969-12-25&end=1970-01-05", b"The start date cannot be before 01 Jan 1970."),
        ("start=9999-12-01&end=9999-12-31", b"The end date cannot be after 31 Dec 2999."),
    ],
)
def test_dates_out_of_range_are_named_on_the_page_and_the_export(
    admin_user: User, query: str, message: bytes
) -> None:
    client = _client(admin_user)
    page = client.get(f"/app/reports/?period=custom&{query}")
    assert page.status_code == 200
    assert message in page.content
    assert b'data-metric="frt"' not in page.content
    export = client.get(f"/app/reports/export/figures.csv?period=custom&{query}")
    assert export.status_code < 500


def test_the_first_day_that_can_be_reported(admin_user: User) -> None:
    page = _client(admin_user).get("/app/reports/?period=custom&start=1970-01-01&end=1970-01-07")
    assert page.status_code == 200
    assert b"cannot be before" not in page.content
