"""Institutions and organisational units as EWP describes them (Institutions v2, OUnits v2),
and contacts in the EWP contact type, shared with the IIAs."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet
from lxml import etree

from accord.ewp.xml import ADDRESS, CONTACT, INSTITUTIONS_V2, OUNITS_V2, PHONE, REGISTRY, XML_NS
from accord.institutions.models import Contact, Institution, Unit

E164 = re.compile(r"^\+[0-9]{1,15}$")


def _lang(element: etree._Element, language: str) -> etree._Element:
    element.set(f"{{{XML_NS}}}lang", language)
    return element


def contact_element(contact: Contact, tag: str = f"{{{CONTACT}}}contact") -> etree._Element:
    """``contact`` in the EWP contact type, under the element name ``tag``."""
    element = etree.Element(tag, nsmap={"c": CONTACT, "p": PHONE})
    etree.SubElement(element, f"{{{CONTACT}}}contact-name").text = contact.person_name
    phone = re.sub(r"[\s().-]", "", contact.phone)
    if contact.phone:
        number = etree.SubElement(element, f"{{{PHONE}}}phone-number")
        if E164.match(phone):
            etree.SubElement(number, f"{{{PHONE}}}e164").text = phone
        else:
            etree.SubElement(number, f"{{{PHONE}}}other-format").text = contact.phone
    if contact.email:
        etree.SubElement(element, f"{{{CONTACT}}}email").text = contact.email
    role = contact.position or contact.get_role_display()
    etree.SubElement(element, f"{{{CONTACT}}}role-description").text = str(role)
    return element


def contact_xml(contact: Contact, tag: str = f"{{{CONTACT}}}contact") -> str:
    return etree.tostring(contact_element(contact, tag), encoding="unicode")


def _names(
    parent: etree._Element, tag: str, english: str, others: Iterable[tuple[str, str]]
) -> None:
    _lang(etree.SubElement(parent, tag), "en").text = english
    for language, name in others:
        if language != "en" and name:
            _lang(etree.SubElement(parent, tag), language).text = name


def _address(parent: etree._Element, institution: Institution) -> None:
    if not (institution.city or institution.country):
        return
    address = etree.SubElement(parent, f"{{{ADDRESS}}}street-address", nsmap={"a": ADDRESS})
    if institution.city:
        etree.SubElement(address, f"{{{ADDRESS}}}locality").text = institution.city
    if institution.country:
        etree.SubElement(address, f"{{{ADDRESS}}}country").text = institution.country


def institutions_with_details(queryset: QuerySet[Institution]) -> QuerySet[Institution]:
    return queryset.exclude(ewp_hei_id="").prefetch_related(
        "names",
        Prefetch("contacts", queryset=Contact.objects.filter(unit=None)),
        Prefetch("units", queryset=Unit.objects.order_by("pk")),
    )


def institutions_response(institutions: Iterable[Institution]) -> etree._Element:
    """An Institutions v2 response describing ``institutions`` (those with a hei-id)."""
    ns = INSTITUTIONS_V2
    root = etree.Element(
        f"{{{ns}}}institutions-response",
        nsmap={None: ns, "a": ADDRESS, "c": CONTACT, "p": PHONE, "r": REGISTRY},
    )
    for institution in institutions:
        hei = etree.SubElement(root, f"{{{ns}}}hei")
        etree.SubElement(hei, f"{{{ns}}}hei-id").text = institution.ewp_hei_id
        for kind, value in (
            ("erasmus", institution.erasmus_code),
            ("pic", institution.pic),
            ("local", str(institution.pk)),
        ):
            if value:
                etree.SubElement(hei, f"{{{ns}}}other-id", type=kind).text = value
        others = [(name.language, name.name) for name in institution.names.all() if name.language]
        _names(hei, f"{{{ns}}}name", institution.name, others)
        _address(hei, institution)
        if institution.website:
            etree.SubElement(hei, f"{{{ns}}}website-url").text = institution.website
        for contact in institution.contacts.all():
            hei.append(contact_element(contact))
        units = list(institution.units.all())
        roots = [unit for unit in units if unit.parent_id is None]
        if len(roots) == 1:
            etree.SubElement(hei, f"{{{ns}}}root-ounit-id").text = str(roots[0].pk)
        for unit in units:
            etree.SubElement(hei, f"{{{ns}}}ounit-id").text = str(unit.pk)
    return root


def ounits_response(units: Iterable[Unit]) -> etree._Element:
    """An OUnits v2 response describing ``units``."""
    ns = OUNITS_V2
    root = etree.Element(
        f"{{{ns}}}ounits-response", nsmap={None: ns, "a": ADDRESS, "c": CONTACT, "p": PHONE}
    )
    for unit in units:
        element = etree.SubElement(root, f"{{{ns}}}ounit")
        etree.SubElement(element, f"{{{ns}}}ounit-id").text = str(unit.pk)
        etree.SubElement(element, f"{{{ns}}}ounit-code").text = unit.code or str(unit.pk)
        _names(element, f"{{{ns}}}name", unit.name, sorted(unit.names.items()))
        if unit.parent_id is not None:
            etree.SubElement(element, f"{{{ns}}}parent-ounit-id").text = str(unit.parent_id)
        for contact in unit.contacts.all():
            element.append(contact_element(contact))
    return root
