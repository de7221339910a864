"""The ``accord`` console command: management commands under friendlier names."""

from __future__ import annotations

import os
from importlib.metadata import entry_points

import pytest

from accord import cli


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The argv each call hands to Django, instead of running the command."""
    calls: list[list[str]] = []
    monkeypatch.setattr(
        "django.core.management.execute_from_command_line", lambda argv: calls.append(argv)
    )
    return calls


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["accord", "serve"], ["accord", "runserver"]),
        (["accord", "serve", "0.0.0.0:8000"], ["accord", "runserver", "0.0.0.0:8000"]),
        (
            ["accord", "import-institutions", "world.csv", "ror.json"],
            ["accord", "import_institutions", "world.csv", "ror.json"],
        ),
        (["accord", "demo"], ["accord", "demo"]),
        (["accord", "db_worker"], ["accord", "db_worker"]),
        (["accord", "make-messages", "-l", "az"], ["accord", "make_messages", "-l", "az"]),
        (["accord", "migrate", "--plan"], ["accord", "migrate", "--plan"]),
        (["accord", "--help"], ["accord", "--help"]),
        (["accord"], ["accord"]),
        (["/work/.venv/bin/accord", "check"], ["accord", "check"]),
    ],
)
def test_command_names(captured: list[list[str]], argv: list[str], expected: list[str]) -> None:
    cli.main(argv)
    assert captured == [expected]


def test_only_the_command_name_is_translated(captured: list[list[str]]) -> None:
    cli.main(["accord", "import-institutions", "my-file.csv", "--dry-run"])
    assert captured == [["accord", "import_institutions", "my-file.csv", "--dry-run"]]


def test_reads_sys_argv_by_default(
    captured: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.argv", ["/usr/local/bin/accord", "serve", "8001"])
    cli.main()
    assert captured == [["accord", "runserver", "8001"]]


def test_caller_argv_is_not_modified(captured: list[list[str]]) -> None:
    argv = ["accord", "serve"]
    cli.main(argv)
    assert argv == ["accord", "serve"]


def test_settings_module_defaults_to_accord(
    captured: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    cli.main(["accord", "check"])
    assert os.environ["DJANGO_SETTINGS_MODULE"] == "accord.settings"


def test_settings_module_from_the_environment_is_kept(
    captured: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "elsewhere.settings")
    cli.main(["accord", "check"])
    assert os.environ["DJANGO_SETTINGS_MODULE"] == "elsewhere.settings"


def test_console_script_is_declared() -> None:
    scripts = {ep.name: ep.value for ep in entry_points(group="console_scripts")}
    assert scripts.get("accord") == "accord.cli:main"
