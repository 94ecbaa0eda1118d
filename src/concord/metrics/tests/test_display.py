"""How figures are written: durations keep their seconds while seconds still matter."""

from __future__ import annotations

import pytest

from concord.metrics.display import change_text, duration_text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (45, "45 s"),
        (59.6, "1 min"),
        (60, "1 min"),
        (100, "1 min 40 s"),  # DOMAIN's ASA example: not "2 min"
        (599, "9 min 59 s"),
        (600, "10 min"),
        (754, "13 min"),
        (3599.9, "1 h"),
        (8 * 3600 + 11 * 60, "8 h 11 min"),
        (50 * 3600, "2 d 2 h"),
    ],
)
def test_durations_read_as_people_say_them(seconds: float, text: str) -> None:
    assert duration_text(seconds) == text


def test_a_change_of_seconds_keeps_them() -> None:
    assert change_text(-100, "seconds") == "-1 min 40 s"
