"""The secret key: from the environment, else generated once and kept in the data directory.

Signed survey links, reply addresses and sessions are only as safe as this key.
A fixed key in the source would let anyone forge them, so a fresh installation
makes its own random key on first start and keeps it in ``<data dir>/secret_key``
(mode 0600). The old published development key is refused wherever it appears.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

# The key earlier versions shipped as a default. It is public, so it is refused.
KNOWN_PUBLIC_KEYS = frozenset({"concord-insecure-development-key-change-me"})
KEY_FILE_NAME = "secret_key"
MIN_LENGTH = 32


def check_secret_key(*, key: str, origin: str) -> str:
    """``key`` if it may sign anything; otherwise ImproperlyConfigured naming ``origin``."""
    if key in KNOWN_PUBLIC_KEYS:
        raise ImproperlyConfigured(
            f"{origin} holds Concord's published development key; anyone could forge "
            "signed links with it. Remove it to have a random key generated in the "
            "data directory, or set a long random value."
        )
    if len(key) < MIN_LENGTH:
        raise ImproperlyConfigured(
            f"{origin} is {len(key)} characters long; use at least {MIN_LENGTH} random characters."
        )
    return key


def secret_key_load_or_create(*, data_dir: Path) -> str:
    """The key stored in ``data_dir``, created on first call (safe when processes race)."""
    path = data_dir / KEY_FILE_NAME
    if not path.exists():
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
            _create(path)
        except OSError as error:
            raise ImproperlyConfigured(
                f"Cannot create the secret key file {path}: {error.strerror}. "
                "Set CONCORD_SECRET_KEY or make the data directory writable."
            ) from None
    try:
        key = path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise ImproperlyConfigured(
            f"Cannot read the secret key file {path}: {error.strerror}."
        ) from None
    return check_secret_key(key=key, origin=str(path))


def _create(path: Path) -> None:
    # Written whole to a private temporary file, then linked into place: a
    # process that starts at the same moment either finds no file or the full
    # key, never an empty one, and the first link wins.
    temporary = path.with_name(f".{KEY_FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(50) + "\n")
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def secret_key_from_environment_or_data_dir(*, data_dir: Path) -> str:
    """``CONCORD_SECRET_KEY`` when set (and acceptable), else the data directory's key."""
    raw = os.environ.get("CONCORD_SECRET_KEY")
    if raw is not None and raw.strip():
        return check_secret_key(key=raw.strip(), origin="CONCORD_SECRET_KEY")
    return secret_key_load_or_create(data_dir=data_dir)
