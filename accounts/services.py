from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import Profile
from accounts.signals import account_deleting, time_zone_changed


@transaction.atomic
def user_sign_up(*, username: str, email: str, password: str) -> User:
    user = User.objects.create_user(username=username, email=email, password=password)
    Profile.objects.create(user=user)
    return user


def profile_for(user: User) -> Profile:
    """Every seeker has a profile; users made before profiles existed get one on first use."""
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


@transaction.atomic
def profile_save(*, form, zone_before: str) -> Profile:
    """Save a valid profile form; a new time zone is announced once it has committed."""
    profile = form.save()
    if profile.time_zone != zone_before:
        user_id = profile.user_id
        transaction.on_commit(lambda: time_zone_changed.send(sender=Profile, user_id=user_id))
    return profile


def password_reset_email_send(*, user: User, domain: str, protocol: str) -> None:
    """Email the seeker a one-time link to choose a new password.

    The token is made here, when the mail goes out, not when it was asked for: Django's token
    stops working once the password or the last log-in changes, or after PASSWORD_RESET_TIMEOUT.
    A failure to send raises, so the task can try again.
    """
    context = {
        "email": user.email, "domain": domain, "site_name": "Career Copilot", "protocol": protocol, "user": user,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user),
    }
    subject = "".join(render_to_string("registration/password_reset_subject.txt", context).splitlines())
    body = render_to_string("registration/password_reset_email.html", context)
    EmailMultiAlternatives(subject, body, None, [user.email]).send()


@transaction.atomic
def account_delete(*, user: User) -> None:
    """Remove the seeker and everything they own.

    Every row a seeker owns hangs off the user (or off their applications) with
    on_delete=CASCADE, so one delete reaches all of it, whichever app defines it; what is not
    in the database (uploaded files) is left to the receivers of account_deleting.
    """
    account_deleting.send(sender=User, user=user)
    user.delete()
