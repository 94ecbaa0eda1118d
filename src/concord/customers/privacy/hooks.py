"""Other apps' parts of a customer's privacy export and erasure.

The core must not import the channels, yet an export must include the emails
and calls held about the customer and an erasure must remove them in the same
transaction. So each app that stores something about a customer registers a
contributor (in its ``AppConfig.ready()``); ``customer_export_data`` adds each
contributor's section under its name and ``customer_erase`` calls each one's
``erase`` inside its transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from concord.customers.models import Customer


@dataclass(frozen=True)
class PrivacyErased:
    """What one contributor erased: how many rows, and the files to delete after commit."""

    count: int = 0
    files: list[str] = field(default_factory=list)


class PrivacyExport(Protocol):
    def __call__(self, *, customer: Customer, conversation_ids: Iterable[int]) -> Any: ...


class PrivacyErase(Protocol):
    def __call__(self, *, customer: Customer, conversation_ids: Iterable[int]) -> PrivacyErased: ...


@dataclass(frozen=True)
class PrivacyContributor:
    """``name`` is the export's key; ``counted_as`` the erasure summary's count it adds to.

    ``export`` returns a JSON-able section; ``erase`` runs inside the erasure's
    transaction and returns the storage names of files to delete once it commits
    (only names under the prefixes erasure is allowed to delete are deleted).
    ``conversation_ids`` are the customer's conversations (a subquery when erasing).
    """

    name: str
    counted_as: str
    export: PrivacyExport
    erase: PrivacyErase


_contributors: dict[str, PrivacyContributor] = {}


def privacy_contributor_register(contributor: PrivacyContributor) -> None:
    """Register (or replace, by name) a contributor; safe to call again from ``ready()``."""
    _contributors[contributor.name] = contributor


def privacy_contributors() -> list[PrivacyContributor]:
    return list(_contributors.values())
