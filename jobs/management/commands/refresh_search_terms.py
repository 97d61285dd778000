"""Rebuild the search vocabulary (titles, companies, skills) from the open postings."""

from django.core.management.base import BaseCommand

from jobs.vocabulary import refresh_search_terms


class Command(BaseCommand):
    help = "Rebuild SearchTerm (suggestions and 'Did you mean') from the open postings."

    def handle(self, *args, **options):
        self.stdout.write(f"{refresh_search_terms():,} search terms.")
