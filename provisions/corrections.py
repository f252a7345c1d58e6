"""Reviewed corrections of the dataset, applied to a living database with history.

The fixtures seed a new install; an install that already holds the data (and its editors'
work) is never overwritten by them (`load_dataset` only adds what is missing). A correction
that reviewers agreed on, such as the December 2026 audit's, therefore travels as a file in
`fixtures/corrections/`: each entry names a row by its natural key, the values it must still
have (`from`) and the values it gets (`to`: plain fields, not relations), or `delete`, with
the reason. `apply_corrections`
applies each one through the guarded services, so every change has a revision and a history
record carrying the reason, and only where nobody has changed the row since: a row that has
neither the old nor the new values is reported as a conflict and left alone. Applying a file
twice changes nothing.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import transaction

from provisions import services

CORRECTIONS_DIR = Path(settings.BASE_DIR) / "fixtures" / "corrections"


@dataclass
class Report:
    applied: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        counts = (
            f"applied: {len(self.applied)}, already so: {len(self.already)}, "
            f"conflicts: {len(self.conflicts)}, rows not found: {len(self.missing)}"
        )
        lines = [counts]
        lines += [f"conflict: {entry}" for entry in self.conflicts]
        lines += [f"not found: {entry}" for entry in self.missing]
        return lines


def correction_paths(directory: Path | None = None) -> list[Path]:
    return sorted((directory or CORRECTIONS_DIR).glob("*.json"))


@transaction.atomic
def apply_corrections(paths: list[Path], *, user=None) -> Report:
    report = Report()
    for path in paths:
        for number, entry in enumerate(json.loads(Path(path).read_text(encoding="utf-8")), 1):
            _apply(entry, f"{Path(path).name} #{number}", report, user)
    return report


def _apply(entry: dict, where: str, report: Report, user) -> None:
    try:
        with transaction.atomic():  # one entry refused leaves the others
            _apply_one(entry, where, report, user)
    except (services.StaleRevision, services.InUse, ValidationError) as refused:
        label = f"{where} {entry['model']} {json.dumps(entry['key'], ensure_ascii=False)}"
        report.conflicts.append(f"{label}: refused ({refused})")


def _apply_one(entry: dict, where: str, report: Report, user) -> None:
    model = apps.get_model(entry["model"])
    key = entry["key"]
    label = f"{where} {entry['model']} {json.dumps(key, ensure_ascii=False)}"
    try:
        obj = _lookup(model, key)
    except ObjectDoesNotExist:
        (report.already if entry.get("delete") else report.missing).append(label)
        return
    old = entry.get("from", {})
    if entry.get("delete"):
        if not _has(obj, old):
            report.conflicts.append(f"{label}: changed since the correction was written")
            return
        obj._change_reason = entry["reason"]
        services.record_delete(obj=obj, revision=obj.revision, user=user)
        report.applied.append(label)
        return
    new = entry["to"]
    if _has(obj, new):
        report.already.append(label)
    elif _has(obj, old):
        for name, value in new.items():
            setattr(obj, obj._meta.get_field(name).attname, _python(obj, name, value))
        obj._change_reason = entry["reason"]
        services.record_save(obj=obj, user=user)
        report.applied.append(label)
    else:
        report.conflicts.append(f"{label}: neither the old nor the new values")


def _lookup(model, key):
    if isinstance(key, dict):  # a correspondence: its two ends
        return model._default_manager.get_by_natural_key(*key["earlier"], *key["later"])
    return model._default_manager.get_by_natural_key(*key)


def _python(obj, name: str, value):
    return obj._meta.get_field(name).to_python(value)


def _has(obj, values: dict) -> bool:
    return all(
        getattr(obj, obj._meta.get_field(name).attname) == _python(obj, name, value)
        for name, value in values.items()
    )
