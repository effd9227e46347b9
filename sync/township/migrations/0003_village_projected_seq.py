from django.db import migrations, models
from django.db.models import Max


def _all_projected(apps, schema_editor):
    # Before this field every stored event was projected in the transaction that stored it.
    Village = apps.get_model("township", "Village")
    Event = apps.get_model("township", "Event")
    for village in Village.objects.all():
        top = Event.objects.filter(village=village).aggregate(top=Max("seq"))["top"] or 0
        Village.objects.filter(pk=village.pk).update(projected_seq=top)


class Migration(migrations.Migration):

    dependencies = [
        ("township", "0002_fewer_fk_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="village",
            name="projected_seq",
            field=models.BigIntegerField(default=0),
        ),
        migrations.RunPython(_all_projected, migrations.RunPython.noop),
    ]
