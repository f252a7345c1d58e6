"""The dataset files in fixtures/ and the database: loading them in, exporting them back.

The database is the truth. The files are the seed of a new install and the latest published
state exported back into the repository. So:

- `load` puts every row of the files that the database lacks into it, with one history record
  each saying which file it came from (the first edit then has something to diff and revert to).
  A row the database has already is never overwritten: where it differs, the report says how.
  `overwrite=True` (development only) replaces such rows, with a history record each.
- `snapshot` writes the database back into the same files, in the same order, so that a
  snapshot of an unchanged database is byte-identical to what was loaded. Rows added since go to
  the end of their group's first file; rows deleted since leave their file.

Bookkeeping that belongs to one database (revision, modification time, who made or last
changed a row) is not part of the files: a row loaded elsewhere starts its own history.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.exceptions import ObjectDoesNotExist
from django.core.serializers.base import DeserializedObject
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from provisions.models import (
    Assessment,
    Citation,
    Correspondence,
    Coverage,
    Party,
    Plan,
    Position,
    Provision,
    Source,
    Tag,
    Theme,
)

FIXTURE_DIR = Path(settings.BASE_DIR) / "fixtures"
# group name -> model, in the order that loading needs (what is referred to comes first)
GROUPS = {
    "themes": Theme,
    "tags": Tag,
    "parties": Party,
    "sources": Source,
    "plans": Plan,
    "provisions": Provision,
    "citations": Citation,
    "correspondences": Correspondence,
    "assessments": Assessment,
    "positions": Position,
    "coverage": Coverage,
}
# one database's bookkeeping; and who made a row is a login on one install, not data
NOT_IN_FILES = {"id", "revision", "modified_at"}


def fixture_paths(directory: Path | None = None) -> list[Path]:
    """Each group's files, in loading order: `sources.json`, then `sources-*.json` by name."""
    directory = directory or FIXTURE_DIR
    paths = []
    for group in GROUPS:
        paths += sorted(directory.glob(f"{group}.json")) + sorted(directory.glob(f"{group}-*.json"))
    return paths


def file_fields(model) -> list[str]:
    opts = model._meta
    names = [f.name for f in opts.local_fields if f.serialize and _in_files(f)]
    return names + [f.name for f in opts.local_many_to_many if _in_files(f)]


def _in_files(field) -> bool:
    people = field.is_relation and field.related_model is get_user_model()
    return field.name not in NOT_IN_FILES and not people


# --- load ------------------------------------------------------------------------------------


@dataclass
class Difference:
    path: str
    model: str
    key: tuple
    fields: list[str]

    def __str__(self):
        return f"{self.path}: {self.model} {'/'.join(self.key)} differs in {', '.join(self.fields)}"


@dataclass
class LoadReport:
    added: dict[str, int] = field(default_factory=dict)
    unchanged: int = 0
    differences: list[Difference] = field(default_factory=list)
    overwritten: int = 0
    kept_deleted: list[str] = field(default_factory=list)

    @property
    def added_total(self) -> int:
        return sum(self.added.values())


@transaction.atomic
def load(paths: list[Path], *, overwrite: bool = False) -> LoadReport:
    """Add the rows of `paths` that the database lacks; report (or with `overwrite`, replace)
    the rows that differ. All or nothing."""
    report = LoadReport()
    now = timezone.now()
    loaded: list[tuple[Path, list]] = []
    deferred: list[DeserializedObject] = []
    deleted = {model: _deleted_keys(model) for model in GROUPS.values()}
    with history_off():
        for path in paths:
            created = []
            stream = serializers.deserialize(
                "json", path.read_text(encoding="utf-8"), handle_forward_references=True
            )
            for item in stream:
                instance = item.object
                model = type(instance)
                stored = (
                    model._default_manager.filter(pk=instance.pk).first() if instance.pk else None
                )
                if stored is None and deleted[model] and _key(instance) in deleted[model]:
                    report.kept_deleted.append(
                        f"{model._meta.model_name} {'/'.join(_key(instance))}"
                    )
                    continue
                if stored is None:
                    instance.pk = None
                    instance.modified_at = now
                    if isinstance(instance, Assessment) and instance.created_at is None:
                        instance.created_at = now
                    item.save()
                    if item.deferred_fields:
                        deferred.append(item)
                    created.append(instance)
                    continue
                changed = _differences(stored, item)
                if not changed:
                    report.unchanged += 1
                elif overwrite:
                    _overwrite(stored, item, changed, path, now)
                    report.overwritten += 1
                else:
                    report.differences.append(
                        Difference(
                            _name(path), model._meta.model_name, stored.natural_key(), changed
                        )
                    )
            loaded.append((path, created))
            label = path.stem.split("-")[0]
            report.added[label] = report.added.get(label, 0) + len(created)
        for item in deferred:
            item.save_deferred_fields()
    for path, created in loaded:
        _record_loaded(created, reason=f"Loaded from {_name(path)}", when=now)
    return report


def _deleted_keys(model) -> set[tuple]:
    """Natural keys of rows someone deleted (and nobody re-created): a load must not bring
    them back."""
    keys = set()
    for record in model.history.filter(history_type="-").iterator():
        try:
            keys.add(tuple(str(part) for part in record.instance.natural_key()))
        except ObjectDoesNotExist:  # what it hung from was deleted too: its key cannot recur
            continue
    return keys


def _key(instance) -> tuple:
    try:
        return tuple(str(part) for part in instance.natural_key())
    except ObjectDoesNotExist:
        return ()


class history_off:
    """Raw saves record no history, but their many-to-many updates would: keep them quiet; the
    loaded rows get one history record each afterwards (a release's database file is built
    under it too)."""

    def __enter__(self):
        self.before = getattr(settings, "SIMPLE_HISTORY_ENABLED", True)
        settings.SIMPLE_HISTORY_ENABLED = False

    def __exit__(self, *exc):
        settings.SIMPLE_HISTORY_ENABLED = self.before


def _name(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def _differences(stored, item: DeserializedObject) -> list[str]:
    instance, changed = item.object, []
    for name in file_fields(type(stored)):
        model_field = stored._meta.get_field(name)
        if model_field.many_to_many:
            wanted = {int(pk) for pk in (item.m2m_data or {}).get(name, [])}
            have = set(getattr(stored, name).values_list("pk", flat=True))
            if wanted != have:
                changed.append(name)
        else:
            ours = model_field.value_from_object(stored)
            if name in (item.deferred_fields or {}) or ours != model_field.value_from_object(
                instance
            ):
                changed.append(name)
    return changed


def _overwrite(stored, item: DeserializedObject, changed: list[str], path: Path, now) -> None:
    with _history_on():
        for name in changed:
            model_field = stored._meta.get_field(name)
            if not model_field.many_to_many:
                setattr(stored, model_field.attname, model_field.value_from_object(item.object))
        stored.revision += 1
        stored._change_reason = f"Overwritten from {_name(path)} (load_dataset --overwrite)"
        stored.save()
        for name in changed:
            if stored._meta.get_field(name).many_to_many:
                stored.skip_history_when_saving = True
                getattr(stored, name).set(item.m2m_data[name])
                del stored.skip_history_when_saving


class _history_on(history_off):
    def __enter__(self):
        self.before = getattr(settings, "SIMPLE_HISTORY_ENABLED", True)
        settings.SIMPLE_HISTORY_ENABLED = True


def _record_loaded(created: list, *, reason: str, when) -> None:
    """One history record per loaded row ("+", dated now, with where it came from), with the
    many-to-many values the row was loaded with."""
    if not created:
        return
    model = type(created[0])
    historical = model.history.model
    records = model.history.bulk_history_create(
        created, default_change_reason=reason, default_date=when
    )
    for m2m in historical._history_m2m_fields:
        history_m2m = historical._meta.apps.get_model(
            historical._meta.app_label, f"{historical.__name__}_{m2m.name}"
        )
        through = m2m.remote_field.through
        source, target = m2m.m2m_field_name(), m2m.m2m_reverse_field_name()
        by_owner: dict[int, list] = {}
        for row in through.objects.filter(**{f"{source}__in": created}):
            by_owner.setdefault(getattr(row, f"{source}_id"), []).append(row)
        history_m2m.objects.bulk_create(
            history_m2m(
                history=record,
                id=row.pk,
                **{f"{source}_id": record.id, f"{target}_id": getattr(row, f"{target}_id")},
            )
            for record in records
            for row in by_owner.get(record.id, [])
        )


# --- snapshot --------------------------------------------------------------------------------


def snapshot(directory: Path | None = None) -> dict[Path, int]:
    """Write every dataset row into `directory`, in the files and order it already has there.
    Returns the rows written per file."""
    directory = directory or FIXTURE_DIR
    written = {}
    existing = fixture_paths(directory)
    for group, model in GROUPS.items():
        files = [p for p in existing if p.stem == group or p.stem.startswith(f"{group}-")]
        placed: dict[tuple, tuple[int, int]] = {}  # natural key -> (file index, position)
        for index, path in enumerate(files):
            for position, record in enumerate(json.loads(path.read_text(encoding="utf-8"))):
                placed.setdefault(_key_of(model, record), (index, position))
        files = files or [directory / f"{group}.json"]
        buckets: list[list[tuple]] = [[] for _ in files]
        for obj in model_rows(model):
            key = obj.natural_key()
            index, position = placed.get(key, (0, None))
            order = (0, position) if position is not None else (1, obj.pk)
            buckets[index].append((order, obj))
        fields = file_fields(model)
        for path, bucket in zip(files, buckets, strict=True):
            rows = [obj for _, obj in sorted(bucket, key=lambda pair: pair[0])]
            path.write_text(_serialize(rows, fields), encoding="utf-8")
            written[path] = len(rows)
    return written


def records():
    """Every dataset row as a file record, group by group (the API's export streams these)."""
    for model in GROUPS.values():
        fields = file_fields(model)
        for row in model_rows(model).iterator(chunk_size=500):
            yield from serializers.serialize(
                "python", [row], fields=fields,
                use_natural_foreign_keys=True, use_natural_primary_keys=True,
            )  # fmt: skip


def _serialize(rows: list, fields: list[str]) -> str:
    records = serializers.serialize(
        "python", rows, fields=fields, use_natural_foreign_keys=True, use_natural_primary_keys=True
    )
    return json.dumps(records, indent=2, ensure_ascii=False, cls=DjangoJSONEncoder) + "\n"


def model_rows(model) -> models.QuerySet:
    """Every row of `model` in primary-key order, with what its natural keys need (a snapshot
    or a release reads the dataset through this too)."""
    related = {
        Provision: ["plan"],
        Citation: ["source", "plan", "provision__plan"],
        Correspondence: ["earlier__plan", "later__plan"],
        Assessment: ["provision__plan", "tag", "source"],
        Plan: ["based_on"],
        Position: ["plan", "provision__plan", "party", "source"],
    }.get(model, [])
    queryset = model._default_manager.select_related(*related).order_by("pk")
    many = [f.name for f in model._meta.local_many_to_many]
    return queryset.prefetch_related(*many) if many else queryset


def _key_of(model, record: dict) -> tuple:
    """A file record's natural key, as the model's natural_key() gives it."""
    fields = record["fields"]
    if model is Provision:
        return (fields["plan"][0], f"{fields['number']}{fields['sub']}")
    if model is Citation:
        target = fields["provision"] or [fields["plan"][0], ""]
        return (fields["source"][0], *target)
    if model is Correspondence:
        return (*fields["earlier"], *fields["later"])
    if model is Assessment:
        return (*fields["provision"], fields["tag"][0])
    if model is Source:
        return (fields["url"],)
    if model is Coverage:
        return (fields["name"],)
    if model is Position:
        label = fields["provision"][1] if fields["provision"] else ""
        party, source = fields["party"][0], fields["source"][0]
        return (fields["plan"][0], label, party, fields["stated_on"], source)
    return (fields["slug"],)
