"""Registry search and list timings on generated institutions, in process (no network).

    .venv/bin/python bench/registry.py [--institutions 10000] [--repeat 200]
    scripts/throwaway-postgres .venv/bin/python bench/registry.py

Without DATABASE_URL it runs on SQLite in a temporary ACCORD_DATA_DIR made here and removed
afterwards; with DATABASE_URL, on that database, which must hold no institutions (the bench
fills it). It migrates, generates the institutions, creates a home officer, then times requests
through django.test.Client and, for each case, the SQL statements one such request ran, executed
again on the database driver's own cursor: the gap between the two is what Django, Ninja,
serialisation and templates add.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import django

# Django and Accord modules are imported inside the functions: the settings read ACCORD_DATA_DIR
# and DATABASE_URL when first imported, and main() chooses the data directory before that.
if TYPE_CHECKING:
    from django.test import Client

    from accord.accounts.models import User
    from accord.institutions.models import Institution

PAGE_SIZE = 50
NO_MATCH = "zzqx nowhere"
VERSION_SQL = {"sqlite": "select sqlite_version()", "postgresql": "show server_version"}
# Planner statistics (and, on PostgreSQL, a vacuumed table) as a database in use has them, so
# that autovacuum does not change the plans or compete for the CPU halfway through the run.
MAINTENANCE_SQL = {"sqlite": "analyze", "postgresql": "vacuum analyze"}


@dataclass(frozen=True)
class Case:
    group: str
    label: str
    url: str


@dataclass(frozen=True)
class Result:
    case: Case
    hits: str
    statements: list[str]
    median: float
    p95: float
    raw_median: float


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--institutions", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=200, help="Timed runs per case.")
    parser.add_argument("--warmup", type=int, default=20, help="Untimed runs first.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sql", action="store_true", help="Also print each case's SQL.")
    return parser.parse_args()


def _timed(action: Callable[[], object], repeat: int, warmup: int) -> list[float]:
    """Milliseconds per run of ``action``, after ``warmup`` untimed runs."""
    for _ in range(warmup):
        action()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _proc(path: str, key: str) -> str | None:
    """A ``key: value`` line's value from a /proc file (None elsewhere than Linux)."""
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        name, _, value = line.partition(":")
        if name.strip() == key:
            return value.strip()
    return None


def _environment() -> list[tuple[str, str]]:
    from django.db import connection

    memory = _proc("/proc/meminfo", "MemTotal")
    with connection.cursor() as cursor:
        cursor.execute(VERSION_SQL[connection.vendor])
        database_version = cursor.fetchone()[0]
    return [
        ("date", datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("CPU", _proc("/proc/cpuinfo", "model name") or platform.processor() or "unknown"),
        ("cores", str(os.cpu_count())),
        ("RAM", f"{int(memory.split()[0]) / 1024**2:.1f} GiB" if memory else "unknown"),
        ("OS", platform.platform()),
        ("Python", platform.python_version()),
        ("Django", django.get_version()),
        ("django-ninja", version("django-ninja")),
        ("database", f"{connection.display_name} {database_version}"),
        (
            "driver",
            f"psycopg {version('psycopg')}" if connection.vendor == "postgresql" else "sqlite3",
        ),
    ]


def _home_officer() -> User:
    """The user every request is made as: an IRO officer of the home university."""
    from accord.accounts.models import Role, RoleGrant, User
    from accord.institutions.models import Institution, PartnerStatus

    home = Institution.objects.create(
        name="Bench Home University", country="UA", partner_status=PartnerStatus.HOME
    )
    user = User.objects.create_user(username="bench-officer", institution=home)
    RoleGrant.objects.create(user=user, role=Role.IRO_OFFICER)
    return user


def _target() -> Institution:
    """A Ukrainian national university (acronym of three letters or more) from the middle of the
    generated ones, or any generated institution if there is none."""
    from accord.demo.generate import generated_institutions
    from accord.institutions.models import InstitutionKind

    candidates = generated_institutions().order_by("id")
    typical = candidates.filter(
        country="UA", kind=InstitutionKind.UNIVERSITY, name__contains=" National "
    )
    chosen = typical if typical.exists() else candidates
    return chosen[chosen.count() // 2]


def _cases() -> list[Case]:
    """Searches a user would type, list pages near the start, middle and end, the UI page."""
    from accord.institutions.models import Institution, NameKind

    target = _target()
    local = target.names.get(kind=NameKind.OFFICIAL).name
    acronym = target.names.get(kind=NameKind.ACRONYM, language="en").name
    domain = target.domains.order_by("domain")[0].domain
    searches = [
        ("name fragment", " ".join(target.name.split()[:2])),
        ("second-language fragment", " ".join(local.split()[1:]) or local),
        ("acronym", acronym),
        ("domain", domain),
        ("common word", "university"),
        ("no match", NO_MATCH),
    ]
    pages = math.ceil(Institution.objects.count() / PAGE_SIZE)
    country_pages = math.ceil(
        Institution.objects.filter(country=target.country).count() / PAGE_SIZE
    )
    cases = [
        Case("search", f"{label}: {query}", f"/api/institutions?{urlencode({'q': query})}")
        for label, query in searches
    ]
    cases += [
        Case("list", f"page {page}", f"/api/institutions?page={page}")
        for page in sorted({1, max(1, pages // 2), pages})
    ]
    cases += [
        Case(
            "list",
            f"country={target.country} page {page}",
            f"/api/institutions?country={target.country}&page={page}",
        )
        for page in sorted({1, country_pages})
    ]
    cases += [
        Case("ui", f"/registry/ q: {query}", f"/registry/?{urlencode({'q': query})}")
        for query in (searches[1][1], acronym)
    ]
    cases.append(Case("ui", "/registry/ page 1", "/registry/"))
    return cases


def _measure(client: Client, case: Case, repeat: int, warmup: int) -> Result:
    """Time the request, then the statements it ran, on a bare driver cursor."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def get() -> Any:
        response = client.get(case.url)
        if response.status_code != 200:
            raise RuntimeError(f"{case.url} answered {response.status_code}")
        return response

    with CaptureQueriesContext(connection) as captured:
        response = get()
    statements = [query["sql"] for query in captured.captured_queries]
    if not all(sql.lstrip().upper().startswith("SELECT") for sql in statements):
        raise RuntimeError(f"{case.url} wrote to the database: {statements}")
    hits = str(response.json()["count"]) if case.group != "ui" else ""
    endpoint = _timed(get, repeat, warmup)
    cursor = connection.connection.cursor()

    def execute() -> None:
        for sql in statements:
            cursor.execute(sql)
            cursor.fetchall()

    raw = _timed(execute, repeat, warmup)
    cursor.close()
    return Result(
        case,
        hits,
        statements,
        statistics.median(endpoint),
        statistics.quantiles(endpoint, n=20, method="inclusive")[-1],
        statistics.median(raw),
    )


def _report(results: list[Result], show_sql: bool) -> None:
    print("| case | hits | queries | median ms | p95 ms | raw SQL median ms | endpoint/raw |")
    print("|---|--:|--:|--:|--:|--:|--:|")
    for r in results:
        print(
            f"| {r.case.group}: {r.case.label} | {r.hits} | {len(r.statements)} "
            f"| {r.median:.2f} | {r.p95:.2f} | {r.raw_median:.2f} "
            f"| {r.median / r.raw_median:.1f} |"
        )
    if show_sql:
        for r in results:
            print(f"\n{r.case.url}")
            for sql in r.statements:
                print(f"  {sql}")


def _run(arguments: argparse.Namespace) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from accord.demo.generate import generate_registry
    from accord.institutions.models import Institution

    call_command("migrate", verbosity=0)
    if Institution.objects.exists():
        raise SystemExit("The database already holds institutions; the bench needs an empty one.")
    started = time.perf_counter()
    counts = generate_registry(arguments.institutions, seed=arguments.seed)
    created = ", ".join(f"{number} {name}" for name, number in counts.items())
    print(f"Generated in {time.perf_counter() - started:.1f} s: {created}\n")
    with connection.cursor() as cursor:
        cursor.execute(MAINTENANCE_SQL[connection.vendor])
    client = Client()
    client.force_login(_home_officer())
    for name, value in _environment():
        print(f"{name:>12}: {value}")
    print(f"{'runs':>12}: {arguments.warmup} warm-up, then {arguments.repeat} timed per case\n")
    cases = _cases()
    _report(
        [_measure(client, case, arguments.repeat, arguments.warmup) for case in cases],
        arguments.sql,
    )


def main() -> None:
    """Set up Django on the chosen database and run the bench."""
    arguments = _arguments()
    with tempfile.TemporaryDirectory(prefix="accord-bench-") as data_dir:
        if "DATABASE_URL" not in os.environ:
            os.environ["ACCORD_DATA_DIR"] = data_dir
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
        django.setup()
        _run(arguments)


if __name__ == "__main__":
    main()
