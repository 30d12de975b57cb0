# What a stopped import asks the user to confirm ("columns", "empty").

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('organisation', '0005_import_job_options'),
    ]

    operations = [
        migrations.AddField(
            model_name='importjob',
            name='confirm',
            field=models.JSONField(blank=True, default=list),
        ),
    ]
