"""The ceiling for `manage.py perfsuite`: one Django view with nothing behind it (no database,
no cache, no middleware), served by the same gunicorn with the same settings for workers.
Every endpoint of the real site is reported as a ratio to it, measured in the same run, so
a busy machine slows both and the ratio stays comparable between runs."""
