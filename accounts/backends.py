"""Log in with an email address; Django's ModelBackend, listed first, takes usernames.

Email addresses are not unique here: sign-up never required them to be, and existing accounts
share some (a seeker who signed up twice, a family address). So an address only finds the
candidate accounts, and the password picks among them:

- a username match wins: ModelBackend comes first in AUTHENTICATION_BACKENDS (Django allows
  "@" in usernames, and a username is unique);
- otherwise the active accounts with that address, compared case-insensitively, at most
  MAX_ACCOUNTS_PER_EMAIL of them, each checked against the password;
- exactly one match logs in; if the password fits several, nobody does (the log-in page then
  asks for the username). Logging someone into an account they did not mean is worse than
  asking, and the refusal reads like any wrong password, so it tells nobody that an address
  is shared.

Making addresses unique instead would need a policy for the accounts that already share one,
and would turn sign-up into a way to test which addresses have accounts. Keeping ModelBackend
as it was also keeps every existing session valid (a session names the backend that logged it in).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

MAX_ACCOUNTS_PER_EMAIL = 5


class EmailBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None or "@" not in username:
            return None
        user_model = get_user_model()
        candidates = user_model._default_manager.filter(email__iexact=username.strip()).order_by("pk")
        matches = [
            candidate for candidate in candidates[:MAX_ACCOUNTS_PER_EMAIL]
            if candidate.check_password(password) and self.user_can_authenticate(candidate)
        ]
        return matches[0] if len(matches) == 1 else None
