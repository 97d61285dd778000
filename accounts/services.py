from django.contrib.auth.models import User
from django.db import transaction

from accounts.models import Profile


@transaction.atomic
def user_sign_up(*, username: str, email: str, password: str) -> User:
    user = User.objects.create_user(username=username, email=email, password=password)
    Profile.objects.create(user=user)
    return user


def profile_for(user: User) -> Profile:
    """Every seeker has a profile; users made before profiles existed get one on first use."""
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile
