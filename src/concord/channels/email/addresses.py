"""Signed reply addresses and subject tags that thread a reply to its conversation.

``support+r123-5f2c9a1b0e@example.com`` and ``[#123-5f2c9a]`` both name
conversation 123 with an HMAC of its id, so a number alone cannot be guessed
into someone else's conversation. The signature only proves the token came
from Concord; whether the sender may write to that conversation is still
checked against who they are (see ``matching``).
"""

from __future__ import annotations

import hmac
import re

from django.utils.crypto import salted_hmac

from concord.common.errors import ValidationFailed
from concord.customers.models import IdentityKind
from concord.customers.services import normalize_identity

_SALT = "concord.channels.email.reply"
_ADDRESS_TOKEN = re.compile(r"^r(\d{1,18})-([0-9a-f]{10})$")
_SUBJECT_TAG = re.compile(r"\[#(\d{1,18})-([0-9a-f]{6})\]")


def _signature(conversation_id: int, length: int) -> str:
    return salted_hmac(_SALT, str(conversation_id), algorithm="sha256").hexdigest()[:length]


def split_address(address: str) -> tuple[str, str, str]:
    """(local part without +tag, tag, domain), all lower-cased."""
    local, _, domain = address.strip().lower().rpartition("@")
    base, _, tag = local.partition("+")
    return base, tag, domain


def reply_address(*, mailbox_address: str, conversation_id: int) -> str:
    base, _, domain = split_address(mailbox_address)
    return f"{base}+r{conversation_id}-{_signature(conversation_id, 10)}@{domain}"


def conversation_from_address(address: str) -> int | None:
    """The conversation a signed reply address names, or None if unsigned or forged."""
    _, tag, _ = split_address(address)
    found = _ADDRESS_TOKEN.match(tag)
    if found is None:
        return None
    conversation_id = int(found.group(1))
    if not hmac.compare_digest(found.group(2), _signature(conversation_id, 10)):
        return None
    return conversation_id


def subject_tag(*, conversation_id: int) -> str:
    return f"[#{conversation_id}-{_signature(conversation_id, 6)}]"


def conversation_from_subject(subject: str) -> int | None:
    """The conversation a correctly signed subject tag names, or None."""
    for found in _SUBJECT_TAG.finditer(subject):
        conversation_id = int(found.group(1))
        if hmac.compare_digest(found.group(2), _signature(conversation_id, 6)):
            return conversation_id
    return None


def strip_subject_tag(subject: str) -> str:
    return " ".join(_SUBJECT_TAG.sub(" ", subject).split())


# A local part that needs no quotes (RFC 5322 dot-atom).
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")


def usable_address(written: str) -> str:
    """An address as a sender wrote it, normalised to one Concord records customers by.

    A trailing dot after the domain goes, an IDN domain is written in IDNA
    (``bücher.example`` → ``xn--bcher-kva.example``), quotes around a local
    part that needs none go (``"john"@x`` → ``john@x``; ``"john doe"@x`` keeps
    them, its space written as the quoted pair ``"john\\ doe"@x``). Returns ""
    for what still is not an address the customers service accepts
    (``user@intranet``).
    """
    value = " ".join(written.split()).strip("<> ")
    local, at, domain = value.rpartition("@")
    if not at or not local or not domain:
        return ""
    if len(local) > 2 and local.startswith('"') and local.endswith('"'):
        inner = local[1:-1]
        if _DOT_ATOM.fullmatch(inner):
            local = inner
        elif "\\" not in inner:
            # A space is written as a quoted pair, the form the validator reads
            # (RFC 5321 allows both; it is the same mailbox).
            local = '"' + inner.replace(" ", "\\ ") + '"'
    domain = domain.strip().rstrip(".").lower()
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return ""
    try:
        return normalize_identity(kind=IdentityKind.EMAIL, value=f"{local}@{domain}")
    except ValidationFailed:
        return ""


# Consults to outside addresses thread back by a tag of their own: a letter
# and a salt no conversation address shares, so neither can be read as the other.
_CONSULT_SALT = "concord.channels.email.consult"
_CONSULT_TOKEN = re.compile(r"^k(\d{1,18})-([0-9a-f]{16})$")


def _consult_signature(consult_id: int) -> str:
    return salted_hmac(_CONSULT_SALT, str(consult_id), algorithm="sha256").hexdigest()[:16]


def consult_address(*, mailbox_address: str, consult_id: int) -> str:
    """``support+k7-<hmac>@example.com``: where a supplier's answer to consult 7 goes."""
    base, _, domain = split_address(mailbox_address)
    return f"{base}+k{consult_id}-{_consult_signature(consult_id)}@{domain}"


def consult_from_address(address: str) -> int | None:
    """The consult a signed consult address names, or None if unsigned or forged."""
    _, tag, _ = split_address(address)
    found = _CONSULT_TOKEN.match(tag)
    if found is None:
        return None
    consult_id = int(found.group(1))
    if not hmac.compare_digest(found.group(2), _consult_signature(consult_id)):
        return None
    return consult_id
