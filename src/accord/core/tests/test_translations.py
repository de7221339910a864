"""The Ukrainian and Azerbaijani catalogues: complete, up to date with the source, in use."""

from __future__ import annotations

import contextlib
import re
import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from django.utils.html import escape
from pytest_django import Settings

import accord

ACCORD_DIR = Path(accord.__file__).resolve().parent
LOCALE_DIR = ACCORD_DIR / "locale"
# Every language the site offers besides the one its texts are written in.
LANGUAGES = [
    code for code, _name in django_settings.LANGUAGES if code != django_settings.LANGUAGE_CODE
]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")

MessageKey = tuple[str | None, str | tuple[str, ...]]


def _po_path(locale_dir: Path, language: str) -> Path:
    return locale_dir / language / "LC_MESSAGES" / "django.po"


def _catalogue(path: Path, language: str) -> Catalog:
    with path.open("rb") as po:
        return read_po(po, locale=language)


def _messages(catalogue: Catalog) -> list[Message]:
    """The catalogue's entries without its header."""
    return [message for message in catalogue if message.id]


def _key(message: Message) -> MessageKey:
    msgid = message.id if isinstance(message.id, str) else tuple(message.id)
    return (message.context, msgid)


def _singular(message: Message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def _forms(message: Message) -> list[str]:
    if isinstance(message.string, str):
        return [message.string]
    return list(message.string or ())


def _listing(problems: dict[str, list[str]]) -> str:
    return "\n".join(
        f"  {language}: " + "; ".join(repr(text) for text in sorted(texts))
        for language, texts in problems.items()
        if texts
    )


def test_the_site_offers_translated_languages() -> None:
    assert LANGUAGES, "settings.LANGUAGES offers no language besides the default one"
    for language in LANGUAGES:
        assert _po_path(LOCALE_DIR, language).is_file(), f"no catalogue for {language}"


def test_every_entry_is_translated() -> None:
    missing: dict[str, list[str]] = {}
    for language in LANGUAGES:
        catalogue = _catalogue(_po_path(LOCALE_DIR, language), language)
        assert not catalogue.fuzzy, f"the {language} catalogue header is still marked fuzzy"
        missing[language] = [
            _singular(message)
            for message in _messages(catalogue)
            if message.fuzzy
            or len(_forms(message)) != (1 if isinstance(message.id, str) else catalogue.num_plurals)
            or not all(form.strip() for form in _forms(message))
        ]
    if any(missing.values()):
        pytest.fail(
            "untranslated or fuzzy entries (fill every msgstr, all plural forms):\n"
            + _listing(missing)
        )


def test_translations_keep_the_placeholders() -> None:
    """A translation uses only the source's %(name)s placeholders, and all of them unless plural.

    (A plural form may leave the count out, e.g. "one institution".)
    """
    wrong: dict[str, list[str]] = {}
    for language in LANGUAGES:
        catalogue = _catalogue(_po_path(LOCALE_DIR, language), language)
        wrong[language] = []
        for message in _messages(catalogue):
            ids = [message.id] if isinstance(message.id, str) else list(message.id)
            expected = {name for text in ids for name in PLACEHOLDER.findall(text)}
            for form in filter(None, _forms(message)):
                used = set(PLACEHOLDER.findall(form))
                if not used <= expected or (isinstance(message.id, str) and used != expected):
                    wrong[language].append(_singular(message))
                    break
    if any(wrong.values()):
        pytest.fail(
            "translations whose %(name)s placeholders differ from the source:\n" + _listing(wrong)
        )


def test_catalogues_are_up_to_date_with_the_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    if shutil.which("xgettext") is None:
        pytest.skip("xgettext (GNU gettext) is not installed: cannot extract the source strings")
    copy = tmp_path / "accord"
    shutil.copytree(ACCORD_DIR, copy, ignore=shutil.ignore_patterns("*.mo", "__pycache__"))
    # makemessages writes into LOCALE_PATHS: point it at the copy, never at the real catalogues.
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(copy)
    call_command(
        "makemessages",
        locale=LANGUAGES,
        no_location=True,
        no_obsolete=True,
        ignore_patterns=["tests/*"],
        verbosity=0,
    )
    new: dict[str, list[str]] = {}
    gone: dict[str, list[str]] = {}
    for language in LANGUAGES:
        fresh = {
            _key(message): _singular(message)
            for message in _messages(_catalogue(_po_path(copy / "locale", language), language))
        }
        committed = {
            _key(message): _singular(message)
            for message in _messages(_catalogue(_po_path(LOCALE_DIR, language), language))
        }
        new[language] = [fresh[key] for key in fresh.keys() - committed.keys()]
        gone[language] = [committed[key] for key in committed.keys() - fresh.keys()]
    if any(new.values()) or any(gone.values()):
        pytest.fail(
            "the catalogues are out of date with the source: run `make messages` and translate.\n"
            f"New strings to translate:\n{_listing(new) or '  (none)'}\n"
            f"Strings no longer in the source:\n{_listing(gone) or '  (none)'}"
        )


def _stale(po: Path) -> bool:
    mo = po.with_suffix(".mo")
    return not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime


@pytest.fixture(scope="session")
def compiled_catalogues() -> None:
    """The .mo files the site reads, compiled from the .po files when missing or older."""
    if any(_stale(_po_path(LOCALE_DIR, language)) for language in LANGUAGES):
        if shutil.which("msgfmt") is None:
            pytest.skip("msgfmt (GNU gettext) is not installed: cannot compile the catalogues")
        # compilemessages searches the working directory's tree: keep it to the project's own.
        with contextlib.chdir(ACCORD_DIR):
            call_command("compilemessages", locale=LANGUAGES, verbosity=0)


@pytest.mark.django_db
@pytest.mark.usefixtures("compiled_catalogues")
@pytest.mark.parametrize("language", LANGUAGES)
def test_public_directory_is_translated(language: str, settings: Settings) -> None:
    # Reassigning a translation setting drops Django's cached catalogues, so the ones just
    # compiled are read even if an earlier test loaded this language without them.
    settings.LOCALE_PATHS = [*settings.LOCALE_PATHS]
    message = _catalogue(_po_path(LOCALE_DIR, language), language).get("Our partners")
    assert message is not None, "“Our partners” is missing from the catalogue"
    heading = message.string
    assert isinstance(heading, str)
    assert heading
    assert heading != "Our partners"

    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get("/partners/")

    assert response.status_code == 200
    page = response.content.decode()
    assert f'<html lang="{language}">' in page
    assert f"<h1>{escape(heading)}</h1>" in page
    assert "Our partners" not in page
