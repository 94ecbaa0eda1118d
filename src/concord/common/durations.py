"""Durations as people write them ("4h", "1d 2h", "90m", "1:30"), and back.

Targets and lead times are stored in seconds, but nobody should have to type
28800 for a working day. A bare number is refused rather than guessed: "90"
could mean minutes or seconds, and a guess off by 60 is worse than a question.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms

from concord.common.errors import ValidationFailed

_UNITS = {
    "d": 86_400,
    "day": 86_400,
    "days": 86_400,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
}
_PART = re.compile(r"(\d+(?:[.,]\d+)?)\s*([a-z]+)")
_CLOCK = re.compile(r"(\d+):([0-5]\d)")
EXAMPLES = "4h, 1d 2h, 90m or 1:30"
# Far beyond any service target, well inside a PositiveIntegerField.
MAX_SECONDS = 366 * 86_400


def parse_duration(text: str) -> int:
    """Seconds in ``text``; raises ``ValidationFailed`` naming what could not be read."""
    # "1,5h" is a decimal comma; "1h, 30m" separates parts.
    cleaned = " ".join(re.sub(r",(?!\d)", " ", text.strip().lower()).split())
    cleaned = cleaned.replace(" and ", " ")
    if not cleaned:
        raise ValidationFailed(f"Enter a duration, such as {EXAMPLES}.")
    clock = _CLOCK.fullmatch(cleaned)
    seconds = int(clock[1]) * 3600 + int(clock[2]) * 60 if clock else _sum_parts(cleaned)
    if seconds <= 0:
        raise ValidationFailed("A duration must be longer than zero.")
    if seconds > MAX_SECONDS:
        raise ValidationFailed(f"{text.strip()!r} is longer than a year.")
    return seconds


def _sum_parts(cleaned: str) -> int:
    if cleaned.replace(".", "").isdigit():
        raise ValidationFailed(
            f"{cleaned!r} has no unit: write {cleaned}m for minutes or {cleaned}h for hours."
        )
    position, total, seen = 0, Decimal(0), set()
    for match in _PART.finditer(cleaned):
        if cleaned[position : match.start()].strip():
            break
        number, unit = match[1].replace(",", "."), match[2]
        if unit not in _UNITS:
            raise ValidationFailed(f"{unit!r} is not a unit; use d, h, m or s ({EXAMPLES}).")
        if _UNITS[unit] in seen:
            raise ValidationFailed(f"{cleaned!r} names the same unit twice.")
        seen.add(_UNITS[unit])
        # Decimal, so "1.1h" is 3960 s exactly (as a float it is not whole).
        total += Decimal(number) * _UNITS[unit]
        position = match.end()
    if position != len(cleaned) or not seen:
        raise ValidationFailed(f"{cleaned!r} is not a duration; write it like {EXAMPLES}.")
    if total != int(total):
        raise ValidationFailed(f"{cleaned!r} is not a whole number of seconds.")
    return int(total)


def format_duration(seconds: int | None) -> str:
    """The shortest exact writing ("1d 2h", "90m" is "1h 30m"); "" for none."""
    if not seconds:
        return ""
    parts = []
    for unit, size in (("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)):
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return " ".join(parts)


def describe_duration(seconds: int | None) -> str:
    """In words for reading back: "1 day 2 hours", "30 minutes"."""
    if not seconds:
        return "none"
    words = []
    for name, size in (("day", 86_400), ("hour", 3600), ("minute", 60), ("second", 1)):
        amount, seconds = divmod(seconds, size)
        if amount:
            words.append(f"{amount} {name}{'' if amount == 1 else 's'}")
    return " ".join(words)


class DurationInput(forms.TextInput):
    """Shows stored seconds as a duration, and keeps what was typed when it is wrong."""

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, int):
            return format_duration(value)
        shown: str | None = super().format_value(value)
        return shown


class HumanDurationField(forms.Field):
    """A form field for a duration typed in words; cleans to whole seconds (or None)."""

    widget = DurationInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", f"For example {EXAMPLES}.")
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("placeholder", "e.g. 4h")
        self.widget.attrs.setdefault("inputmode", "text")
        self.widget.attrs.setdefault("autocomplete", "off")

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, int):
            return value
        # Zero of any unit ("0", "0m") is nothing at all: the same as leaving it empty.
        if value in self.empty_values or not str(value).strip():
            return None
        if re.fullmatch(r"0+([.,]0*)?\s*[a-z]*", str(value).strip().lower()):
            return None
        try:
            return parse_duration(str(value))
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.message, code="duration") from exc
