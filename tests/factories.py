"""factory-boy factories, one per model."""

import datetime

import factory

from provisions.models import (
    Assessment,
    Citation,
    Correspondence,
    Party,
    Plan,
    Position,
    Provision,
    SearchTerm,
    Source,
    Tag,
    Theme,
)


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Party
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"party-{n}")
    name = factory.Sequence(lambda n: f"Party {n}")
    kind = Party.Kind.STATE


class SearchTermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SearchTerm

    word = factory.Sequence(lambda n: f"word{n}")
    finds = "armed forces, troops"


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"theme-{n}")
    name = factory.Sequence(lambda n: f"Theme {n}")


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"tag-{n}")
    name = factory.Sequence(lambda n: f"Tag {n}")


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    slug = factory.Sequence(lambda n: f"plan-{n}")
    title = factory.Sequence(lambda n: f"Plan number {n}")
    short_name = factory.Sequence(lambda n: f"Plan {n}")
    presented_on = factory.Sequence(lambda n: datetime.date(2025, 1, 1) + datetime.timedelta(n))
    status = Plan.Status.PROPOSAL
    completeness = Plan.Completeness.FULL_TEXT


class ProvisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provision

    plan = factory.SubFactory(PlanFactory)
    number = factory.Sequence(lambda n: n % 9999 + 1)  # a label has at most four digits
    sub = ""
    position = factory.LazyAttribute(lambda p: p.number * 10)
    text = factory.Sequence(lambda n: f"Provision text number {n}.")
    wording = Provision.Wording.PARAPHRASE


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    publisher = factory.Sequence(lambda n: f"Publisher {n}")
    title = factory.Sequence(lambda n: f"Article {n}")
    url = factory.Sequence(lambda n: f"https://news.example.org/article-{n}")
    published_on = datetime.date(2025, 11, 21)
    language = "en"
    coverage = Source.Coverage.FULL_TEXT
    reliability = Source.Reliability.PRESS


class CitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Citation

    source = factory.SubFactory(SourceFactory)
    provision = factory.SubFactory(ProvisionFactory)
    plan = None
    locator = "point 1"


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    provision = factory.SubFactory(ProvisionFactory)
    tag = factory.SubFactory(TagFactory)
    rationale = "Because the sources say so."


class CorrespondenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Correspondence

    earlier = factory.SubFactory(ProvisionFactory)
    later = factory.SubFactory(ProvisionFactory)
    relation = Correspondence.Relation.MODIFIED
    status = Correspondence.Status.CONFIRMED


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Position

    provision = factory.SubFactory(ProvisionFactory)
    plan = factory.LazyAttribute(lambda p: p.provision.plan)
    party = factory.SubFactory(PartyFactory)
    stance = Position.Stance.ACCEPTS
    stated_on = datetime.date(2025, 12, 1)
    source = factory.SubFactory(SourceFactory)


def api_as(user):
    """An API client that sends `user`'s token."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client
