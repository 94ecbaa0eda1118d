"""Call records in the Django admin: listed and shown, never added or edited there."""

from __future__ import annotations

import pytest
from django.test import Client

from concord.channels.phone.tests.helpers import record

pytestmark = pytest.mark.django_db


def test_the_admin_lists_and_shows_calls_read_only(client_as_admin: Client) -> None:
    first = record()
    record(external_id=first.call.external_id, summary="Corrected.")
    listing = client_as_admin.get("/admin/phone/callrecord/")
    assert listing.status_code == 200
    assert first.call.external_id in listing.content.decode()
    page = client_as_admin.get(f"/admin/phone/callrecord/{first.call.pk}/change/")
    assert page.status_code == 200
    assert "Corrected." in page.content.decode()
    assert client_as_admin.get("/admin/phone/callrecord/add/").status_code == 403
    client_as_admin.post(
        f"/admin/phone/callrecord/{first.call.pk}/change/", {"summary": "Edited by hand"}
    )
    first.call.refresh_from_db()
    assert first.call.summary == "Corrected."
