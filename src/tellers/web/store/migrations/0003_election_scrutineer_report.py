from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("store", "0002_election_key_result_factor"),
    ]

    operations = [
        migrations.AddField(
            model_name="election",
            name="scrutineer_report",
            field=models.JSONField(blank=True, null=True, verbose_name="scrutineer's statements"),
        ),
    ]
