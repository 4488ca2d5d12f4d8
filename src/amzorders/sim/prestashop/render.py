"""Renders records the way PrestaShop 8.2.1's webservice prints them, in XML and in JSON.

The shapes follow the captures: XML with one CDATA value per field and `xlink:href` on foreign keys;
JSON objects whose top-level empty values ("" and "0", PHP's `empty()`) are left out for whole objects
but kept for an explicit `display=[...]` list; an empty JSON collection is a bare `[]`.

A record is a dict: `id` (int), field values (str), multilingual fields as {lang id: str}, and
`associations` as {name: [row dicts]}.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from .schemas import AssociationSpec, FieldSpec, ResourceSpec

XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<prestashop xmlns:xlink="http://www.w3.org/1999/xlink">\n'
XML_TAIL = "</prestashop>\n"

# Top-level foreign keys printed with an xlink:href, per resource (as in the captures and samples).
_COMMON_LINKS = {
    "id_address_delivery": "addresses",
    "id_address_invoice": "addresses",
    "id_currency": "currencies",
    "id_lang": "languages",
    "id_customer": "customers",
    "id_country": "countries",
    "id_state": "states",
    "id_product": "products",
    "id_order": "orders",
    "id_carrier": "carriers",
    "id_cart": "carts",
    "id_order_state": "order_states",
    "current_state": "order_states",
    "id_product_attribute": "combinations",
}
_NO_LINK = {"carts": {"id_carrier"}}


def link_of(resource: str, field: FieldSpec) -> str | None:
    if field.link:
        return field.link
    if field.name in _NO_LINK.get(resource, ()):
        return None
    return _COMMON_LINKS.get(field.name)


def cdata(value: object) -> str:
    text = "" if value is None else str(value)
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _multilang_xml(values: dict, base: str) -> str:
    return "".join(
        f'<language id="{lang}" xlink:href="{base}/api/languages/{lang}">{cdata(v)}</language>'
        for lang, v in sorted(values.items())
    )


def _field_xml(resource: str, spec: FieldSpec, value: object, base: str) -> str:
    attrs = ""
    if spec.not_filterable:
        attrs += ' notFilterable="true"'
    if isinstance(value, dict):
        return f"\t<{spec.name}{attrs}>{_multilang_xml(value, base)}</{spec.name}>\n"
    target = link_of(resource, spec)
    if target:
        attrs = f' xlink:href="{base}/api/{target}/{"" if value is None else value}"' + attrs
    return f"\t<{spec.name}{attrs}>{cdata(value)}</{spec.name}>\n"


def _association_xml(resource: str, assoc: AssociationSpec, rows: Sequence[dict], base: str) -> str:
    attrs = "".join(f' {k}="{v}"' for k, v in assoc.attrs)
    api = dict(assoc.attrs).get("api")
    out = [f"<{assoc.name}{attrs}>\n"]
    for row in rows:
        href = f' xlink:href="{base}/api/{api}/{row.get("id", "")}"' if api else ""
        out.append(f"\t<{assoc.node}{href}>\n")
        for spec in assoc.fields:
            out.append(_field_xml(resource, spec, row.get(spec.name, ""), base))
        out.append(f"\t</{assoc.node}>\n")
    out.append(f"</{assoc.name}>\n")
    return "".join(out)


def entity_xml(spec: ResourceSpec, record: dict, base: str, fields: Iterable[str] | None = None) -> str:
    """One `<order>...</order>` element; `fields` restricts to a display list (no associations then)."""
    wanted = None if fields is None else set(fields)
    out = [f"<{spec.singular}>\n"]
    if wanted is None or "id" in wanted:
        out.append(f"\t<id>{cdata(record.get('id', ''))}</id>\n")
    for f in spec.fields:
        if wanted is None or f.name in wanted:
            out.append(_field_xml(spec.name, f, record.get(f.name, ""), base))
    if wanted is None and spec.associations:
        out.append("<associations>\n")
        for assoc in spec.associations:
            out.append(
                _association_xml(spec.name, assoc, record.get("associations", {}).get(assoc.name, []), base)
            )
        out.append("</associations>\n")
    out.append(f"</{spec.singular}>\n")
    return "".join(out)


def document_xml(inner: str) -> str:
    return XML_HEAD + inner + XML_TAIL


def collection_xml(spec: ResourceSpec, records: Sequence[dict], base: str, display: list[str] | None) -> str:
    """`display` None lists ids with hrefs; ["full"] prints whole entities; else the listed fields."""
    out = [f"<{spec.name}>\n"]
    for record in records:
        if display is None:
            out.append(
                f'<{spec.singular} id="{record["id"]}" xlink:href="{base}/api/{spec.name}/{record["id"]}"/>\n'
            )
        else:
            out.append(entity_xml(spec, record, base, None if display == ["full"] else display))
    out.append(f"</{spec.name}>\n")
    return document_xml("".join(out))


def _php_empty(value: object) -> bool:
    return value in ("", "0", None) or value == {}


def _json_value(value: object) -> object:
    if isinstance(value, dict):
        return [{"id": str(lang), "value": v} for lang, v in sorted(value.items())]
    return "" if value is None else str(value)


def entity_json(spec: ResourceSpec, record: dict, fields: Iterable[str] | None = None) -> dict:
    wanted = None if fields is None else set(fields)
    out: dict = {}
    if wanted is None or "id" in wanted:
        out["id"] = record["id"]
    for f in spec.fields:
        if wanted is not None and f.name not in wanted:
            continue
        value = record.get(f.name, "")
        if wanted is None and _php_empty(value):
            continue
        out[f.name] = _json_value(value)
    if wanted is None:
        assocs = {
            a.name: [_row_json(a, row) for row in record.get("associations", {}).get(a.name, [])]
            for a in spec.associations
        }
        assocs = {k: v for k, v in assocs.items() if v}
        if assocs:
            out["associations"] = assocs
    return out


def _row_json(assoc: AssociationSpec, row: dict) -> dict:
    return {f.name: _json_value(row.get(f.name, "")) for f in assoc.fields}


def collection_json(spec: ResourceSpec, records: Sequence[dict], display: list[str] | None) -> str:
    if not records:
        return "[]"
    if display is None:
        items = [{"id": r["id"]} for r in records]
    else:
        items = [entity_json(spec, r, None if display == ["full"] else display) for r in records]
    return dumps({spec.name: items})


def dumps(data: object) -> str:
    """PHP's json_encode style: compact, slashes escaped, non-ASCII escaped."""
    return json.dumps(data, separators=(",", ":")).replace("/", "\\/")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def errors_xml(errors: Sequence[tuple[int, str]]) -> str:
    body = "".join(
        f"<error>\n<code>{cdata(code)}</code>\n<message>{cdata(_escape(message))}</message>\n</error>\n"
        for code, message in errors
    )
    return document_xml(f"<errors>\n{body}</errors>\n")


def errors_json(errors: Sequence[tuple[int, str]]) -> str:
    return dumps({"errors": [{"code": code, "message": message} for code, message in errors]})
