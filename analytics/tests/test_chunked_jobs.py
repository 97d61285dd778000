"""The long beat jobs run as chains of short chunks (so a task whose worker died comes back within
the broker's 5-minute visibility timeout), and a chain leaves exactly the rows one whole run
leaves. ANALYTICS_CHUNK_SECONDS = 0 makes every batch a chunk of its own; tasks run eagerly
here, so a chunk's `.delay()` of the next one runs it at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery.signals import task_prerun
from django.utils import timezone

from analytics import services, tasks
from analytics.models import Checkpoint, UserMetrics
from analytics.snapshots import user_metrics_recompute_all
from applications.models import Application

pytestmark = pytest.mark.django_db


@pytest.fixture
def seekers(django_user_model):
    """Seven seekers, each with applications in different states."""
    moment = timezone.now() - timedelta(days=40)
    users = []
    for number in range(7):
        user = django_user_model.objects.create_user(username=f"seeker{number}")
        for index, status in enumerate(["applied", "interviewing", "rejected", "offer"][: 1 + number % 4]):
            Application.objects.create(user=user, company_name=f"Company {index}", title="Engineer", status=status,
                                       created_at=moment, updated_at=moment, applied_at=moment)
        users.append(user)
    return users


@pytest.fixture
def chunks(settings):
    """Every batch a chunk of its own; the names of the chunks that ran, in order."""
    settings.ANALYTICS_CHUNK_SECONDS = 0
    ran = []

    def record(sender=None, task=None, **kwargs):
        ran.append(task.name.rsplit(".", 1)[-1])

    task_prerun.connect(record, weak=False)
    yield ran
    task_prerun.disconnect(record)


def _stored() -> dict[int, dict]:
    return {row.pop("user_id"): row for row in UserMetrics.objects.values() if row.pop("computed_at")}


def test_it_recomputes_everyone_in_chunks_leaving_the_rows_of_one_run(seekers, chunks):
    user_metrics_recompute_all()
    whole = _stored()
    UserMetrics.objects.all().delete()

    tasks.recompute_all_user_metrics.delay(batch_size=2)

    assert _stored() == whole and len(whole) == 7
    # 7 users two at a time: four chunks, and a last one that finds nobody left.
    assert chunks == ["recompute_all_user_metrics"] * 5


def test_it_recomputes_the_active_seekers_in_chunks_and_moves_the_checkpoint_at_the_end(seekers, chunks):
    started = timezone.now()
    services.user_metrics_recompute_active()  # the first run: everyone
    Checkpoint.objects.filter(name="user-metrics").update(ran_at=started - timedelta(days=1))
    Application.objects.filter(user__in=seekers[:5]).update(updated_at=timezone.now(), status="rejected")

    # A chain that breaks off after its first chunk leaves the checkpoint where it was, so the next
    # run covers the seekers it did not reach.
    done, resume = services.user_metrics_recompute_active_chunk(deadline=0, batch_size=2)
    assert done == 2 and resume["after_id"] == seekers[1].id
    assert Checkpoint.objects.get(name="user-metrics").ran_at == started - timedelta(days=1)

    UserMetrics.objects.all().delete()
    tasks.refresh_active_user_metrics.delay(batch_size=2)
    chained = _stored()
    assert set(chained) == {seeker.id for seeker in seekers[:5]}
    assert chunks == ["refresh_active_user_metrics"] * 3  # 2 + 2 + 1
    assert Checkpoint.objects.get(name="user-metrics").ran_at >= started

    UserMetrics.objects.all().delete()
    Checkpoint.objects.filter(name="user-metrics").update(ran_at=started - timedelta(days=1))
    services.user_metrics_recompute_active()
    assert _stored() == chained
    assert all(row["rejected"] == row["total"] for row in chained.values())


def test_it_recomputes_the_seekers_at_local_midnight_in_chunks(seekers, chunks):
    now = timezone.now().replace(hour=0, minute=5)  # midnight in UTC, the zone of seekers without a profile
    services.user_metrics_recompute_at_local_midnight(now=now)
    whole = _stored()
    UserMetrics.objects.all().delete()

    tasks.refresh_metrics_at_local_midnight.delay(now=now.isoformat(), batch_size=3)

    assert _stored() == whole and len(whole) == 7
    assert chunks == ["refresh_metrics_at_local_midnight"] * 3  # 3 + 3 + 1


def test_it_marks_ghosted_in_chunks(seekers, chunks):
    tasks.mark_ghosted_applications.delay(after_days=30, batch_size=2)

    ghosted = Application.objects.filter(status="ghosted").count()
    assert ghosted == 7 and not Application.objects.filter(status="applied").exists()  # one applied each
    assert chunks == ["mark_ghosted_applications"] * 4  # 2 + 2 + 2 + 1
    assert sum(row["ghosted"] for row in _stored().values()) == 7  # the owners' figures follow
