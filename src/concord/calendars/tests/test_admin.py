"""The calendar admin: hours and closed dates inline, bad zones and regions refused."""

from __future__ import annotations

import pytest
from django.test import Client

from concord.calendars.models import Calendar

pytestmark = pytest.mark.django_db

URL = "/admin/calendars/calendar/add/"


def form(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Support hours",
        "time_zone": "Europe/Berlin",
        "holiday_country": "DE",
        "holiday_subdivision": "BY",
        "intervals-TOTAL_FORMS": "2",
        "intervals-INITIAL_FORMS": "0",
        "intervals-0-weekday": "0",
        "intervals-0-start": "08:00",
        "intervals-0-end": "18:00",
        "intervals-1-weekday": "4",
        "intervals-1-start": "20:00",
        "intervals-1-end": "00:00",
        "closed_dates-TOTAL_FORMS": "1",
        "closed_dates-INITIAL_FORMS": "0",
        "closed_dates-0-date": "2026-12-31",
        "closed_dates-0-label": "Inventory",
    }
    data.update(overrides)
    return data


def test_an_admin_defines_a_calendar_with_hours_and_closed_dates(client_as_admin: Client) -> None:
    response = client_as_admin.post(URL, form())

    assert response.status_code == 302, response.content.decode()[:2000]
    calendar = Calendar.objects.get()
    hours = [str(interval) for interval in calendar.intervals.all()]
    assert hours == ["Monday 08:00-18:00", "Friday 20:00-24:00"]
    assert calendar.closed_dates.get().label == "Inventory"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"time_zone": "Europe/Atlantis"}, "is not an IANA time zone"),
        ({"holiday_country": "ZZ"}, "No public holidays are known"),
        ({"holiday_subdivision": "XX"}, "is not a subdivision of DE"),
        ({"intervals-0-end": "07:00"}, "must end after it starts"),
        (
            {"intervals-1-weekday": "0", "intervals-1-start": "17:00"},
            "intervals of one day overlap",
        ),
    ],
)
def test_it_refuses_bad_fields(
    client_as_admin: Client, overrides: dict[str, str], message: str
) -> None:
    response = client_as_admin.post(URL, form(**overrides))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Calendar.objects.exists()
