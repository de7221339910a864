"""IIAs v7 as EWP publishes them: the official examples' hashes, reading v6, writing v7 without
losing anything, validation of every official example our schemas cover, and which changes
the iia-hash sees (every cooperation condition) and which it does not (contacts, signing data,
in-effect, iia-code, the PDF)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from lxml import etree

from accord.ewp import iia as ewp
from accord.ewp.xml import XmlRefused, parse, serialize, validate

EXAMPLES = Path(settings.EWP_SCHEMAS)
V7_EXAMPLE = "iias-v7/examples/get-response-example.xml"
V7_KIT = "iias-v7/examples/hash-kit/get-response-v7.xml"
V6_EXAMPLE = "iias-v6/examples/get-response-example.xml"
V6_KIT = "iias-v7/examples/hash-kit/get-response-v6.xml"
EXAMPLE_HASH = "e950faa83a799cf45839e7915db88ed51575babe7845c1219dfde54ce30a61e4"
KIT_HASH = "87b33170d7a6c6d894215641f39e7b7de36501265479e5ab3922f32d5b225033"
XSI = "http://www.w3.org/2001/XMLSchema-instance"


def document(name: str) -> etree._Element:
    return parse((EXAMPLES / name).read_bytes())


def the_iia(name: str) -> etree._Element:
    [element] = ewp.iia_elements(document(name))
    return element


def comparable(root: etree._Element) -> bytes:
    """The document as canonical XML, without comments, whitespace between elements and the
    root's xsi:schemaLocation hint."""
    root = etree.fromstring(etree.tostring(root))
    for comment in root.xpath("//comment()"):
        comment.getparent().remove(comment)
    root.attrib.pop(f"{{{XSI}}}schemaLocation", None)
    return etree.tostring(root, method="c14n2", strip_text=True)


# The official hashes


@pytest.mark.parametrize(("name", "expected"), [(V7_EXAMPLE, EXAMPLE_HASH), (V7_KIT, KIT_HASH)])
def test_our_hash_of_the_official_v7_examples_is_the_published_one(
    name: str, expected: str
) -> None:
    element = the_iia(name)
    assert ewp.iia_hash(element) == expected
    assert ewp.read_iia(element).hash == expected
    assert ewp.hash_of(ewp.read_iia(element)) == expected


@pytest.mark.parametrize(("name", "expected"), [(V6_EXAMPLE, EXAMPLE_HASH), (V6_KIT, KIT_HASH)])
def test_a_v6_iia_read_as_v6_has_the_v7_hash_of_the_same_agreement(
    name: str, expected: str
) -> None:
    element = the_iia(name)
    assert ewp.namespace_of(element) == ewp.IIAS_V6
    iia = ewp.read_iia(element)
    # The v6 conditions-hash is read, but it is not the v7 hash.
    assert iia.hash
    assert iia.hash != expected
    assert ewp.hash_of(iia) == expected


def test_the_v6_kit_keeps_the_short_isced_code_and_the_missing_number_as_v6_values() -> None:
    iia = ewp.read_iia(the_iia(V6_KIT))
    studies = iia.conditions[0]
    assert studies.subject_areas[0].isced == "0310"
    assert studies.subject_areas[0].v6_value == "031"
    assert studies.mobilities_not_yet_defined
    assert iia.conditions[1].first_year == "2016/2017"
    assert iia.conditions[1].last_year == "2017/2018"


def test_valid_for_approval_only_without_values_carried_over_from_v6() -> None:
    assert ewp.valid_for_approval(the_iia(V7_EXAMPLE))
    assert not ewp.valid_for_approval(the_iia(V7_KIT))


# Reading and writing back


@pytest.mark.parametrize("name", [V7_EXAMPLE, V7_KIT])
def test_reading_and_writing_back_a_v7_example_loses_nothing(name: str) -> None:
    original = document(name)
    iias = [ewp.read_iia(element) for element in ewp.iia_elements(original)]
    written = parse(serialize(ewp.get_response(iias)))
    validate(written)
    assert comparable(written) == comparable(original)


def test_contacts_are_written_back_with_the_iia() -> None:
    iia = ewp.read_iia(the_iia(V7_KIT))
    assert len(iia.partners[0].contacts) == 1
    assert iia.partners[0].signing_contact is not None
    assert len(iia.conditions[0].sending_contacts) == 1
    written = serialize(ewp.get_response([iia])).decode()
    for name in ("Jadwiga Kowalska", "Sylwia Nowak", "Monica Turner", "XYZ", "123456789"):
        assert name in written


def test_a_v6_iia_written_as_v7_and_serialized_validates() -> None:
    iia = ewp.read_iia(the_iia(V6_EXAMPLE))
    written = ewp.get_response([iia])
    validate(written)  # the tree in memory is fine
    validate(parse(serialize(written)))


# Validation


@pytest.mark.parametrize(
    "name",
    [
        V7_EXAMPLE,
        V7_KIT,
        V6_EXAMPLE,
        V6_KIT,
        "iias-v7/examples/index-response-example.xml",
        "iias-approval-v2/examples/response-example.xml",
        "institutions-v2/examples/response-example.xml",
        "ounits-v2/examples/response-example.xml",
    ],
)
def test_every_official_example_validates(name: str) -> None:
    validate(document(name))


def test_a_three_digit_isced_code_is_refused() -> None:
    root = document(V7_EXAMPLE)
    code = root.find(f".//{{{ewp.IIAS_V7}}}isced-f-code")
    assert code is not None
    code.text = "031"
    with pytest.raises(XmlRefused, match="isced-f-code"):
        validate(root)


def test_a_teacher_mobility_without_a_recommended_language_is_refused() -> None:
    root = document(V7_EXAMPLE)
    spec = root.find(f".//{{{ewp.IIAS_V7}}}staff-teacher-mobility-spec")
    assert spec is not None
    for skill in spec.findall(f"{{{ewp.IIAS_V7}}}recommended-language-skill"):
        spec.remove(skill)
    with pytest.raises(XmlRefused, match="recommended-language-skill"):
        validate(root)


def test_a_document_of_an_unknown_namespace_is_refused() -> None:
    with pytest.raises(XmlRefused, match="No EWP schema"):
        validate(parse(b"<x xmlns='urn:example'/>"))


def test_iia_elements_refuses_what_is_not_a_get_response() -> None:
    with pytest.raises(XmlRefused, match="not an IIAs get-response"):
        ewp.iia_elements(document("iias-v7/examples/index-response-example.xml"))


# What the hash sees


def example() -> ewp.Iia:
    """The official v7 example: every spec has a number, a language and a subject area."""
    return ewp.read_iia(the_iia(V7_EXAMPLE))


Change = Callable[[ewp.Iia], object]


def _studies(iia: ewp.Iia) -> ewp.MobilitySpec:
    return iia.conditions[0]


def _teacher(iia: ewp.Iia) -> ewp.MobilitySpec:
    return iia.conditions[2]


def _set(getter: Callable[[ewp.Iia], object], name: str, value: object) -> Change:
    return lambda iia: setattr(getter(iia), name, value)


def _other_contact(tag: str) -> str:
    return (
        f'<{tag} xmlns="{ewp.IIAS_V7}" xmlns:c="{ewp.CONTACT}">'
        "<c:contact-name>Someone Else</c:contact-name></" + tag + ">"
    )


HASHED: dict[str, Change] = {
    "mobilities-per-year": _set(_studies, "mobilities_per_year", "3"),
    "first year": _set(_studies, "first_year", "2015/2016"),
    "last year": _set(_studies, "last_year", "2021/2022"),
    "language": lambda iia: setattr(_studies(iia).languages[0], "language", "de"),
    "cefr": lambda iia: setattr(_studies(iia).languages[0], "cefr", "C2"),
    "another language": lambda iia: _studies(iia).languages.append(ewp.LanguageSkill("pl", "A2")),
    "isced": lambda iia: setattr(_studies(iia).subject_areas[0], "isced", "0311"),
    "isced clarification": lambda iia: setattr(
        _studies(iia).subject_areas[0], "clarification", "Economics"
    ),
    "eqf": _set(_studies, "eqf_levels", [6, 7, 8]),
    "months": _set(_studies, "total_months", "6"),
    "blended": _set(_studies, "blended", True),
    "days": _set(_teacher, "total_days", "9"),
    "sending hei": _set(_teacher, "sending_hei", "other.example.eu"),
    "receiving hei": _set(_teacher, "receiving_hei", "other.example.eu"),
    "sending ounit": _set(_teacher, "sending_ounit", "141"),
    "receiving ounit": _set(_teacher, "receiving_ounit", "141"),
    "other info": _set(_teacher, "other_info", "Teaching in spring only."),
    "our iia-id": lambda iia: setattr(iia.partners[0], "iia_id", "another-id"),
    "partner's iia-id": lambda iia: setattr(iia.partners[1], "iia_id", "another-id"),
    "a spec added": lambda iia: iia.conditions.append(copy.deepcopy(iia.conditions[-1])),
    "a spec removed": lambda iia: iia.conditions.pop(1),
    "two specs of a kind reordered": lambda iia: iia.conditions.insert(2, iia.conditions.pop(3)),
    "terminated as a whole": lambda iia: setattr(iia, "terminated", True),
}

NOT_HASHED: dict[str, Change] = {
    "partner contacts": lambda iia: iia.partners[0].contacts.clear(),
    "another partner contact": lambda iia: iia.partners[1].contacts.append(
        _other_contact("c:contact").replace('xmlns="' + ewp.IIAS_V7 + '" ', "")
    ),
    "sending contacts": lambda iia: _studies(iia).sending_contacts.append(
        _other_contact("sending-contact")
    ),
    "receiving contacts": lambda iia: _teacher(iia).receiving_contacts.append(
        _other_contact("receiving-contact")
    ),
    "signing contact": lambda iia: setattr(
        iia.partners[0], "signing_contact", _other_contact("signing-contact")
    ),
    "signing date": lambda iia: setattr(iia.partners[1], "signing_date", "2015-01-01"),
    "in effect": lambda iia: setattr(iia, "in_effect", False),
    "iia-code": lambda iia: setattr(iia.partners[0], "iia_code", "another code"),
    "pdf-file": _set(lambda iia: iia, "pdf_file", "another-pdf"),
    "partner ounit": lambda iia: setattr(iia.partners[0], "ounit_id", "140"),
}


@pytest.mark.parametrize("change", HASHED.values(), ids=HASHED.keys())
def test_changing_any_condition_changes_the_hash(change: Change) -> None:
    iia = example()
    change(iia)
    assert ewp.hash_of(iia) != EXAMPLE_HASH
    # What is written is still a valid IIA: the change is one a partner could make.
    validate(ewp.get_response([iia]))


@pytest.mark.parametrize("change", NOT_HASHED.values(), ids=NOT_HASHED.keys())
def test_changing_what_is_not_a_condition_keeps_the_hash(change: Change) -> None:
    iia = example()
    before = ewp.get_response([example()])
    change(iia)
    after = ewp.get_response([iia])
    validate(after)
    # The change is really written ...
    assert comparable(after) != comparable(before)
    # ... and the hash does not see it.
    assert ewp.hash_of(iia) == EXAMPLE_HASH


def test_the_written_hash_is_computed_not_the_one_read() -> None:
    iia = example()
    iia.hash = "0" * 64
    written = ewp.get_response([iia])
    assert written.findtext(".//{*}iia-hash") == EXAMPLE_HASH


def test_specs_are_written_in_the_order_of_their_kinds_whatever_order_they_come_in() -> None:
    """The schema fixes the order of the kinds, so moving a spec before another kind is no
    change; within a kind the order is kept (and hashed, see above)."""
    iia = example()
    iia.conditions.insert(0, iia.conditions.pop())  # staff-training first
    written = ewp.get_response([iia])
    validate(written)
    kinds = [
        etree.QName(spec).localname for spec in written.iterfind(".//{*}cooperation-conditions/*")
    ]
    assert kinds == [f"{spec.kind}-mobility-spec" for spec in example().conditions]
    assert ewp.hash_of(iia) == EXAMPLE_HASH


# Any single condition value, drawn at random

NUMBER = st.integers(min_value=1, max_value=999).map(str)
YEAR = st.integers(min_value=2000, max_value=2090).map(lambda y: f"{y}/{y + 1}")
FIELDS = {
    "mobilities_per_year": NUMBER,
    "total_months": NUMBER,
    "total_days": NUMBER,
    "sending_ounit": st.text("abcdefghij0123456789", min_size=1, max_size=8),
    "receiving_ounit": st.text("abcdefghij0123456789", min_size=1, max_size=8),
    "other_info": st.text("abc xyz.", min_size=1, max_size=20),
    "first_year": YEAR,
    "eqf_levels": st.lists(st.integers(min_value=5, max_value=8), min_size=1, max_size=3),
    "isced": st.from_regex(r"\A[0-9]{4}\Z"),
    "language": st.sampled_from(["en", "de", "fr", "pl", "no", "uk"]),
    "cefr": st.sampled_from(["A1", "A2", "B1", "B2", "C1", "C2"]),
}


@hypothesis_settings(max_examples=60, deadline=None)
@given(
    position=st.integers(min_value=0, max_value=4),
    change=st.sampled_from(sorted(FIELDS)).flatmap(
        lambda name: st.tuples(st.just(name), FIELDS[name])
    ),
)
def test_any_changed_condition_value_changes_the_hash(
    position: int, change: tuple[str, object]
) -> None:
    iia = example()
    spec = iia.conditions[position]
    name, value = change
    if name == "isced":
        target: object = spec.subject_areas[0]
    elif name in ("language", "cefr"):
        target = spec.languages[0]
    else:
        target = spec
    if name in ("total_months", "eqf_levels") and not spec.is_student:
        return
    if name == "total_days" and spec.is_student:
        return
    if name == "first_year":
        value = min(str(value), spec.last_year)
    before = getattr(target, name)
    setattr(target, name, value)
    if getattr(target, name) == before:
        assert ewp.hash_of(iia) == EXAMPLE_HASH
    else:
        assert ewp.hash_of(iia) != EXAMPLE_HASH
