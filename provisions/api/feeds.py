"""Atom feeds of changes, built from the history that django-simple-history keeps, so a
researcher can follow a version, one provision (with its tags and links) or a tag in a reader."""

import copy
import datetime
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Q
from django.http.request import split_domain_port
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from provisions.models import (
    Assessment,
    Correspondence,
    Party,
    Plan,
    Position,
    Provision,
    Tag,
    split_label,
)
from provisions.services import display_name

LIMIT = 50
VERBS = {"+": "added", "~": "changed", "-": "deleted"}


# Characters XML 1.0 cannot carry: the feed generator raises on the control characters, which
# stored text may hold, so they are replaced rather than turning the feed into a server error.
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(value):
    return NOT_XML.sub("\ufffd", value) if isinstance(value, str) else value


class XmlSafeAtom1Feed(Atom1Feed):
    """Atom whose every text (feed and entries alike) is made fit for XML first."""

    def __init__(self, *args, **kwargs):
        super().__init__(*map(_xml_text, args), **{k: _xml_text(v) for k, v in kwargs.items()})

    def add_item(self, *args, **kwargs):
        super().add_item(*map(_xml_text, args), **{k: _xml_text(v) for k, v in kwargs.items()})


def _id_authority(request) -> str:
    """The host that mints the feeds' entry ids: a DNS name, without a port."""
    if settings.SITE_URL:
        return urlsplit(settings.SITE_URL).hostname or ""
    return split_domain_port(request.get_host())[0]


class TrackerFeed(Feed):
    feed_type = XmlSafeAtom1Feed

    def item_title(self, item):
        return item["title"]

    def item_description(self, item):
        # Atom's summary is declared HTML: stored text is escaped, so readers show it as text
        return escape(item["description"])

    def item_link(self, item):
        return item["link"]

    # RFC 4287 wants an entry's id to be an IRI. A tag: URI (RFC 4151) names the entry without
    # claiming an address that may move: the site's host (SITE_URL's, else the request's) and
    # the year the tracker began, so the same entry has the same id on every read
    ID_YEAR = 2025

    def __call__(self, request, *args, **kwargs):
        feed = copy.copy(self)  # one per request: the URLconf's instance serves every thread
        feed.id_authority = _id_authority(request)
        return Feed.__call__(feed, request, *args, **kwargs)

    def item_guid(self, item):
        return f"tag:{self.id_authority},{self.ID_YEAR}:{item['guid']}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item["date"]

    def item_updateddate(self, item):
        return item["date"]


def _provision_items(records) -> list[dict]:
    items = []
    for record in records:
        label = f"{record.number}{record.sub}"
        plan_slug = record.plan.slug if record.plan_id else ""
        link = reverse("provisions:provision-detail", args=[plan_slug, label])
        who = f" by {display_name(record.history_user)}" if record.history_user else ""
        items.append(
            {
                "title": f"Point {label} {VERBS.get(record.history_type, 'changed')} "
                f"(revision {record.revision}){who}",
                "description": record.text,
                "link": link,
                "guid": f"provision-history-{record.history_id}",
                "date": record.history_date,
            }
        )
    return items


class VersionsFeed(TrackerFeed):
    title = "Peace plan tracker: new versions"
    description = "Every plan version as it is added to the tracker."

    def link(self):
        return reverse("provisions:plan-list")

    def items(self):
        plans = Plan.objects.order_by("-presented_on", "slug")[:LIMIT]
        return [
            {
                "title": f"{plan.short_name} ({plan.get_status_display()})",
                "description": plan.summary or plan.title,
                "link": plan.get_absolute_url(),
                "guid": f"plan-{plan.slug}",
                "date": datetime.datetime.combine(
                    plan.presented_on, datetime.time(), tzinfo=datetime.UTC
                ),
            }
            for plan in plans
        ]


class PlanChangesFeed(TrackerFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Plan, slug=slug)

    def title(self, plan):
        return f"Changes to the points of the {plan.short_name}"

    def link(self, plan):
        return plan.get_absolute_url()

    def description(self, plan):
        return f"Every saved change to a point of {plan.title}."

    def items(self, plan):
        records = (
            Provision.history.filter(plan_id=plan.pk)
            .select_related("history_user", "plan")
            .order_by("-history_date", "-history_id")[:LIMIT]
        )
        return _provision_items(records)


class ProvisionFeed(TrackerFeed):
    def get_object(self, request, slug, label):
        try:
            number, sub = split_label(label)
        except ValueError:
            number, sub = -1, ""
        return get_object_or_404(
            Provision.objects.select_related("plan"), plan__slug=slug, number=number, sub=sub
        )

    def title(self, provision):
        return f"{provision.plan.short_name}, point {provision.display_label}: changes"

    def link(self, provision):
        return provision.get_absolute_url()

    def description(self, provision):
        return "Changes to this point's text, its assessments and its links to other versions."

    def items(self, provision):
        text = _provision_items(
            provision.history.select_related("history_user", "plan").order_by("-history_date")[
                :LIMIT
            ]
        )
        tags = [
            {
                "title": f"Tag '{record.tag.name}' {VERBS.get(record.history_type, 'changed')}",
                "description": record.rationale,
                "link": provision.get_absolute_url() + "#assessments",
                "guid": f"assessment-history-{record.history_id}",
                "date": record.history_date,
            }
            for record in Assessment.history.filter(provision_id=provision.pk)
            .select_related("tag")
            .order_by("-history_date")[:LIMIT]
        ]
        links = [
            {
                "title": f"Link {VERBS.get(record.history_type, 'changed')}: {record.relation}",
                "description": record.note,
                "link": provision.get_absolute_url() + "#lineage",
                "guid": f"correspondence-history-{record.history_id}",
                "date": record.history_date,
            }
            for record in Correspondence.history.filter(
                Q(earlier_id=provision.pk) | Q(later_id=provision.pk)
            ).order_by("-history_date")[:LIMIT]
        ]
        stances = _position_items(
            Position.history.filter(provision_id=provision.pk).order_by("-history_date")[:LIMIT]
        )
        changes = text + tags + links + stances
        return sorted(changes, key=lambda item: item["date"], reverse=True)[:LIMIT]


def _position_items(records) -> list[dict]:
    """A stance recorded, changed or deleted: one entry each, naming the party, the stance and
    the date it was stated (history records keep ids only: their names are fetched at once)."""
    records = list(records)
    parties = {p.pk: p.name for p in Party.objects.filter(pk__in={r.party_id for r in records})}
    provisions = Provision.objects.select_related("plan").in_bulk(
        {r.provision_id for r in records if r.provision_id}
    )
    plans = Plan.objects.in_bulk({r.plan_id for r in records})
    items = []
    for record in records:
        provision = provisions.get(record.provision_id)
        plan = plans.get(record.plan_id)
        where = f"point {provision.display_label}" if provision else "the version as a whole"
        stance = dict(Position.Stance.choices).get(record.stance, record.stance).lower()
        link = (
            provision.get_absolute_url() + "#positions"
            if provision
            else reverse("provisions:board", args=[plan.slug])
            if plan
            else "/"
        )
        items.append(
            {
                "title": f"{parties.get(record.party_id, 'A party')} {stance} ({where}, stated "
                f"{record.stated_on:%d %b %Y}): {VERBS.get(record.history_type, 'changed')}",
                "description": record.note or record.excerpt,
                "link": link,
                "guid": f"position-history-{record.history_id}",
                "date": record.history_date,
            }
        )
    return items


class PlanPositionsFeed(TrackerFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Plan, slug=slug)

    def title(self, plan):
        return f"Where the parties stand on the {plan.short_name}: changes"

    def link(self, plan):
        return reverse("provisions:board", args=[plan.slug])

    def description(self, plan):
        return f"Every stance recorded, changed or removed on {plan.title}."

    def items(self, plan):
        records = Position.history.filter(plan_id=plan.pk).order_by("-history_date", "-history_id")
        return _position_items(records[:LIMIT])


class TagFeed(TrackerFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Tag, slug=slug)

    def title(self, tag):
        return f"New assessments tagged '{tag.name}'"

    def link(self, tag):
        return reverse("provisions:plan-list")

    def description(self, tag):
        return tag.description

    def items(self, tag):
        assessments = (
            Assessment.objects.filter(tag=tag)
            .select_related("provision__plan")
            .order_by("-created_at", "-pk")[:LIMIT]
        )
        return [
            {
                "title": f"{a.provision.plan.short_name}, point {a.provision.display_label}: "
                f"{tag.name}",
                "description": a.rationale,
                "link": a.provision.get_absolute_url() + "#assessments",
                "guid": f"assessment-{a.pk}",
                "date": a.created_at,
            }
            for a in assessments
        ]
