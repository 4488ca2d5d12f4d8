"""The recorded PrestaShop 8.2.1 schemas, loaded at run time from `shared/prestashop-ws/`.

Each `schemas/<resource>.synopsis.xml` gives, per field, `required`, `format` (validator name),
`maxSize`, `readOnly` and `notFilterable`, and the associations. The fake validates and renders from
these specs so that it cannot drift from the recordings. The few resources the recordings do not cover
(languages, combinations, ...) get minimal field lists in `_EXTRA_FIELDS`, marked as such.
"""

from __future__ import annotations

import functools
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from .validators import unknown_formats

DATA_ENV = "AMZORDERS_PRESTASHOP_WS_DIR"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
RECORDED_BASE = ("http://127.0.0.1:8080", "http://127.0.0.1:8081")


class RecordingsMissing(RuntimeError):
    """The recorded webservice data (shared/prestashop-ws) cannot be found."""


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    required: bool = False
    format: str | None = None
    max_size: int | None = None
    read_only: bool = False
    not_filterable: bool = False
    multilang: bool = False
    link: str | None = None  # the resource an association field points to (its xlink:href)


@dataclass(frozen=True, slots=True)
class AssociationSpec:
    name: str  # e.g. "order_rows"
    node: str  # e.g. "order_row"
    attrs: tuple[tuple[str, str], ...]  # rendered on the association element (nodeType, virtualEntity, api)
    fields: tuple[FieldSpec, ...]


@dataclass(frozen=True, slots=True)
class ResourceSpec:
    name: str  # plural, as in the URL
    singular: str
    fields: tuple[FieldSpec, ...]  # without `id`
    associations: tuple[AssociationSpec, ...] = ()
    recorded: bool = True
    by_name: dict[str, FieldSpec] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        self.by_name.update({f.name: f for f in self.fields})

    @property
    def class_name(self) -> str:
        """PrestaShop's class name as it appears in validation messages (`Order`, `OrderHistory`)."""
        return "".join(part.capitalize() for part in self.singular.split("_"))

    def association(self, name: str) -> AssociationSpec | None:
        return next((a for a in self.associations if a.name == name), None)


def data_dir() -> Path:
    """`$AMZORDERS_PRESTASHOP_WS_DIR`, else the `shared/prestashop-ws` found beside a parent folder."""
    configured = os.environ.get(DATA_ENV)
    if configured:
        path = Path(configured)
        if not (path / "schemas").is_dir():
            raise RecordingsMissing(f"{DATA_ENV}={configured} has no schemas/ folder")
        return path
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "prestashop-ws"
        if (candidate / "schemas").is_dir():
            return candidate
    raise RecordingsMissing(
        "shared/prestashop-ws (the recorded PrestaShop webservice) was not found beside the project; "
        f"set {DATA_ENV} to its path"
    )


def _field(element: ET.Element) -> FieldSpec:
    a = element.attrib
    return FieldSpec(
        name=element.tag,
        required=a.get("required") == "true",
        format=a.get("format"),
        max_size=int(a["maxSize"]) if "maxSize" in a else None,
        read_only=a.get("readOnly") == "true",
        not_filterable=a.get("notFilterable") == "true",
        multilang=element.find("language") is not None,
        link=a[XLINK_HREF].rstrip("/").rsplit("/", 1)[-1] if XLINK_HREF in a else None,
    )


def parse_synopsis(text: str, name: str) -> ResourceSpec:
    entity = ET.fromstring(text)[0]
    fields: list[FieldSpec] = []
    associations: list[AssociationSpec] = []
    for child in entity:
        if child.tag != "associations":
            fields.append(_field(child))
            continue
        for assoc in child:
            node = assoc[0]
            attrs = tuple(
                (k, v) for k, v in assoc.attrib.items() if k in ("nodeType", "virtualEntity", "api")
            )
            associations.append(AssociationSpec(assoc.tag, node.tag, attrs, tuple(_field(f) for f in node)))
    return ResourceSpec(name, entity.tag, tuple(fields), tuple(associations))


def _spec(name: str, singular: str, *names: str) -> ResourceSpec:
    return ResourceSpec(name, singular, tuple(FieldSpec(n) for n in names), recorded=False)


# Not in the recordings: the smallest field lists the fake needs (no validation beyond ids).
_EXTRA_FIELDS = (
    _spec("languages", "language", "name", "iso_code", "locale", "language_code", "active", "is_rtl"),
    _spec(
        "combinations",
        "combination",
        "id_product",
        "reference",
        "ean13",
        "price",
        "quantity",
        "minimal_quantity",
        "default_on",
    ),
    _spec("tax_rule_groups", "tax_rule_group", "name", "active", "deleted"),
    _spec("taxes", "tax", "rate", "active", "deleted"),
    _spec(
        "tax_rules",
        "tax_rule",
        "id_tax_rules_group",
        "id_state",
        "id_country",
        "zipcode_from",
        "zipcode_to",
        "id_tax",
        "behavior",
        "description",
    ),
    _spec("zones", "zone", "name", "active"),
    _spec("shops", "shop", "id_shop_group", "id_category", "active", "deleted", "name"),
)


@functools.cache
def resource_specs() -> dict[str, ResourceSpec]:
    """Every resource the fake models, by plural name."""
    schemas = data_dir() / "schemas"
    specs = {s.name: s for s in _EXTRA_FIELDS}
    for path in sorted(schemas.glob("*.synopsis.xml")):
        name = path.name.removesuffix(".synopsis.xml")
        specs[name] = parse_synopsis(path.read_text(encoding="utf-8"), name)
    formats = {f.format for s in specs.values() for f in s.fields if f.format}
    missing = unknown_formats(formats)
    if missing:
        raise RuntimeError(f"recorded schemas use validators the fake does not know: {sorted(missing)}")
    return specs


@functools.cache
def api_resources() -> tuple[str, ...]:
    """The resource names of `GET /api/` on the recorded shop (api_index.xml)."""
    root = ET.fromstring((data_dir() / "schemas" / "api_index.xml").read_bytes())
    return tuple(child.tag for child in root[0])


def recorded_text(relative: str, base_url: str) -> str | None:
    """A recorded file with the recording shop's URLs replaced by `base_url`, or None if absent."""
    path = data_dir() / relative
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    for recorded in RECORDED_BASE:
        text = text.replace(recorded, base_url)
    return text
