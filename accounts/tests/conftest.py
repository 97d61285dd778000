from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _quick_password_hashing(settings):
    # PBKDF2 at Django's full strength costs a few hundred milliseconds per user made or
    # logged in; these tests check which account a password opens, not the hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
