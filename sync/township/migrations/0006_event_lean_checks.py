# The events table without the per-row checks SQLite made on every stored event: the data's
# JSON_VALID and the two foreign keys (see ``models.EventData`` and ``Event``). On SQLite each
# AlterField copies the table once; on PostgreSQL it only drops the two constraints.

import django.db.models.deletion
from django.db import migrations, models

import sync.township.models


class Migration(migrations.Migration):

    dependencies = [
        ("township", "0005_event_pull_index"),
    ]

    operations = [
        migrations.AlterField(
            model_name="event",
            name="batch",
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True,
                                    on_delete=django.db.models.deletion.SET_NULL, to="township.batch"),
        ),
        migrations.AlterField(
            model_name="event",
            name="data",
            field=sync.township.models.EventData(default=dict),
        ),
        migrations.AlterField(
            model_name="event",
            name="village",
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="events", to="township.village"),
        ),
    ]
