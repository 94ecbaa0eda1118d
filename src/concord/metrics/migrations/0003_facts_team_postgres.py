"""On PostgreSQL only: an index of the facts by team, for SLA attainment cut by team.

SLA attainment finds the targets of a period from their own indexes and keeps
those whose conversation is in scope, a semi-join with the facts; by team,
PostgreSQL reads this index instead of scanning the facts (at a million
conversations, 114 → 51 ms for 30 days). Not on SQLite: without statistics it
would prefer this index for every facts query cut by team (first response time
of a team read all the team's rows instead of the period's range), so it is
not declared on the model either.
"""

from __future__ import annotations

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

INDEX = "facts_team_conversation"


def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} "
            "ON metrics_conversationfacts (team_id, conversation_id)"
        )


def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("metrics", "0002_backfill_facts")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
