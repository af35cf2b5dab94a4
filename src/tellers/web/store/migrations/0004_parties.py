"""Record format v2: the parties (credential authority, trustees' links by email, references)."""

import hashlib
import secrets

from django.db import migrations, models

import tellers.web.store.models


def _fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    db = schema_editor.connection.alias
    trustees = apps.get_model("store", "Trustee")
    for trustee in trustees.objects.using(db).all():
        trustee.token_hash = hashlib.sha256(trustee.token.encode()).hexdigest()
        trustee.save(update_fields=["token_hash"])
    members = apps.get_model("store", "Member")
    for member in members.objects.using(db).all():
        member.reference = secrets.token_hex(8)
        member.save(update_fields=["reference"])


class Migration(migrations.Migration):
    dependencies = [
        ("store", "0003_election_scrutineer_report"),
    ]

    operations = [
        migrations.AddField(
            model_name="election",
            name="authority",
            field=models.JSONField(
                blank=True, null=True, verbose_name="credential authority's statement"
            ),
        ),
        migrations.AddField(
            model_name="election",
            name="answers_closed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="election",
            name="opened_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="voting opened"),
        ),
        migrations.AddField(
            model_name="election",
            name="record_root",
            field=models.CharField(blank=True, max_length=64, verbose_name="election record root"),
        ),
        migrations.AddField(
            model_name="member",
            name="reference",
            field=models.CharField(default="", max_length=32),
        ),
        migrations.AddField(
            model_name="trustee",
            name="token_hash",
            field=models.CharField(default="", max_length=64),
        ),
        migrations.RunPython(_fill, migrations.RunPython.noop),
        migrations.RemoveField(model_name="trustee", name="token"),
        migrations.AlterField(
            model_name="trustee",
            name="token_hash",
            field=models.CharField(max_length=64, unique=True),
        ),
        migrations.AlterField(
            model_name="trustee",
            name="email",
            field=models.EmailField(max_length=254, verbose_name="email"),
        ),
        migrations.AlterField(
            model_name="member",
            name="reference",
            field=models.CharField(default=tellers.web.store.models._reference, max_length=32),
        ),
        migrations.AddConstraint(
            model_name="member",
            constraint=models.UniqueConstraint(
                fields=("election", "reference"), name="member_unique_reference"
            ),
        ),
    ]
