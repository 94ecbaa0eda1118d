"""The signed token in a survey link: it names the invitation and carries its expiry.

Signed with the secret key and a salt of its own, so a token made for any
other purpose (a portal sign-in link) is not a survey token. Changing a single
character breaks the signature; the expiry is inside the signed payload.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core import signing

SALT = "concord.surveys.invitation"


@dataclass(frozen=True)
class TokenData:
    invitation_id: int
    expires_at: int  # Unix time


def make_token(*, invitation_id: int, expires_at: datetime) -> str:
    return signing.dumps({"i": invitation_id, "x": int(expires_at.timestamp())}, salt=SALT)


def read_token(token: str) -> TokenData | None:
    """The token's contents, or None when it is forged, truncated or malformed."""
    if not token or len(token) > 500:
        return None
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    invitation_id, expires_at = data.get("i"), data.get("x")
    if type(invitation_id) is not int or type(expires_at) is not int:
        return None
    return TokenData(invitation_id=invitation_id, expires_at=expires_at)
