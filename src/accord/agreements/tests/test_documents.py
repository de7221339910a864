"""Agreement documents: the PDF in parallel languages, and signed scans with access per persona."""

from __future__ import annotations

import datetime
import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from accord.agreements import actions, documents
from accord.agreements.models import (
    Agreement,
    AgreementDocument,
    AgreementKind,
    AgreementParty,
    CooperationArea,
    Direction,
    Flow,
    MobilityType,
    Quota,
)
from accord.core import audit
from accord.core.models import AuditAction, AuditEntry
from accord.institutions.models import Field, Specialty
from conftest import World, client_for

TITLE_EN = "Inter-institutional agreement on academic mobility"
TITLE_UK = "Міжінституційна угода про академічну мобільність"
TITLE_AZ = "Akademik mobillik haqqında institutlararası saziş"
TEXT_EN = "The parties agree to exchange students.\n\nEach party names a coordinator."
TEXT_UK = "Сторони домовляються обмінюватися студентами.\n\nКожна сторона призначає координатора."
TEXT_AZ = (
    "Tərəflər tələbə mübadiləsi barədə razılaşırlar.\n\nHər tərəf bir əlaqələndirici təyin edir."
)
DIRECTION_EN = "Oil and gas production"
DIRECTION_UK = "Видобування нафти і газу"
PDF_BYTES = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"

# Personas who may see an agreement with partner A; partner B's coordinator may not.
VIEWERS = ["officer", "leadership", "faculty_coordinator", "adviser", "partner_a_coordinator"]
# Personas who see the agreement but may not change its documents.
READERS = ["leadership", "faculty_coordinator", "adviser", "partner_a_coordinator"]


@pytest.fixture(autouse=True)
def _storage(settings: Any, tmp_path: Path) -> None:
    settings.ACCORD_PRIVATE_DIR = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"


def _stored_files(settings: Any) -> list[Path]:
    root = Path(settings.ACCORD_PRIVATE_DIR)
    media = Path(settings.MEDIA_ROOT)
    return [
        path
        for base in (root, media)
        if base.exists()
        for path in base.rglob("*")
        if path.is_file()
    ]


def _agreement(world: World, **extra: Any) -> Agreement:
    fields: dict[str, Any] = {
        "kind": AgreementKind.ERASMUS_IIA,
        "title": TITLE_EN,
        "titles": {"uk": TITLE_UK},
        "text": TEXT_EN,
        "texts": {"uk": TEXT_UK},
        "areas": [CooperationArea.STUDENT_EXCHANGE, CooperationArea.JOINT_RESEARCH],
        "signed_on": datetime.date(2025, 3, 12),
        "valid_from": datetime.date(2025, 4, 1),
        "valid_until": datetime.date(2030, 3, 31),
    }
    agreement = Agreement(**(fields | extra))
    actions.create_agreement(world.officer, agreement, [world.home.pk, world.partner_a.pk])
    AgreementParty.objects.filter(agreement=agreement, institution=world.home).update(
        signatory_name="Yevhen Sokol", signatory_position="Rector"
    )
    AgreementParty.objects.filter(agreement=agreement, institution=world.partner_a).update(
        signatory_name="Vilayat Valiyev", signatory_position="Rector"
    )
    direction = Direction.objects.create(
        name=DIRECTION_EN, names={"uk": DIRECTION_UK, "az": "Neft və qaz hasilatı"}
    )
    direction.fields.add(Field.objects.get(code="0724"))
    direction.specialties.add(Specialty.objects.get(scheme="ua-2015", code="185"))
    agreement.directions.add(direction)
    Quota.objects.create(
        agreement=agreement,
        direction=direction,
        mobility_type=MobilityType.STUDENT_STUDIES,
        flow=Flow.OUTGOING,
        academic_year="2026/2027",
        people=7,
        months=35,
    )
    return agreement


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def _pdf_upload(name: str = "signed.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _scan(world: World, agreement: Agreement) -> AgreementDocument:
    return documents.upload_document(world.officer, agreement, _pdf_upload())


# The PDF ---------------------------------------------------------------------------------------


def test_pdf_has_both_languages_side_by_side(world: World) -> None:
    agreement = _agreement(world)
    content = documents.render_pdf(agreement, ("uk", "en"))
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    assert reader.pages[0].mediabox.width == pytest.approx(595, abs=1)  # A4
    text = _pdf_text(content)
    for expected in [
        TITLE_UK,
        TITLE_EN,
        *TEXT_UK.split("\n\n"),
        *TEXT_EN.split("\n\n"),
        "Home University",
        "Partner A University",
        "Yevhen Sokol",
        "Vilayat Valiyev",
        "Rector",
        DIRECTION_UK,
        DIRECTION_EN,
        "0724",
        "185",
        "2026/2027",
        "35",
        # Headings in each column's own language.
        "Сторони",
        "Parties",
        "Areas of cooperation",
        "Напрями співпраці",
        # Page numbers in the footer.
        f"1 / {len(reader.pages)}",
    ]:
        assert expected in text, expected
    assert "Tərəflər" not in text


def test_pdf_in_azerbaijani_and_english(world: World) -> None:
    agreement = _agreement(world, titles={"az": TITLE_AZ}, texts={"az": TEXT_AZ, "uk": TEXT_UK})
    text = _pdf_text(documents.render_pdf(agreement, ("az", "en")))
    for expected in [TITLE_AZ, *TEXT_AZ.split("\n\n"), TITLE_EN, *TEXT_EN.split("\n\n")]:
        assert expected in text, expected
    assert "ə" in text
    assert "ı" in text
    assert TEXT_UK.split("\n\n")[0] not in text


def test_paragraphs_are_paired_row_by_row(world: World) -> None:
    agreement = _agreement(world, text="One.\n\nTwo.\n\nThree.", texts={"uk": "Один.\n\nДва."})
    rows = documents.document_context(agreement, ("uk", "en"))["text_rows"]
    assert [[cell["text"] for cell in row] for row in rows] == [
        ["Один.", "One."],
        ["Два.", "Two."],
        ["", "Three."],
    ]
    assert [cell["language"] for cell in rows[0]] == ["uk", "en"]


def test_default_languages(world: World) -> None:
    agreement = _agreement(world, titles={"uk": TITLE_UK, "az": TITLE_AZ})
    assert documents.default_languages(agreement) == ("az", "en")
    assert documents.parse_languages(agreement, "") == ("az", "en")
    assert documents.parse_languages(agreement, "UK, en") == ("uk", "en")
    english = _agreement(world, titles={}, texts={})
    assert documents.default_languages(english) == ("en",)
    assert documents.language_pairs(english) == [("en",)]
    text = _pdf_text(documents.render_pdf(english))
    assert TITLE_EN in text
    assert "Parties" in text
    assert "Сторони" not in text


@pytest.mark.parametrize(
    ("languages", "message"),
    [
        ("xx", "Unknown language: xx"),
        ("uk,<b>", "Unknown language"),
        ("az,en", "no title or text in"),
        ("uk,uk", "two different"),
        ("uk,en,az", "two different"),
    ],
)
def test_unsupported_languages_are_refused(world: World, languages: str, message: str) -> None:
    agreement = _agreement(world)
    client = client_for(world.officer)
    page = client.get(
        reverse("agreement_document_pdf", args=[agreement.pk]), {"languages": languages}
    )
    assert page.status_code == 400
    assert message in page.content.decode()
    api = client.get(f"/api/agreements/{agreement.pk}/document.pdf", {"languages": languages})
    assert api.status_code == 400
    assert message in api.json()["detail"]


def test_pdf_is_served_with_a_file_name(world: World) -> None:
    agreement = _agreement(world)
    response = client_for(world.partner_a_coordinator).get(
        reverse("agreement_document_pdf", args=[agreement.pk]), {"languages": "uk,en"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'inline; filename="inter-institutional-agreement-on-academic-mobility-{agreement.pk}'
        '-uk-en.pdf"'
    )
    assert TITLE_UK in _pdf_text(response.content)


@pytest.mark.parametrize("persona", VIEWERS)
def test_pdf_for_everyone_who_sees_the_agreement(
    world: World, persona: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered: list[tuple[int | None, tuple[str, ...]]] = []

    def fake_render(agreement: Agreement, languages: Any = None) -> bytes:
        rendered.append((agreement.pk, tuple(languages)))
        return b"%PDF-1.7 rendered"

    monkeypatch.setattr(documents, "render_pdf", fake_render)
    agreement = _agreement(world)
    client = client_for(getattr(world, persona))
    for url in [
        reverse("agreement_document_pdf", args=[agreement.pk]),
        f"/api/agreements/{agreement.pk}/document.pdf",
    ]:
        response = client.get(url, {"languages": "uk,en"})
        assert response.status_code == 200, url
        assert response["Content-Type"] == "application/pdf"
        assert f"-{agreement.pk}-uk-en.pdf" in response["Content-Disposition"]
        assert response.content == b"%PDF-1.7 rendered"
        # Without a choice: the agreement's other language with English.
        assert client.get(url).status_code == 200
    assert rendered == [(agreement.pk, ("uk", "en"))] * 4


def test_pdf_denied_to_other_partners_and_anonymous(world: World) -> None:
    agreement = _agreement(world)
    page = reverse("agreement_document_pdf", args=[agreement.pk])
    api = f"/api/agreements/{agreement.pk}/document.pdf"
    other = client_for(world.partner_b_coordinator)
    assert other.get(page).status_code == 404
    assert other.get(api).status_code == 404
    anonymous = client_for(None)
    assert anonymous.get(page).status_code == 302
    assert anonymous.get(api).status_code == 401


# Signed scans: upload --------------------------------------------------------------------------


def test_officer_uploads_a_scan(world: World, settings: Any) -> None:
    agreement = _agreement(world)
    response = client_for(world.officer).post(
        reverse("agreement_document_upload", args=[agreement.pk]),
        {"file": _pdf_upload("../../etc/Підписаний скан.PDF")},
    )
    assert response.status_code == 302
    document = AgreementDocument.objects.get(agreement=agreement)
    assert document.name == "Підписаний_скан.pdf"
    assert document.size == len(PDF_BYTES)
    assert document.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    stored = Path(document.file.path)
    assert stored.read_bytes() == PDF_BYTES
    assert stored.is_relative_to(Path(settings.ACCORD_PRIVATE_DIR))
    assert not stored.is_relative_to(Path(settings.MEDIA_ROOT))
    assert document.file.name.startswith(f"agreements/{agreement.pk}/")
    with pytest.raises(NotImplementedError):
        _ = document.file.url
    entry = AuditEntry.objects.get(
        object_type="agreements.agreementdocument", object_id=str(document.pk)
    )
    assert entry.action == AuditAction.CREATE
    assert entry.actor == world.officer
    assert entry.subject == f"agreements.agreement:{agreement.pk}"
    assert entry.after is not None
    assert entry.after["file"] == document.file.name
    assert entry.after["sha256"] == document.sha256


def test_upload_through_the_api(world: World) -> None:
    agreement = _agreement(world)
    client = client_for(world.officer)
    response = client.post(f"/api/agreements/{agreement.pk}/documents", {"file": _pdf_upload()})
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "signed.pdf"
    assert body["size"] == len(PDF_BYTES)
    assert body["sha256"] == hashlib.sha256(PDF_BYTES).hexdigest()
    assert AgreementDocument.objects.filter(pk=body["id"], agreement=agreement).exists()


def test_a_large_upload_spooled_to_disk_is_stored_whole(world: World, settings: Any) -> None:
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    settings.FILE_UPLOAD_TEMP_DIR = str(Path(settings.ACCORD_PRIVATE_DIR).parent)
    agreement = _agreement(world)
    content = PDF_BYTES + bytes(range(256)) * 400
    response = client_for(world.officer).post(
        f"/api/agreements/{agreement.pk}/documents", {"file": _pdf_upload("big.pdf", content)}
    )
    assert response.status_code == 201
    document = AgreementDocument.objects.get(pk=response.json()["id"])
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert Path(document.file.path).read_bytes() == content
    assert _stored_files(settings) == [Path(document.file.path)]


@pytest.mark.parametrize("persona", READERS)
def test_only_officers_upload(world: World, persona: str, settings: Any) -> None:
    agreement = _agreement(world)
    client = client_for(getattr(world, persona))
    page = client.post(
        reverse("agreement_document_upload", args=[agreement.pk]), {"file": _pdf_upload()}
    )
    assert page.status_code == 403
    api = client.post(f"/api/agreements/{agreement.pk}/documents", {"file": _pdf_upload()})
    assert api.status_code == 403
    assert not AgreementDocument.objects.exists()
    assert _stored_files(settings) == []


def test_other_partners_and_anonymous_cannot_upload(world: World, settings: Any) -> None:
    agreement = _agreement(world)
    page = reverse("agreement_document_upload", args=[agreement.pk])
    api = f"/api/agreements/{agreement.pk}/documents"
    other = client_for(world.partner_b_coordinator)
    assert other.post(page, {"file": _pdf_upload()}).status_code == 404
    assert other.post(api, {"file": _pdf_upload()}).status_code == 404
    anonymous = client_for(None)
    assert anonymous.post(page, {"file": _pdf_upload()}).status_code == 302
    assert anonymous.post(api, {"file": _pdf_upload()}).status_code == 401
    assert not AgreementDocument.objects.exists()
    assert _stored_files(settings) == []


def test_a_file_that_is_not_a_pdf_is_refused(world: World, settings: Any) -> None:
    agreement = _agreement(world)
    fake = b"<html><body>not a scan</body></html>"
    client = client_for(world.officer)
    response = client.post(
        reverse("agreement_document_upload", args=[agreement.pk]),
        {"file": _pdf_upload("scan.pdf", fake)},
        follow=True,
    )
    assert "Only PDF files" in response.content.decode()
    api = client.post(
        f"/api/agreements/{agreement.pk}/documents", {"file": _pdf_upload("scan.pdf", fake)}
    )
    assert api.status_code == 422
    assert api.json()["detail"][0]["loc"] == ["body", "file"]
    assert "Only PDF files" in api.json()["detail"][0]["msg"]
    with pytest.raises(ValidationError) as refused:
        documents.upload_document(world.officer, agreement, _pdf_upload("x.pdf", b""))
    assert "empty" in str(refused.value.message_dict["file"])
    assert not AgreementDocument.objects.exists()
    assert _stored_files(settings) == []


def test_a_file_over_the_limit_is_refused(world: World, settings: Any) -> None:
    settings.ACCORD_MAX_UPLOAD_MB = 1
    agreement = _agreement(world)
    client = client_for(world.officer)
    limit = 1024 * 1024
    fits = PDF_BYTES + b"0" * (limit - len(PDF_BYTES))
    too_big = fits + b"0"
    response = client.post(
        f"/api/agreements/{agreement.pk}/documents", {"file": _pdf_upload("big.pdf", too_big)}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "file"]
    assert "larger than 1 MB" in response.json()["detail"][0]["msg"]
    page = client.post(
        reverse("agreement_document_upload", args=[agreement.pk]),
        {"file": _pdf_upload("big.pdf", too_big)},
        follow=True,
    )
    assert "larger than 1 MB" in page.content.decode()
    assert not AgreementDocument.objects.exists()
    assert _stored_files(settings) == []
    # Exactly at the limit is accepted.
    document = documents.upload_document(world.officer, agreement, _pdf_upload("ok.pdf", fits))
    assert document.size == limit


def test_a_rolled_back_upload_leaves_no_file(
    world: World, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    agreement = _agreement(world)
    written: list[bool] = []

    def failing_record(*args: Any, **kwargs: Any) -> None:
        # The file is already written when the audit entry fails.
        written.append(bool(_stored_files(settings)))
        raise RuntimeError("the database went away")

    monkeypatch.setattr(audit, "record", failing_record)
    with pytest.raises(RuntimeError):
        documents.upload_document(world.officer, agreement, _pdf_upload())
    assert written == [True]
    assert not AgreementDocument.objects.exists()
    assert _stored_files(settings) == []


def test_upload_inside_another_transaction_is_refused(world: World, settings: Any) -> None:
    from django.db import transaction

    agreement = _agreement(world)
    with pytest.raises(RuntimeError), transaction.atomic():
        documents.upload_document(world.officer, agreement, _pdf_upload())
    assert _stored_files(settings) == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("scan.pdf", "scan.pdf"),
        ("C:\\Users\\me\\Protocol 2025.pdf", "Protocol_2025.pdf"),
        ("../../../.bashrc", "bashrc.pdf"),
        ("..", "document.pdf"),
        ("", "document.pdf"),
        ("Saziş <imzalı>.pdf", "Saziş_imzalı.pdf"),
        ("x" * 300 + ".pdf", "x" * 200 + ".pdf"),
    ],
)
def test_file_names_are_sanitised(name: str, expected: str) -> None:
    assert documents.safe_file_name(name) == expected


# Signed scans: download, list, delete ----------------------------------------------------------


@pytest.mark.parametrize("persona", VIEWERS)
def test_everyone_who_sees_the_agreement_downloads(world: World, persona: str) -> None:
    agreement = _agreement(world)
    document = _scan(world, agreement)
    client = client_for(getattr(world, persona))
    for url in [
        reverse("agreement_document_download", args=[agreement.pk, document.pk]),
        f"/api/agreements/{agreement.pk}/documents/{document.pk}",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="signed.pdf"'
        assert b"".join(response.streaming_content) == PDF_BYTES  # type: ignore[attr-defined]
    listed = client.get(f"/api/agreements/{agreement.pk}/documents").json()
    assert [item["sha256"] for item in listed] == [document.sha256]


def test_download_denied_to_other_partners_and_anonymous(world: World) -> None:
    agreement = _agreement(world)
    document = _scan(world, agreement)
    page = reverse("agreement_document_download", args=[agreement.pk, document.pk])
    api = f"/api/agreements/{agreement.pk}/documents/{document.pk}"
    listing = f"/api/agreements/{agreement.pk}/documents"
    other = client_for(world.partner_b_coordinator)
    for url in (page, api, listing):
        assert other.get(url).status_code == 404, url
    anonymous = client_for(None)
    assert anonymous.get(page).status_code == 302
    assert anonymous.get(api).status_code == 401
    assert anonymous.get(listing).status_code == 401


def test_a_scan_is_reached_only_through_its_own_agreement(world: World) -> None:
    agreement = _agreement(world)
    document = _scan(world, agreement)
    other = Agreement(kind=AgreementKind.MEMORANDUM, title="Another memorandum")
    actions.create_agreement(world.officer, other, [world.home.pk, world.partner_b.pk])
    client = client_for(world.officer)
    assert (
        client.get(reverse("agreement_document_download", args=[other.pk, document.pk])).status_code
        == 404
    )
    assert client.get(f"/api/agreements/{other.pk}/documents/{document.pk}").status_code == 404
    assert client.delete(f"/api/agreements/{other.pk}/documents/{document.pk}").status_code == 404
    assert AgreementDocument.objects.filter(pk=document.pk).exists()


def test_officer_deletes_a_scan(
    world: World, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    agreement = _agreement(world)
    first, second = _scan(world, agreement), _scan(world, agreement)
    assert len(_stored_files(settings)) == 2
    client = client_for(world.officer)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(reverse("agreement_document_delete", args=[agreement.pk, first.pk]))
    assert page.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        api = client.delete(f"/api/agreements/{agreement.pk}/documents/{second.pk}")
    assert api.status_code == 204
    assert not AgreementDocument.objects.exists()
    assert _stored_files(settings) == []
    deleted = AuditEntry.objects.filter(
        object_type="agreements.agreementdocument", action=AuditAction.DELETE
    )
    assert sorted(int(entry.object_id) for entry in deleted) == sorted([first.pk, second.pk])
    assert all(entry.before and entry.before["sha256"] for entry in deleted)


def test_the_file_stays_until_the_deletion_commits(world: World, settings: Any) -> None:
    agreement = _agreement(world)
    document = _scan(world, agreement)
    # Without a commit the on-commit removal does not run: the file must still be there.
    documents.delete_document(world.officer, document)
    assert len(_stored_files(settings)) == 1


@pytest.mark.parametrize("persona", READERS)
def test_only_officers_delete(world: World, persona: str) -> None:
    agreement = _agreement(world)
    document = _scan(world, agreement)
    client = client_for(getattr(world, persona))
    assert (
        client.post(
            reverse("agreement_document_delete", args=[agreement.pk, document.pk])
        ).status_code
        == 403
    )
    assert (
        client.delete(f"/api/agreements/{agreement.pk}/documents/{document.pk}").status_code == 403
    )
    assert AgreementDocument.objects.filter(pk=document.pk).exists()


def test_other_partners_and_anonymous_cannot_delete(world: World) -> None:
    agreement = _agreement(world)
    document = _scan(world, agreement)
    page = reverse("agreement_document_delete", args=[agreement.pk, document.pk])
    api = f"/api/agreements/{agreement.pk}/documents/{document.pk}"
    other = client_for(world.partner_b_coordinator)
    assert other.post(page).status_code == 404
    assert other.delete(api).status_code == 404
    anonymous = client_for(None)
    assert anonymous.post(page).status_code == 302
    assert anonymous.delete(api).status_code == 401
    assert AgreementDocument.objects.filter(pk=document.pk).exists()


def test_missing_file_is_a_404_not_an_error(world: World) -> None:
    agreement = _agreement(world)
    document = _scan(world, agreement)
    Path(document.file.path).unlink()
    url = reverse("agreement_document_download", args=[agreement.pk, document.pk])
    assert client_for(world.officer).get(url).status_code == 404


# The documents section of the agreement page -------------------------------------------------


def test_section_for_an_officer_and_for_others(world: World) -> None:
    agreement = _agreement(world, titles={"uk": TITLE_UK, "az": TITLE_AZ})
    document = _scan(world, agreement)
    upload = reverse("agreement_document_upload", args=[agreement.pk])
    delete = reverse("agreement_document_delete", args=[agreement.pk, document.pk])
    download = reverse("agreement_document_download", args=[agreement.pk, document.pk])
    pdf = reverse("agreement_document_pdf", args=[agreement.pk])
    detail = reverse("agreement_detail", args=[agreement.pk])
    officer_page = client_for(world.officer).get(detail).content.decode()
    for expected in [upload, delete, download, f"{pdf}?languages=az%2Cen", document.sha256]:
        assert expected in officer_page, expected
    assert f"{pdf}?languages=uk%2Cen" in officer_page
    partner_page = client_for(world.partner_a_coordinator).get(detail).content.decode()
    assert download in partner_page
    assert document.sha256 in partner_page
    assert upload not in partner_page
    assert delete not in partner_page
    assert client_for(world.partner_b_coordinator).get(detail).status_code == 404
