"""Test data for applications; the catalogue side is kept to the fields applications read."""

from __future__ import annotations

import factory
from django.utils import timezone

from applications.models import Application, ApplicationEvent, Status
from jobs.models import Company, Job


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Faker("company")
    slug = factory.Sequence(lambda n: f"company-{n}")


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    company = factory.SubFactory(CompanyFactory)
    title = factory.Faker("job")
    description = factory.Faker("paragraph")
    location = "Berlin"
    source = "test"
    external_id = factory.Sequence(lambda n: f"job-{n}")


def make_applications(user, count: int, *, events_each: int = 2, status: str = Status.APPLIED) -> list[Application]:
    """`count` hand-entered applications, each with a created event and `events_each - 1` notes."""
    now = timezone.now()
    applications = Application.objects.bulk_create([
        Application(user=user, company_name=f"Company {i:04d}", title=f"Engineer {i:04d}", status=status,
                    created_at=now, updated_at=now, applied_at=now if status != Status.SAVED else None)
        for i in range(count)
    ])
    events = []
    for application in applications:
        events.append(ApplicationEvent(application=application, kind=ApplicationEvent.Kind.CREATED,
                                       to_status=application.status, actor=user, created_at=now))
        events.extend(
            ApplicationEvent(application=application, kind=ApplicationEvent.Kind.NOTE_ADDED, note=f"note {n}",
                             actor=user, created_at=now)
            for n in range(events_each - 1)
        )
    ApplicationEvent.objects.bulk_create(events)
    return applications
