from django.db import migrations

from accord.institutions import reference


class Migration(migrations.Migration):
    """Load ISCED-F 2013 and the Ukrainian specialty list, so every database has them."""

    dependencies = [("institutions", "0001_initial")]

    operations = [migrations.RunPython(reference.load, migrations.RunPython.noop)]
