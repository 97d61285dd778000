"""jobs_tags.thousands: what Django's intcomma prints for a count, in every language."""

import random

import pytest
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import translation

from jobs.templatetags.jobs_tags import thousands

COUNTS = [0, 7, 999, 1000, 1001, 26_504, 999_999, 1_000_000, 1_234_567_890, 10**15]


@pytest.mark.parametrize("language", ["en", "en-us", "de", "fr", "hi", "es"])
def test_it_prints_what_intcomma_prints(language):
    rng = random.Random(3)
    with translation.override(language):
        for count in COUNTS + [rng.randrange(10**12) for _ in range(500)]:
            assert thousands(count) == str(intcomma(count)), (language, count)



def test_a_language_that_groups_otherwise_gets_intcomma_itself():
    with translation.override("de"):
        assert thousands(26_504) == str(intcomma(26_504)) == "26.504"
