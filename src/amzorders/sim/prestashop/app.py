"""The WSGI app of the fake PrestaShop webservice: routing, authentication, formats and headers.

Mirrors the recorded shop: `/api/<resource>[/<id>]` (and `/webservice/dispatcher.php?url=...`), the
key as HTTP Basic user or `?ws_key=`, XML unless `output_format=JSON` / `io_format=JSON`, the headers of
the captures (`PSWS-Version: 8.2.1`, `Content-Sha1` on successes) and PHP-style failures without them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable, Iterable
from urllib.parse import parse_qsl

from . import multistore, query, render, writes
from .errors import NotFound, PhpFatal, WsError
from .payload import parse_body
from .schemas import api_resources, recorded_text
from .shop import FakePrestaShop

PSWS_VERSION = "8.2.1"
XML_TYPE = "text/xml;charset=utf-8"
JSON_TYPE = "application/json"
HTML_TYPE = "text/html; charset=utf-8"
_REALM = (
    'Basic realm="Welcome to PrestaShop Webservice, please enter the authentication key as the login. '
    'No password required."'
)
_STATUS = {
    200: "200 OK",
    201: "201 Created",
    302: "302 Found",
    400: "400 Bad Request",
    401: "401 Unauthorized",
    404: "404 Not Found",
    405: "405 Method Not Allowed",
    500: "500 Internal Server Error",
    502: "502 Bad Gateway",
    503: "503 Service Unavailable",
    504: "504 Gateway Timeout",
}

Response = tuple[int, list[tuple[str, str]], bytes]


def _ws_headers(content_type: str | None, body: bytes, *, sha: bool) -> list[tuple[str, str]]:
    headers = [("X-Powered-By", "PrestaShop Webservice"), ("PSWS-Version", PSWS_VERSION)]
    if content_type:
        headers.append(("Content-Type", content_type))
    if sha:
        headers.append(("Content-Sha1", hashlib.sha1(body).hexdigest()))
    return headers


def _php(status: int, body: str) -> Response:
    return status, [("X-Powered-By", "PHP/8.2.36"), ("Content-Type", HTML_TYPE)], body.encode()


class _Request:
    def __init__(self, environ: dict) -> None:
        self.method = environ["REQUEST_METHOD"].upper()
        self.params = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        self.args = dict(self.params)
        path = environ.get("PATH_INFO", "")
        if path.endswith("/webservice/dispatcher.php"):
            path = "/api/" + self.args.get("url", "")
        self.path = path
        self.json = (self.args.get("output_format") or self.args.get("io_format") or "").upper() == "JSON"
        self.auth = environ.get("HTTP_AUTHORIZATION", "")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        self.body = environ["wsgi.input"].read(length) if length else b""
        host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
        self.base = f"{environ.get('wsgi.url_scheme', 'http')}://{host}"

    def key(self) -> str | None:
        if self.auth.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(self.auth[6:].strip()).decode("utf-8", errors="replace")
            except (binascii.Error, ValueError):
                return ""
            return decoded.partition(":")[0]
        return self.args.get("ws_key")


class FakePrestaShopApp:
    """WSGI callable; every request runs under the shop's lock (concurrent clients are serialised)."""

    def __init__(self, shop: FakePrestaShop) -> None:
        self.shop = shop

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        request = _Request(environ)
        status, headers, body = self.handle(request)
        start_response(_STATUS.get(status, f"{status} Error"), [*headers, ("Content-Length", str(len(body)))])
        return [b""] if request.method == "HEAD" else [body]

    # ---- pipeline --------------------------------------------------------------------------------
    def handle(self, request: _Request) -> Response:
        key = request.key()
        if not key:
            return 401, [("WWW-Authenticate", _REALM), ("Content-Type", HTML_TYPE)], b"401 Unauthorized"
        parts = [p for p in request.path.split("/") if p]
        if not parts or parts[0] != "api":
            return 404, _ws_headers(None, b"", sha=False), b""
        resource = parts[1] if len(parts) > 1 else ""
        with self.shop.lock:
            self.shop.stats.calls[(request.method, resource)] += 1
            if not hmac.compare_digest(key.encode(), self.shop.api_key.encode()):
                return self._errors(
                    request,
                    401,
                    [
                        (20, "Authentification key is not active"),
                        (21, "No permission for this authentication key"),
                    ],
                )
            self.shop.context_shop = request.args.get("id_shop", "1")
            if not multistore.known_context(self.shop, self.shop.context_shop):
                return 302, [("Location", f"{request.base}/index.php"), ("Content-Type", HTML_TYPE)], b""
            fault = self.shop.take_fault(request.method, resource)
            if fault is not None and not fault.after:
                return _php(fault.status, "")
            try:
                response = self._dispatch(request, resource, parts[2:])
            except WsError as error:
                response = self._errors(request, error.status, error.errors)
            except PhpFatal as fatal:
                response = _php(fatal.status, fatal.body)
            except NotFound:
                response = 404, _ws_headers(None, b"", sha=False), b""
            except Exception as bug:  # a defect of the fake itself: loud, never mistaken for PrestaShop
                self.shop.internal_errors.append(f"{request.method} {request.path}: {bug!r}")
                response = (
                    500,
                    [("Content-Type", "text/plain; charset=utf-8")],
                    f"fake PrestaShop bug: {bug!r}".encode(),
                )
            if fault is not None:
                return _php(fault.status, "")
            return response

    def _errors(self, request: _Request, status: int, errors: list[tuple[int, str]]) -> Response:
        if request.json:
            body = render.errors_json(errors).encode()
            return status, _ws_headers(JSON_TYPE, body, sha=False), body
        body = render.errors_xml(errors).encode()
        return status, _ws_headers(XML_TYPE, body, sha=False), body

    def _ok(self, request: _Request, status: int, xml: str, json_text: str) -> Response:
        if request.json:
            body = json_text.encode()
            return status, _ws_headers(JSON_TYPE, body, sha=True), body
        body = xml.encode()
        return status, _ws_headers(XML_TYPE, body, sha=True), body

    def _dispatch(self, request: _Request, resource: str, rest: list[str]) -> Response:
        if not resource:
            text = recorded_text("schemas/api_index.xml", request.base) or ""
            return self._ok(request, 200, text, render.dumps({"api": list(api_resources())}))
        if resource not in self.shop.specs:
            if resource in api_resources():
                return self._unmodelled(request, resource, rest)
            raise WsError(
                400,
                [
                    (
                        27,
                        f'Resource of type "{resource}" does not exists. The full list is: '
                        f"{', '.join(api_resources())}",
                    )
                ],
            )
        spec = self.shop.specs[resource]
        id_ = None
        if rest:
            if not rest[0].isdigit():
                raise WsError(400, [(31, f'The id "{rest[0]}" is not valid')])
            id_ = int(rest[0])
        method = request.method
        if method in ("GET", "HEAD"):
            return self._get(request, resource, id_)
        if method == "POST":
            echo, _ = writes.create(self.shop, resource, parse_body(request.body), request.args)
            return self._ok(
                request,
                201,
                render.document_xml(render.entity_xml(spec, echo, request.base)),
                render.dumps({spec.singular: render.entity_json(spec, echo)}),
            )
        if method in ("PUT", "PATCH"):
            row = writes.update(self.shop, resource, id_, parse_body(request.body), partial=method == "PATCH")
            return self._ok(
                request,
                200,
                render.document_xml(render.entity_xml(spec, row, request.base)),
                render.dumps({spec.singular: render.entity_json(spec, row)}),
            )
        if method == "DELETE":
            if id_ is None:
                raise WsError(400, [(37, "You have to give the id of the resource to delete")])
            writes.delete(self.shop, resource, id_)
            return 200, _ws_headers(None, b"", sha=False), b""
        raise WsError(405, [(10, f"Method {method} is not supported by the fake PrestaShop")])

    def _get(self, request: _Request, resource: str, id_: int | None) -> Response:
        spec = self.shop.specs[resource]
        schema = request.args.get("schema")
        if schema:
            text = recorded_text(f"schemas/{resource}.{schema}.xml", request.base)
            if text is None:
                raise WsError(400, [(28, f'No recorded "{schema}" schema for {resource} in the fake')])
            return self._ok(request, 200, text, text)
        if id_ is not None:
            record = self.shop.get(resource, id_)
            if record is None:
                raise NotFound
            return self._ok(
                request,
                200,
                render.document_xml(render.entity_xml(spec, record, request.base)),
                render.dumps({spec.singular: render.entity_json(spec, record)}),
            )
        q = query.parse_query(spec, request.params)
        records = multistore.visible(self.shop, resource, list(self.shop.tables[resource].values()))
        records = query.apply(records, q)
        return self._ok(
            request,
            200,
            render.collection_xml(spec, records, request.base, q.display),
            render.collection_json(spec, records, q.display),
        )

    def _unmodelled(self, request: _Request, resource: str, rest: list[str]) -> Response:
        """A resource of the real API the fake keeps no data for: empty lists, 404 for ids, no writes."""
        if request.method not in ("GET", "HEAD"):
            raise WsError(
                405, [(10, f"{request.method} on {resource} is not modelled by the fake PrestaShop")]
            )
        if rest:
            raise NotFound
        xml = render.document_xml(f"<{resource}>\n</{resource}>\n")
        return self._ok(request, 200, xml, "[]")


def create_app(shop: FakePrestaShop) -> FakePrestaShopApp:
    """The WSGI app serving `shop`."""
    return FakePrestaShopApp(shop)
