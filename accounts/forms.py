from __future__ import annotations

import difflib

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, UserCreationForm
from django.contrib.auth.models import User
from django.db.models.functions import Lower

from accounts.models import Profile
from accounts.time_zones import time_zone_names
from jobs.models import Skill

MAX_PROFILE_SKILLS = 30


class SignupForm(UserCreationForm):
    email = forms.EmailField(required=False, help_text="Only used to send you a link if you forget your password.")

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")


class LoginForm(AuthenticationForm):
    """Username or email (accounts.backends.EmailBackend says which account an email opens)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Username or email"
        self.fields["username"].widget.attrs["autocomplete"] = "username"


class PasswordResetRequestForm(PasswordResetForm):
    """Django's reset form; the mail itself goes out from a Celery task once the request is done."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None) -> None:
        from accounts.tasks import send_password_reset_email

        send_password_reset_email.delay_on_commit(context["user"].pk, context["domain"], context["protocol"])


class SkillNamesField(forms.Field):
    """Skills typed by name, comma-separated ("Python, SQL"), matched regardless of case.

    A plain text box that works without JavaScript (the page lists every name in a <datalist>
    for the browser's suggestions); static/js/skill-picker.js turns it into a combobox with chips.
    """

    widget = forms.TextInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "list": "skill-names", "autocomplete": "off", "data-skill-picker": ""}

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return ", ".join(getattr(item, "name", str(item)) for item in value)
        return value

    def to_python(self, value) -> list[Skill]:
        names = [" ".join(part.split()) for part in (value or "").split(",")]
        wanted = {}  # casefolded name -> as typed, first spelling wins
        for name in names:
            if name:
                wanted.setdefault(name.casefold(), name)
        if len(wanted) > MAX_PROFILE_SKILLS:
            raise forms.ValidationError(f"Pick at most {MAX_PROFILE_SKILLS} skills.")
        if not wanted:
            return []
        found = {
            skill.name.casefold(): skill
            for skill in Skill.objects.annotate(lowered=Lower("name")).filter(lowered__in=[name.lower() for name in wanted.values()])
        }
        unknown = [name for key, name in wanted.items() if key not in found]
        if unknown:
            raise forms.ValidationError(self._unknown_message(unknown))
        return [found[key] for key in wanted]

    @staticmethod
    def _unknown_message(unknown: list[str]) -> str:
        by_key = {name.casefold(): name for name in Skill.objects.values_list("name", flat=True)}
        parts = []
        for name in unknown[:5]:
            close = difflib.get_close_matches(name.casefold(), list(by_key), n=1, cutoff=0.6)
            parts.append(f"“{name}”" + (f" (did you mean {by_key[close[0]]}?)" if close else ""))
        return f"We do not know the skill{'s' if len(unknown) > 1 else ''} {', '.join(parts)}. Pick names from the suggestions."


class ProfileForm(forms.ModelForm):
    skills = SkillNamesField(help_text="Type a skill and pick it from the suggestions; separate several with commas.")
    preferred_locations = forms.CharField(
        required=False,
        max_length=500,
        help_text="Comma-separated, for example: Berlin, London, Remote",
    )

    time_zone = forms.ChoiceField(
        choices=lambda: [(name, name.replace("_", " ")) for name in time_zone_names()],
        required=False,
        help_text="Every date and time you see is shown in this zone.",
    )

    class Meta:
        model = Profile
        fields = ("headline", "skills", "preferred_locations", "remote_preference", "desired_experience",
                  "desired_salary", "salary_currency", "time_zone",
                  "email_alerts", "email_reminders")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance and self.instance.pk:
            self.initial["preferred_locations"] = ", ".join(self.instance.preferred_locations)

    def clean_preferred_locations(self) -> list[str]:
        raw = self.cleaned_data["preferred_locations"]
        locations = [part.strip() for part in raw.split(",") if part.strip()]
        if any(len(location) > 80 for location in locations):
            raise forms.ValidationError("Each location can be at most 80 characters.")
        if len(locations) > 10:
            raise forms.ValidationError("Pick at most 10 locations.")
        # Keep order, drop case-insensitive repeats.
        seen, unique = set(), []
        for location in locations:
            if location.lower() not in seen:
                seen.add(location.lower())
                unique.append(location)
        return unique

    def clean_time_zone(self) -> str:
        # Left out of a post (an older form, an API client): keep the zone the seeker had.
        return self.cleaned_data["time_zone"] or self.instance.time_zone

    def clean_salary_currency(self) -> str:
        currency = self.cleaned_data["salary_currency"].upper()
        if len(currency) != 3 or not currency.isalpha():
            raise forms.ValidationError("Use a three-letter currency code such as USD or EUR.")
        return currency


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label="Your password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="To be sure it is you.",
    )

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password. Nothing was deleted.")
        return password
