"""The running periods' kept times hold today's up to the job's run: each set says the moment
(``until``) instead of its last whole day (``through``). A set kept before says the start of the
day after its last one: the same clocks."""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations, models


def until_from_through(apps, schema_editor):
    FigureSampleSet = apps.get_model("boards", "FigureSampleSet")
    tz = ZoneInfo(settings.TIME_ZONE)
    for sample_set in FigureSampleSet.objects.all():
        next_day = sample_set.through + datetime.timedelta(days=1)
        sample_set.until = datetime.datetime.combine(next_day, datetime.time.min, tzinfo=tz)
        sample_set.save(update_fields=["until"])


def forget_sets(apps, schema_editor):
    """Back to ``through``: the job keeps the sets again on its next run (the figures read live
    meanwhile)."""
    # Checked now, not at commit: PostgreSQL alters no table with constraint checks still pending.
    immediate = schema_editor.connection.vendor == "postgresql"
    if immediate:
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    apps.get_model("boards", "FigureSampleSet").objects.all().delete()
    if immediate:
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


class Migration(migrations.Migration):
    dependencies = [
        ("boards", "0007_rollup_through"),
    ]

    operations = [
        migrations.AddField(
            model_name="figuresampleset",
            name="until",
            field=models.DateTimeField(null=True, verbose_name="保留至"),
        ),
        migrations.RunPython(until_from_through, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="figuresampleset",
            name="until",
            field=models.DateTimeField(verbose_name="保留至"),
        ),
        migrations.RemoveField(
            model_name="figuresampleset",
            name="through",
        ),
        migrations.RunPython(migrations.RunPython.noop, forget_sets),
    ]
