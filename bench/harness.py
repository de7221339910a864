"""What the benches share: the database they run on, the users they act as, timing a request and
its bare SQL, the environment and the results table.

Each bench script (registry.py, agreements.py) fills the database, lists its cases and calls
:func:`measure` and :func:`report`; :func:`main` runs it on SQLite in a temporary
ACCORD_DATA_DIR made here and removed afterwards, or on the database DATABASE_URL names.
"""

from __future__ import annotations

import argparse
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

import django

# Django and Accord modules are imported inside the functions: the settings read ACCORD_DATA_DIR
# and DATABASE_URL when first imported, and main() chooses the data directory before that.
if TYPE_CHECKING:
    from django.test import Client

    from accord.accounts.models import Role, User
    from accord.institutions.models import Institution

VERSION_SQL = {"sqlite": "select sqlite_version()", "postgresql": "show server_version"}
# Planner statistics (and, on PostgreSQL, a vacuumed table) as a database in use has them, so
# that autovacuum does not change the plans or compete for the CPU halfway through the run.
MAINTENANCE_SQL = {"sqlite": "analyze", "postgresql": "vacuum analyze"}


@dataclass(frozen=True)
class Case:
    group: str
    label: str
    url: str
    # Fewer timed (and warm-up) runs than asked for, for a case that takes seconds.
    most_runs: int | None = None


@dataclass(frozen=True)
class Result:
    case: Case
    hits: str
    statements: list[str]
    median: float
    p95: float
    raw_median: float


def parser(description: str) -> argparse.ArgumentParser:
    """The options every bench takes; a script adds its own."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--repeat", type=int, default=200, help="Timed runs per case.")
    parser.add_argument("--warmup", type=int, default=20, help="Untimed runs first.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sql", action="store_true", help="Also print each case's SQL.")
    return parser


def main(run: Callable[[argparse.Namespace], None], arguments: argparse.Namespace) -> None:
    """Set up Django on the chosen database and run the bench."""
    with tempfile.TemporaryDirectory(prefix="accord-bench-") as data_dir:
        if "DATABASE_URL" not in os.environ:
            os.environ["ACCORD_DATA_DIR"] = data_dir
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
        django.setup()
        run(arguments)


def migrate_empty() -> None:
    """Migrate the database; refuse one that holds institutions, so that generated data is
    never mixed into real data."""
    from django.core.management import call_command

    from accord.institutions.models import Institution

    call_command("migrate", verbosity=0)
    if Institution.objects.exists():
        raise SystemExit("The database already holds institutions; the bench needs an empty one.")


def home_and_partners(
    partners: int, hei_ids: bool = False
) -> tuple[Institution, list[Institution]]:
    """A generated home university (in Ukraine) and ``partners`` partners (in Azerbaijan), with
    Erasmus codes, and EWP hei-ids when asked."""
    from accord.institutions.models import Institution, PartnerStatus

    home = Institution.objects.create(
        name="Generated Home University",
        country="UA",
        partner_status=PartnerStatus.HOME,
        ewp_hei_id="home.example.ua" if hei_ids else "",
    )
    others = Institution.objects.bulk_create(
        Institution(
            name=f"Generated Partner {n}",
            country="AZ",
            erasmus_code=f"AZ PARTNER{n:03}",
            ewp_hei_id=f"partner{n}.example.az" if hei_ids else "",
            partner_status=PartnerStatus.PARTNER,
        )
        for n in range(partners)
    )
    return home, others


def maintain() -> None:
    """Planner statistics for the freshly written tables (see MAINTENANCE_SQL)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(MAINTENANCE_SQL[connection.vendor])


def timed(action: Callable[[], object], repeat: int, warmup: int) -> list[float]:
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


def environment() -> list[tuple[str, str]]:
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


def print_environment(arguments: argparse.Namespace | None = None) -> None:
    """The machine and versions; with ``arguments``, also the runs per case."""
    for name, value in environment():
        print(f"{name:>12}: {value}")
    if arguments is not None:
        print(f"{'runs':>12}: {arguments.warmup} warm-up, then {arguments.repeat} timed per case")
    print()


def home_officer() -> User:
    """An IRO officer of the home university (made if there is none yet): the user most
    requests are made as."""
    from accord.accounts.models import Role
    from accord.institutions.models import Institution, PartnerStatus

    home = Institution.objects.home().first() or Institution.objects.create(
        name="Bench Home University", country="UA", partner_status=PartnerStatus.HOME
    )
    return user_of(home, Role.IRO_OFFICER, "bench-officer")


def user_of(institution: Institution, role: Role, username: str) -> User:
    from accord.accounts.models import RoleGrant, User

    user = User.objects.create_user(username=username, institution=institution)
    RoleGrant.objects.create(user=user, role=role)
    return user


def client_for(user: User) -> Client:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def _hits(response: Any) -> str:
    """How many things a JSON answer holds: a page's count, a list's length ("" otherwise)."""
    if not response["Content-Type"].startswith("application/json"):
        return ""
    data = response.json()
    if isinstance(data, list):
        return str(len(data))
    if isinstance(data, dict) and "count" in data:
        return str(data["count"])
    return ""


def measure(client: Client, case: Case, repeat: int, warmup: int) -> Result:
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
    hits = _hits(response)
    if case.most_runs is not None:
        repeat, warmup = min(repeat, case.most_runs), min(warmup, case.most_runs // 10)
    endpoint = timed(get, repeat, warmup)
    cursor = connection.connection.cursor()

    def execute() -> None:
        for sql in statements:
            cursor.execute(sql)
            cursor.fetchall()

    raw = timed(execute, repeat, warmup)
    cursor.close()
    return Result(
        case,
        hits,
        statements,
        statistics.median(endpoint),
        statistics.quantiles(endpoint, n=20, method="inclusive")[-1],
        statistics.median(raw),
    )


def report(results: list[Result], show_sql: bool) -> None:
    """The results as a markdown table, then each case's SQL if asked."""
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
