from django import forms

from notifications.models import SavedSearch


class SavedSearchForm(forms.Form):
    name = forms.CharField(max_length=100, strip=True)
    frequency = forms.ChoiceField(choices=SavedSearch.Frequency.choices, initial=SavedSearch.Frequency.DAILY,
                                  label="Email me", help_text="Only postings that arrive after you save are alerted.")
