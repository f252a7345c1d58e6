"""Numbered releases: the dataset frozen for citing, its downloads, and reading it as it was.

- `publish` freezes every dataset row (with its id, so that ids in a published analysis keep
  meaning the same rows) into an immutable `Release`, in one snapshot of the database.
- `changes` says what a release added, changed and removed against the one before it, by
  comparing the two frozen copies row by row (the net effect of the history in between).
- `files` writes a release's downloads once (the JSON records and the Frictionless data
  package); a file is derived from the frozen data only, so it is byte-identical wherever and
  whenever it is written, and its digest is its ETag.
- `reading(release)` answers every read of a dataset model inside it from that release's frozen
  rows: they are loaded once into a read-only SQLite file beside the downloads, and
  `ReleaseRouter` sends the reads there. Views, filters and serializers run unchanged, so
  `?release=<number>` gives exactly the answers that were given on the day.
"""

import contextlib
import contextvars
import functools
import gzip
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.db.utils import ConnectionDoesNotExist, load_backend

from provisions import dataset, files
from provisions.models import Authored, Coverage, Plan, Release
from tracker import replicas

FROZEN_MODELS = tuple(dataset.GROUPS.values())
# the frozen models, and the tables of their many-to-many fields (a version's parties, a
# point's themes): frozen with the rows that hold them, and read from the release with them
_FROZEN_LABELS = {model._meta.label_lower for model in FROZEN_MODELS} | {
    field.remote_field.through._meta.label_lower
    for model in FROZEN_MODELS
    for field in model._meta.local_many_to_many
}
# how each group is named to readers of a release's changes
GROUP_NAMES = {
    "plans": "versions",
    "provisions": "provisions",
    "sources": "sources",
    "citations": "citations",
    "assessments": "assessments",
    "correspondences": "links",
    "positions": "positions",
    "themes": "themes",
    "tags": "tags",
    "parties": "parties",
    "coverage": "coverage",
}
# fields that move on every save without the row's content changing
_BOOKKEEPING = {"revision", "modified_at", "modified_by"}


class ReleaseError(ValidationError):
    pass


# --- making a release ------------------------------------------------------------------------


def publish(number: int, notes: str, user=None) -> Release:
    """Freeze the dataset as it is now into release `number`. On PostgreSQL, when the release
    begins its own transaction (the command does), every table is read in one snapshot, so an
    edit made meanwhile is either wholly in the release or not at all."""
    snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        if snapshot:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        return _publish(number, notes, user)


def _publish(number: int, notes: str, user) -> Release:
    notes = (notes or "").strip()
    errors = {}
    latest = Release.objects.select_for_update().order_by("-number").first()
    if number < 1:
        errors["number"] = "A release number is a whole number from 1 up."
    elif latest is not None and number <= latest.number:
        errors["number"] = (
            f"Release {latest.number} exists already; the next number must be higher."
        )
    if not notes:
        errors["notes"] = "Say in a few lines what this release is."
    if errors:
        raise ReleaseError(errors)
    records = freeze()
    payload = _dumps(records)
    coverage = Coverage.objects.current()
    release = Release(
        number=number,
        notes=notes,
        coverage_until=coverage.material_until if coverage else None,
        counts=_counts(records),
        frozen=gzip.compress(payload, mtime=0),
        digest=hashlib.sha256(payload).hexdigest(),
        published_by=user if getattr(user, "pk", None) else None,
    )
    try:
        release.save()
    except IntegrityError:  # a colleague's release took the number since the check above
        raise ReleaseError(
            {"number": f"Release {number} exists already; the next number must be higher."}
        ) from None
    return release


def freeze() -> list[dict]:
    """Every dataset row with its id, group by group, and the people they name (by their
    public name only: a login name is never published)."""
    records = []
    people = set()
    for model in FROZEN_MODELS:
        authored = issubclass(model, Authored)
        for record in serializers.serialize("python", dataset.model_rows(model)):
            if authored:
                for name in ("author", "modified_by"):
                    if record["fields"].get(name):
                        people.add(record["fields"][name])
            records.append(record)
    return _people(people) + records


def _people(ids) -> list[dict]:
    from provisions.services import display_name

    users = get_user_model()._default_manager.filter(pk__in=ids).order_by("pk")
    return [
        {
            "model": "auth.user",
            "pk": user.pk,
            "fields": {"username": f"person-{user.pk}", "first_name": display_name(user)},
        }
        for user in users
    ]


def _dumps(records: list[dict]) -> bytes:
    return json.dumps(records, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True).encode()


def _counts(records: list[dict]) -> dict:
    labels = {model._meta.label_lower: group for group, model in dataset.GROUPS.items()}
    counts = dict.fromkeys(dataset.GROUPS, 0)
    for record in records:
        group = labels.get(record["model"])
        if group:
            counts[group] += 1
    return counts


def records_of(release: Release) -> list[dict]:
    return json.loads(gzip.decompress(bytes(release.frozen)))


# --- what changed since the release before ---------------------------------------------------


@dataclass
class GroupChanges:
    group: str
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return GROUP_NAMES[self.group]

    @property
    def total(self) -> int:
        return len(self.added) + len(self.changed) + len(self.removed) + len(self.withdrawn)

    def as_dict(self) -> dict:
        return {
            "added": self.added,
            "changed": self.changed,
            "removed": self.removed,
            "withdrawn": self.withdrawn,
        }


def changes(release: Release, previous: Release | None) -> list[GroupChanges]:
    """Per group, the rows the release added, changed (in content, not bookkeeping) and removed
    against `previous` (everything is added in a first release); versions withdrawn in between
    are listed as withdrawn rather than changed."""
    now = _index(records_of(release))
    before = _index(records_of(previous)) if previous else {}
    names = _Names(now, before)
    result = []
    for group, model in dataset.GROUPS.items():
        label = model._meta.label_lower
        new, old = now.get(label, {}), before.get(label, {})
        entry = GroupChanges(group)
        for pk in sorted(new.keys() - old.keys()):
            entry.added.append(names.of(label, pk))
        for pk in sorted(old.keys() - new.keys()):
            entry.removed.append(names.of(label, pk, old=True))
        for pk in sorted(new.keys() & old.keys()):
            a, b = _content(old[pk]), _content(new[pk])
            if a == b:
                continue
            if model is Plan and b.get("withdrawn") and not a.get("withdrawn"):
                entry.withdrawn.append(names.of(label, pk))
            else:
                entry.changed.append(names.of(label, pk))
        result.append(entry)
    return result


def _index(records: list[dict]) -> dict[str, dict]:
    index: dict[str, dict] = {}
    for record in records:
        index.setdefault(record["model"], {})[record["pk"]] = record["fields"]
    return index


def _content(fields: dict) -> dict:
    return {name: value for name, value in fields.items() if name not in _BOOKKEEPING}


class _Names:
    """Readable names of frozen rows ("us-russia-28-2025-11 7"), from the frozen data alone."""

    def __init__(self, now: dict, before: dict):
        self.now, self.before = now, before

    def _get(self, label, pk, old):
        first, second = (self.before, self.now) if old else (self.now, self.before)
        return first.get(label, {}).get(pk) or second.get(label, {}).get(pk) or {}

    def of(self, label: str, pk, old: bool = False) -> str:
        fields = self._get(label, pk, old)
        if label == "provisions.plan":
            return fields.get("slug", str(pk))
        if label == "provisions.provision":
            plan = self._get("provisions.plan", fields.get("plan"), old).get("slug", "?")
            return f"{plan} {fields.get('number', '')}{fields.get('sub', '')}"
        if label == "provisions.correspondence":
            earlier = self.of("provisions.provision", fields.get("earlier"), old)
            later = self.of("provisions.provision", fields.get("later"), old)
            return f"{earlier} → {later} ({fields.get('relation', '')})"
        if label in ("provisions.assessment", "provisions.position", "provisions.citation"):
            target = fields.get("provision")
            where = (
                self.of("provisions.provision", target, old)
                if target
                else self.of("provisions.plan", fields.get("plan"), old)
            )
            if label == "provisions.assessment":
                tag = self._get("provisions.tag", fields.get("tag"), old).get("slug", "?")
                return f"{where}: {tag}"
            if label == "provisions.position":
                party = self._get("provisions.party", fields.get("party"), old).get("slug", "?")
                return f"{where}: {party} {fields.get('stance', '')} ({fields.get('stated_on')})"
            source = self._get("provisions.source", fields.get("source"), old).get("code", "")
            return f"{where} ← {source or 'source ' + str(fields.get('source'))}"
        if label == "provisions.source":
            return fields.get("code") or fields.get("url") or str(pk)
        if label == "provisions.coverage":
            return f"material up to {fields.get('material_until')}"
        return fields.get("slug") or fields.get("name") or str(pk)


# --- downloads -------------------------------------------------------------------------------


class FileInProgress(Exception):
    """Another request is writing this release's file right now."""


def release_dir(release: Release) -> Path:
    return Path(settings.RELEASE_DIR) / f"{release.number}-{release.digest[:16]}"


def export_file(release: Release) -> Path:
    """The release's records as one JSON file (loadable with `manage.py loaddata`)."""
    return _ensure(release, "export.json", lambda path: path.write_bytes(_export_bytes(release)))


def package_file(release: Release) -> Path:
    """The release as a Frictionless data package (provisions.package)."""
    from provisions import package

    url = settings.SITE_URL + release.get_absolute_url() if settings.SITE_URL else None
    return _ensure(release, "package.zip", lambda path: package.write(release, path, url=url))


def _export_bytes(release: Release) -> bytes:
    records = records_of(release)
    return (
        json.dumps(records, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1) + "\n"
    ).encode()


def file_etag(path: Path) -> str:
    """A file's ETag: the digest of its content, kept beside it once computed."""
    stamp = path.with_name(path.name + ".sha256")
    if stamp.exists():
        return f'"{stamp.read_text().strip()}"'
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:32]
    stamp.write_text(digest)
    return f'"{digest}"'


def _ensure(release: Release, name: str, write) -> Path:
    directory = release_dir(release)
    path = directory / name
    if path.exists():
        return path
    directory.mkdir(parents=True, exist_ok=True)
    with files.exclusive(directory / f".{name}.lock", FileInProgress):
        if not path.exists():
            with files.temporary_beside(path) as temporary:
                write(temporary)
                os.replace(temporary, path)
    file_etag(path)
    return path


def write_files(release: Release) -> list[Path]:
    """Every download of a release (done when it is made, so no reader waits for one)."""
    return [export_file(release), package_file(release), database_file(release)]


# --- reading a release -----------------------------------------------------------------------

_reading: contextvars.ContextVar[str | None] = contextvars.ContextVar("release", default=None)
_release: contextvars.ContextVar[Release | None] = contextvars.ContextVar("release", default=None)


def reading_release() -> Release | None:
    """The release being read in this request, if any."""
    return _release.get()


@contextlib.contextmanager
def reading(release: Release):
    """Answer every read of the dataset inside from `release`'s frozen rows."""
    alias = _register(database_file(release), read_only=True)
    tokens = _reading.set(alias), _release.set(release)
    try:
        yield alias
    finally:
        _reading.reset(tokens[0])
        _release.reset(tokens[1])


class ReleaseRouter:
    """While a release is being read, reads of dataset rows (and of the people they name, when
    reached from those rows) go to the release's database; everything else, and every write,
    goes on as usual. A write to a dataset model while reading a release is refused."""

    def db_for_read(self, model, **hints):
        alias = _reading.get()
        if alias is None:
            return None
        if model._meta.label_lower in _FROZEN_LABELS:
            return alias
        instance = hints.get("instance")
        if model is get_user_model() and instance is not None and instance._state.db == alias:
            return alias
        # the live database, as any other read would have it (a replica when there are some):
        # never Django's fallback to the instance's own database, the release's
        return replicas.ReplicaRouter().db_for_read(model) or DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        alias = _reading.get()
        if alias is not None and model._meta.label_lower in _FROZEN_LABELS:
            raise ReleaseError("A release is read-only.")
        return None


@functools.cache
def _schema_fingerprint() -> str:
    """Names the current tables of the frozen models: a release's database file is rebuilt from
    its frozen rows when the models change, never read with a schema it was not built for."""
    parts = []
    for model in (get_user_model(), *FROZEN_MODELS):
        columns = [f"{f.column}:{f.get_internal_type()}" for f in model._meta.local_fields]
        many = [f.m2m_db_table() for f in model._meta.local_many_to_many]
        parts.append(f"{model._meta.db_table}({','.join(columns)})[{','.join(many)}]")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]


def database_file(release: Release) -> Path:
    return _ensure(release, f"read-{_schema_fingerprint()}.sqlite3", lambda p: _build(release, p))


def _register(path: Path, *, read_only: bool) -> str:
    """A connection to a release's database file, made in this thread if it has none yet. It is
    not added to settings.DATABASES: it is nobody's to migrate, flush or wrap in a request's
    transaction, and the test runner treats it as the dynamic connection it is."""
    alias = "release-" + hashlib.sha256(f"{path}|{read_only}".encode()).hexdigest()[:16]
    try:
        connections[alias]
    except ConnectionDoesNotExist:
        name = f"file:{path}?mode=ro" if read_only else str(path)
        configured = connections.configure_settings(
            {
                DEFAULT_DB_ALIAS: connections.settings[DEFAULT_DB_ALIAS],
                alias: {"ENGINE": "django.db.backends.sqlite3", "NAME": name},
            }
        )[alias]
        connections[alias] = load_backend(configured["ENGINE"]).DatabaseWrapper(configured, alias)
    return alias


def _build(release: Release, path: Path) -> None:
    alias = _register(path, read_only=False)
    try:
        with connections[alias].schema_editor() as editor:
            for model in (get_user_model(), *FROZEN_MODELS):
                editor.create_model(model)
        objects = serializers.deserialize("python", records_of(release), using=alias)
        with dataset.history_off(), transaction.atomic(using=alias):
            for item in objects:
                item.save(using=alias)
    finally:
        connections[alias].close()
        del connections[alias]


def changes_since_previous(release: Release) -> list[GroupChanges]:
    """`changes` against the release before, kept in the cache for good (both are immutable)."""
    from django.core.cache import cache

    previous = Release.objects.filter(number__lt=release.number).order_by("-number").first()
    key = f"release-changes:{release.digest}:{previous.digest if previous else '-'}"
    stored = cache.get(key)
    if stored is None:
        stored = [(entry.group, entry.as_dict()) for entry in changes(release, previous)]
        cache.set(key, stored, timeout=None)
    return [GroupChanges(group, **lists) for group, lists in stored]
