"""Hostile documents from partners: external entities, entity expansion, a document type hidden
in UTF-16, oversized and malformed input. Each is refused by parse() with a message saying why,
and neither the import nor ``accord ewp import-iias`` stores anything.

Every payload is a valid partner's copy with the attack added, so that a refusal is the attack's
doing: the same document without it imports (see the first test).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from accord.core.models import AuditEntry
from accord.ewp import copies
from accord.ewp import iia as ewp
from accord.ewp.models import PartnerIia
from accord.ewp.tests.helpers import HOME_HEI, PARTNER_A_HEI, name_hei_ids
from accord.ewp.xml import XmlRefused, parse, serialize
from conftest import World

DECLARATION = b"<?xml version='1.0' encoding='UTF-8'?>\n"
CODE = b"<iia-code>A/2026/1</iia-code>"


def valid_copy() -> bytes:
    """Partner A's copy of an IIA with the home university: students from A, 2 a year."""
    iia = ewp.Iia(
        partners=[
            ewp.Partner(PARTNER_A_HEI, iia_id="partner-a-iia-1", iia_code="A/2026/1"),
            ewp.Partner(HOME_HEI),
        ],
        conditions=[
            ewp.MobilitySpec(
                kind="student-studies",
                sending_hei=PARTNER_A_HEI,
                receiving_hei=HOME_HEI,
                first_year="2026/2027",
                last_year="2027/2028",
                mobilities_per_year="2",
                languages=[ewp.LanguageSkill("en", "B2")],
                subject_areas=[ewp.SubjectArea("0724")],
            )
        ],
        in_effect=True,
    )
    data = serialize(ewp.get_response([iia]))
    assert data.startswith(DECLARATION)
    assert CODE in data
    return data


def with_doctype(data: bytes, doctype: bytes, reference: bytes) -> bytes:
    """``data`` with a document type declaration and ``reference`` in place of the iia-code."""
    body = data.removeprefix(DECLARATION).replace(CODE, b"<iia-code>" + reference + b"</iia-code>")
    return DECLARATION + doctype + b"\n" + body


def xxe(data: bytes) -> bytes:
    doctype = b'<!DOCTYPE iias-get-response [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    return with_doctype(data, doctype, b"&xxe;")


def billion_laughs(data: bytes) -> bytes:
    entities = [b'<!ENTITY lol0 "lol">']
    for level in range(1, 10):
        previous = b"&lol%d;" % (level - 1)
        entities.append(b'<!ENTITY lol%d "%s">' % (level, previous * 10))
    doctype = b"<!DOCTYPE iias-get-response [" + b"".join(entities) + b"]>"
    return with_doctype(data, doctype, b"&lol9;")


def utf16_doctype(data: bytes) -> bytes:
    """The external entity again, with the whole document in UTF-16: no byte sequence
    ``<!DOCTYPE`` appears in it."""
    text = (
        xxe(data)
        .decode()
        .replace(
            "<?xml version='1.0' encoding='UTF-8'?>", '<?xml version="1.0" encoding="UTF-16"?>'
        )
    )
    encoded = text.encode("utf-16")
    assert b"<!DOCTYPE" not in encoded
    return encoded


def oversized(data: bytes) -> bytes:
    """Over the 1 MB limit the tests set, with a comment (which the parser would drop)."""
    return data.replace(b"<iia>", b"<!--" + b" " * (1024 * 1024) + b"--><iia>", 1)


def malformed(data: bytes) -> bytes:
    return data[: len(data) // 2]


Attack = Callable[[bytes], bytes]
ATTACKS: dict[str, tuple[Attack, str]] = {
    "xxe": (xxe, "declares a document type"),
    "billion laughs": (billion_laughs, "declares a document type"),
    "doctype in utf-16": (utf16_doctype, "declares a document type"),
    "oversized": (oversized, "the limit is 1 MB"),
    "malformed": (malformed, "not well-formed"),
}


@pytest.fixture(autouse=True)
def small_limit(settings: Any) -> None:
    settings.EWP_MAX_DOCUMENT_MB = 1


@pytest.fixture
def home(world: World) -> World:
    name_hei_ids(world)
    return world


def nothing_stored() -> None:
    assert PartnerIia.objects.count() == 0
    assert not AuditEntry.objects.filter(object_type="ewp.partneriia").exists()


def test_the_documents_without_the_attacks_are_imported(home: World, tmp_path: Path) -> None:
    data = valid_copy()
    assert len(oversized(data)) > 1024 * 1024
    report = copies.import_copies(home.officer, data, home.home)
    assert report.created == [f"{PARTNER_A_HEI} partner-a-iia-1"]
    PartnerIia.objects.all().delete()

    path = tmp_path / "copy.xml"
    path.write_bytes(data)
    out = io.StringIO()
    call_command("ewp", "import-iias", str(path), stdout=out)
    assert "1 created" in out.getvalue()
    assert PartnerIia.objects.get().iia_code == "A/2026/1"


@pytest.mark.parametrize(("attack", "message"), ATTACKS.values(), ids=ATTACKS.keys())
def test_parse_refuses_it_saying_why(attack: Attack, message: str) -> None:
    with pytest.raises(XmlRefused, match=message) as refused:
        parse(attack(valid_copy()))
    # Nothing of the file an entity names is read into the message.
    assert "root:" not in str(refused.value)


@pytest.mark.parametrize(("attack", "message"), ATTACKS.values(), ids=ATTACKS.keys())
def test_the_import_stores_nothing(home: World, attack: Attack, message: str) -> None:
    with pytest.raises(XmlRefused, match=message):
        copies.import_copies(home.officer, attack(valid_copy()), home.home)
    nothing_stored()


@pytest.mark.parametrize(("attack", "message"), ATTACKS.values(), ids=ATTACKS.keys())
def test_the_import_command_refuses_it_and_stores_nothing(
    home: World, tmp_path: Path, attack: Attack, message: str
) -> None:
    path = tmp_path / "hostile.xml"
    path.write_bytes(attack(valid_copy()))
    with pytest.raises(CommandError, match=message):
        call_command("ewp", "import-iias", str(path))
    nothing_stored()


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"<iias-get-response",
        b"\xff\xfe\x00garbage",
        b"<a><b></a></b>",
    ],
    ids=["empty", "unclosed", "binary", "crossed"],
)
def test_other_broken_input_is_refused_as_not_well_formed(data: bytes) -> None:
    with pytest.raises(XmlRefused, match="not well-formed"):
        parse(data)


def test_a_document_just_under_the_limit_is_read() -> None:
    data = valid_copy()
    padded = data.replace(b"<iia>", b"<!--" + b" " * (1024 * 1024 - len(data) - 100) + b"--><iia>")
    assert len(padded) < 1024 * 1024
    root = parse(padded)
    assert ewp.read_iia(ewp.iia_elements(root)[0]).partners[0].iia_code == "A/2026/1"
