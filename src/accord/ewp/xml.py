"""Reading EWP XML safely and checking it against the official schemas, offline.

Partners' documents are untrusted: they are refused when larger than the limit, when they
carry a document type declaration (no EWP message has one, and it is where external entities
and entity expansion hide), or when they are not well-formed. Nothing is fetched from the
network while parsing or validating.

The schemas are the EWP specification's own XSD files, read from ``settings.EWP_SCHEMAS``
(see docs/ewp.md): their imports name absolute URLs, which ``schema-locations.json`` in that
folder maps to the local copies.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from lxml import etree

IIAS_V7 = "https://github.com/erasmus-without-paper/ewp-specs-api-iias/blob/stable-v7/endpoints/get-response.xsd"
IIAS_V6 = "https://github.com/erasmus-without-paper/ewp-specs-api-iias/blob/stable-v6/endpoints/get-response.xsd"
IIAS_INDEX_V7 = "https://github.com/erasmus-without-paper/ewp-specs-api-iias/blob/stable-v7/endpoints/index-response.xsd"
APPROVAL_V2 = "https://github.com/erasmus-without-paper/ewp-specs-api-iias-approval/tree/stable-v2"
INSTITUTIONS_V2 = (
    "https://github.com/erasmus-without-paper/ewp-specs-api-institutions/tree/stable-v2"
)
OUNITS_V2 = "https://github.com/erasmus-without-paper/ewp-specs-api-ounits/tree/stable-v2"
CONTACT = "https://github.com/erasmus-without-paper/ewp-specs-types-contact/tree/stable-v1"
ADDRESS = "https://github.com/erasmus-without-paper/ewp-specs-types-address/tree/stable-v1"
PHONE = "https://github.com/erasmus-without-paper/ewp-specs-types-phonenumber/tree/stable-v1"
REGISTRY = "https://github.com/erasmus-without-paper/ewp-specs-api-registry/tree/stable-v1"
COMMON = "https://github.com/erasmus-without-paper/ewp-specs-architecture/blob/stable-v1/common-types.xsd"
XML_NS = "http://www.w3.org/XML/1998/namespace"

# The schema file (under EWP_SCHEMAS) for each root element, by its namespace.
SCHEMA_FILES = {
    IIAS_V7: "iias-v7/get-response.xsd",
    IIAS_V6: "iias-v6/get-response.xsd",
    IIAS_INDEX_V7: "iias-v7/index-response.xsd",
    APPROVAL_V2: "iias-approval-v2/response.xsd",
    INSTITUTIONS_V2: "institutions-v2/response.xsd",
    OUNITS_V2: "ounits-v2/response.xsd",
    COMMON: "architecture-v1/common-types.xsd",
}


class XmlRefused(ValueError):
    """A document that is not read: hostile, too large, malformed or invalid."""


def max_bytes() -> int:
    return int(settings.EWP_MAX_DOCUMENT_MB) * 1024 * 1024


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse(data: bytes) -> etree._Element:
    """The root element of an untrusted document, or :class:`XmlRefused` saying why not."""
    if len(data) > max_bytes():
        raise XmlRefused(
            f"The document is {len(data) / 1024 / 1024:.1f} MB; the limit is "
            f"{settings.EWP_MAX_DOCUMENT_MB} MB."
        )
    # Entities (external ones, or nested for expansion) can only be declared in a document
    # type declaration, and XML spells the keyword in capitals; no EWP message has one.
    if b"<!DOCTYPE" in data:
        raise XmlRefused("The document declares a document type or entities, which EWP never does.")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        raise XmlRefused(f"The document is not well-formed XML: {error}.") from error
    if root.getroottree().docinfo.doctype:
        raise XmlRefused("The document declares a document type, which EWP never does.")
    return root


def schema_dir() -> Path:
    return Path(settings.EWP_SCHEMAS)


class _LocalSchemas(etree.Resolver):
    """Sends the schemas' absolute import URLs to the local copies."""

    def __init__(self, folder: Path, locations: dict[str, str]) -> None:
        super().__init__()
        self.folder = folder
        self.locations = locations

    def resolve(self, system_url: str, public_id: str, context: Any) -> Any:
        local = self.locations.get(system_url)
        if local is None:
            return None
        return self.resolve_filename(str(self.folder / local), context)


@functools.cache
def schema(namespace: str) -> etree.XMLSchema:
    folder = schema_dir()
    if namespace not in SCHEMA_FILES:
        raise XmlRefused(f"No EWP schema is known for the namespace {namespace}.")
    path = folder / SCHEMA_FILES[namespace]
    if not path.exists():
        raise XmlRefused(
            f"The EWP schemas are not found in {folder} (set ACCORD_EWP_SCHEMAS; see docs/ewp.md)."
        )
    locations = json.loads((folder / "schema-locations.json").read_text())["locations"]
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_LocalSchemas(folder, locations))
    return etree.XMLSchema(etree.parse(str(path), parser))


def namespace_of(root: etree._Element) -> str:
    return etree.QName(root).namespace or ""


def validate(root: etree._Element) -> None:
    """Check a document against the schema of its root's namespace; :class:`XmlRefused` lists
    the first problems by line."""
    checker = schema(namespace_of(root))
    if checker.validate(root):
        return
    problems = [
        f"{f'line {error.line}' if error.line else error.path}: {error.message}"
        for error in list(checker.error_log)[:10]
    ]
    raise XmlRefused("The document does not follow the EWP schema: " + "; ".join(problems))


def serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
