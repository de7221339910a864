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
import time
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import harness
from harness import Case

# Django and Accord modules are imported inside the functions (see harness).
if TYPE_CHECKING:
    from accord.institutions.models import Institution

PAGE_SIZE = 50
NO_MATCH = "zzqx nowhere"


def _arguments() -> argparse.Namespace:
    parser = harness.parser(__doc__.split("\n\n")[0])
    parser.add_argument("--institutions", type=int, default=10_000)
    return parser.parse_args()


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


def _run(arguments: argparse.Namespace) -> None:
    from accord.demo.generate import generate_registry

    harness.migrate_empty()
    started = time.perf_counter()
    counts = generate_registry(arguments.institutions, seed=arguments.seed)
    created = ", ".join(f"{number} {name}" for name, number in counts.items())
    print(f"Generated in {time.perf_counter() - started:.1f} s: {created}\n")
    harness.maintain()
    client = harness.client_for(harness.home_officer())
    harness.print_environment(arguments)
    cases = _cases()
    harness.report(
        [harness.measure(client, case, arguments.repeat, arguments.warmup) for case in cases],
        arguments.sql,
    )


if __name__ == "__main__":
    harness.main(_run, _arguments())
