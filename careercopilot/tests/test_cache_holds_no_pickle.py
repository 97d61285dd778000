"""No pickle in the shared cache (Deliver 12): every value written by every page is MessagePack
of plain data, a hit rebuilds it with no query, and a value that would need pickle is refused."""

from __future__ import annotations

import pickle

import pytest
from django.conf import settings
from django.core.cache import cache

from analytics.tasks import refresh_platform_stats, refresh_trending
from applications.services import application_change_status, application_create
from careercopilot.cache_backends import unpack
from jobs.models import Job
from jobs.tests.factories import CompanyFactory, JobFactory, SkillFactory

pytestmark = pytest.mark.django_db


def stored_values() -> dict[str, bytes]:
    """Every raw value under this session's key prefix, as the cache server holds it."""
    if settings.REDIS_URL:
        from django_redis import get_redis_connection

        redis = get_redis_connection("default")
        keys = list(redis.scan_iter(match=f"{settings.CACHES['default']['KEY_PREFIX']}:*", count=1000))
        return dict(zip(keys, redis.mget(keys))) if keys else {}
    return dict(cache._cache)


def test_every_value_the_site_caches_is_messagepack_not_pickle(client, alice):
    skills = [SkillFactory(name=name) for name in ("Python", "Django")]
    company = CompanyFactory(name="Acme", slug="acme")
    jobs = [JobFactory(company=company, title=f"Python developer {n}", skills=skills) for n in range(4)]
    application = application_create(user=alice, job=jobs[0])
    application_change_status(application=application, to_status="applied", by=alice)
    refresh_trending()
    refresh_platform_stats()
    for page in ("/", "/jobs/", "/jobs/?q=python", jobs[1].get_absolute_url(), "/companies/acme/", "/api/v1/jobs/",
                 f"/api/v1/jobs/{jobs[1].pk}/similar/"):  # the page reads stored lists; the API caches its own
        assert client.get(page).status_code == 200, page
    assert client.login(username="alice", password="alice-password-1")
    for page in ("/dashboard/", "/recommendations/", "/applications/", "/api/v1/analytics/summary/", jobs[1].get_absolute_url()):
        assert client.get(page).status_code == 200, page

    values = stored_values()
    kinds = {key.decode() if isinstance(key, bytes) else key for key in values}
    assert any(":jobs:page:" in key for key in kinds) and any(":jobs:similar:" in key for key in kinds)
    assert any(":analytics:user-metrics:" in key for key in kinds) and any("session" in key for key in kinds)
    assert any(":analytics:trending-postings:" in key for key in kinds)
    for key, raw in values.items():
        if raw.isdigit():  # django-redis stores integers bare, for INCR
            continue
        assert not raw.startswith(b"\x80"), f"{key!r} holds a pickle"
        unpack(raw)  # MessagePack of plain data, or this raises


def test_a_cache_hit_is_rebuilt_without_a_query(client, django_assert_num_queries):
    skills = [SkillFactory(name=name) for name in ("Python", "Django")]
    company = CompanyFactory(name="Acme", slug="acme")
    jobs = [JobFactory(company=company, title=f"Python developer {n}", skills=skills) for n in range(4)]
    from jobs.selectors import job_for_detail, similar_jobs

    first = similar_jobs(job_for_detail(jobs[0].pk))
    job = job_for_detail(jobs[0].pk)
    with django_assert_num_queries(0):
        again = similar_jobs(job)
        cards = [(j.pk, j.title, j.company.name, j.company.get_absolute_url(), j.get_absolute_url(), j.posted_at, j.shared) for j in again]

    assert [j.pk for j in first] == [j.pk for j in again] and len(again) == 3
    assert cards[0][2] == "Acme"


@pytest.mark.parametrize("value", [object(), Job(title="x"), pickle])
def test_a_value_that_needs_pickle_is_refused_when_written(value):
    with pytest.raises(TypeError, match="cannot cache|can not serialize"):
        cache.set("not-plain", value, 10)
    assert cache.get("not-plain") is None
