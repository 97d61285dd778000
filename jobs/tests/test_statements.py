"""A search page's statements composed from pieces compiled once (jobs/statements.py): for every
filter shape, the SQL and parameters the ORM compiles for the same read, and the pieces compiled
no more than once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Value
from django.test.utils import CaptureQueriesContext

from jobs import selectors, statements
from jobs.search import aliases_read_once, current_aliases, parse_query
from jobs.selectors import SearchParams, filtered_jobs
from jobs.tests.conftest import postgres_only
from jobs.tests.factories import CompanyFactory, JobFactory, SkillFactory

pytestmark = [pytest.mark.django_db, postgres_only]

SHAPES = {
    "no-query": SearchParams(),
    "one-word": SearchParams(q="python"),
    "several-words": SearchParams(q="senior data engineer"),
    "excluding-a-word": SearchParams(q="engineer -sales"),
    "widened-by-an-alias": SearchParams(q="js developer"),  # an alias the migrations hold
    "phrase": SearchParams(q='"data engineer"'),
    "location": SearchParams(q="python", location="Berlin"),
    "location-unknown": SearchParams(location="Atlantis"),
    "facets": SearchParams(q="design", remote=("remote", "hybrid"), job_type=("full_time",), experience=("senior",)),
    "salary": SearchParams(q="python", salary_min=100_000, salary_max=200_000),
    "skills": SearchParams(q="engineer", skills=("python", "sql")),
    "company": SearchParams(q="python", company="acme"),
    "company-and-filters": SearchParams(q="python", company="acme", remote=("remote",), salary_min=90_000),
    "company-unknown": SearchParams(company="nowhere"),
    "posted-within": SearchParams(q="python", posted_within=7),
    "everything": SearchParams(q="python -sales", location="Berlin", remote=("remote",), job_type=("contract",),
                               experience=("mid", "senior"), salary_min=50_000, salary_max=250_000, company="acme",
                               skills=("python",), posted_within=30),
}


@pytest.fixture(autouse=True)
def catalogue():
    python, sql = SkillFactory(name="Python"), SkillFactory(name="SQL")
    acme = CompanyFactory(name="Acme", slug="acme")
    JobFactory(title="Python developer", company=acme, skills=[python, sql], location="Berlin", remote_policy="remote")
    JobFactory(title="Senior data engineer", skills=[sql], location="Paris")


def orm_candidates_sql(qs, parsed):
    """_candidates_sql as the ORM compiled it before jobs.statements."""
    matches, params = qs.order_by().values_list(*selectors._CANDIDATE_COLUMNS)[: selectors.COUNT_CAP + 1].query.sql_with_params()
    tier = selectors._tier_case(parsed) if parsed is not None else Value(1)
    query = qs.query.clone()
    tier_sql, tier_params = tier.resolve_expression(query).as_sql(query.get_compiler(qs.db), connection)
    sql = (f'SELECT "jobs_job".id, CASE WHEN "jobs_job".n <= %s THEN "jobs_job".posted_at END, '
           f'CASE WHEN "jobs_job".n <= %s THEN {tier_sql} END, "jobs_job".remote_policy, "jobs_job".job_type, '
           f'"jobs_job".experience_level FROM (SELECT matches.*, count(*) OVER () AS n FROM ({matches}) '
           f'AS matches(id, posted_at, title, search_title, remote_policy, job_type, experience_level)) AS "jobs_job"')
    return sql, [selectors.COUNT_CAP, selectors.COUNT_CAP, *tier_params, *params]


def same(composed, orm) -> None:
    sql, params = orm
    assert composed is not None
    assert composed[0] == sql
    assert list(composed[1]) == list(params)
    assert [type(value) for value in composed[1]] == [type(value) for value in params]


@pytest.mark.parametrize("params", SHAPES.values(), ids=SHAPES.keys())
@pytest.mark.parametrize("text_read_alone", [False, True], ids=["indexed", "text-read-alone"])
def test_it_composes_the_statements_the_orm_compiles_for_every_filter_shape(params, text_read_alone):
    with aliases_read_once():
        qs = filtered_jobs(params, text_read_alone=text_read_alone)
        parsed = parse_query(params.q, current_aliases()) if params.q else None
        same(statements.select(qs, '"jobs_job"."id" AS "pk"'), qs.order_by().values("pk").query.sql_with_params())
        same(selectors._candidates_sql(qs, parsed), orm_candidates_sql(qs, parsed))
        columns = ["remote_policy", "job_type", "experience_level"]
        same(statements.select(qs, ", ".join(f'"jobs_job"."{c}" AS "{c}"' for c in columns), (), " LIMIT 500"),
             qs.values(*columns)[:500].query.sql_with_params())
        if parsed:
            for condition in selectors._tier_filters(parsed):
                rows = filtered_jobs(SearchParams(**{**vars(params), "q": ""})).filter(condition)
                same(selectors._best_tiers_sql(rows, parsed), selectors._best_tiers(rows, parsed).query.sql_with_params())


@pytest.mark.parametrize("params", [SHAPES["one-word"], SHAPES["facets"], SHAPES["company-and-filters"]],
                         ids=["one-word", "facets", "company-and-filters"])
def test_it_sends_the_explain_the_orm_sends(params):
    qs = filtered_jobs(params)
    with CaptureQueriesContext(connection) as orm:
        qs.order_by().values("pk").explain(format="json")
    with CaptureQueriesContext(connection) as composed:
        planned = selectors._planned_rows(filtered_jobs(params))
    assert [q["sql"] for q in composed.captured_queries] == [q["sql"] for q in orm.captured_queries] or (
        # The two querysets hold their own timestamps (active()): equal but for them.
        [q["sql"].split("::timestamptz")[1] for q in composed.captured_queries]
        == [q["sql"].split("::timestamptz")[1] for q in orm.captured_queries])
    assert composed.captured_queries[0]["sql"].startswith("EXPLAIN (FORMAT json) SELECT")
    assert planned >= 1


def test_it_explains_the_open_postings_as_the_orm_does():
    from jobs.models import Job

    active = Job.objects.active().order_by()
    same(statements.select(active, '"jobs_job"."id" AS "pk"'), active.values("pk").query.sql_with_params())
    with CaptureQueriesContext(connection) as composed:
        assert selectors._active_planned() >= 1
    assert composed.captured_queries[-1]["sql"].startswith('EXPLAIN (FORMAT json) SELECT "jobs_job"."id" AS "pk" FROM "jobs_job" WHERE')


def test_it_compiles_a_sets_where_once_and_the_tiers_case_once_per_form(monkeypatch):
    statements._expression_template.cache_clear()
    built = []
    tier_case = selectors._tier_case
    monkeypatch.setattr(selectors, "_tier_case", lambda parsed: built.append(parsed) or tier_case(parsed))
    qs = filtered_jobs(SHAPES["facets"])
    assert statements.where(qs) is statements.where(qs)
    for text in ("python", "data engineer", "rust", "engineer -sales", "ops -manager"):
        parsed = parse_query(text, current_aliases())
        sql, params = statements.expression(qs.db, selectors._tier_case, parsed)
        query = qs.query.clone()
        assert (sql, params) == tuple(
            (s, list(p)) for s, p in [tier_case(parsed).resolve_expression(query).as_sql(query.get_compiler(qs.db), connection)])[0]
    assert len(built) == 2  # the stand-ins' CASE without an excluded word, and with one


def test_a_read_of_more_than_the_postings_goes_through_the_orm():
    joined = filtered_jobs(SearchParams(q="python")).filter(company__name="Acme")
    assert statements.where(joined) is None
    assert statements.select(joined, '"jobs_job"."id"') is None
    assert statements.where(filtered_jobs(SearchParams()).order_by("-posted_at")) is None


@pytest.mark.parametrize("params", [shape for shape in SHAPES.values() if shape.q and "-" not in shape.q],
                         ids=[name for name, shape in SHAPES.items() if shape.q and "-" not in shape.q])
def test_it_composes_each_tiers_newest_read_as_the_orm_compiles_it(params):
    with aliases_read_once():
        parsed = parse_query(params.q, current_aliases())
        unmatched = filtered_jobs(SearchParams(**{**vars(params), "q": ""}))
        for i, tier_read in enumerate(selectors._TIER_READS):
            read = unmatched.filter(tier_read(parsed)).order_by("-posted_at", "-id").values_list("pk", "posted_at")[:21]
            same(statements.narrowed_select(unmatched, tier_read, parsed, selectors._NEWEST_IDS,
                                            f"{selectors._NEWEST_ORDER} LIMIT 21"), read.query.sql_with_params())
        qs = filtered_jobs(params)
        same(statements.select(qs, selectors._NEWEST_IDS, (), f"{selectors._NEWEST_ORDER} LIMIT 21"),
             qs.order_by("-posted_at", "-id").values_list("pk", "posted_at")[:21].query.sql_with_params())


def test_the_stepwise_ranking_reads_the_tiers_the_orm_read():
    JobFactory(title="Python engineer")
    JobFactory(title="Engineer", description="Some Python scripting.")
    params = SearchParams(q="python", sort=selectors.Sort.RELEVANCE)
    parsed = parse_query(params.q, current_aliases())
    ranked = selectors._ranked_ids(filtered_jobs(params), parsed, 3, unmatched=filtered_jobs(SearchParams()), stepwise=True)
    assert ranked == selectors.exhaustive_ranked_ids(params, limit=3)
    assert len(ranked) == 3


OPEN_POSTINGS = SearchParams().filters_key()


def test_a_page_builds_its_set_of_matches_once(monkeypatch):
    params = SearchParams(q="python")
    built = []
    build = selectors._filtered_jobs
    monkeypatch.setattr(selectors, "_filtered_jobs", lambda p, **kw: built.append(p.filters_key()) or build(p, **kw))
    with aliases_read_once():
        page = selectors.search_jobs(params)
        selectors.job_facets(params, total=page.total)  # no candidates: the facets read the set again
    # Beside it, the open postings once (the catalogue's size, _active_planned; cached, and kept a page).
    assert sorted(built) == sorted([OPEN_POSTINGS, params.filters_key()])
    assert filtered_jobs(params) is not filtered_jobs(params)  # outside a page, nothing is kept


def test_a_page_reads_the_aliases_it_kept_beside_its_set_of_matches():
    with aliases_read_once():
        filtered_jobs(SearchParams())  # no query: no aliases read, the set kept first
        assert parse_query("js developer", current_aliases()).widened


def test_a_seekers_search_and_its_facets_read_the_aliases_once_and_build_each_set_once(alice_client, settings, monkeypatch):
    settings.CACHE_BYPASS = True
    built = []
    build = selectors._filtered_jobs
    monkeypatch.setattr(selectors, "_filtered_jobs", lambda p, **kw: built.append(p.filters_key()) or build(p, **kw))
    with CaptureQueriesContext(connection) as page:
        response = alice_client.get("/jobs/?q=python&remote=remote")
    assert response.status_code == 200 and b"Python developer" in response.content
    # The page's set, and the facets' set without the chosen remote filter: each built once.
    assert sorted(built) == sorted({SearchParams(q="python", remote=("remote",)).filters_key(), SearchParams(q="python").filters_key(),
                                    OPEN_POSTINGS})  # and the open postings (the catalogue's size, _active_planned)
    assert len([q for q in page.captured_queries if "jobs_searchalias" in q["sql"]]) == 1


def filtered_jobs_before(params: SearchParams, *, text_read_alone: bool):
    """filtered_jobs as it was built through the ORM before jobs.statements.composed_set (with
    JobQuerySet.active() and .search() as they were), for the tests below."""
    from datetime import timedelta

    from django.contrib.postgres.search import SearchQuery
    from django.db.models import Q
    from django.utils import timezone

    from jobs.models import SEARCH_CONFIG, TITLE_CONFIG, Job, TestedLastQuery

    def search(qs, text):
        parsed = parse_query(text, current_aliases())
        if not parsed:
            return qs.filter(pk__lt=0)
        stemmed = Q(search_vector=TestedLastQuery(parsed.english, search_type="raw", config=SEARCH_CONFIG))
        if not parsed.widened:
            return qs.filter(stemmed)
        return qs.filter(Q(search_title=SearchQuery(parsed.simple, search_type="raw", config=TITLE_CONFIG)) | stemmed)

    qs = Job.objects.filter(is_active=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
    text_read_alone = text_read_alone and bool(params.q)
    row_tested_text = None
    if params.q and text_read_alone:
        qs = search(qs, params.q)
    elif params.q:
        others = (params.location or params.remote or params.job_type or params.experience or params.skills
                  or params.salary_min is not None or params.salary_max is not None)
        parsed = parse_query(params.q, current_aliases()) if params.company and others else None
        if parsed:
            row_tested_text = selectors._match_as_filter(parsed)
        else:
            qs = search(qs, params.q)
    column_tests = []

    def narrow(condition):
        nonlocal qs
        if params.company or text_read_alone:
            column_tests.append(condition)
        else:
            qs = qs.filter(condition)

    if params.location:
        matched = selectors.locations_containing(params.location)
        if matched is None:
            narrow(Q(location__icontains=params.location))
        else:
            narrow(Q(location__in=matched or [params.location]))
    if params.remote:
        narrow(Q(remote_policy__in=params.remote))
    if params.job_type:
        narrow(Q(job_type__in=params.job_type))
    if params.experience:
        narrow(Q(experience_level__in=params.experience))
    if params.salary_min is not None:
        narrow(Q(salary_max_usd__gte=params.salary_min))
    if params.salary_max is not None:
        narrow(Q(salary_min_usd__lte=params.salary_max))
    if params.company:
        company = Q(company_id=selectors.company_id_for(params.company) or 0)
        if text_read_alone:
            narrow(company)
        else:
            qs = qs.filter(company)
    if params.skills:
        narrow(Q(skill_ids__contains=selectors.skill_ids_for(params.skills)))
    if params.posted_within:
        recent = Q(posted_at__gte=timezone.now() - timedelta(days=params.posted_within))
        if text_read_alone:
            narrow(recent)
        else:
            qs = qs.filter(recent)
    if column_tests:
        combined = column_tests[0]
        for condition in column_tests[1:]:
            combined &= condition
        tests = [combined] if row_tested_text is None else [combined, row_tested_text]
        qs = qs.filter(selectors._RowTest(*tests, arg_joiner=" AND "))
    return qs.order_by()


MORE_SHAPES = {
    **SHAPES,
    "nothing-searchable": SearchParams(q="!!"),
    "nothing-searchable-in-a-company": SearchParams(q="!!", company="acme", remote=("remote",)),
    "widened-in-a-company": SearchParams(q="js developer", company="acme", job_type=("contract",)),
    "a-value-twice": SearchParams(q="python", remote=("remote", "remote"), experience=("mid", "mid", "senior")),
    "unknown-skill": SearchParams(skills=("python", "cobol-on-wheels")),
    "salary-ceiling-only": SearchParams(salary_max=80_000),
    "several-locations": SearchParams(location="e"),  # Berlin, Paris and the factories' own
}


@pytest.fixture
def clock(monkeypatch):
    """One time for every timezone.now(), so the sets built twice hold the same timestamps."""
    from datetime import UTC, datetime

    from django.utils import timezone

    now = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: now)
    return now


@pytest.mark.parametrize("params", MORE_SHAPES.values(), ids=MORE_SHAPES.keys())
@pytest.mark.parametrize("text_read_alone", [False, True], ids=["indexed", "text-read-alone"])
def test_it_composes_the_sets_where_the_orm_built_for_every_filter_shape(params, text_read_alone, clock):
    with aliases_read_once():
        qs = filtered_jobs(params, text_read_alone=text_read_alone)
        composed = statements.where(qs)
        assert qs._deferred_filter is not None  # composed: no queryset built for it
        before = filtered_jobs_before(params, text_read_alone=text_read_alone)
        # The set the ORM builds when asked (the deferred filter), the set as it was built before,
        # and the WHERE composed without either: the same statement, parameters and their types.
        same(composed, before.query.get_compiler(before.db).compile(before.query.where))
        same(qs.values("pk").query.sql_with_params(), before.values("pk").query.sql_with_params())
        assert statements._conjunction(qs) and list(qs) == list(before)


def test_a_parameter_the_orm_derives_from_a_value_sends_the_set_through_the_orm(monkeypatch, clock):
    # More locations hold the text than the list is kept for: a containment, whose LIKE pattern
    # is made from the text, so no composed WHERE binds it.
    monkeypatch.setattr(selectors, "locations_containing", lambda text: None)
    params = SearchParams(q="python", location="Berl")
    qs = filtered_jobs(params)
    assert "_compiled_where" not in qs.__dict__
    before = filtered_jobs_before(params, text_read_alone=False)
    same(statements.where(qs), before.query.get_compiler(before.db).compile(before.query.where))
    assert [job.title for job in qs] == ["Python developer"]


def test_a_sets_where_is_compiled_once_per_shape(clock):
    statements._set_template.cache_clear()
    for text in ("python", "rust", "data engineer", "ops -manager"):
        for remote in (("remote",), ("hybrid",)):
            filtered_jobs(SearchParams(q=text, remote=remote))
    filtered_jobs(SearchParams(q="python", remote=("remote", "hybrid")))
    filtered_jobs(SearchParams(q="js developer", remote=("remote",)))  # widened: another text
    assert statements._set_template.cache_info().misses == 3
