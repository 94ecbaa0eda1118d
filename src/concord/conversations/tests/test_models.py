from __future__ import annotations

from concord.conversations.models import TRANSITIONS, Conversation, Status


def test_every_status_has_a_row_in_the_table() -> None:
    assert set(TRANSITIONS) == set(Status.values)
    assert all(targets <= set(Status.values) for targets in TRANSITIONS.values())


def test_closed_is_final_and_nothing_goes_back_to_new() -> None:
    assert TRANSITIONS[Status.CLOSED] == frozenset()
    assert all(Status.NEW not in targets for targets in TRANSITIONS.values())
    assert all(status not in TRANSITIONS[status] for status in Status.values)


def test_only_a_solved_conversation_can_be_closed() -> None:
    assert [s for s, targets in TRANSITIONS.items() if Status.CLOSED in targets] == [Status.SOLVED]


def test_str() -> None:
    assert str(Conversation(pk=3, subject="Refund")) == "#3 Refund"
