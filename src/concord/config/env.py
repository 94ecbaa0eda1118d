"""Typed readers for environment variables.

Each helper reads one variable with a type and a default. A variable marked
``required`` raises ``ImproperlyConfigured`` at start-up, not at the first request.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str, *, required: bool) -> str | None:
    value = os.environ.get(name)
    if value is None and required:
        raise ImproperlyConfigured(f"The environment variable {name} is required.")
    return value


def env_str(name: str, *, default: str = "", required: bool = False) -> str:
    value = _raw(name, required=required)
    return default if value is None else value


def env_bool(name: str, *, default: bool = False) -> bool:
    value = _raw(name, required=False)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}.")


def env_int(name: str, *, default: int, minimum: int | None = None) -> int:
    value = _raw(name, required=False)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
    return number


def env_list(name: str, *, default: list[str]) -> list[str]:
    value = _raw(name, required=False)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def load_dotenv(path: str) -> None:
    """Read KEY=VALUE lines from an optional .env file; real environment wins."""
    if not os.path.isfile(path):
        return
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            stripped = line.strip()
            if not stripped or stripped.startswith("#") or "=" not in stripped:
                continue
            key, _, value = stripped.partition("=")
            os.environ.setdefault(key.strip(), value.strip().strip("'\""))
