"""The PostgreSQL backend (settings ENGINE "careercopilot.database"): django-prometheus's, which
counts queries, and fails fast for a moment after the database failed to connect (base.py)."""
