"""Facts say whether a conversation was consulted; the index the created-in-period
figures read (volume, escalation and consult rates) holds it too."""

from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def mark_consulted(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    # What the refresh would say: a consult_asked event in the conversation's history.
    event = apps.get_model("conversations", "Event")
    facts = apps.get_model("metrics", "ConversationFacts")
    asked = event.objects.filter(kind="consult_asked").values("conversation_id")
    facts.objects.filter(conversation_id__in=asked).update(consulted=True, escalated=True)


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0007_consult_events"),
        ("metrics", "0003_facts_team_postgres"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="conversationfacts",
            name="facts_created",
        ),
        migrations.AddField(
            model_name="conversationfacts",
            name="consulted",
            field=models.BooleanField(default=False),
        ),
        migrations.AddIndex(
            model_name="conversationfacts",
            index=models.Index(
                fields=["created_at", "team", "channel", "category", "escalated", "consulted"],
                name="facts_created",
            ),
        ),
        migrations.RunPython(mark_consulted, migrations.RunPython.noop, elidable=True),
    ]
