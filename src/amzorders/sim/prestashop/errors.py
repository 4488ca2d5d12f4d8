"""Error outcomes of the fake webservice, mapped to HTTP responses by the app."""

from __future__ import annotations


class WsError(Exception):
    """A webservice error with PrestaShop codes, rendered as an XML or JSON `<errors>` list."""

    def __init__(self, status: int, errors: list[tuple[int, str]]) -> None:
        super().__init__(f"HTTP {status}: " + "; ".join(f"[{c}] {m}" for c, m in errors))
        self.status = status
        self.errors = errors


class PhpFatal(Exception):
    """What PrestaShop returns when PHP dies: no webservice headers, text/html, often an empty body."""

    def __init__(self, body: str = "", status: int = 500) -> None:
        super().__init__(body or f"HTTP {status} (PHP fatal, empty body)")
        self.status = status
        self.body = body


class NotFound(Exception):
    """404 with an empty body, as recorded."""


def required(field: str) -> WsError:
    return WsError(400, [(41, f'parameter "{field}" required')])


def invalid(class_name: str, field: str, problem: str = "is not valid") -> WsError:
    return WsError(400, [(85, f'Validation error: "Property {class_name}->{field} {problem}"')])
