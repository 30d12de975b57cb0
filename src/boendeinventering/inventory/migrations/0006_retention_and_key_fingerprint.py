from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("inventory", "0005_import_kind_platser")]

    operations = [
        migrations.AddField(
            model_name="importbatch",
            name="key_fingerprint",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.CreateModel(
            name="ShreddedYear",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("year", models.PositiveIntegerField(unique=True)),
                ("shredded_at", models.DateTimeField(auto_now_add=True)),
                ("shredded_by", models.CharField(default="", max_length=150)),
                ("batches", models.JSONField(default=list)),
                ("rows", models.IntegerField(default=0)),
                ("report", models.JSONField(blank=True, null=True)),
            ],
            options={"ordering": ["year"]},
        ),
    ]
