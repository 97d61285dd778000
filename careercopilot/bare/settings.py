"""Bare Django: the least a request through Django and gunicorn can cost."""

import os

DEBUG = False
SECRET_KEY = os.environ.get("SECRET_KEY") or "bare-ceiling-not-a-secret-" + "x" * 30
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
ROOT_URLCONF = "careercopilot.bare.urls"
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
DATABASES: dict = {}
USE_TZ = True
WSGI_APPLICATION = "careercopilot.bare.wsgi.application"
