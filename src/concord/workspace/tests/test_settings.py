"""Service-level settings in the workspace: who may see them, the week grid, durations, preview."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from django.test import Client
from django.utils import timezone

from concord.accounts.models import Team, User
from concord.calendars.models import END_OF_DAY, Calendar
from concord.calendars.services import calendar_create
from concord.sla.models import SlaPolicy
from concord.sla.services import sla_policy_create

pytestmark = pytest.mark.django_db


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _grid(**hours: str) -> dict[str, str]:
    """Posted grid fields: ``d0_0="08:00-12:00"`` (Monday, first interval) or ``d5="24h"``."""
    data: dict[str, str] = {}
    for key, value in hours.items():
        if value == "24h":
            data[f"{key}_all"] = "on"
            continue
        start, end = value.split("-")
        data[f"{key}_from"], data[f"{key}_to"] = start, end
    return data


def _calendar_post(**extra: str) -> dict[str, str]:
    return {
        "name": "Munich",
        "time_zone": "Europe/Berlin",
        "holiday_country": "DE",
        "holiday_subdivision": "BY",
        "action": "save",
        **extra,
    }


def test_only_admins_and_supervisors_have_settings(
    supervisor: User, agent: User, collaborator: User, admin_user: User
) -> None:
    for user in (agent, collaborator):
        client = _signed_in(user)
        assert client.get("/app/settings/").status_code == 404
        assert client.get("/app/settings/sla/preview/").status_code == 404
        assert "Settings</a>" not in client.get("/app/").content.decode()
    for user in (supervisor, admin_user):
        client = _signed_in(user)
        assert client.get("/app/settings/").status_code == 200
        assert "Settings</a>" in client.get("/app/").content.decode()


def test_a_supervisor_creates_a_split_shift_calendar_in_a_week_grid(supervisor: User) -> None:
    client = _signed_in(supervisor)
    page = client.get("/app/settings/calendars/new/").content.decode()
    assert 'list="zone-names"' in page
    assert '<option value="Europe/Berlin">' in page
    assert '<option value="DE"' in page

    response = client.post(
        "/app/settings/calendars/new/",
        _calendar_post(**_grid(d0_0="08:00-12:00", d0_1="13:00-17:00", d5="24h")),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    calendar = Calendar.objects.get(name="Munich")
    assert (calendar.holiday_country, calendar.holiday_subdivision) == ("DE", "BY")
    assert [
        (i.weekday, i.start, i.end) for i in calendar.intervals.order_by("weekday", "start")
    ] == [
        (0, time(8), time(12)),
        (0, time(13), time(17)),
        (5, time(0), END_OF_DAY),
    ]
    edit = client.get(response["Location"]).content.decode()
    # Each day offers one more empty pair, so a third interval needs no extra step.
    assert 'name="d0_2_from"' in edit
    assert 'name="d5_all" id="id_d5_all" checked' in edit


def test_copy_monday_fills_the_weekdays_without_saving(supervisor: User) -> None:
    client = _signed_in(supervisor)
    data = _calendar_post(**_grid(d0_0="08:00-12:00", d0_1="13:00-17:00", d3_0="10:00-11:00"))
    data["action"] = "copy-monday"
    page = client.post("/app/settings/calendars/new/", data).content.decode()
    assert not Calendar.objects.exists()
    assert "copied to Tuesday to Friday" in page
    for weekday in range(1, 5):
        assert f'name="d{weekday}_1_to" value="17:00"' in page
    assert 'name="d3_0_from" value="08:00"' in page  # Thursday's own hours replaced
    assert 'name="d5_0_from" id="id_d5_0_from">' in page or 'name="d5_0_from"' in page


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ({"d1_0": "17:00-09:00"}, "Tuesday: 17:00-09:00 ends before it starts"),
        ({"d2_0": "09:00-13:00", "d2_1": "12:00-17:00"}, "Opening intervals of one day overlap"),
    ],
)
def test_bad_hours_are_refused_with_the_day_named(
    supervisor: User, hours: dict[str, str], message: str
) -> None:
    client = _signed_in(supervisor)
    response = client.post("/app/settings/calendars/new/", _calendar_post(**_grid(**hours)))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Calendar.objects.exists()


def test_24_hours_and_intervals_on_one_day_are_refused(supervisor: User) -> None:
    client = _signed_in(supervisor)
    data = _calendar_post(**_grid(d2="24h", d2_0="09:00-17:00"))
    page = client.post("/app/settings/calendars/new/", data).content.decode()
    assert "Wednesday: untick 24 h, or clear the intervals (not both)." in page
    assert not Calendar.objects.exists()


def test_a_half_given_interval_and_a_bad_zone_are_refused(supervisor: User) -> None:
    client = _signed_in(supervisor)
    data = _calendar_post(time_zone="Mars/Olympus", d4_0_from="09:00", d4_0_to="")
    page = client.post("/app/settings/calendars/new/", data).content.decode()
    assert "Friday: give both a start and an end." in page
    assert "&#x27;Mars/Olympus&#x27; is not an IANA time zone." in page
    assert not Calendar.objects.exists()


def test_a_region_must_belong_to_the_country(supervisor: User) -> None:
    client = _signed_in(supervisor)
    data = _calendar_post(holiday_country="FR", holiday_subdivision="BY")
    page = client.post("/app/settings/calendars/new/", data).content.decode()
    assert "Select a valid choice" in page
    regions = client.get("/app/settings/calendars/regions/?holiday_country=DE").content.decode()
    assert '<option value="BY">Bayern (BY)</option>' in regions


def test_the_holiday_preview_shows_what_bavaria_does_not_count(supervisor: User) -> None:
    calendar = calendar_create(
        name="Munich",
        time_zone="Europe/Berlin",
        holiday_country="DE",
        holiday_subdivision="BY",
        intervals=[(0, time(9), time(17))],
    )
    client = _signed_in(supervisor)
    page = client.get(f"/app/settings/calendars/{calendar.pk}/").content.decode()
    assert "Days off in the next 12 months" in page
    assert "Epiphany" in page  # a Bavarian public holiday, counted
    optional = page[page.index("Not counted: Catholic") :]
    assert "Assumption Day" in optional
    # One click closes it, as a closed date with its name.
    response = client.post(
        f"/app/settings/calendars/{calendar.pk}/closed/",
        {"date": f"{timezone.localdate().year + 1}-08-15", "label": "Assumption Day"},
    )
    assert response.status_code == 302
    assert calendar.closed_dates.get().label == "Assumption Day"
    # Twice is refused with a reason, not a crash.
    again = client.post(
        f"/app/settings/calendars/{calendar.pk}/closed/",
        {"date": f"{timezone.localdate().year + 1}-08-15", "label": "Assumption Day"},
        follow=True,
    )
    assert "is already closed" in again.content.decode()


def test_policies_are_written_as_durations(supervisor: User, support: Team) -> None:
    client = _signed_in(supervisor)
    response = client.post(
        "/app/settings/sla/new/",
        {
            "name": "Urgent",
            "position": "1",
            "is_active": "on",
            "priorities": ["urgent"],
            "teams": [str(support.pk)],
            "first_response_seconds": "4h",
            "resolution_seconds": "1d 2h",
            "warn_before_seconds": "30m",
            "business_hours": "on",
            "pause_on_pending": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    policy = SlaPolicy.objects.get()
    assert (policy.first_response_seconds, policy.resolution_seconds) == (14_400, 93_600)
    assert policy.warn_before_seconds == 1800
    assert policy.next_reply_seconds is None
    page = client.get(response["Location"]).content.decode()
    assert 'value="1d 2h"' in page
    # Business hours, no calendar anywhere: said plainly on the policy.
    assert "Round the clock for conversations of Support" in page


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("first_response_seconds", "3600", "has no unit"),
        ("first_response_seconds", "4 parsecs", "is not a unit"),
        ("warn_before_seconds", "5h", "must be shorter than the shortest target (4h)"),
    ],
)
def test_a_policy_form_refuses_what_it_cannot_read(
    supervisor: User, field: str, typed: str, message: str
) -> None:
    client = _signed_in(supervisor)
    data = {"name": "Urgent", "position": "0", "first_response_seconds": "4h", field: typed}
    response = client.post("/app/settings/sla/new/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SlaPolicy.objects.exists()


def test_editing_a_policy_keeps_what_was_not_shown_and_changes_the_rest(
    supervisor: User, support: Team
) -> None:
    policy = sla_policy_create(name="Standard", first_response_seconds=3600, teams=[support])
    client = _signed_in(supervisor)
    form = client.get(f"/app/settings/sla/{policy.pk}/").content.decode()
    assert 'value="1h"' in form
    response = client.post(
        f"/app/settings/sla/{policy.pk}/",
        {"name": "Standard", "position": "0", "is_active": "on", "first_response_seconds": "2h"},
    )
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.first_response_seconds == 7200
    assert list(policy.teams.all()) == []  # unticked: any team


def test_the_preview_names_the_policy_and_its_due_times(supervisor: User, support: Team) -> None:
    hours = calendar_create(
        name="Split shift",
        time_zone="Europe/Berlin",
        intervals=[(d, time(8), time(12)) for d in range(5)]
        + [(d, time(13), time(17)) for d in range(5)],
    )
    support.calendar = hours
    support.save(update_fields=["calendar"])
    sla_policy_create(
        name="VIP only", position=0, customer_tiers=["vip"], first_response_seconds=60
    )
    sla_policy_create(
        name="Urgent", position=1, priorities=["urgent"], first_response_seconds=4 * 3600
    )
    client = _signed_in(supervisor)
    # Friday 11:00 in Berlin (10:00 UTC): 1 h before lunch, 3 h after it, so due 16:00.
    page = client.get(
        "/app/settings/sla/preview/",
        {
            "moment": "2027-01-08T10:00",
            "priority": "urgent",
            "channel": "email",
            "team": str(support.pk),
        },
    ).content.decode()
    assert "Policy “<a" in page
    assert ">Urgent</a>” applies" in page
    assert "“VIP only” (customer tier is not vip)" in page
    assert "Business hours of the team&#x27;s calendar “Split shift” (Europe/Berlin)." in page
    assert datetime(2027, 1, 8, 15, 0, tzinfo=UTC).isoformat() in page
    assert "11:00\N{EN DASH}12:00" in page
    assert "13:00\N{EN DASH}16:00" in page


def test_the_preview_says_when_no_policy_applies(supervisor: User) -> None:
    client = _signed_in(supervisor)
    page = client.get(
        "/app/settings/sla/preview/", {"priority": "low", "channel": "chat"}
    ).content.decode()
    assert "No policy applies" in page


def test_settings_forms_need_the_csrf_token(supervisor: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(supervisor)
    assert client.post("/app/settings/sla/new/", {"name": "x"}).status_code == 403
    assert client.post("/app/settings/calendars/new/", _calendar_post()).status_code == 403


def test_a_calendar_page_sets_which_teams_work_by_it(
    supervisor: User, support: Team, billing: Team
) -> None:
    munich = calendar_create(name="Munich", time_zone="Europe/Berlin")
    other = calendar_create(name="New York", time_zone="America/New_York")
    billing.calendar = other
    billing.save(update_fields=["calendar"])
    client = _signed_in(supervisor)
    page = client.get(f"/app/settings/calendars/{munich.pk}/").content.decode()
    assert "Billing (now: New York)" in page

    client.post(f"/app/settings/calendars/{munich.pk}/teams/", {"teams": [str(support.pk)]})
    support.refresh_from_db()
    billing.refresh_from_db()
    assert support.calendar == munich
    assert billing.calendar == other  # not ticked, not on this calendar: left alone

    client.post(f"/app/settings/calendars/{munich.pk}/teams/", {"teams": [str(billing.pk)]})
    support.refresh_from_db()
    billing.refresh_from_db()
    assert support.calendar is None  # unticked: off this calendar
    assert billing.calendar == munich
