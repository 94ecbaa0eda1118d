"""The audit log: who changed which configuration, before and after, secrets masked."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Permission
from django.test import Client

from concord.accounts.models import Role, Team, User
from concord.audit.masking import MASK
from concord.channels.email.services.mailboxes import mailbox_create
from concord.common.testing import factories
from concord.goals.tests.helpers import make_goal
from concord.sla.services import sla_policy_create
from concord.webhooks.models import Webhook
from concord.webhooks.services import webhook_create, webhook_rotate_secret

pytestmark = pytest.mark.django_db
ApiClient = Callable[[User], Client]


def entries_for(obj: object) -> list[LogEntry]:
    return list(LogEntry.objects.get_for_object(obj).order_by("timestamp", "pk"))


def test_an_sla_change_in_the_admin_records_the_actor_and_both_values(
    client_as_admin: Client,
) -> None:
    policy = sla_policy_create(name="Standard", position=1, first_response_seconds=3600)
    root = User.objects.get(username="root")

    response = client_as_admin.post(
        f"/admin/sla/slapolicy/{policy.pk}/change/",
        {
            "name": "Standard",
            "position": "1",
            "is_active": "on",
            "first_response_seconds": "30m",
            "warn_before_seconds": "0",
            "business_hours": "on",
            "pause_on_pending": "on",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    update = entries_for(policy)[-1]
    assert update.action == LogEntry.Action.UPDATE
    assert update.actor == root
    assert update.changes_dict["first_response_seconds"] == ["3600", "1800"]


def test_the_admin_shows_the_change_to_an_admin(client_as_admin: Client) -> None:
    policy = sla_policy_create(name="Standard", position=1, first_response_seconds=3600)
    page = client_as_admin.get("/admin/auditlog/logentry/").content.decode()
    assert "Standard" in page
    entry = entries_for(policy)[0]
    detail = client_as_admin.get(f"/admin/auditlog/logentry/{entry.pk}/change/")
    assert detail.status_code == 200
    # The service's create (no request, so no actor) shows each field's value.
    assert "first response" in detail.content.decode().lower()
    assert "3600" in detail.content.decode()


def test_the_log_cannot_be_edited_or_deleted_even_by_a_superuser(
    client_as_admin: Client,
) -> None:
    policy = sla_policy_create(name="Standard", position=1, first_response_seconds=3600)
    entry = entries_for(policy)[0]
    assert client_as_admin.get("/admin/auditlog/logentry/add/").status_code == 403
    assert client_as_admin.get(f"/admin/auditlog/logentry/{entry.pk}/delete/").status_code == 403
    client_as_admin.post(f"/admin/auditlog/logentry/{entry.pk}/change/", {"action": "2"})
    entry.refresh_from_db()
    assert entry.action == LogEntry.Action.CREATE


def test_a_webhook_secret_is_masked(client_as_admin: Client) -> None:
    webhook = webhook_create(name="CRM", url="https://crm.example.com/hook")
    old_secret = webhook.secret
    webhook_rotate_secret(webhook=webhook)

    created, rotated = entries_for(webhook)
    assert created.changes_dict["secret"] == ["None", MASK]
    assert rotated.changes_dict["secret"] == [MASK, MASK]
    stored = json.dumps([created.changes, rotated.changes])
    for secret in (old_secret, webhook.secret):
        assert secret not in stored
        assert secret[len(secret) // 2 :] not in stored
    page = client_as_admin.get(f"/admin/auditlog/logentry/{rotated.pk}/change/").content.decode()
    assert webhook.secret[len(webhook.secret) // 2 :] not in page


def test_a_mailbox_password_is_masked_and_its_poll_times_are_not_logged() -> None:
    mailbox = mailbox_create(
        name="Support",
        address="support@example.com",
        imap_host="imap.example.com",
        imap_username="support",
        imap_password="hunter2-imap",
    )
    (created,) = entries_for(mailbox)
    assert created.changes_dict["imap_password"] == ["None", MASK]
    assert "hunter2" not in json.dumps(created.changes)

    mailbox.imap_last_error = "timed out"
    mailbox.save(update_fields=["imap_last_error"])
    assert len(entries_for(mailbox)) == 1


def test_an_api_change_is_logged_with_the_token_owner(
    admin_user: User, support: Team, api_client: ApiClient, settings: object
) -> None:
    goal = make_goal(actor=admin_user, owners=[support])
    response = api_client(admin_user).patch(
        f"/api/v1/goals/{goal.pk}", json.dumps({"threshold": 90}), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    update = entries_for(goal)[-1]
    assert update.actor == admin_user
    assert update.changes_dict["threshold"] == ["80.0", "90.0"]


def test_a_role_change_is_logged_but_portal_logins_are_not(client_as_admin: Client) -> None:
    staff = factories.UserFactory.create(username="sam2", role=Role.AGENT)
    staff.role = Role.SUPERVISOR
    staff.save()
    assert entries_for(staff)[-1].changes_dict["role"] == ["agent", "supervisor"]

    portal = factories.UserFactory.create(username="ann@example.net", role=Role.CUSTOMER)
    portal.first_name = "Ann"
    portal.save()
    portal.delete()
    assert not LogEntry.objects.filter(object_repr__contains="ann@example.net").exists()


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.AGENT])
def test_staff_who_are_not_admins_cannot_read_the_log(role: str) -> None:
    policy = sla_policy_create(name="Standard", position=1, first_response_seconds=3600)
    entry = entries_for(policy)[0]
    # Even with admin-site access and Django's view permission granted by mistake.
    user = factories.UserFactory.create(username=f"{role}-x", role=role, is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="view_logentry", content_type__app_label="auditlog")
    )
    client = Client()
    client.force_login(user)

    assert client.get("/admin/auditlog/logentry/").status_code == 403
    assert client.get(f"/admin/auditlog/logentry/{entry.pk}/change/").status_code == 403
    assert "auditlog" not in client.get("/admin/").content.decode()


def test_a_deleted_webhook_keeps_its_history(client_as_admin: Client) -> None:
    webhook = webhook_create(name="CRM", url="https://crm.example.com/hook")
    pk = webhook.pk
    response = client_as_admin.post(f"/admin/webhooks/webhook/{pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Webhook.objects.filter(pk=pk).exists()
    deleted = LogEntry.objects.filter(object_pk=str(pk), action=LogEntry.Action.DELETE).get()
    assert deleted.actor == User.objects.get(username="root")


def test_a_workspace_change_is_logged_with_the_signed_in_user(
    admin_user: User, supervisor: User, support: Team
) -> None:
    support.members.add(supervisor)
    goal = make_goal(actor=admin_user, owners=[support])
    client = Client()
    client.force_login(supervisor)

    response = client.post(f"/app/reports/goals/{goal.pk}/archive/")

    assert response.status_code == 302
    update = entries_for(goal)[-1]
    assert update.actor == supervisor
    assert update.changes_dict["archived"] == ["False", "True"]


def test_a_change_outside_a_request_has_no_actor(admin_user: User, support: Team) -> None:
    # Commands and background work change configuration too; they are no one.
    goal = make_goal(actor=admin_user, owners=[support])
    entries = entries_for(goal)  # the row, then its owners
    assert entries[0].action == LogEntry.Action.CREATE
    assert [entry.actor for entry in entries] == [None] * len(entries)
