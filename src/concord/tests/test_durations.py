"""Durations typed as people write them: what is read, what is refused, and the way back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from concord.common.durations import (
    MAX_SECONDS,
    DurationInput,
    HumanDurationField,
    describe_duration,
    format_duration,
    parse_duration,
)
from concord.common.errors import ValidationFailed


@pytest.mark.parametrize(
    ("typed", "seconds"),
    [
        ("4h", 4 * 3600),
        ("1d 2h", 26 * 3600),
        ("90m", 5400),
        ("1:30", 5400),
        ("1h30m", 5400),
        ("1.5h", 5400),
        ("45 min", 2700),
        ("2 hours and 15 minutes", 8100),
        (" 3 Days ", 3 * 86_400),
        ("30s", 30),
        ("1.1h", 3960),
        ("1,5h", 5400),
        ("1h, 30m", 5400),
    ],
)
def test_durations_people_write_are_read(typed: str, seconds: int) -> None:
    assert parse_duration(typed) == seconds


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("90", "has no unit: write 90m for minutes or 90h for hours"),
        ("", "Enter a duration"),
        ("0m", "longer than zero"),
        ("4 parsecs", "'parsecs' is not a unit"),
        ("4h 2h", "names the same unit twice"),
        ("4h soon", "is not a duration"),
        ("1.5s", "not a whole number of seconds"),
        ("400d", "longer than a year"),
    ],
)
def test_what_cannot_be_read_is_refused_with_the_reason(typed: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_duration(typed)
    assert message in refused.value.message


@given(st.integers(min_value=1, max_value=MAX_SECONDS))
def test_a_written_duration_reads_back_as_itself(seconds: int) -> None:
    assert parse_duration(format_duration(seconds)) == seconds


def test_words_and_the_form_field() -> None:
    assert describe_duration(93_600) == "1 day 2 hours"
    assert describe_duration(60) == "1 minute"
    field = HumanDurationField(required=False)
    assert field.clean("1d 2h") == 93_600
    assert field.clean("") is None
    assert field.clean("0") is None
    assert field.clean("0m") is None
    assert DurationInput().format_value(93_600) == "1d 2h"
