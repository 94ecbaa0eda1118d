"""Names, companies and products the demo data is made of.

Every domain ends in ``.example`` or is an ``example.*`` domain and every phone
number sits in a range reserved for fiction, so demo data can never reach a
real person if someone wires up outbound email or SMS.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Staff:
    username: str
    first_name: str
    last_name: str
    role: str  # accounts.models.Role value
    teams: tuple[str, ...]
    # Only a few demo logins get a password: hashing one costs ~0.3 s.
    login: bool = False


STAFF: tuple[Staff, ...] = (
    Staff("sofia.martin", "Sofia", "Martin", "supervisor", ("Support",), login=True),
    Staff("liam.chen", "Liam", "Chen", "agent", ("Support",), login=True),
    Staff("amara.okafor", "Amara", "Okafor", "agent", ("Support",)),
    Staff("jonas.weber", "Jonas", "Weber", "agent", ("Support",)),
    Staff("priya.nair", "Priya", "Nair", "agent", ("Support",)),
    Staff("mateo.garcia", "Mateo", "Garcia", "agent", ("Support", "Logistics")),
    Staff("hannah.kim", "Hannah", "Kim", "agent", ("Billing",)),
    Staff("omar.haddad", "Omar", "Haddad", "agent", ("Billing",)),
    Staff("elena.rossi", "Elena", "Rossi", "agent", ("Engineering",)),
    Staff("tom.becker", "Tom", "Becker", "agent", ("Logistics",)),
    Staff("yuki.tanaka", "Yuki", "Tanaka", "collaborator", ("Engineering",)),
)

# (name, kind, description)
TEAMS: tuple[tuple[str, str, str], ...] = (
    ("Support", "service", "First line for every channel; owns each request to its end."),
    ("Billing", "department", "Invoices, refunds, payment failures and plan changes."),
    ("Engineering", "department", "Bugs, outages and integration problems."),
    ("Logistics", "department", "Warehouse, carriers, returns and replacements."),
)

# (name, domain, tier)
ORGANIZATIONS: tuple[tuple[str, str, str], ...] = (
    ("Northwind Traders", "northwind.example", "vip"),
    ("Globex Corporation", "globex.example", "vip"),
    ("Initech", "initech.example", "premium"),
    ("Umbrella Health", "umbrella-health.example", "premium"),
    ("Stark Logistics", "starklogistics.example", "premium"),
    ("Hooli Labs", "hooli.example", "standard"),
    ("Vandelay Industries", "vandelay.example", "standard"),
    ("Wayne Outdoor", "wayne-outdoor.example", "standard"),
    ("Acme Supplies", "acme-supplies.example", "standard"),
    ("Blue Harbor Cafe", "blueharbor.example", "standard"),
    ("Pied Piper", "piedpiper.example", "premium"),
    ("Soylent Foods", "soylent.example", "standard"),
    ("Cyberdyne Systems", "cyberdyne.example", "vip"),
    ("Tyrell Studio", "tyrell.example", "standard"),
    ("Oceanic Travel", "oceanic.example", "standard"),
)

CONSUMER_DOMAINS = ("example.com", "example.net", "example.org", "mail.example")

# North American numbers 555-0100..0199 are reserved for fiction, in any area code.
AREA_CODES = ("202", "212", "305", "312", "415", "503", "617", "702", "808", "917")

FIRST_NAMES = (
    "Olivia", "Noah", "Emma", "Lucas", "Ava", "Ethan", "Mia", "Leo", "Isla", "Arjun",
    "Chloe", "Daniel", "Zoe", "Samuel", "Nora", "Felix", "Layla", "Hugo", "Aisha", "Max",
    "Grace", "Ravi", "Lena", "Oscar", "Maya", "Jamal", "Clara", "Diego", "Freya", "Kenji",
    "Ines", "Tariq", "Sara", "Viktor", "Naomi", "Pablo", "Ruth", "Milan", "Eva", "Kofi",
)  # fmt: skip

LAST_NAMES = (
    "Smith", "Johnson", "Brown", "Garcia", "Miller", "Davis", "Lopez", "Wilson", "Moore",
    "Taylor", "Anderson", "Thomas", "Jackson", "White", "Harris", "Clark", "Lewis", "Walker",
    "Young", "Allen", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill",
    "Campbell", "Mitchell", "Patel", "Novak", "Schmidt", "Dubois", "Silva", "Ito", "Costa",
)  # fmt: skip

PRODUCTS = (
    "Aero Standing Desk",
    "Nimbus Noise-Cancelling Headphones",
    "Terra Coffee Grinder",
    "Pulse Fitness Watch",
    "Lumen Desk Lamp",
    "Atlas Travel Backpack",
    "Vela Ergonomic Chair",
    "Orbit Smart Speaker",
    "Cirrus Air Purifier",
    "Forge Cast-Iron Skillet",
)

PLANS = ("Starter", "Team", "Business", "Enterprise")
