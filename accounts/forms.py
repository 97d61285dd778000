from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User

from accounts.models import Profile
from accounts.time_zones import time_zone_names
from jobs.models import Skill


class SignupForm(UserCreationForm):
    email = forms.EmailField(required=False)

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")


class ProfileForm(forms.ModelForm):
    skills = forms.ModelMultipleChoiceField(
        queryset=Skill.objects.order_by("name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text="Hold Ctrl (Cmd on a Mac) to pick several.",
    )
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
                  "desired_salary", "salary_currency", "time_zone")

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
