"""A thin PrestaShop webservice client on httpx: XML in, JSON out, readable errors.

Why our own (see `shared/notes/prestashop-webservice.md` §3): prestapyt cannot ask for JSON output nor pass
`sendemail`, loses the HTTP status on non-XML errors and is AGPL. The webservice itself dictates the
rest: the key is the HTTP basic user with an empty password; request bodies must be XML (a JSON body is a
500); reads ask `output_format=JSON`, where an empty collection is a bare `[]`; a POST only echoes what was
posted, so callers read the object back.

Query strings are built by hand because PrestaShop's list syntax (`display=[id,email]`,
`filter[email]=[a|b]`, `sort=[id_DESC]`) must reach PHP with `[]|,` unescaped while the values themselves
(an e-mail with `+`, a SKU with `%`) are percent-encoded.

Multistore: PrestaShop takes its shop context from the `id_shop` query parameter (`all`: every shop), else
from the URL's host. Orders and customers are listed for the context shop only, cart prices apply only
in their shop's context (live 8.2.1, docs/prestashop.md): `in_shop(n)` is a view of the client that sends
`id_shop=n` on every call.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree

import httpx

from amzorders.shops.prestashop.errors import (
    PrestaShopUnavailable,
    PrestaShopUsageError,
    WebserviceFault,
    error_for,
    parse_fault,
)

_SAFE = "[]|,:@"  # PrestaShop list syntax and harmless e-mail characters stay readable
_FILTER_SPECIALS = set("[]|,")

Scalar = str | int | Decimal | bool | None
Fields = Mapping[str, Any]


def query_string(params: Iterable[tuple[str, str]]) -> str:
    """`display=[id,email]&filter[email]=[a%2Bb@x.fr]`: keys and values quoted with `[]|,` kept."""
    return "&".join(f"{quote(key, safe=_SAFE)}={quote(value, safe=_SAFE)}" for key, value in params)


def display(fields: Sequence[str] | str) -> str:
    """`full`, or `[id,email]` for a list of fields."""
    return fields if isinstance(fields, str) else "[" + ",".join(fields) + "]"


def filter_value(*values: Scalar) -> str:
    """`[v]` or `[a|b|c]` (any of); refuses values the filter syntax cannot express exactly."""
    texts = [_text(v) for v in values]
    for text in texts:
        if _FILTER_SPECIALS & set(text):
            raise PrestaShopUsageError(
                f"the value {text!r} contains one of []|, which a PrestaShop webservice filter cannot match"
            )
    return "[" + "|".join(texts) + "]"


def sort(field: str, descending: bool = False) -> str:
    return f"[{field}_{'DESC' if descending else 'ASC'}]"


def _text(value: Scalar) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def to_xml(entity: str, fields: Fields) -> bytes:
    """`<prestashop><entity>...</entity></prestashop>`; None fields are left out.

    A nested mapping becomes nested elements; a list of `(tag, mapping)` pairs becomes repeated elements
    (`associations/cart_rows/cart_row`). ElementTree escapes text, so no CDATA is needed.
    """
    root = ElementTree.Element("prestashop")
    _fill(ElementTree.SubElement(root, entity), fields)
    return ElementTree.tostring(root, encoding="utf-8")


def _fill(parent: ElementTree.Element, fields: Fields) -> None:
    for key, value in fields.items():
        if value is None:
            continue
        child = ElementTree.SubElement(parent, key)
        if isinstance(value, Mapping):
            _fill(child, value)
        elif isinstance(value, list | tuple):
            for tag, item in value:
                _fill(ElementTree.SubElement(child, tag), item)
        else:
            child.text = _text(value)


def from_xml(body: bytes) -> dict[str, Any]:
    """The first object of an XML answer as a flat dict of its simple fields (associations skipped)."""
    root = ElementTree.fromstring(body)
    node = next(iter(root), None)
    if node is None:
        return {}
    return {child.tag: (child.text or "") for child in node if len(child) == 0}


class PrestaShopClient:
    """The webservice of one shop. Counts its calls per `(method, resource)` in `calls`."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            auth=(api_key, ""),
            timeout=timeout,
            transport=transport,
            headers={"User-Agent": "amzorders"},
        )
        self.calls: Counter[tuple[str, str]] = Counter()
        self.shop: int | str | None = None  # sent as `id_shop` on every call when set

    def in_shop(self, shop: int | str) -> PrestaShopClient:
        """The same connection and call counter, every call in shop `shop` (an id or `all`)."""
        view = copy.copy(self)
        view.shop = shop
        return view

    # -- reads ------------------------------------------------------------------------------------
    def list(
        self,
        resource: str,
        *,
        fields: Sequence[str] | str = "full",
        filters: Mapping[str, str] | None = None,
        sort_by: str | None = None,
        limit: int | str | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> list[dict[str, Any]]:
        """`GET /api/<resource>` as a list of dicts (`[]` when nothing matches).

        `filters` values are already in PrestaShop syntax: build them with `filter_value`.
        """
        params: list[tuple[str, str]] = [("display", display(fields))]
        params += [(f"filter[{key}]", value) for key, value in (filters or {}).items()]
        if sort_by:
            params.append(("sort", sort_by))
        if limit is not None:
            params.append(("limit", str(limit)))
        params += list((extra or {}).items())
        data = self._get_json(resource, params)
        if isinstance(data, list):  # `[]`: PrestaShop's empty collection
            return []
        rows = data.get(resource, [])
        if isinstance(rows, dict):  # one element may come back as an object
            return [rows]
        return list(rows)

    def get(self, resource: str, object_id: int | str) -> dict[str, Any]:
        """`GET /api/<resource>/<id>`; `ResourceNotFound` on 404."""
        data = self._get_json(f"{resource}/{object_id}", [])
        if not isinstance(data, dict) or len(data) != 1:
            raise PrestaShopUnavailable(
                f"PrestaShop webservice: GET {resource}/{object_id} gave {data!r:.200}"
            )
        return next(iter(data.values()))

    def _get_json(self, path: str, params: list[tuple[str, str]]) -> Any:
        params = [*params, ("output_format", "JSON")]
        response = self._send("GET", path, params)
        try:
            return response.json()
        except ValueError as exc:
            fault = WebserviceFault("GET", _resource(path), response.status_code, text=response.text)
            raise PrestaShopUnavailable(f"PrestaShop webservice: GET {path} is not JSON", fault) from exc

    # -- writes -----------------------------------------------------------------------------------
    def create(
        self, resource: str, entity: str, fields: Fields, *, params: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """`POST /api/<resource>` with an XML body; returns the echo (use its `id`, read the rest back)."""
        response = self._send("POST", resource, list((params or {}).items()), to_xml(entity, fields))
        return _echo(response)

    def update(self, resource: str, entity: str, object_id: int | str, fields: Fields) -> dict[str, Any]:
        """`PUT /api/<resource>/<id>`: PrestaShop replaces the object, so send every required field."""
        body = to_xml(entity, {"id": object_id, **fields})
        return _echo(self._send("PUT", f"{resource}/{object_id}", [], body))

    def delete(self, resource: str, object_id: int | str) -> None:
        self._send("DELETE", f"{resource}/{object_id}", [])

    # -- plumbing ---------------------------------------------------------------------------------
    def _send(
        self, method: str, path: str, params: list[tuple[str, str]], body: bytes | None = None
    ) -> httpx.Response:
        resource = _resource(path)
        url = f"{self.base_url}/api/{path}"
        if self.shop is not None:
            params = [*params, ("id_shop", str(self.shop))]
        if params:
            url += "?" + query_string(params)
        self.calls[(method, resource)] += 1
        headers = {"Content-Type": "text/xml; charset=utf-8"} if body is not None else None
        try:
            response = self._http.request(method, url, content=body, headers=headers)
        except httpx.TransportError as exc:
            raise PrestaShopUnavailable(
                f"PrestaShop webservice: {method} {resource} failed: {exc.__class__.__name__}: {exc}"
            ) from exc
        if response.status_code >= 400:
            fault = parse_fault(
                method,
                resource,
                response.status_code,
                response.headers.get("content-type", ""),
                response.content,
            )
            raise error_for(fault)
        return response

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PrestaShopClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _resource(path: str) -> str:
    return path.split("/", 1)[0].split("?", 1)[0]


def _echo(response: httpx.Response) -> dict[str, Any]:
    body = response.content
    if body.lstrip().startswith(b"{"):
        data = response.json()
        return next(iter(data.values())) if isinstance(data, dict) and len(data) == 1 else data
    try:
        return from_xml(body)
    except ElementTree.ParseError as exc:
        raise PrestaShopUnavailable(f"PrestaShop webservice: unreadable answer {body[:200]!r}") from exc
