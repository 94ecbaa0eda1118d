"""The cast of the demo: staff and teams, organizations, customers and their orders."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from concord.accounts.models import Role, Team, TeamKind, User
from concord.accounts.selectors import user_get_by_username
from concord.accounts.services import (
    team_add_member,
    team_create,
    team_set_calendar,
    user_create,
)
from concord.calendars.services import calendar_create
from concord.customers.models import Customer, IdentityKind, Organization, Tier
from concord.customers.services import (
    customer_create,
    customer_update,
    external_record_upsert,
    organization_create,
)
from concord.demo import people

DEMO_ADMIN_USERNAME = "admin"
# Documented in the README and printed by `concord demo`; only demo data creates it.
DEMO_PASSWORD = "concord-demo"  # noqa: S105

_STAGES = (("awareness", 3), ("consideration", 7), ("purchase", 30), ("experience", 35))
_STAGES_LOYAL = (*_STAGES, ("loyalty", 25))


@dataclass
class Client:
    """A demo customer and what the conversations need to know about them."""

    customer: Customer
    first_name: str
    email: str
    phone: str | None
    chat_id: str | None
    social: str | None
    company: str | None
    orders: list[tuple[str, str, Decimal]] = field(default_factory=list)  # (ref, product, amount)
    churned_at: datetime | None = None

    @property
    def vip(self) -> bool:
        return self.customer.tier == Tier.VIP


@dataclass
class Cast:
    admin: User
    supervisor: User
    teams: dict[str, Team]
    members: dict[str, list[User]]  # team name -> users who can be assigned
    organizations: list[Organization]
    clients: list[Client]
    logins: list[tuple[str, str]]  # (username, role) of staff with the demo password
    order_count: int = 0


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([name for name, _ in pairs], weights=[w for _, w in pairs])[0]


def build_staff() -> tuple[
    User, User, dict[str, Team], dict[str, list[User]], list[tuple[str, str]]
]:
    teams = {
        name: team_create(name=name, kind=TeamKind(kind), description=description)
        for name, kind, description in people.TEAMS
    }
    support_hours = calendar_create(
        name="Support hours",
        # The zone the demo's agents work in (``timeline``), so SLA clocks agree with them.
        time_zone=timezone.get_default_timezone_name(),
        holiday_country="DE",
        intervals=[(weekday, time(8), time(18)) for weekday in range(5)],
    )
    for team in teams.values():
        if team.kind == TeamKind.SERVICE:
            team_set_calendar(team=team, calendar=support_hours)
    admin = user_get_by_username(username=DEMO_ADMIN_USERNAME)
    if admin is None:
        admin = user_create(
            username=DEMO_ADMIN_USERNAME,
            email="admin@concord.example",
            password=DEMO_PASSWORD,
            role=Role.ADMIN,
            first_name="Demo",
            last_name="Admin",
        )
    logins = [(admin.username, Role.ADMIN.value)]
    members: dict[str, list[User]] = {name: [] for name in teams}
    supervisor: User | None = None
    for staff in people.STAFF:
        user = user_create(
            username=staff.username,
            email=f"{staff.username}@concord.example",
            password=DEMO_PASSWORD if staff.login else None,
            role=Role(staff.role),
            first_name=staff.first_name,
            last_name=staff.last_name,
        )
        if staff.login:
            logins.append((user.username, staff.role))
        if staff.role == Role.SUPERVISOR and supervisor is None:
            supervisor = user
        for team_name in staff.teams:
            team_add_member(team=teams[team_name], user=user)
            if staff.role != Role.COLLABORATOR:
                members[team_name].append(user)
    if supervisor is None:
        raise ValueError("people.STAFF must name a supervisor")
    return admin, supervisor, teams, members, logins


def build_organizations(rng: random.Random, owners: list[User]) -> list[Organization]:
    orgs = []
    for index, (name, domain, tier) in enumerate(people.ORGANIZATIONS):
        orgs.append(
            organization_create(
                name=name,
                domains=[domain],
                tier=tier,
                # Key accounts belong to the supervisor; the rest rotate through agents.
                account_owner=owners[0]
                if tier == Tier.VIP
                else owners[1 + index % (len(owners) - 1)],
                shares_conversations=rng.random() < 0.3,
            )
        )
    return orgs


class _Unique:
    """Hands out identity values no other demo customer has."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def take(self, candidates: list[str]) -> str:
        for value in candidates:
            if value not in self.seen:
                self.seen.add(value)
                return value
        base = candidates[0]
        n = 2
        while f"{n}{base}" in self.seen:
            n += 1
        self.seen.add(f"{n}{base}")
        return f"{n}{base}"


def build_clients(
    rng: random.Random, *, count: int, organizations: list[Organization], now: datetime
) -> tuple[list[Client], int]:
    unique = _Unique()
    phones = [f"+1 {a} 555 01{n:02d}" for a in people.AREA_CODES for n in range(100)]
    phones += [f"+44 7700 900{n:03d}" for n in range(1000)]  # Ofcom's range for drama
    rng.shuffle(phones)
    clients: list[Client] = []
    orders = 0
    for index in range(count):
        first, last = rng.choice(people.FIRST_NAMES), rng.choice(people.LAST_NAMES)
        org = rng.choice(organizations) if rng.random() < 0.45 else None
        domain = org.domains.all()[0].domain if org else rng.choice(people.CONSUMER_DOMAINS)
        local = f"{first}.{last}".lower()
        email = unique.take([f"{local}@{domain}", f"{local}{rng.randint(1, 99)}@{domain}"])
        identities = [(IdentityKind.EMAIL.value, email)]
        if rng.random() < 0.12:  # a second, private address
            other = rng.choice(people.CONSUMER_DOMAINS)
            identities.append(
                (IdentityKind.EMAIL.value, unique.take([f"{first[0]}{last}@{other}".lower()]))
            )
        phone = phones[index] if index < len(phones) and rng.random() < 0.8 else None
        if phone:
            identities.append((IdentityKind.PHONE.value, phone))
        chat_id = f"visitor-{rng.getrandbits(48):012x}" if rng.random() < 0.25 else None
        if chat_id:
            identities.append((IdentityKind.CHAT.value, chat_id))
        social = (
            unique.take([f"@{first}_{last}{rng.randint(1, 999)}".lower()])
            if rng.random() < 0.2
            else None
        )
        if social:
            identities.append((IdentityKind.SOCIAL.value, social))
        if org is not None and org.tier != Tier.STANDARD:
            tier = org.tier
        else:
            tier = rng.choices([Tier.STANDARD, Tier.PREMIUM, Tier.VIP], weights=[89, 8, 3])[0]
        stage = _weighted(rng, _STAGES_LOYAL if index % 3 else _STAGES)
        # Known before the 90 days of conversations begin, so every story fits after it.
        # (Spread by index, not drawn from rng, so the rest of the story stays as seeded.)
        known_since = now - timedelta(days=95 + (index * 7919) % 625)
        customer = customer_create(
            name=f"{first} {last}",
            identities=identities,
            tier=tier,
            lifecycle_stage=stage,
            at=known_since,
        )
        client = Client(
            customer=customer,
            first_name=first,
            email=email,
            phone=phone,
            chat_id=chat_id,
            social=social,
            company=customer.organization.name if customer.organization else None,
        )
        if stage not in ("awareness", "consideration"):
            orders += _add_orders(rng, client, now=now, first_number=10_000 + orders)
        if rng.random() < 0.06:
            client.churned_at = now - timedelta(days=rng.uniform(2, 80))
            customer_update(customer=customer, churned_at=client.churned_at)
        clients.append(client)
    return clients, orders


def _add_orders(rng: random.Random, client: Client, *, now: datetime, first_number: int) -> int:
    count = rng.choices([1, 2, 3, 4, 6], weights=[35, 30, 18, 10, 7])[0]
    for n in range(count):
        ordered = now - timedelta(days=rng.uniform(1, 200), minutes=rng.randint(0, 1440))
        age = (now - ordered).days
        if age < 3:
            status = rng.choice(["paid", "processing"])
        elif age < 8:
            status = rng.choice(["shipped", "shipped", "delivered"])
        else:
            status = rng.choices(["delivered", "refunded", "cancelled"], weights=[88, 8, 4])[0]
        product = rng.choice(people.PRODUCTS)
        quantity = rng.choices([1, 2, 3], weights=[80, 15, 5])[0]
        amount = (Decimal(rng.randint(1_900, 64_900)) / 100 * quantity).quantize(Decimal("0.01"))
        number = first_number + n
        external_record_upsert(
            customer=client.customer,
            source="shop",
            external_id=str(number),
            kind="order",
            reference=f"#{number}",
            status=status,
            amount=amount,
            currency="USD",
            occurred_at=ordered,
            data={"items": [{"product": product, "quantity": quantity}]},
        )
        client.orders.append((f"#{number}", product, amount))
    return count
