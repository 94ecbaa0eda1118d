"""``concord manage metrics_backfill``: rebuild every conversation's facts from its rows."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from concord.metrics.services import BATCH, conversation_facts_backfill


class Command(BaseCommand):
    help = (
        "Recompute the per-conversation facts the metrics read (after a bulk import, "
        "or to repair them). Each batch of conversations is one transaction; one that "
        "changes while its batch is read may need a second run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=BATCH)

    def handle(self, *args: Any, **options: Any) -> None:
        began = time.perf_counter()

        def progress(done: int, total: int) -> None:
            if (
                options["verbosity"] > 1
                or done == total
                or done % (options["batch_size"] * 50) == 0
            ):
                self.stdout.write(f"{done:,} of {total:,} conversations")

        made = conversation_facts_backfill(batch_size=options["batch_size"], progress=progress)
        self.stdout.write(
            f"Facts for {made:,} conversations in {time.perf_counter() - began:.1f} s."
        )
