"""An index for finding accounts by email, as Django asks for them: UPPER(email) = UPPER(%s).

Log-in by email (accounts.backends) and the password-reset form both look up `email__iexact`;
without it each is a scan of every account. auth_user belongs to django.contrib.auth, so the
index is made here. The statement reads the same on PostgreSQL and SQLite.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_profile_time_zone"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS accounts_user_email_upper_idx ON auth_user (UPPER(email))",
            "DROP INDEX IF EXISTS accounts_user_email_upper_idx",
        ),
    ]
