"""Importing publications: CSV, XLSX and JSON, every row checked and every problem named by its
place, nothing written unless all pass, and only by the office or the adviser themself."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from accord.core.models import AuditEntry
from accord.doctoral import publications
from accord.doctoral.models import Adviser, Publication
from accord.doctoral.publications import (
    PublicationsRefused,
    UnreadableFile,
    check_publications,
    find_adviser,
    import_publications,
)

from .conftest import Doctoral

OWN_ORCID = "0000-0002-1825-0097"
UNKNOWN_ORCID = "0000-0001-5109-3700"
WRONG_CHECK_DIGIT = "0000-0002-1825-0098"


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def audit_entries() -> Any:
    return AuditEntry.objects.filter(object_type="doctoral.publication")


def refusal(actor: Any, source: Any, adviser: Adviser | None = None) -> list[str]:
    """The problems listed for ``source``, which must write nothing."""
    publications_before, entries_before = Publication.objects.count(), audit_entries().count()
    with pytest.raises(PublicationsRefused) as refused:
        import_publications(actor, source, adviser)
    assert Publication.objects.count() == publications_before
    assert audit_entries().count() == entries_before
    return refused.value.errors


# Files that pass ---------------------------------------------------------------------------------


def test_a_csv_file_names_each_row_s_adviser_by_orcid_or_e_mail(
    doctoral: Doctoral, tmp_path: Path
) -> None:
    other = doctoral.other_adviser
    Adviser.objects.filter(pk=other.pk).update(email="olena.kovalenko@example.edu")
    path = write(
        tmp_path,
        "works.csv",
        "Title,abstract,YEAR,doi,adviser\n"
        f'"Water flooding, revisited","Old fields, new methods.",2021,10.1000/wf.21,{OWN_ORCID}\n'
        f"Transformers for bug triage,,2023,https://doi.org/10.5555/BT-23,"
        "Olena.Kovalenko@example.edu\n"
        f"Drilling in shale,,,,https://orcid.org/{OWN_ORCID}\n",
    )
    assert import_publications(doctoral.world.officer, path) == 3
    water = Publication.objects.get(title="Water flooding, revisited")
    assert (water.adviser, water.abstract, water.year, water.doi) == (
        doctoral.own_adviser,
        "Old fields, new methods.",
        2021,
        "10.1000/wf.21",
    )
    triage = Publication.objects.get(title="Transformers for bug triage")
    assert (triage.adviser, triage.year, triage.doi) == (other, 2023, "10.5555/BT-23")
    shale = Publication.objects.get(title="Drilling in shale")
    assert (shale.adviser, shale.year, shale.doi) == (doctoral.own_adviser, None, "")


def test_each_publication_gets_an_audit_entry_under_its_adviser(
    doctoral: Doctoral, tmp_path: Path
) -> None:
    path = write(tmp_path, "works.csv", "title,year\nWater flooding,2021\nShale gas,2022\n")
    officer = doctoral.world.officer
    assert import_publications(officer, path, doctoral.own_adviser) == 2
    entries = list(audit_entries().order_by("pk"))
    assert [entry.object_repr for entry in entries] == ["Water flooding", "Shale gas"]
    for entry in entries:
        assert entry.action == "create"
        assert entry.actor == officer
        assert entry.subject == f"doctoral.adviser:{doctoral.own_adviser.pk}"
        assert entry.institution_id == doctoral.world.home.pk
        assert entry.before is None
        assert entry.after["adviser"] == doctoral.own_adviser.pk
    stored = Publication.objects.get(title="Shale gas")
    assert entries[1].object_id == str(stored.pk)
    assert entries[1].after == {
        "id": stored.pk,
        "adviser": doctoral.own_adviser.pk,
        "title": "Shale gas",
        "abstract": "",
        "year": 2022,
        "doi": "",
    }


@pytest.mark.parametrize("separator", [";", "\t"])
def test_a_csv_file_may_start_with_a_byte_order_mark_and_separate_by_semicolon_or_tab(
    doctoral: Doctoral, tmp_path: Path, separator: str
) -> None:
    rows = [["title", "abstract", "year"], ["Water flooding", "Wells, pumps, water", "2021"]]
    text = "\ufeff" + "\r\n".join(separator.join(row) for row in rows) + "\r\n"
    path = write(tmp_path, "works.csv", text)
    assert import_publications(None, path, doctoral.own_adviser) == 1
    work = Publication.objects.get(title="Water flooding")
    assert (work.abstract, work.year) == ("Wells, pumps, water", 2021)


def test_an_abstract_may_span_lines_and_empty_rows_are_skipped(
    doctoral: Doctoral, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "works.csv",
        'title,abstract,year\n"Water flooding","First line.\nSecond line.",2021\n,,\n'
        "Shale gas,,1899\n",
    )
    # The header is line 1, the multi-line row line 2, the empty row line 3.
    assert refusal(None, path, doctoral.own_adviser) == [
        "Line 4, column year: 1899 is not between 1900 and 2100."
    ]


def test_an_xlsx_workbook_is_read_from_its_first_sheet(doctoral: Doctoral, tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["title", "abstract", "year", "doi", "adviser"])
    sheet.append(["Water flooding", "Old fields.", 2021, "doi:10.1000/wf", OWN_ORCID])
    sheet.append([None, None, None, None, None])
    sheet.append(["Shale gas", None, 2022.0, None, OWN_ORCID])
    sheet.append(["Bad year", None, 2022.5, None, OWN_ORCID])
    path = tmp_path / "works.xlsx"
    workbook.save(path)
    assert refusal(None, path) == ["Line 5, column year: “2022.5” is not a year."]
    sheet.delete_rows(5)
    workbook.save(path)
    assert import_publications(None, path) == 2
    assert Publication.objects.get(title="Shale gas").year == 2022
    assert Publication.objects.get(title="Water flooding").doi == "10.1000/wf"


def test_a_json_list_or_an_object_with_a_publications_list(
    doctoral: Doctoral, tmp_path: Path
) -> None:
    items = [
        {"title": "Water flooding", "abstract": None, "year": 2021, "doi": None},
        {"Title": "Shale gas", "year": "2022", "adviser": OWN_ORCID},
    ]
    listed = write(tmp_path, "works.json", json.dumps(items))
    assert import_publications(doctoral.world.officer, listed, doctoral.own_adviser) == 2
    assert Publication.objects.get(title="Shale gas").year == 2022
    wrapped = write(
        tmp_path, "more.json", json.dumps({"publications": [{"title": "Deep wells", "year": 2020}]})
    )
    assert import_publications(doctoral.world.officer, wrapped, doctoral.own_adviser) == 1


def test_an_uploaded_file_is_read_and_its_format_told_by_its_name_or_content(
    doctoral: Doctoral,
) -> None:
    officer, own = doctoral.world.officer, doctoral.own_adviser
    upload = SimpleUploadedFile("works.CSV", b"title,year\nWater flooding,2021\n")
    assert import_publications(officer, upload, own) == 1
    nameless = io.BytesIO(b' [{"title": "Shale gas"}]')
    assert import_publications(officer, nameless, own) == 1
    text = io.StringIO("title\nDeep wells\n")
    assert import_publications(officer, text, own) == 1


def test_check_counts_the_publications_and_writes_nothing(
    doctoral: Doctoral, tmp_path: Path
) -> None:
    path = write(tmp_path, "works.csv", "title\nWater flooding\nShale gas\n")
    before = Publication.objects.count()
    assert check_publications(None, path, doctoral.own_adviser) == 2
    assert Publication.objects.count() == before
    assert not audit_entries().exists()


# Every problem, with its place ---------------------------------------------------------------------


def test_every_problem_of_every_row_is_listed_with_its_line_and_column(
    doctoral: Doctoral, tmp_path: Path
) -> None:
    long_title = "T" * 501
    path = write(
        tmp_path,
        "works.csv",
        "title,abstract,year,doi\n"
        "Good one,,2021,10.1000/good\n"
        ",,abc,\n"
        f"{long_title},,2101,not-a-doi\n"
        "enhanced OIL recovery by  polymer flooding,,,\n"
        "Good one,,,\n"
        "Shale gas,,1899,doi:10.1/short-prefix\n",
    )
    assert refusal(None, path, doctoral.own_adviser) == [
        "Line 3, column title: This value is required.",
        "Line 3, column year: “abc” is not a year.",
        "Line 4, column title: The title has 501 characters; 500 at most.",
        "Line 4, column year: 2101 is not between 1900 and 2100.",
        "Line 4, column doi: “not-a-doi” is not a DOI (10.1000/xyz123).",
        "Line 5, column title: Mykola Bondarenko already has a publication with this title.",
        "Line 6, column title: The same publication as on line 2.",
        "Line 7, column year: 1899 is not between 1900 and 2100.",
        "Line 7, column doi: “10.1/short-prefix” is not a DOI (10.1000/xyz123).",
    ]


def test_the_adviser_column_names_a_known_adviser_unambiguously(
    doctoral: Doctoral, tmp_path: Path
) -> None:
    Adviser.objects.filter(pk__in=[doctoral.own_adviser.pk, doctoral.other_adviser.pk]).update(
        email="shared@example.edu"
    )
    path = write(
        tmp_path,
        "works.csv",
        "title,adviser\n"
        f"One,{UNKNOWN_ORCID}\n"
        f"Two,{WRONG_CHECK_DIGIT}\n"
        "Three,nobody@example.edu\n"
        "Four,Mykola Bondarenko\n"
        "Five,SHARED@example.edu\n"
        "Six,\n",
    )
    assert refusal(doctoral.world.officer, path) == [
        f"Line 2, column adviser: No adviser has the ORCID iD {UNKNOWN_ORCID}.",
        "Line 3, column adviser: This ORCID iD's check digit is wrong.",
        "Line 4, column adviser: No adviser has the e-mail address nobody@example.edu.",
        "Line 5, column adviser: “Mykola Bondarenko” is neither an ORCID iD nor an e-mail address.",
        "Line 6, column adviser: Several advisers have the e-mail address SHARED@example.edu; "
        "give the ORCID iD.",
        "Line 7, column adviser: This value is required.",
    ]


def test_a_file_for_one_adviser_may_name_only_that_adviser(
    doctoral: Doctoral, tmp_path: Path
) -> None:
    Adviser.objects.filter(pk=doctoral.other_adviser.pk).update(email="olena@example.edu")
    path = write(
        tmp_path,
        "works.csv",
        f"title,adviser\nOne,{OWN_ORCID}\nTwo,\nThree,olena@example.edu\n",
    )
    assert refusal(None, path, doctoral.own_adviser) == [
        "Line 4, column adviser: The file is imported for Mykola Bondarenko, not Olena Kovalenko."
    ]


def test_the_same_title_for_two_advisers_is_no_duplicate(
    doctoral: Doctoral, tmp_path: Path
) -> None:
    Adviser.objects.filter(pk=doctoral.other_adviser.pk).update(email="olena@example.edu")
    path = write(
        tmp_path,
        "works.csv",
        f"title,adviser\nShared work,{OWN_ORCID}\nshared WORK,olena@example.edu\n"
        # Reservoir simulation... is the own adviser's, not the other's.
        "Reservoir simulation of fractured carbonates,olena@example.edu\n",
    )
    assert import_publications(None, path) == 3


def test_json_problems_name_the_item_and_the_field(doctoral: Doctoral, tmp_path: Path) -> None:
    items: list[Any] = [
        {"title": "Good one", "year": 2021},
        {"title": "Bad year", "year": "abc"},
        {"title": "Unknown fields", "authors": ["A. B."], "keywords": "oil"},
        "not an object",
        {"title": 42, "year": True, "abstract": ["a"]},
        {"title": "Good one", "year": 2022.5},
        {"title": "Another", "authors": "C. D."},
        {"title": "Nul \u0000 inside"},
        {"title": "Lone \ud800 surrogate"},
    ]
    path = write(tmp_path, "works.json", json.dumps(items))
    assert refusal(None, path, doctoral.own_adviser) == [
        "Item 2, field year: “abc” is not a year.",
        "Item 3, field authors: Unknown field; the fields are title, abstract, year, doi, adviser.",
        "Item 3, field keywords: Unknown field; the fields are title, abstract, year, doi, "
        "adviser.",
        "Item 4: Give each publication as an object with a “title”.",
        "Item 5, field title: Give text here, not 42.",
        'Item 5, field abstract: Give text here, not ["a"].',
        "Item 5, field year: “true” is not a year.",
        "Item 6, field year: “2022.5” is not a year.",
        "Item 6, field title: The same publication as item 1.",
        "Item 8, field title: The text contains a null character.",
        "Item 9, field title: The text contains characters that are not valid Unicode.",
    ]


def test_json_repeats_and_stored_titles_name_the_item(doctoral: Doctoral, tmp_path: Path) -> None:
    items = [
        {"title": "Water flooding"},
        {"title": "Neural networks for code review"},  # the other adviser's: no duplicate
        {"title": "RESERVOIR simulation of fractured carbonates"},
        {"title": "water  flooding"},
    ]
    path = write(tmp_path, "works.json", json.dumps(items))
    assert refusal(None, path, doctoral.own_adviser) == [
        "Item 3, field title: Mykola Bondarenko already has a publication with this title.",
        "Item 4, field title: The same publication as item 1.",
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("works.csv", b"", "The file is empty."),
        ("works.csv", b"title,year\n\n,\n", "The file lists no publications."),
        ("works.json", b"[]", "The file lists no publications."),
        ("works.json", b'{"works": []}', "Give a list of publications, or an object whose "),
        ("works.json", b'[{"title": "x"}', "The file is not valid JSON (line 1, column 16: "),
        ("works.json", b"[" * 100_000 + b"]" * 100_000, "The file is not JSON this import can"),
        ("works.csv", b"title\nCaf\xe9\n", "Line 2 is not UTF-8 text; save the file as CSV UTF-8."),
        ("works.xlsx", b"title\nWater\n", "The file is not a readable XLSX workbook"),
        ("works.xls", b"title\nWater\n", "Import a CSV, XLSX or JSON file, not a “.xls” file."),
        (
            "works.csv",
            b"title,authors,year,Year\n",
            "Line 1: unknown columns: authors; repeated columns: year; the columns are title, "
            "abstract, year, doi, adviser.",
        ),
        (
            "works.csv",
            b"name,year\n",
            "Line 1: unknown columns: name; missing columns: title; the columns are ",
        ),
    ],
)
def test_an_unreadable_file_is_refused_with_the_reason(
    doctoral: Doctoral, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = write(tmp_path, name, content)
    with pytest.raises(UnreadableFile) as refused:
        import_publications(None, path, doctoral.own_adviser)
    assert len(refused.value.errors) == 1
    assert refused.value.errors[0].startswith(message)


def test_without_a_fixed_adviser_the_adviser_column_is_required(
    doctoral: Doctoral, tmp_path: Path
) -> None:
    path = write(tmp_path, "works.csv", "title,year\nWater flooding,2021\n")
    assert refusal(None, path) == [
        "Line 1: missing columns: adviser; the columns are title, abstract, year, doi, adviser."
    ]


def test_a_row_wider_than_the_header_is_refused_rather_than_shifted(
    doctoral: Doctoral, tmp_path: Path
) -> None:
    path = write(
        tmp_path, "works.csv", "title,abstract,year\nWater flooding,Oil, gas and water,2021\n"
    )
    assert refusal(None, path, doctoral.own_adviser) == [
        "Line 2: The line has 4 values but the first line names 3 columns; put quotes around "
        "texts that contain the separator."
    ]


def test_a_file_over_the_size_limit_is_refused(
    doctoral: Doctoral, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(publications, "MAX_BYTES", 2 * 1024 * 1024)
    content = b"title\n" + b"x" * (2 * 1024 * 1024)
    path = write(tmp_path, "works.csv", content)
    message = "The file is larger than 2 MB."
    assert refusal(None, path, doctoral.own_adviser) == [message]
    # An upload without a size, too: it is read no further than the limit.
    assert refusal(None, io.BytesIO(content), doctoral.own_adviser) == [message]
    assert refusal(None, SimpleUploadedFile("works.csv", content), doctoral.own_adviser) == [
        message
    ]


def test_the_first_thousand_problems_are_kept_and_all_counted(
    doctoral: Doctoral, tmp_path: Path
) -> None:
    path = write(tmp_path, "works.csv", "title,year\n" + "Work,abc\n" * 1500)
    with pytest.raises(PublicationsRefused) as refused:
        import_publications(None, path, doctoral.own_adviser)
    problems = refused.value
    # Each row: a bad year; from the second on, also the same title as line 2.
    assert problems.total == 1500 + 1499
    assert len(problems.errors) == 1000
    assert problems.errors[:4] == [
        "Line 2, column year: “abc” is not a year.",
        "Line 3, column year: “abc” is not a year.",
        "Line 3, column title: The same publication as on line 2.",
        "Line 4, column year: “abc” is not a year.",
    ]
    listing = problems.listing(5).splitlines()
    assert listing[0] == "Nothing was imported: 2999 problems."
    assert listing[-1] == "… and 2994 more."
    assert len(listing) == 7


def test_one_bad_row_writes_nothing_and_records_nothing(doctoral: Doctoral, tmp_path: Path) -> None:
    rows = "".join(f"Work {number},2021\n" for number in range(200))
    path = write(tmp_path, "works.csv", "title,year\n" + rows + "Last work,20x1\n")
    assert refusal(doctoral.world.officer, path, doctoral.own_adviser) == [
        "Line 202, column year: “20x1” is not a year."
    ]


def test_a_title_stored_between_the_check_and_the_writing_stops_the_writing(
    doctoral: Doctoral, tmp_path: Path
) -> None:
    path = write(tmp_path, "works.csv", "title\nWater flooding\nShale gas\n")
    job = publications._Import(None, doctoral.own_adviser)
    rows = job.check(path)
    Publication.objects.create(adviser=doctoral.own_adviser, title="Shale GAS")
    with pytest.raises(PublicationsRefused) as refused:
        job.write(rows)
    assert refused.value.errors == [
        "Line 3, column title: Mykola Bondarenko already has a publication with this title."
    ]
    assert not Publication.objects.filter(title="Water flooding").exists()
    assert not audit_entries().exists()


# Who imports ----------------------------------------------------------------------------------------


def test_an_adviser_imports_their_own_publications(doctoral: Doctoral, tmp_path: Path) -> None:
    adviser_user = doctoral.world.adviser
    path = write(tmp_path, "works.csv", "title\nWater flooding\n")
    assert import_publications(adviser_user, path, doctoral.own_adviser) == 1
    with_column = write(tmp_path, "more.csv", f"title,adviser\nShale gas,{OWN_ORCID}\n")
    assert import_publications(adviser_user, with_column) == 1
    assert audit_entries().filter(actor=adviser_user).count() == 2


@pytest.mark.parametrize("persona", ["partner_a_coordinator", "leadership", "faculty_coordinator"])
def test_no_one_else_but_the_office_imports(
    doctoral: Doctoral, tmp_path: Path, persona: str
) -> None:
    actor = getattr(doctoral.world, persona)
    path = write(tmp_path, "works.csv", f"title,adviser\nWater flooding,{OWN_ORCID}\n")
    with pytest.raises(PermissionDenied):
        import_publications(actor, path, doctoral.own_adviser)
    with pytest.raises(PermissionDenied):
        import_publications(actor, path)
    assert not Publication.objects.filter(title="Water flooding").exists()


def test_an_adviser_does_not_import_for_another_adviser(doctoral: Doctoral, tmp_path: Path) -> None:
    adviser_user = doctoral.world.adviser
    Adviser.objects.filter(pk=doctoral.other_adviser.pk).update(email="olena@example.edu")
    path = write(tmp_path, "works.csv", "title\nWater flooding\n")
    with pytest.raises(PermissionDenied):
        import_publications(adviser_user, path, doctoral.other_adviser)
    mixed = write(
        tmp_path,
        "mixed.csv",
        f"title,adviser\nWater flooding,{OWN_ORCID}\nShale gas,olena@example.edu\n",
    )
    with pytest.raises(PermissionDenied) as denied:
        import_publications(adviser_user, mixed)
    assert str(denied.value) == (
        "Line 3 is for Olena Kovalenko; you import only your own publications."
    )
    assert not Publication.objects.filter(title__in=["Water flooding", "Shale gas"]).exists()


def test_an_inactive_officer_imports_nothing(doctoral: Doctoral, tmp_path: Path) -> None:
    officer = doctoral.world.officer
    officer.is_active = False
    path = write(tmp_path, "works.csv", "title\nWater flooding\n")
    with pytest.raises(PermissionDenied):
        import_publications(officer, path, doctoral.own_adviser)


# The command ------------------------------------------------------------------------------------------


def test_find_adviser_by_orcid_e_mail_or_number(doctoral: Doctoral) -> None:
    own, other = doctoral.own_adviser, doctoral.other_adviser
    Adviser.objects.filter(pk=other.pk).update(email="olena@example.edu")
    assert find_adviser(OWN_ORCID) == own
    assert find_adviser(OWN_ORCID.replace("-", "")) == own
    assert find_adviser(" OLENA@example.edu ") == other
    assert find_adviser(str(other.pk)) == other
    with pytest.raises(LookupError, match=r"There is no adviser number 999999\."):
        find_adviser("999999")
    with pytest.raises(LookupError, match="No adviser has the ORCID iD"):
        find_adviser(UNKNOWN_ORCID)


def test_the_command_imports_a_file_as_the_actor_for_the_adviser(
    doctoral: Doctoral, tmp_path: Path
) -> None:
    path = write(tmp_path, "works.csv", "title,year\nWater flooding,2021\nShale gas,2022\n")
    out = io.StringIO()
    call_command(
        "import_publications", str(path), "--adviser", OWN_ORCID, "--actor", "officer", stdout=out
    )
    assert "Publications imported: 2" in out.getvalue()
    assert audit_entries().filter(actor=doctoral.world.officer).count() == 2
    assert Publication.objects.filter(adviser=doctoral.own_adviser, title="Shale gas").exists()


def test_the_command_checks_without_writing(doctoral: Doctoral, tmp_path: Path) -> None:
    path = write(tmp_path, "works.json", json.dumps([{"title": "Water", "adviser": OWN_ORCID}]))
    out = io.StringIO()
    call_command("import_publications", str(path), "--check", stdout=out)
    assert "1 publications to import; nothing written" in out.getvalue()
    assert not Publication.objects.filter(title="Water").exists()


def test_the_command_lists_the_problems(doctoral: Doctoral, tmp_path: Path) -> None:
    path = write(tmp_path, "works.csv", "title,year\nWater flooding,2021\nShale gas,abc\n")
    adviser = str(doctoral.own_adviser.pk)
    with pytest.raises(CommandError) as refused:
        call_command("import_publications", str(path), "--adviser", adviser)
    assert str(refused.value).splitlines() == [
        "Nothing was imported: 1 problem.",
        "Line 3, column year: “abc” is not a year.",
    ]
    with pytest.raises(CommandError, match="No adviser has the e-mail address"):
        call_command("import_publications", str(path), "--adviser", "nobody@example.edu")
    with pytest.raises(CommandError, match="Only the office"):
        call_command("import_publications", str(path), "--adviser", adviser, "--actor", "partner_a")
    with pytest.raises(CommandError):
        call_command("import_publications", str(tmp_path / "missing.csv"), "--adviser", adviser)
    assert not Publication.objects.filter(title="Water flooding").exists()


# Any input at all ---------------------------------------------------------------------------------------

PROPERTY_SETTINGS = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NAMES = st.sampled_from(["works.csv", "works.json", "works.xlsx", "works.txt", "works", None])


def _survives(doctoral: Doctoral, source: Any, fixed: bool) -> None:
    """Either the import writes what it reports, or it refuses and writes nothing."""
    adviser = doctoral.own_adviser if fixed else None
    refusal: PublicationsRefused | None = None
    with transaction.atomic():
        before = Publication.objects.count()
        try:
            created = import_publications(None, source, adviser)
        except PublicationsRefused as refused:
            refusal, created = refused, 0
        assert Publication.objects.count() == before + created
        transaction.set_rollback(True)
    if refusal is None:
        assert created > 0
    else:
        assert refusal.errors
        assert all(isinstance(error, str) and error for error in refusal.errors)
        assert refusal.listing()


def _named(content: bytes, name: str | None) -> Any:
    return io.BytesIO(content) if name is None else SimpleUploadedFile(name, content)


@PROPERTY_SETTINGS
@given(content=st.binary(max_size=600), name=NAMES, fixed=st.booleans())
def test_any_bytes_are_imported_or_refused_with_reasons(
    doctoral: Doctoral, content: bytes, name: str | None, fixed: bool
) -> None:
    _survives(doctoral, _named(content, name), fixed)


CELLS = st.text(max_size=30) | st.sampled_from(["2021", "1899", OWN_ORCID, "10.1000/x", ""])


@PROPERTY_SETTINGS
@given(
    header=st.lists(st.sampled_from(["title", "abstract", "year", "doi", "adviser"]), min_size=1),
    rows=st.lists(st.lists(CELLS, max_size=6), max_size=8),
    separator=st.sampled_from([",", ";", "\t"]),
    fixed=st.booleans(),
)
def test_any_table_text_is_imported_or_refused_with_reasons(
    doctoral: Doctoral, header: list[str], rows: list[list[str]], separator: str, fixed: bool
) -> None:
    lines = [separator.join(header)] + [separator.join(row) for row in rows]
    content = "\n".join(lines).encode("utf-8", "surrogatepass")
    _survives(doctoral, SimpleUploadedFile("works.csv", content), fixed)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20) | CELLS,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)
ITEMS = st.lists(
    st.dictionaries(st.sampled_from(["title", "abstract", "year", "doi", "adviser"]), JSON_VALUES)
    | JSON_VALUES,
    max_size=6,
)


@PROPERTY_SETTINGS
@given(items=ITEMS, wrapped=st.booleans(), fixed=st.booleans())
def test_any_json_is_imported_or_refused_with_reasons(
    doctoral: Doctoral, items: list[Any], wrapped: bool, fixed: bool
) -> None:
    document = {"publications": items} if wrapped else items
    content = json.dumps(document).encode()
    _survives(doctoral, SimpleUploadedFile("works.json", content), fixed)
