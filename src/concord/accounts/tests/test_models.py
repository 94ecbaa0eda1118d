from __future__ import annotations

import pytest

from concord.accounts.models import STAFF_ROLES, Role, User


@pytest.mark.parametrize(
    ("role", "staff", "sees_all"),
    [
        (Role.ADMIN, True, True),
        (Role.SUPERVISOR, True, True),
        (Role.AGENT, True, False),
        (Role.COLLABORATOR, True, False),
        (Role.CUSTOMER, False, False),
    ],
)
def test_role_properties(role: Role, staff: bool, sees_all: bool) -> None:
    user = User(username="x", role=role)

    assert user.is_staff_member is staff
    assert user.sees_all_conversations is sees_all


def test_every_role_but_customer_is_staff() -> None:
    assert set(Role) - STAFF_ROLES == {Role.CUSTOMER}


def test_user_str_prefers_the_full_name() -> None:
    assert str(User(username="ann")) == "ann"
    assert str(User(username="ann", first_name="Ann", last_name="Lee")) == "Ann Lee"
