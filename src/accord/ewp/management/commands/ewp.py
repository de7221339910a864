"""``accord ewp``: Erasmus Without Paper documents, hashes, keys, partners and pulls."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.core.commands import actor_from, add_actor_option
from accord.core.errors import Conflict
from accord.ewp import client, copies, keys
from accord.ewp import iia as ewp
from accord.ewp.exporting import (
    home_institution,
    iias_response,
    institutions_document,
    ounits_document,
    our_iias,
)
from accord.ewp.models import EwpPartner, PartnerIia
from accord.ewp.projection import NotExportable
from accord.ewp.xml import XmlRefused, parse, serialize
from accord.institutions.models import Institution, Unit


class Command(BaseCommand):
    help = (
        "Erasmus Without Paper: export our IIAs, institutions and units as EWP XML, import a "
        "partner's IIAs, print IIA hashes, manage our signing key and partners' endpoints, and "
        "pull a partner's IIAs. See 'accord ewp ACTION --help'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        export = actions.add_parser(
            "export-iias",
            help="Write every Erasmus+ IIA as an IIAs v7 get-response, checked against the "
            "schema. Agreements that cannot be written are listed, and nothing is written.",
        )
        export.add_argument("--out", type=Path, required=True, metavar="FILE")
        institutions = actions.add_parser(
            "export-institutions",
            help="Write the home university and every partner with a hei-id as an "
            "Institutions v2 response.",
        )
        institutions.add_argument("--out", type=Path, required=True, metavar="FILE")
        ounits = actions.add_parser(
            "export-ounits", help="Write an institution's units as an OUnits v2 response."
        )
        ounits.add_argument("--out", type=Path, required=True, metavar="FILE")
        ounits.add_argument(
            "--hei", metavar="HEI_ID", help="The institution (default: the home university)."
        )
        imported = actions.add_parser(
            "import-iias",
            help="Read a partner's IIAs v7 (or v6) get-response and store its copies, mapped to "
            "our agreements; all or nothing.",
        )
        imported.add_argument("file", type=Path, metavar="FILE")
        add_actor_option(imported, "Record the import as done by this user.")
        hashed = actions.add_parser(
            "hash", help="Print each IIA's iia-id and the v7 iia-hash computed for it."
        )
        hashed.add_argument("file", type=Path, metavar="FILE")
        actions.add_parser(
            "keys",
            help="Make our signing key if there is none, and print its key id and public key "
            "for partners to register.",
        )
        partner = actions.add_parser(
            "partner", help="Register a partner's EWP endpoints and the public key it signs with."
        )
        partner.add_argument("hei_id", metavar="HEI_ID")
        partner.add_argument("--url", required=True, help="The base address of its endpoints.")
        partner.add_argument("--key-file", type=Path, help="Its RSA public key (PEM).")
        add_actor_option(partner, "Record the change as done by this user.")
        mapped = actions.add_parser(
            "map",
            help="Say which of our agreements a partner's copy is a copy of, so that our copy "
            "names the partner's iia-id and approvals can follow.",
        )
        mapped.add_argument("--partner", required=True, metavar="HEI_ID")
        mapped.add_argument("--iia-id", required=True, help="The partner's iia-id of its copy.")
        mapped.add_argument("--agreement", type=int, required=True, help="Our agreement's number.")
        add_actor_option(mapped, "Record the change as done by this user.")
        approve = actions.add_parser(
            "approve",
            help="Approve the partner's copy mapped to our agreement, as it stands (its hash).",
        )
        approve.add_argument("--agreement", type=int, required=True, help="Our agreement's number.")
        add_actor_option(approve, "Record the approval as done by this user.")
        pull = actions.add_parser(
            "pull",
            help="Fetch a partner's IIAs from its endpoints and import them; then fetch its "
            "approvals of ours.",
        )
        pull.add_argument("--partner", required=True, metavar="HEI_ID")
        add_actor_option(pull, "Record the import as done by this user.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"].replace("-", "_")
        try:
            getattr(self, action)(options)
        except (
            XmlRefused,
            NotExportable,
            client.PullFailed,
            keys.KeyProblem,
            Conflict,
        ) as problem:
            raise CommandError(str(problem)) from problem

    def _write(self, path: Path, data: bytes, what: str, started: float) -> None:
        path.write_bytes(data)
        self.stdout.write(f"{what} written to {path} in {time.perf_counter() - started:.2f} s.")

    def export_iias(self, options: dict[str, Any]) -> None:
        started = time.perf_counter()
        projected, problems = our_iias()
        if problems:
            raise CommandError(
                "These agreements cannot be written as EWP IIAs:\n" + "\n".join(problems)
            )
        self._write(
            options["out"], serialize(iias_response(projected)), f"{len(projected)} IIAs", started
        )

    def export_institutions(self, options: dict[str, Any]) -> None:
        started = time.perf_counter()
        chosen = (
            Institution.objects.filter(pk__in=[home_institution().pk])
            | Institution.objects.partners()
        )
        root = institutions_document(chosen.order_by("pk"))
        self._write(options["out"], serialize(root), f"{len(root)} institutions", started)

    def export_ounits(self, options: dict[str, Any]) -> None:
        started = time.perf_counter()
        hei = options["hei"]
        institution = (
            Institution.objects.filter(ewp_hei_id=hei).first() if hei else home_institution()
        )
        if institution is None:
            raise CommandError(f"No institution has the hei-id {hei}.")
        root = ounits_document(Unit.objects.filter(institution=institution))
        self._write(options["out"], serialize(root), f"{len(root)} units", started)

    def import_iias(self, options: dict[str, Any]) -> None:
        started = time.perf_counter()
        data = _read(options["file"])
        report = copies.import_copies(actor_from(options), data, home_institution())
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(
            f"{len(report.created)} created, {len(report.changed)} changed, "
            f"{len(report.unchanged)} unchanged in {time.perf_counter() - started:.2f} s."
        )

    def hash(self, options: dict[str, Any]) -> None:
        root = parse(_read(options["file"]))
        for element in ewp.iia_elements(root):
            iia = ewp.read_iia(element)
            computed = (
                ewp.iia_hash(element)
                if ewp.namespace_of(element) == ewp.IIAS_V7
                else ewp.hash_of(iia)
            )
            self.stdout.write(f"{iia.iia_id} {computed}")

    def keys(self, options: dict[str, Any]) -> None:
        created = keys.ensure_private_key()
        if created:
            self.stdout.write(f"A new signing key was written to {keys.key_file()}.")
        self.stdout.write(f"key id: {keys.our_key_id()}")
        self.stdout.write(keys.our_public_key().decode().strip())

    def partner(self, options: dict[str, Any]) -> None:
        institution = Institution.objects.filter(ewp_hei_id=options["hei_id"]).first()
        if institution is None:
            raise CommandError(f"No institution has the hei-id {options['hei_id']}.")
        key = _read(options["key_file"]).decode() if options["key_file"] else None
        registered = client.register_partner(actor_from(options), institution, options["url"], key)
        self.stdout.write(
            f"{institution.name}: endpoints {registered.api_url}"
            + (f", key id {registered.key_id}" if registered.key_id else "")
        )

    def map(self, options: dict[str, Any]) -> None:
        copy = PartnerIia.objects.filter(
            institution__ewp_hei_id=options["partner"], iia_id=options["iia_id"]
        ).first()
        if copy is None:
            raise CommandError(f"No copy {options['iia_id']} from {options['partner']} is stored.")
        copies.map_copy(actor_from(options), copy, options["agreement"])
        self.stdout.write(
            f"{options['partner']} {copy.iia_id} is the partner's copy of agreement {options['agreement']}."
        )

    def approve(self, options: dict[str, Any]) -> None:
        copy = PartnerIia.objects.filter(agreement_id=options["agreement"]).first()
        if copy is None:
            raise CommandError(f"No partner's copy is mapped to agreement {options['agreement']}.")
        approved = copies.approve(actor_from(options), copy)
        self.stdout.write(f"Approved {approved.iia_id} with the hash {approved.approved_hash}.")

    def pull(self, options: dict[str, Any]) -> None:
        started = time.perf_counter()
        partner = (
            EwpPartner.objects.select_related("institution")
            .filter(institution__ewp_hei_id=options["partner"])
            .first()
        )
        if partner is None or not partner.api_url:
            raise CommandError(
                f"No EWP endpoints are registered for {options['partner']} (accord ewp partner)."
            )
        report, approvals = client.pull(actor_from(options), partner)
        for line in report.lines():
            self.stdout.write(line)
        for line in approvals:
            self.stdout.write(line)
        self.stdout.write(
            f"{len(report.created)} created, {len(report.changed)} changed, "
            f"{len(report.unchanged)} unchanged in {time.perf_counter() - started:.2f} s."
        )


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
