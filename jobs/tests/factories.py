import factory
from datetime import timedelta

from django.utils import timezone

from jobs.models import Company, Job, Skill


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Company {n}")
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Skill {n}")


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job
        skip_postgeneration_save = True

    company = factory.SubFactory(CompanyFactory)
    title = factory.Sequence(lambda n: f"Job {n}")
    # Fixed words no test searches for. Faker's paragraph drew from an English word list
    # ("account", "design", "data", "senior", "manager", "go"...), so a posting matched a search
    # by chance, depending on how much of the random state earlier tests had used:
    # "sr accountant" found "Sr. Product designer" when its description held "Account"
    # (stemmed "accountant" is "account"). A test that needs a description writes its own.
    description = "Lorem ipsum dolor sit amet, consectetur adipiscing elit."
    location = "Berlin"
    posted_at = factory.Sequence(lambda n: timezone.now() - timedelta(minutes=n + 1))
    source = "test"
    external_id = factory.Sequence(lambda n: f"ext-{n}")
    salary_min = 50_000
    salary_max = 70_000

    @factory.post_generation
    def skills(self, create, extracted, **kwargs):
        if create and extracted:
            self.skills.set(extracted)
