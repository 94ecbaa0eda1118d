"""Running one rule's actions exactly once: what triggers and time rules share.

The run-log row is the claim. It is inserted under its unique key inside the
same transaction as the actions, so a second run (a retried task, a second
worker) finds the row and does nothing, and a failed action rolls back the
row with everything else, leaving a ``failed`` row that says why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from django.db import IntegrityError, OperationalError, models, transaction

from concord.automations.context import caused_by
from concord.automations.models import Outcome
from concord.automations.rules import CompiledAction
from concord.automations.services.actions import ActionContext, perform

logger = logging.getLogger("concord.automations")

# Writes the rule's run-log row with an outcome and a detail; raises
# IntegrityError when the row for this firing exists already.
RowWriter = Callable[[str, str], models.Model]


def record_outcome(*, write: RowWriter, outcome: str, detail: str) -> None:
    """A run-log row for a firing that did not happen (loop guard, failure), once."""
    try:
        with transaction.atomic():
            write(outcome, detail[:2000])
    except IntegrityError:
        pass  # already recorded by an earlier run


def fire_once(
    *,
    label: str,
    chain: tuple[str, ...],
    write: RowWriter,
    ctx: ActionContext,
    actions: Sequence[CompiledAction],
    reraise_database_errors: bool,
) -> list[str] | None:
    """Do ``actions`` unless this firing is already recorded; what was done, or None.

    ``chain`` (the rules that led here, ending with this one) wraps the commit,
    so the events written are announced as caused by it: the loop guard follows
    that. A locked or lost database records nothing, so a later run can still
    fire; ``reraise_database_errors`` makes the calling task fail visibly.
    """
    done: list[str] = []
    try:
        with caused_by(chain), transaction.atomic():
            try:
                with transaction.atomic():
                    row = write(Outcome.FIRED, "")
            except IntegrityError:
                return None  # this firing happened already (a re-run)
            for index, action in enumerate(actions):
                done.append(perform(action=action, ctx=ctx, index=index))
            row.detail = "; ".join(done)[:2000]  # type: ignore[attr-defined]
            row.save(update_fields=["detail"])
    except OperationalError:
        logger.exception("%s could not run for conversation %s.", label, ctx.conversation.pk)
        if reraise_database_errors:
            raise
        return None
    except Exception as error:
        logger.warning("%s failed for conversation %s: %s", label, ctx.conversation.pk, error)
        record_outcome(write=write, outcome=Outcome.FAILED, detail=str(error))
        return None
    logger.info("%s fired for conversation %s: %s", label, ctx.conversation.pk, "; ".join(done))
    return done
