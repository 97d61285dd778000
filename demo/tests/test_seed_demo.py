"""`manage.py seed_demo`: counts, coherent pipelines, reset, --if-empty, the search vector.

The seeding tests are transactional: on PostgreSQL the command writes through its own
connections (COPY on two writer threads), exactly as it does from the shell, and those
connections cannot see inside a test's transaction. One test runs inside a transaction on
purpose, to check the single-connection path the command takes there.
"""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from accounts.models import Profile
from applications.models import ALLOWED_TRANSITIONS, CLOSED_STATUSES, Application, ApplicationEvent, Status
from demo import data as demo_data
from demo.management.commands import seed_demo
from jobs.models import Company, Job, JobSkill, SimilarJobs

User = get_user_model()
Kind = ApplicationEvent.Kind
SEEDED = f"@{seed_demo.SEEDED_EMAIL_DOMAIN}"
on_postgresql = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL only")

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    # The command hashes each password once; PBKDF2's cost is not what these tests are about.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(**options) -> str:
    out = io.StringIO()
    options = {"jobs": 300, "users": 12, "applications": 240, "seed": 7, "batch_size": 64, "verbosity": 0, **options}
    call_command("seed_demo", stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def seeded_users():
    return User.objects.filter(email__endswith=SEEDED)


def timelines() -> dict[int, list[ApplicationEvent]]:
    events = defaultdict(list)
    for event in ApplicationEvent.objects.order_by("application_id", "created_at", "id"):
        events[event.application_id].append(event)
    return events


def test_it_seeds_a_small_demo_set_without_flags(client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # the real one, once
    out = io.StringIO()
    call_command("seed_demo", stdout=out, stderr=io.StringIO(), verbosity=0)

    assert Job.objects.filter(source="demo").count() == 2_000
    assert seeded_users().count() == 50
    assert Application.objects.filter(user__in=seeded_users()).count() == 1_000
    assert "Demo login: demo / demo-password-123" in out.getvalue()
    assert client.login(username="demo", password="demo-password-123")
    assert client.login(username="admin", password="admin-password-123")


def test_it_creates_the_requested_counts_with_profiles_and_companies():
    seed(jobs=300, users=12, applications=240)

    assert Job.objects.filter(source="demo").count() == 300
    assert JobSkill.objects.count() >= 300 * 3
    assert Company.objects.count() == 200  # a few hundred employers, however small the catalogue
    assert seeded_users().count() == 12
    assert Profile.objects.filter(user__in=seeded_users()).count() == 12
    assert all(3 <= p.skills.count() <= 8 and p.preferred_locations for p in Profile.objects.filter(user__in=seeded_users()))
    assert Application.objects.filter(user__in=seeded_users()).count() == 240
    assert ApplicationEvent.objects.count() >= Application.objects.count()


def test_it_gives_the_demo_seeker_a_pipeline_in_every_status_and_keeps_admin_a_superuser():
    seed()

    demo = User.objects.get(username="demo")
    statuses = list(Application.objects.filter(user=demo).values_list("status", flat=True))
    assert 30 <= len(statuses) <= 60
    assert set(statuses) == set(Status.values)
    assert not demo.is_staff and demo.check_password("demo-password-123")
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.check_password("admin-password-123")


def test_every_seeded_user_shares_one_password_hash():
    seed(users=5, applications=20)

    hashes = set(seeded_users().values_list("password", flat=True))
    assert len(hashes) == 1
    assert seeded_users().first().check_password(seed_demo.DEMO_PASSWORD)


def test_every_timeline_is_a_legal_chain_ending_in_the_applications_status():
    seed()
    events = timelines()
    now = timezone.now()

    applications = list(Application.objects.all())
    assert {a.status for a in applications} == set(Status.values)
    for application in applications:
        timeline = events[application.pk]
        assert timeline[0].kind == Kind.CREATED and timeline[0].from_status == ""
        moves = [e for e in timeline if e.kind in (Kind.CREATED, Kind.STATUS_CHANGED)]
        assert [e.kind for e in moves[1:]] == [Kind.STATUS_CHANGED] * (len(moves) - 1)
        for before, after in zip(moves, moves[1:]):
            assert after.from_status == before.to_status
            assert after.to_status in ALLOWED_TRANSITIONS[after.from_status]
        assert moves[-1].to_status == application.status
        moments = [e.created_at for e in timeline]
        assert moments == sorted(moments) and moments[-1] <= now
        assert application.created_at == moments[0] and application.updated_at == moments[-1]
        assert all(e.actor_id == application.user_id for e in timeline)


def test_the_stage_dates_follow_the_events_as_the_services_write_them():
    seed()
    events = timelines()

    for application in Application.objects.all():
        expected = {"applied_at": None, "interview_at": None, "offer_at": None, "closed_at": None}
        first_reached = {Status.APPLIED: "applied_at", Status.INTERVIEWING: "interview_at", Status.OFFER: "offer_at"}
        for event in events[application.pk]:
            if event.kind not in (Kind.CREATED, Kind.STATUS_CHANGED):
                continue
            field = first_reached.get(event.to_status)
            if field and expected[field] is None:
                expected[field] = event.created_at
            expected["closed_at"] = event.created_at if event.to_status in CLOSED_STATUSES else None
        assert {name: getattr(application, name) for name in expected} == expected, application.pk

        follow_ups = [e.follow_up for e in events[application.pk] if e.kind == Kind.FOLLOW_UP_SET]
        assert application.next_follow_up == (follow_ups[-1] if follow_ups else None)
        notes = [e.note for e in events[application.pk] if e.kind == Kind.NOTE_ADDED]
        assert application.notes == ("\n\n".join(notes) if notes else "")

    assert Application.objects.exclude(next_follow_up=None).exists()
    assert Application.objects.exclude(notes="").exists()


def test_applications_are_one_per_seeker_and_posting_and_come_after_the_posting():
    seed(jobs=100, users=6, applications=300)  # 50 each out of 100 postings: plenty of chances to repeat

    pairs = list(Application.objects.exclude(job=None).values_list("user_id", "job_id"))
    assert len(pairs) == len(set(pairs))
    for application in Application.objects.exclude(job=None).select_related("job__company"):
        assert application.created_at >= application.job.posted_at
        # As the services do, a tracked posting's names are copied onto the application.
        assert (application.company_name, application.title) == (application.job.company.name, application.job.title)
    for user in seeded_users():
        assert Application.objects.filter(user=user, created_at__lt=user.date_joined).count() == 0


@pytest.mark.django_db(transaction=False)
@pytest.mark.parametrize("status", Status.values)
def test_a_story_for_a_posting_from_a_minute_ago_fits_in_that_minute(status):
    import random

    now = timezone.now().timestamp()
    for seed_value in range(50):
        plan = seed_demo.plan_timeline(random.Random(seed_value), earliest=now - 60, now=now, final=status)
        moments = [event[-1] for event in plan.events]
        assert now - 60 <= plan.created_at == moments[0] and moments == sorted(moments) and moments[-1] <= now
        assert plan.status == status


def test_some_applications_are_entered_by_hand():
    seed(jobs=20, users=3, applications=150)  # more than 20 per seeker: the rest can only be hand-entered

    by_hand = Application.objects.filter(job=None)
    assert by_hand.count() >= 3 * (50 - 20)
    assert not by_hand.filter(company_name="").exists()
    assert not by_hand.filter(title="").exists()
    assert not by_hand.filter(url="").exists()


def test_postings_are_believable():
    seed(jobs=400, users=1, applications=0)
    now = timezone.now()
    currencies = {location: currency for location, currency, _, _ in demo_data.LOCATIONS}

    jobs = list(Job.objects.filter(source="demo").prefetch_related("skills"))
    assert len({job.external_id for job in jobs}) == len(jobs)
    for job in jobs:
        assert 3 <= len(job.skills.all()) <= 8
        assert job.salary_currency == currencies[job.location]
        assert (job.salary_min is None) == (job.salary_max is None)
        assert job.salary_min is None or 0 < job.salary_min < job.salary_max
        assert now - timedelta(days=401) < job.posted_at <= now
        assert job.expires_at is None or job.expires_at > job.posted_at
        assert job.description.count("\n\n") >= 8 and job.company.name in job.description
        assert (job.location.startswith("Remote")) == (job.remote_policy == Job.RemotePolicy.REMOTE)
    assert any(not job.is_active for job in jobs)
    assert any(job.expires_at and job.expires_at < now for job in jobs)
    assert any(job.salary_currency != "USD" for job in jobs)
    # Pay follows the level: the median senior posting in dollars out-earns the median junior one.
    usd = [job for job in jobs if job.salary_currency == "USD" and job.job_type == "full_time" and job.salary_max]
    median = lambda level: sorted(j.salary_max for j in usd if j.experience_level == level)[len([j for j in usd if j.experience_level == level]) // 2]  # noqa: E731
    assert median("senior") > median("entry")


def test_the_same_seed_makes_the_same_catalogue():
    seed(jobs=50, users=0, applications=0, seed=11)
    first = list(Job.objects.order_by("id").values_list("title", "location", "salary_max", "description"))
    seed(jobs=50, users=0, applications=0, seed=11, reset=True)
    again = list(Job.objects.order_by("id").values_list("title", "location", "salary_max", "description"))

    assert first == again


def test_reset_wipes_the_demo_data_but_keeps_everyone_elses(alice):
    seed(jobs=200, users=8, applications=100)
    demo = User.objects.get(username="demo")
    own_company = Company.objects.create(name="Alice's Employer", slug="alices-employer")
    own_job = Job.objects.create(company=own_company, title="Gardener", description="Plants.")
    by_alice = Application.objects.create(user=alice, job=Job.objects.filter(source="demo").first(), title="Y")
    Application.objects.create(user=alice, job=own_job)

    seed(jobs=0, users=0, applications=0, reset=True)

    assert not Job.objects.filter(source="demo").exists()
    assert not seeded_users().exists()
    assert not Company.objects.filter(website__endswith=".example.com").exists()
    assert list(User.objects.order_by("username").values_list("username", flat=True)) == ["admin", "alice", "demo"]
    assert User.objects.get(username="demo").pk == demo.pk  # the login survives, its pipeline does not
    assert not Application.objects.filter(user=demo).exists()
    assert set(Profile.objects.values_list("user__username", flat=True)) == {"alice", "demo"}
    assert not JobSkill.objects.exclude(job=own_job).exists()
    # Someone else's data is kept; their application to a wiped posting loses the link, as on_delete says.
    assert Job.objects.filter(pk=own_job.pk).exists() and Company.objects.filter(pk=own_company.pk).exists()
    by_alice.refresh_from_db()
    assert by_alice.job is None and by_alice.title == "Y"
    assert Application.objects.filter(user=alice).count() == 2


def test_reset_then_seeds_afresh():
    seed(jobs=200, users=8, applications=100)

    seed(jobs=30, users=2, applications=10, reset=True)

    assert Job.objects.filter(source="demo").count() == 30
    assert seeded_users().count() == 2
    assert Application.objects.filter(user__in=seeded_users()).count() == 10
    assert 30 <= Application.objects.filter(user__username="demo").count() <= 60


def test_if_empty_does_nothing_when_jobs_exist_but_still_ensures_the_logins():
    company = Company.objects.create(name="Existing", slug="existing")
    Job.objects.create(company=company, title="Existing posting", description="Already here.")

    out = seed(if_empty=True)

    assert Job.objects.count() == 1
    assert not seeded_users().exists()
    demo = User.objects.get(username="demo")
    assert demo.check_password("demo-password-123") and hasattr(demo, "profile")
    assert User.objects.get(username="admin").is_superuser
    assert "seeded nothing" in out


def test_it_never_resets_an_existing_users_password_or_permissions():
    seed(jobs=60, users=2, applications=10)
    demo = User.objects.get(username="demo")
    demo.set_password("something-else-1")
    demo.save()
    admin = User.objects.get(username="admin")
    admin.set_password("a-real-secret-9")
    admin.is_superuser = admin.is_staff = False
    admin.save()

    for options in ({"if_empty": True}, {}, {"reset": True}):
        out = seed(**options)

        demo.refresh_from_db()
        admin.refresh_from_db()
        assert demo.check_password("something-else-1") and not demo.check_password("demo-password-123")
        assert admin.check_password("a-real-secret-9") and not admin.check_password("admin-password-123")
        assert not admin.is_superuser and not admin.is_staff
        assert "admin-password-123" not in out and "never reset" in out
    assert Application.objects.filter(user=demo).exists()  # --reset rebuilt it, for the same user


def test_a_real_user_called_admin_is_not_made_a_superuser():
    User.objects.create_user(username="admin", password="mine-and-only-mine-1")

    seed(jobs=20, users=1, applications=2)

    admin = User.objects.get(username="admin")
    assert not admin.is_superuser and not admin.is_staff
    assert admin.check_password("mine-and-only-mine-1")


def test_if_empty_seeds_an_empty_catalogue():
    seed(if_empty=True, jobs=40, users=2, applications=10)

    assert Job.objects.count() == 40
    assert seeded_users().count() == 2


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"jobs": -1}, "--jobs must be 0 or more"),
        ({"batch_size": 0}, "--batch-size must be at least 1"),
        ({"writers": 0}, "--writers must be at least 1"),
        ({"users": 0, "applications": 5}, "--applications needs --users"),
    ],
)
def test_it_refuses_bad_sizes_with_a_clear_message(options, message):
    with pytest.raises(CommandError, match=message):
        seed(**options)
    assert not Job.objects.exists()


# Each lexeme with its sorted weights: jobs_search_document() aggregates the skill names without
# an ORDER BY, so their positions follow whichever plan runs; the words and weights do not.
WORDS_AND_WEIGHTS = """(SELECT array_agg(lexeme || ':' || array_to_string(ARRAY(SELECT w FROM unnest(weights) w ORDER BY w), '')
                          ORDER BY lexeme) FROM unnest({}))"""


@on_postgresql
def test_the_search_vector_is_filled_for_every_job_as_the_triggers_would():
    seed(jobs=250, users=1, applications=0)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE search_vector IS NULL), count(*) FILTER (WHERE "
            + WORDS_AND_WEIGHTS.format("search_vector")
            + " IS DISTINCT FROM "
            + WORDS_AND_WEIGHTS.format("jobs_search_document(id, title, description, company_id)")
            + ") FROM jobs_job"
        )
        missing, different = cursor.fetchone()
    assert (missing, different) == (0, 0)
    with connection.cursor() as cursor:  # the title-and-skills document and the skill ids too (migration 0010)
        cursor.execute(
            "SELECT count(*) FROM jobs_job j WHERE search_title IS DISTINCT FROM jobs_search_title(j.title, "
            "(SELECT string_agg(s.name, ' ' ORDER BY s.name) FROM jobs_jobskill js JOIN jobs_skill s ON s.id = js.skill_id "
            "WHERE js.job_id = j.id)) OR skill_ids IS DISTINCT FROM "
            "ARRAY(SELECT js.skill_id FROM jobs_jobskill js WHERE js.job_id = j.id ORDER BY js.skill_id)::integer[]"
        )
        assert cursor.fetchone()[0] == 0
    skill = JobSkill.objects.select_related("skill", "job").first()
    assert Job.objects.filter(pk=skill.job_id, skill_ids__contains=[skill.skill_id]).exists()
    assert Job.objects.filter(pk=skill.job_id).search(skill.skill.name).exists()


@on_postgresql
def test_without_the_right_to_switch_triggers_off_it_seeds_the_same_data_with_them_on(monkeypatch):
    monkeypatch.setattr(seed_demo, "REPLICA_ROLE", "refused")  # as a non-superuser is refused
    err = io.StringIO()
    call_command("seed_demo", jobs=150, users=4, applications=40, seed=3, batch_size=64, verbosity=0,
                 stdout=io.StringIO(), stderr=err)

    assert "seeding with triggers and foreign-key checks on" in err.getvalue()
    assert Job.objects.filter(source="demo").count() == 150
    assert Application.objects.filter(user__in=seeded_users()).count() == 40
    with connection.cursor() as cursor:  # filled by the row trigger this time
        cursor.execute(
            "SELECT count(*) FROM jobs_job WHERE " + WORDS_AND_WEIGHTS.format("search_vector")
            + " IS DISTINCT FROM " + WORDS_AND_WEIGHTS.format("jobs_search_document(id, title, description, company_id)")
        )
        assert cursor.fetchone()[0] == 0


@on_postgresql
def test_a_big_load_rebuilds_the_search_index_and_a_lost_one_is_put_back(monkeypatch):
    def search_index():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_indexes WHERE indexname = %s", [seed_demo.SEARCH_INDEX])
            return cursor.fetchone()[0]

    monkeypatch.setattr(seed_demo.Seeder, "REBUILD_SEARCH_INDEX_FROM", 1)
    seed(jobs=120, users=0, applications=0)
    assert search_index() == 1
    assert not Job.objects.filter(search_vector=None).exists()

    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX {seed_demo.SEARCH_INDEX}")  # as if a run had been killed mid-load
    seed(if_empty=True)
    assert search_index() == 1


@pytest.mark.django_db(transaction=False)
def test_inside_a_transaction_it_writes_on_the_callers_connection():
    seed(jobs=80, users=3, applications=30)

    assert Job.objects.filter(source="demo").count() == 80
    assert Application.objects.filter(user__in=seeded_users()).count() == 30
    if connection.vendor == "postgresql":
        assert not Job.objects.filter(search_vector=None).exists()
        with connection.cursor() as cursor:  # the session is left as it was found
            cursor.execute("SHOW session_replication_role")
            assert cursor.fetchone()[0] == "origin"


def test_every_posting_has_a_page_to_apply_at_and_its_salary_in_annual_dollars():
    from jobs.salaries import current_rates, usd_range

    seed(jobs=120, users=0, applications=0)
    rates = current_rates()

    jobs = list(Job.objects.filter(source="demo").select_related("company"))
    assert all(job.apply_url == f"https://{job.company.slug}.example.com/careers/{job.pk}" for job in jobs)
    assert all((job.salary_min_usd, job.salary_max_usd)
               == usd_range(job.salary_min, job.salary_max, job.salary_currency, job.salary_period, rates) for job in jobs)
    assert any(job.salary_currency != "USD" and job.salary_max_usd for job in jobs)


@on_postgresql
def test_every_open_posting_gets_its_similar_jobs_stored_as_the_live_rule_chooses():
    from jobs.similar import compute_similar

    seed(jobs=300, users=1, applications=0)

    open_ids = set(Job.objects.active().values_list("pk", flat=True))
    lists = dict(SimilarJobs.objects.values_list("job_id", "job_ids"))
    assert set(lists) == open_ids
    assert sum(1 for ids in lists.values() if ids) > len(open_ids) // 2
    for job in Job.objects.filter(pk__in=sorted(open_ids)[:20]):
        assert lists[job.pk] == [other.pk for other in compute_similar(job, sorted(job.skill_ids))]


def test_the_seeded_catalogue_is_in_the_search_vocabulary_so_typing_help_works_at_once(client):
    from jobs.models import SearchTerm

    out = seed(jobs=300, users=1, applications=0)

    title = Job.objects.active().values_list("title", flat=True).first()
    assert SearchTerm.objects.filter(kind="title", key=title.lower()).exists()
    assert SearchTerm.objects.filter(kind="skill").exists() and SearchTerm.objects.filter(kind="company").exists()
    assert f"{SearchTerm.objects.count():,} search terms" in out
    suggestions = client.get("/jobs/suggest/", {"q": title[:4]}).json()["suggestions"]
    assert title in [suggestion["term"] for suggestion in suggestions] or len(suggestions) == 8
