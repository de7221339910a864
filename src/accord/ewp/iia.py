"""Inter-institutional agreements as EWP carries them: read from and written to IIAs v7 XML
(v6 read too), and the v7 ``iia-hash``.

:class:`Iia` holds every field of an IIA: reading a document and writing it back loses nothing
(contacts are kept as their XML). The hash follows IIAs v7: a ``text-to-hash`` string made of
``_name=value_`` tokens for both partners' IIA ids and every leaf of every mobility
specification (contacts, and values marked ``not-yet-defined``, left out; the academic-year
range last), then SHA-256 over its UTF-8 bytes. Partner names, contacts, signing data,
``in-effect`` and the PDF are not hashed; the order of the specifications is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree

from accord.ewp.xml import CONTACT, IIAS_V6, IIAS_V7, XmlRefused, namespace_of

# The four kinds of mobility, in the order EWP requires them within cooperation-conditions.
KINDS = ("student-studies", "student-traineeship", "staff-teacher", "staff-training")
STUDENT_KINDS = KINDS[:2]
# v7 requires a recommended language skill for these.
LANGUAGE_REQUIRED = ("student-studies", "staff-teacher")
TRUE = ("true", "1")


@dataclass
class SubjectArea:
    isced: str
    v6_value: str = ""
    clarification: str | None = None


@dataclass
class LanguageSkill:
    language: str
    cefr: str = ""
    subject_area: SubjectArea | None = None
    not_yet_defined: bool = False


@dataclass
class MobilitySpec:
    """One direction of one kind of mobility: who sends whom, for which years, how many."""

    kind: str
    sending_hei: str
    receiving_hei: str
    first_year: str
    last_year: str
    mobilities_per_year: str = ""
    mobilities_not_yet_defined: bool = False
    sending_ounit: str = ""
    receiving_ounit: str = ""
    sending_contacts: list[str] = field(default_factory=list)
    receiving_contacts: list[str] = field(default_factory=list)
    languages: list[LanguageSkill] = field(default_factory=list)
    subject_areas: list[SubjectArea] = field(default_factory=list)
    other_info: str | None = None
    # Students only.
    total_months: str = ""
    blended: bool = False
    eqf_levels: list[int] = field(default_factory=list)
    # Staff only.
    total_days: str = ""

    @property
    def is_student(self) -> bool:
        return self.kind in STUDENT_KINDS


@dataclass
class Partner:
    hei_id: str
    ounit_id: str = ""
    iia_id: str = ""
    iia_code: str = ""
    signing_contact: str | None = None
    signing_date: str = ""
    contacts: list[str] = field(default_factory=list)


@dataclass
class Iia:
    """The first partner is the institution whose copy this is."""

    partners: list[Partner]
    conditions: list[MobilitySpec]
    in_effect: bool = False
    terminated: bool = False
    hash: str = ""
    pdf_file: str = ""

    @property
    def iia_id(self) -> str:
        return self.partners[0].iia_id


# Reading -------------------------------------------------------------------------------------


def _local(element: etree._Element) -> str:
    return str(element.tag).rpartition("}")[2]


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [child for child in element if isinstance(child.tag, str) and _local(child) == name]


def _text(element: etree._Element, name: str) -> str:
    found = _children(element, name)
    return (found[0].text or "") if found else ""


def _optional_text(element: etree._Element, name: str) -> str | None:
    found = _children(element, name)
    return (found[0].text or "") if found else None


def _flag(element: etree._Element, name: str) -> bool:
    return (element.get(name) or "").strip() in TRUE


def _contact_xml(element: etree._Element) -> str:
    return etree.tostring(element, encoding="unicode", with_tail=False)


def _subject_area(element: etree._Element, v6: bool) -> SubjectArea:
    code = _children(element, "isced-f-code")[0]
    value = (code.text or "").strip()
    v6_value = code.get("v6-value", "")
    if v6 and not (len(value) == 4 and value.isdigit()):
        # v6 allowed shorter codes; v7 keeps them as the v6 value of a four-digit code.
        v6_value, value = value, (value + "0000")[:4] if value.isdigit() else value
    return SubjectArea(value, v6_value, _optional_text(element, "isced-clarification"))


def _language(element: etree._Element, v6: bool) -> LanguageSkill:
    areas = _children(element, "subject-area")
    return LanguageSkill(
        language=_text(element, "language"),
        cefr=_text(element, "cefr-level"),
        subject_area=_subject_area(areas[0], v6) if areas else None,
        not_yet_defined=_flag(element, "not-yet-defined"),
    )


def _spec(element: etree._Element, v6: bool) -> MobilitySpec:
    kind = _local(element).removesuffix("-mobility-spec")
    if v6:
        years = [year.text or "" for year in _children(element, "receiving-academic-year-id")]
        first, last = (years[0], years[-1]) if years else ("", "")
    else:
        first = _text(element, "receiving-first-academic-year-id")
        last = _text(element, "receiving-last-academic-year-id")
    mobilities = _children(element, "mobilities-per-year")
    return MobilitySpec(
        kind=kind,
        sending_hei=_text(element, "sending-hei-id"),
        sending_ounit=_text(element, "sending-ounit-id"),
        sending_contacts=[_contact_xml(c) for c in _children(element, "sending-contact")],
        receiving_hei=_text(element, "receiving-hei-id"),
        receiving_ounit=_text(element, "receiving-ounit-id"),
        receiving_contacts=[_contact_xml(c) for c in _children(element, "receiving-contact")],
        first_year=first,
        last_year=last,
        mobilities_per_year=(mobilities[0].text or "") if mobilities else "",
        # v6 could leave the number out; v7 marks such a value as not yet defined.
        mobilities_not_yet_defined=(_flag(mobilities[0], "not-yet-defined") if mobilities else v6),
        languages=[_language(c, v6) for c in _children(element, "recommended-language-skill")],
        subject_areas=[_subject_area(c, v6) for c in _children(element, "subject-area")],
        other_info=_optional_text(element, "other-info-terms"),
        total_months=_text(element, "total-months-per-year"),
        blended=_text(element, "blended").strip() in TRUE,
        eqf_levels=[int(c.text or 0) for c in _children(element, "eqf-level")],
        total_days=_text(element, "total-days-per-year"),
    )


def _partner(element: etree._Element) -> Partner:
    signing = _children(element, "signing-contact")
    return Partner(
        hei_id=_text(element, "hei-id"),
        ounit_id=_text(element, "ounit-id"),
        iia_id=_text(element, "iia-id"),
        iia_code=_text(element, "iia-code"),
        signing_contact=_contact_xml(signing[0]) if signing else None,
        signing_date=_text(element, "signing-date"),
        contacts=[
            _contact_xml(c)
            for c in element
            if isinstance(c.tag, str) and c.tag == f"{{{CONTACT}}}contact"
        ],
    )


def read_iia(element: etree._Element) -> Iia:
    """One ``iia`` element of a v7 or v6 get-response."""
    v6 = namespace_of(element) == IIAS_V6
    conditions = _children(element, "cooperation-conditions")[0]
    return Iia(
        partners=[_partner(p) for p in _children(element, "partner")],
        conditions=[_spec(spec, v6) for spec in conditions if isinstance(spec.tag, str)],
        in_effect=_text(element, "in-effect").strip() in TRUE,
        terminated=_flag(conditions, "terminated-as-a-whole"),
        hash=_text(element, "conditions-hash" if v6 else "iia-hash"),
        pdf_file="" if v6 else _text(element, "pdf-file"),
    )


def iia_elements(root: etree._Element) -> list[etree._Element]:
    """The ``iia`` elements of a get-response (v7 or v6)."""
    if namespace_of(root) not in (IIAS_V7, IIAS_V6) or _local(root) != "iias-get-response":
        raise XmlRefused("The document is not an IIAs get-response (version 7 or 6).")
    return _children(root, "iia")


# Writing -------------------------------------------------------------------------------------


def _sub(
    parent: etree._Element, name: str, text: str | None = None, **attributes: str
) -> etree._Element:
    child = etree.SubElement(parent, f"{{{IIAS_V7}}}{name}", attributes)
    if text is not None:
        child.text = text
    return child


def _add_contact(parent: etree._Element, contact_xml: str, name: str | None) -> None:
    """A stored contact, under the element name its place needs (its content unchanged).

    The content moves into a new element, so that the namespace declarations of the document
    it was read from (a v6 one, say) do not come along.
    """
    stored = etree.fromstring(contact_xml)
    contact = etree.SubElement(
        parent, f"{{{IIAS_V7}}}{name}" if name is not None else stored.tag, dict(stored.attrib)
    )
    contact.text = stored.text
    for child in stored:
        contact.append(child)


def _write_subject_area(parent: etree._Element, area: SubjectArea) -> None:
    element = _sub(parent, "subject-area")
    attributes = {"v6-value": area.v6_value} if area.v6_value else {}
    _sub(element, "isced-f-code", area.isced, **attributes)
    if area.clarification is not None:
        _sub(element, "isced-clarification", area.clarification)


def _write_spec(parent: etree._Element, spec: MobilitySpec) -> None:
    element = _sub(parent, f"{spec.kind}-mobility-spec")
    _sub(element, "sending-hei-id", spec.sending_hei)
    if spec.sending_ounit:
        _sub(element, "sending-ounit-id", spec.sending_ounit)
    for contact in spec.sending_contacts:
        _add_contact(element, contact, "sending-contact")
    _sub(element, "receiving-hei-id", spec.receiving_hei)
    if spec.receiving_ounit:
        _sub(element, "receiving-ounit-id", spec.receiving_ounit)
    for contact in spec.receiving_contacts:
        _add_contact(element, contact, "receiving-contact")
    _sub(element, "receiving-first-academic-year-id", spec.first_year)
    _sub(element, "receiving-last-academic-year-id", spec.last_year)
    marker = {"not-yet-defined": "true"} if spec.mobilities_not_yet_defined else {}
    # The schema wants a number even where it is marked as not yet defined.
    _sub(element, "mobilities-per-year", spec.mobilities_per_year or "1", **marker)
    for skill in spec.languages:
        marker = {"not-yet-defined": "true"} if skill.not_yet_defined else {}
        language = _sub(element, "recommended-language-skill", **marker)
        _sub(language, "language", skill.language)
        if skill.cefr:
            _sub(language, "cefr-level", skill.cefr)
        if skill.subject_area is not None:
            _write_subject_area(language, skill.subject_area)
    for area in spec.subject_areas:
        _write_subject_area(element, area)
    if spec.other_info is not None:
        _sub(element, "other-info-terms", spec.other_info)
    if spec.is_student:
        if spec.total_months:
            _sub(element, "total-months-per-year", spec.total_months)
        _sub(element, "blended", "true" if spec.blended else "false")
        for level in spec.eqf_levels:
            _sub(element, "eqf-level", str(level))
    elif spec.total_days:
        _sub(element, "total-days-per-year", spec.total_days)


def _write_partner(parent: etree._Element, partner: Partner) -> None:
    element = _sub(parent, "partner")
    _sub(element, "hei-id", partner.hei_id)
    for name, value in (
        ("ounit-id", partner.ounit_id),
        ("iia-id", partner.iia_id),
        ("iia-code", partner.iia_code),
    ):
        if value:
            _sub(element, name, value)
    if partner.signing_contact is not None:
        _add_contact(element, partner.signing_contact, "signing-contact")
    if partner.signing_date:
        _sub(element, "signing-date", partner.signing_date)
    for contact in partner.contacts:
        _add_contact(element, contact, None)


def write_iia(parent: etree._Element, iia: Iia) -> etree._Element:
    """Append ``iia`` to a v7 get-response; its ``iia-hash`` is computed, not taken."""
    element = _sub(parent, "iia")
    for partner in iia.partners:
        _write_partner(element, partner)
    _sub(element, "in-effect", "true" if iia.in_effect else "false")
    marker = {"terminated-as-a-whole": "true"} if iia.terminated else {}
    conditions = _sub(element, "cooperation-conditions", **marker)
    for spec in sorted(iia.conditions, key=lambda spec: KINDS.index(spec.kind)):
        _write_spec(conditions, spec)
    _sub(element, "iia-hash", iia_hash(element))
    if iia.pdf_file:
        _sub(element, "pdf-file", iia.pdf_file)
    return element


def get_response(iias: list[Iia]) -> etree._Element:
    root = etree.Element(f"{{{IIAS_V7}}}iias-get-response", nsmap={None: IIAS_V7, "c": CONTACT})
    for iia in iias:
        write_iia(root, iia)
    etree.cleanup_namespaces(root)
    return root


# The hash ------------------------------------------------------------------------------------

EXCLUDED_ANCESTORS = {"sending-contact", "receiving-contact"}
YEARS = ("receiving-first-academic-year-id", "receiving-last-academic-year-id")


def _name(element: etree._Element | None) -> str:
    return _local(element) if element is not None else ""


def _not_yet_defined(element: etree._Element, spec: etree._Element) -> bool:
    node: etree._Element | None = element
    while node is not None and node is not spec:
        if _flag(node, "not-yet-defined"):
            return True
        node = node.getparent()
    return False


def _spec_tokens(spec: etree._Element) -> Iterator[str]:
    for element in spec.iterdescendants():
        if not isinstance(element.tag, str):
            continue
        ancestors = {_name(a) for a in element.iterancestors() if a is not spec}
        if (
            ancestors & EXCLUDED_ANCESTORS
            or _local(element) in YEARS
            or _not_yet_defined(element, spec)
        ):
            continue
        parent = element.getparent()
        grandparent = parent.getparent() if parent is not None else None
        path = f"{_name(grandparent)}.{_name(parent)}.{_local(element)}"
        for attribute, value in element.attrib.items():
            name = etree.QName(attribute).localname
            if name not in ("not-yet-defined", "v6-value"):
                yield f"_@{path}.{name}={value}@_"
        if not any(isinstance(child.tag, str) for child in element):
            value = element.text or ""
            if _local(element) == "isced-f-code" and element.get("v6-value"):
                value = element.get("v6-value", "")
            yield f"_{path}={value}_"
    for name in YEARS:
        yield f"_{name}={_text(spec, name)}_"


def text_to_hash(element: etree._Element) -> str:
    """The v7 string an ``iia`` element's hash is taken over."""
    conditions = _children(element, "cooperation-conditions")[0]
    tokens = ["_@terminated-as-a-whole@_"] if _flag(conditions, "terminated-as-a-whole") else []
    for position, partner in enumerate(_children(element, "partner"), start=1):
        tokens.append(f"_iia-id_{position}={_text(partner, 'iia-id')}_")
    for spec in conditions:
        if isinstance(spec.tag, str):
            tokens.extend(_spec_tokens(spec))
    return "".join(tokens)


def iia_hash(element: etree._Element) -> str:
    return hashlib.sha256(text_to_hash(element).encode()).hexdigest()


def valid_for_approval(element: etree._Element) -> bool:
    """False while values carried over from v6 (``not-yet-defined``, ``v6-value``) remain."""
    return not any(
        _flag(node, "not-yet-defined") or node.get("v6-value")
        for node in element.iter()
        if isinstance(node.tag, str)
    )


def hash_of(iia: Iia) -> str:
    """The v7 hash of ``iia`` as it would be written."""
    root = get_response([iia])
    return _text(_children(root, "iia")[0], "iia-hash")
