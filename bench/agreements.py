"""Agreement list, filter and quota timings on generated agreements, in process (no network).

    .venv/bin/python bench/agreements.py [--agreements 20000] [--institutions 2000] [--repeat 200]
    scripts/throwaway-postgres .venv/bin/python bench/agreements.py

Without DATABASE_URL it runs on SQLite in a temporary ACCORD_DATA_DIR made here and removed
afterwards; with DATABASE_URL, on that database, which must hold no institutions (the bench
fills it). It migrates, generates the institutions and the agreements between them and a
generated home university, creates a home officer and a coordinator of the partner with the
most agreements, then times requests through django.test.Client and, for each case, the SQL
statements one such request ran, executed again on the database driver's own cursor (see
harness.py).

The quota figures are places agreements allow (quotas summed); places used, counted from the
mobilities, are the exchanges' quota use, not timed here.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

import harness
from harness import Case

# Django and Accord modules are imported inside the functions (see harness).
if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django.test import Client

    from accord.agreements.models import Agreement
    from accord.institutions.models import Institution

PAGE_SIZE = 50
HEAVY_RUNS = 20
# The API's agreement filters: kind, status, party (an institution id).
Filters = Mapping[str, object]


def _arguments() -> argparse.Namespace:
    parser = harness.parser(__doc__.split("\n\n")[0])
    parser.add_argument("--agreements", type=int, default=20_000)
    parser.add_argument("--institutions", type=int, default=2_000)
    parser.add_argument(
        "--create-index",
        action="append",
        default=[],
        metavar="SQL",
        help="A statement (CREATE INDEX ...) to run after generating, before the timings, to "
        "measure an index before adding it to the models; may be repeated.",
    )
    parser.add_argument(
        "--only", default="", help="Run only the cases whose label contains this text."
    )
    return parser.parse_args()


def _busiest_partner() -> Institution:
    """The institution, other than the home university, party to the most agreements."""
    from django.db.models import Count

    from accord.agreements.models import AgreementParty
    from accord.institutions.models import Institution

    busiest = (
        AgreementParty.objects.exclude(institution__in=Institution.objects.home())
        .values("institution")
        .annotate(agreements=Count("id"))
        .order_by("-agreements", "institution")[0]
    )
    return Institution.objects.get(pk=busiest["institution"])


def _typical_protocol(partner: Institution) -> Agreement:
    """An active protocol with the partner, from the middle of them by id."""
    from accord.agreements.models import AgreementKind, AgreementStatus

    protocols = _selected(
        {"kind": AgreementKind.PROTOCOL, "status": AgreementStatus.ACTIVE, "party": partner.pk}
    ).order_by("id")
    return protocols[protocols.count() // 2]


def _latest_version() -> Agreement:
    """The first agreement with the most versions before it."""
    from accord.agreements.models import Agreement

    return Agreement.objects.order_by("-version_number", "id")[0]


def _selected(filters: Filters) -> QuerySet[Agreement]:
    """The agreements the API's filters (kind, status, party) select."""
    from accord.agreements.models import Agreement

    lookups = {"kind": "kind", "status": "status", "party": "parties__institution_id"}
    return Agreement.objects.filter(**{lookups[name]: value for name, value in filters.items()})


def _quota_rows(filters: Filters) -> int:
    """How many quotas /api/quota-totals adds up for these filters."""
    from accord.agreements.models import Quota

    return Quota.objects.filter(agreement__in=_selected(filters).values("pk")).count()


def _last_page(filters: Filters) -> int:
    return max(1, math.ceil(_selected(filters).count() / PAGE_SIZE))


def _query(filters: Filters) -> str:
    return "&".join(f"{name}={value}" for name, value in filters.items())


def _url(path: str, filters: Filters, page: int | None = None) -> str:
    query = _query({**filters, "page": page} if page else filters)
    return f"{path}?{query}" if query else path


def _cases(partner: Institution) -> list[tuple[str, Case]]:
    """(who asks, case): list pages near the start, middle and end, with and without filters;
    one agreement and its quotas; quota totals; the pages; the partner coordinator's view."""
    selections: list[Filters] = [
        {},
        {"status": "active"},
        {"kind": "protocol"},
        {"party": partner.pk},
        {"status": "active", "kind": "protocol"},
    ]
    officer: list[Case] = []
    for filters in selections:
        last = _last_page(filters)
        # Every list's first and last page, and the middle one of the whole list.
        pages = sorted({1, max(1, last // 2), last}) if not filters else sorted({1, last})
        for page in pages:
            label = f"{_query(filters)} page {page}".strip()
            officer.append(Case("list", label, _url("/api/agreements", filters, page)))
    protocol = _typical_protocol(partner)
    officer += [
        Case("one", f"agreement {protocol.pk}", f"/api/agreements/{protocol.pk}"),
        Case("one", f"agreement {protocol.pk} quotas", f"/api/agreements/{protocol.pk}/quotas"),
    ]
    for filters in ({"status": "active", "kind": "protocol"}, {"party": partner.pk}):
        label = f"{_query(filters)} ({_quota_rows(filters)} quotas)"
        officer.append(Case("quota-totals", label, _url("/api/quota-totals", filters)))
    # Every agreement's totals: seconds a request at 20,000 agreements, so fewer runs.
    label = f"all ({_quota_rows({})} quotas, {HEAVY_RUNS} runs)"
    officer.append(Case("quota-totals", label, "/api/quota-totals", HEAVY_RUNS))
    active = {"status": "active"}
    for url in (_url("/agreements/", active), _url("/agreements/", active, _last_page(active))):
        officer.append(Case("ui", url, url))
    officer.append(Case("ui", f"/agreements/{protocol.pk}/", f"/agreements/{protocol.pk}/"))
    renewed = _latest_version()
    label = f"/agreements/{renewed.pk}/ (version {renewed.version_number})"
    officer.append(Case("ui", label, f"/agreements/{renewed.pk}/"))
    own = {"party": partner.pk}
    coordinator = [
        Case("partner", f"page {page}", _url("/api/agreements", {}, page))
        for page in sorted({1, _last_page(own)})
    ]
    coordinator += [
        Case("partner", f"quota-totals ({_quota_rows(own)} quotas)", "/api/quota-totals"),
        Case("partner", "/agreements/", "/agreements/"),
    ]
    return [("officer", case) for case in officer] + [("partner", case) for case in coordinator]


def _run(arguments: argparse.Namespace) -> None:
    from django.db import connection

    from accord.accounts.models import Role
    from accord.demo.generate import generate_agreements, generate_registry

    harness.migrate_empty()
    started = time.perf_counter()
    counts = generate_registry(arguments.institutions, seed=arguments.seed)
    counts.update(generate_agreements(arguments.agreements, seed=arguments.seed))
    created = ", ".join(f"{number} {name}" for name, number in counts.items())
    print(f"Generated in {time.perf_counter() - started:.1f} s: {created}\n")
    with connection.cursor() as cursor:
        for sql in arguments.create_index:
            print(f"Ran: {sql}")
            cursor.execute(sql)
    harness.maintain()
    partner = _busiest_partner()
    clients: dict[str, Client] = {
        "officer": harness.client_for(harness.home_officer()),
        "partner": harness.client_for(
            harness.user_of(partner, Role.PARTNER_COORDINATOR, "bench-partner")
        ),
    }
    harness.print_environment(arguments)
    agreements = _selected({"party": partner.pk}).count()
    print(f"{'partner':>12}: {partner.name} (id {partner.pk}), {agreements} agreements\n")
    cases = [
        (who, case)
        for who, case in _cases(partner)
        if arguments.only in f"{case.group}: {case.label}"
    ]
    results = [
        harness.measure(clients[who], case, arguments.repeat, arguments.warmup)
        for who, case in cases
    ]
    harness.report(results, arguments.sql)


if __name__ == "__main__":
    harness.main(_run, _arguments())
