"""Background tasks of the automations app: ids in, one service call, idempotent."""

from __future__ import annotations

from django_tasks import task

from concord.automations.services import change_process


@task()
def process_change(conversation_id: int, event_ids: list[int], chain: list[str]) -> None:
    change_process(conversation_id=conversation_id, event_ids=event_ids, chain=chain)
