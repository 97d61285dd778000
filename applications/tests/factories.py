"""Test data for applications; the catalogue side is kept to the fields applications read."""

from __future__ import annotations

import factory
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from applications.models import Application, ApplicationDocument, ApplicationEvent, Contact, Document, Interview, Status
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


PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def make_document(user, *, name: str = "Résumé", content: bytes = PDF_BYTES, file_type: str = "pdf") -> Document:
    """A document in the library, written straight to the storage (the upload checks are tested apart)."""
    document = Document(user=user, name=name, file_type=file_type, original_filename=f"{name}.{file_type}", size=len(content))
    document.file.save("upload", ContentFile(content), save=False)
    document.save()
    return document


def add_extras(applications, *, each: int, documents: list[Document] = ()) -> None:
    """`each` interviews (half past, half to come) and contacts per application, and the documents attached."""
    now = timezone.now()
    Interview.objects.bulk_create(
        Interview(user_id=a.user_id, application=a, starts_at=now + timedelta(days=n - each // 2, hours=1),
                  with_whom=f"Interviewer {n}")
        for a in applications for n in range(each)
    )
    Contact.objects.bulk_create(
        Contact(user_id=a.user_id, application=a, name=f"Contact {n}", email=f"c{n}@example.com")
        for a in applications for n in range(each)
    )
    ApplicationDocument.objects.bulk_create(
        ApplicationDocument(application=a, document=d) for a in applications for d in documents
    )
