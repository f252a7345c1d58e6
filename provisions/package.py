"""A release as a Frictionless tabular data package: CSV tables, their schemas, and a codebook.

`write(release, path)` writes one zip, derived from the release's frozen records only:

- one CSV per dataset group (`themes`, ..., `coverage`), one per many-to-many field
  (`provision_themes`, `plan_parties`, `plan_principal_parties`) and `people` (the public names
  of the people rows name as author or last editor);
- `datapackage.json` (Data Package v1, profile `tabular-data-package`): each table's Table
  Schema is read off the model (types, choices, required, unique, help texts as descriptions),
  with a foreign key for every id column, so a validator can check the tables join up;
- `README.md`: a codebook written from the same metadata, and how to cite the release.

Beside each id column that points at a version, point, party, tag or theme there is a readable
key (`plan_slug`, `provision_label`, ...), so a researcher can join tables without ids.
The zip is byte-identical every time it is written for the same release (fixed entry dates,
order and permissions), because its digest is its ETag.
"""

import csv
import datetime
import hashlib
import inspect
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from provisions import citing, dataset, releases
from provisions.models import Coverage, Plan, Provision

NAME = "peace-plan-provision-tracker"
KEYWORDS = ["peace plans", "peace negotiations", "Russia", "Ukraine", "provisions", "treaties"]
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
# Django's internal types that are not strings (integer fields and ids are found by name)
TYPES = {
    "BooleanField": "boolean",
    "DateField": "date",
    "DateTimeField": "datetime",
    "DecimalField": "number",
    "FloatField": "number",
    "JSONField": "any",  # written as JSON text
}
DERIVED = "Readable key (derived from the ids, for joining without them): "


@dataclass
class Column:
    name: str
    type: str
    description: str
    value: Callable  # row -> cell value
    required: bool = False
    unique: bool = False
    choices: list = field(default_factory=list)  # [(value, label)]
    refers_to: str | None = None  # the table whose `id` this column holds


@dataclass
class Table:
    name: str
    description: str
    columns: list[Column]
    rows: list  # (id, fields) of a group; (id, id) of a many-to-many table
    key: list[str]


class _Index:
    """The frozen rows by model and id, to spell out the readable keys."""

    def __init__(self, records: list[dict]):
        self.rows: dict[str, dict] = {}
        for record in records:
            self.rows.setdefault(record["model"], {})[record["pk"]] = record["fields"]

    def get(self, model, pk) -> dict:
        return self.rows.get(model._meta.label_lower, {}).get(pk) or {}

    def slug(self, model, pk) -> str:
        return self.get(model, pk).get("slug", "")

    def plan_slug_of(self, pk) -> str:
        return self.slug(Plan, self.get(Provision, pk).get("plan"))

    def label_of(self, pk) -> str:
        point = self.get(Provision, pk)
        return f"{point['number']}{point['sub']}" if point else ""


def write(release, path, *, url: str | None = None) -> None:
    """Write `release` as a zipped data package at `path`; `url`, the release's address, is
    named as its source and in its citation."""
    records = releases.records_of(release)
    tables = _tables(records)
    files = {f"data/{table.name}.csv": _csv(table) for table in tables}
    descriptor = _descriptor(release, url, records, tables, files)
    files["datapackage.json"] = (
        json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n"
    ).encode()
    files["README.md"] = _readme(descriptor, tables).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, so that the permissions mean the same everywhere
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])


# --- tables ----------------------------------------------------------------------------------


def _tables(records: list[dict]) -> list[Table]:
    index = _Index(records)
    groups = {model: group for group, model in dataset.GROUPS.items()}
    groups[get_user_model()] = "people"
    people = Table(
        "people",
        "The people named as a row's author or last editor, by their public name only.",
        [
            Column("id", "integer", "The person's id.", lambda row: row[0]),
            Column("name", "string", "The person's public name.", lambda row: row[1]["first_name"]),
        ],
        sorted(index.rows.get("auth.user", {}).items()),
        ["id"],
    )
    tables = [people]
    for group, model in dataset.GROUPS.items():
        rows = sorted(index.rows.get(model._meta.label_lower, {}).items())
        tables.append(Table(group, _doc(model), _columns(model, index, groups), rows, ["id"]))
        for many in model._meta.local_many_to_many:
            tables.append(_many_to_many(model, many, rows, index, groups))
    return tables


def _columns(model, index: _Index, groups: dict) -> list[Column]:
    columns = {"id": Column("id", "integer", "The row's id.", lambda row: row[0])}
    for model_field in model._meta.concrete_fields:
        if model_field.primary_key or not model_field.serialize:
            continue
        kind = _type(model_field)
        blank_text = model_field.blank and kind == "string"  # "" and null are one empty cell
        name = model_field.name
        columns[model_field.attname] = Column(
            model_field.attname,
            kind,
            _describe(model_field),
            lambda row, name=name: row[1].get(name),
            required=not model_field.null and not blank_text,
            unique=model_field.unique and not blank_text,
            choices=[(str(value), str(label)) for value, label in model_field.flatchoices],
            refers_to=groups.get(model_field.related_model),
        )
        if model_field.is_relation:
            target = model_field.related_model
            for column in _readable(name, target, index, lambda row, n=name: row[1].get(n)):
                _add(columns, column)
        if model is Provision and name == "sub":
            label = "The point's label: its number and letter, e.g. 10c."
            columns["label"] = Column(
                "label", "string", label, lambda row: f"{row[1]['number']}{row[1]['sub']}", True
            )
    return list(columns.values())


def _many_to_many(model, many, rows: list, index: _Index, groups: dict) -> Table:
    target = many.related_model
    owner_id, target_id = f"{model._meta.model_name}_id", f"{target._meta.model_name}_id"
    owner_text = f"The {model._meta.verbose_name}."
    columns = {
        owner_id: Column(owner_id, "integer", owner_text, lambda pair: pair[0], True),
        target_id: Column(target_id, "integer", _describe(many), lambda pair: pair[1], True),
    }
    columns[owner_id].refers_to, columns[target_id].refers_to = groups[model], groups[target]
    for column in [
        *_readable(model._meta.model_name, model, index, lambda pair: pair[0]),
        *_readable(target._meta.model_name, target, index, lambda pair: pair[1]),
    ]:
        _add(columns, column)
    pairs = sorted((pk, other) for pk, fields in rows for other in fields.get(many.name, []))
    what = f"Which {target._meta.verbose_name_plural} each {model._meta.verbose_name} has"
    why = f": {many.help_text}" if many.help_text else "."
    return Table(
        f"{model._meta.model_name}_{many.name}",
        f"{what} as `{many.name}`{why}",
        list(columns.values()),
        pairs,
        [owner_id, target_id],
    )


def _readable(name: str, target, index: _Index, pk_of: Callable) -> list[Column]:
    """The readable keys beside a column `<name>_id` of ids of `target`."""
    if target is Provision:
        prefix = "" if name == "provision" else f"{name}_"
        return [
            _derived(
                f"{prefix}plan_slug",
                f"the slug of the plan of the point in `{name}_id`.",
                lambda row: index.plan_slug_of(pk_of(row)),
            ),
            _derived(
                f"{name}_label",
                f"the label of the point in `{name}_id`, e.g. 10c.",
                lambda row: index.label_of(pk_of(row)),
            ),
        ]
    if any(f.name == "slug" for f in target._meta.concrete_fields):
        what = f"the slug of the {target._meta.verbose_name} in `{name}_id`."
        return [_derived(f"{name}_slug", what, lambda row: index.slug(target, pk_of(row)))]
    return []


def _derived(name: str, description: str, value: Callable) -> Column:
    return Column(name, "string", DERIVED + description, value)


def _add(columns: dict[str, Column], column: Column) -> None:
    """Add a readable key; one of the same name there already is filled in from either (a
    citation's plan is its own, or else its point's)."""
    first = columns.setdefault(column.name, column)
    if first is not column:
        either = column.description.removeprefix(DERIVED).removeprefix("the slug of ")
        first.description = f"{first.description.removesuffix('.')}, or else of {either}"
        first.value = lambda row, a=first.value, b=column.value: a(row) or b(row)


def _type(model_field) -> str:
    internal = model_field.get_internal_type()
    if model_field.is_relation or internal.endswith(("IntegerField", "AutoField")):
        return "integer"
    return TYPES.get(internal, "string")


def _describe(model_field) -> str:
    if model_field.help_text:
        return str(model_field.help_text)
    if model_field.is_relation:
        return f"The {model_field.related_model._meta.verbose_name}."
    return f"{str(model_field.verbose_name).capitalize()}."


def _doc(model) -> str:
    doc = inspect.cleandoc(model.__doc__ or "")
    return "" if doc.startswith(f"{model.__name__}(") else " ".join(doc.split())  # Django's own


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([column.name for column in table.columns])
    for row in table.rows:
        writer.writerow([_cell(column.value(row)) for column in table.columns])
    return out.getvalue().encode()


# --- metadata --------------------------------------------------------------------------------


def _descriptor(release, url, records, tables: list[Table], files: dict) -> dict:
    # the release's date stands in for the access date, so that a release's bytes never change
    citation = citing.release_citation(
        release,
        url or reverse("provisions:release-detail", args=[release.number]),
        accessed=release.published_at.date(),
    )
    return {
        "profile": "tabular-data-package",
        "name": f"{NAME}-release-{release.number}",
        "title": f"{citing.DATASET_TITLE} (release {release.number})",
        "version": str(release.number),
        "created": release.published_at.isoformat(),
        "description": f"{release.notes}\n\n{_coverage(release, records)}".strip(),
        **({"homepage": url} if url else {}),
        "licenses": [settings.DATASET_LICENSE],
        "sources": [{"title": citing.SITE, **({"path": url} if url else {})}],
        "contributors": [{"title": citing.DATASET_AUTHOR, "role": "author"}],
        "keywords": KEYWORDS,
        "citation": {"plain": citation["plain"], "bibtex": citation["bibtex"]},
        "resources": [_resource(table, files[f"data/{table.name}.csv"]) for table in tables],
    }


def _coverage(release, records: list[dict]) -> str:
    for record in records:
        if record["model"] == Coverage._meta.label_lower:
            fields = record["fields"]
            reviewed = fields.get("reviewed_on")
            return Coverage(
                material_until=datetime.date.fromisoformat(fields["material_until"]),
                reviewed_on=datetime.date.fromisoformat(reviewed) if reviewed else None,
            ).statement()
    until = release.coverage_until
    return f"Material published up to {until:%-d %B %Y}." if until else ""


def _resource(table: Table, content: bytes) -> dict:
    fields, keys = [], []
    for column in table.columns:
        constraints = {
            "required": column.required,
            "unique": column.unique,
            "enum": [value for value, _ in column.choices],
        }
        constraints = {name: value for name, value in constraints.items() if value}
        fields.append(
            {"name": column.name, "type": column.type, "description": column.description}
            | ({"constraints": constraints} if constraints else {})
        )
        if column.refers_to:
            other = "" if column.refers_to == table.name else column.refers_to  # "": this table
            keys.append({"fields": column.name, "reference": {"resource": other, "fields": "id"}})
    schema = {"fields": fields, "primaryKey": table.key if len(table.key) > 1 else table.key[0]}
    if keys:
        schema["foreignKeys"] = keys
    return {
        "name": table.name,
        "path": f"data/{table.name}.csv",
        "profile": "tabular-data-resource",
        "description": table.description,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "bytes": len(content),
        "hash": f"sha256:{hashlib.sha256(content).hexdigest()}",
        "schema": schema,
    }


def _readme(descriptor: dict, tables: list[Table]) -> str:
    licence, citation = descriptor["licenses"][0], descriptor["citation"]
    lines = [
        f"""# {descriptor["title"]}

Release {descriptor["version"]}, published {descriptor["created"]}.

{descriptor["description"]}

Licence: {licence["title"]} ({licence["path"]}). The short quotations in readings and excerpts
remain their sources' own.

## How to cite

The access date below is the release's date: put the date you downloaded it instead.

{citation["plain"]}

```bibtex
{citation["bibtex"]}
```

## Tables

Each table is a CSV file in `data/` (UTF-8, with a header row); an empty cell is no value.
`datapackage.json` describes the same tables for software (Frictionless Data Package v1)."""
    ]
    for table, resource in zip(tables, descriptor["resources"], strict=True):
        lines += ["", f"### {table.name}", "", f"`{resource['path']}`: {len(table.rows)} rows."]
        if table.description:
            lines += ["", table.description]
        lines += ["", "| column | type | description |", "| --- | --- | --- |"]
        for column in table.columns:
            text = column.description
            if column.refers_to:
                text += f" An `id` in `{column.refers_to}`."
            if column.choices:
                text += " One of: " + "; ".join(f"`{v}` ({n})" for v, n in column.choices) + "."
            text = text.replace("|", "\\|").replace("\n", " ")
            lines.append(f"| `{column.name}` | {column.type} | {text} |")
    return "\n".join(lines) + "\n"
