"""Parses webservice request bodies: `<prestashop><order>...</order></prestashop>` (XML only)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from .errors import WsError


@dataclass
class Payload:
    entity: str  # the element under <prestashop>, e.g. "order"
    values: dict[str, object] = field(default_factory=dict)  # str, or {lang id: str} for multilingual fields
    associations: dict[str, list[dict[str, str]]] | None = None  # None when the body has no <associations>


def _json_like_errors(body: str) -> WsError:
    """PrestaShop feeds the body to SimpleXML: a non-XML body yields PHP warnings then code 127."""
    original = f"\nOriginal XML : {body}"
    where = "(/var/www/prestashop/classes/webservice/WebserviceRequest.php, line 1544)"
    return WsError(
        500,
        [
            (
                3,
                f"[PHP Warning #2] SimpleXMLElement::__construct(): Entity: line 1: parser error : "
                f"Start tag expected, '<' not found {where}",
            ),
            (3, f"[PHP Warning #2] SimpleXMLElement::__construct(): {body[:80]} {where}"),
            (3, f"[PHP Warning #2] SimpleXMLElement::__construct(): ^ {where}"),
            (127, "XML error : String could not be parsed as XML" + f"\nXML length : {len(body)}" + original),
        ],
    )


def parse_body(body: bytes) -> Payload:
    text = body.decode("utf-8", errors="replace")
    if not text.strip():
        raise WsError(400, [(40, "Bad XML: the request body is empty")])
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        raise _json_like_errors(text) from None
    if root.tag != "prestashop" or len(root) == 0:
        raise WsError(400, [(40, "Bad XML: the body must be <prestashop><entity>...</entity></prestashop>")])
    entity = root[0]
    payload = Payload(entity.tag)
    for child in entity:
        if child.tag == "associations":
            payload.associations = {
                assoc.tag: [{f.tag: f.text or "" for f in row} for row in assoc] for assoc in child
            }
        elif child.find("language") is not None:
            payload.values[child.tag] = {int(lang.get("id", "0")): lang.text or "" for lang in child}
        else:
            payload.values[child.tag] = child.text or ""
    return payload
