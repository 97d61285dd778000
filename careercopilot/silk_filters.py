"""What django-silk may record (SILK_ENABLED=1): never a credential.

Silk stores each request's path and headers and each ORM query with its parameters filled
in, for any staff member to read at /silk/. So:
- requests on the credential pages (log-in, sign-up, password change and reset, whose
  links carry a reset token in the path, API token creation) are not recorded at all;
- queries that carry a secret as a parameter are not recorded: session rows (the session key
  and its data), API token lookups (the token), and writes of a password hash;
- Authorization and Cookie headers are masked by silk itself (SILKY_HIDE_COOKIES).
"""

from __future__ import annotations

import random
import re

from django.conf import settings
from django.http import HttpRequest

CREDENTIAL_PATHS = re.compile(r"/(login|logout|signup|password|reset|auth/token)(/|$)")

# Substrings of the SQL text silk would store; a query containing one is not recorded.
SECRET_QUERIES = [
    '"django_session"',  # session_key and session_data
    '"authtoken_token"',  # the API token, as the lookup's parameter
    '"password" =',  # UPDATE ... SET "password" = <hash>
    'INSERT INTO "auth_user"',  # a new user's hash
]


def should_record(request: HttpRequest) -> bool:
    """SILKY_INTERCEPT_FUNC: the sampling silk would do (SILKY_INTERCEPT_PERCENT), minus the credential pages."""
    if CREDENTIAL_PATHS.search(request.path):
        return False
    return random.random() * 100 < settings.SILK_INTERCEPT_PERCENT
