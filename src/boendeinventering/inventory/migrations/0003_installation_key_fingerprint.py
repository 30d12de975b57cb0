from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('inventory', '0002_import_year'),
    ]

    operations = [
        migrations.AddField(
            model_name='installation',
            name='key_fingerprint',
            field=models.CharField(blank=True, default='', max_length=64),
        ),
    ]
