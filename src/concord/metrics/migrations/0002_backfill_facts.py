"""Facts for the conversations an installation already had before the facts existed."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def backfill(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    # A new database has nothing to do; only then is the current code's view of
    # the tables (which the backfill uses) allowed to differ from this migration's.
    if not apps.get_model("conversations", "Conversation").objects.exists():
        return
    from concord.metrics.services import conversation_facts_backfill

    conversation_facts_backfill()


class Migration(migrations.Migration):
    dependencies = [("metrics", "0001_initial")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
